"""Compares the wrong way round (u > p): units fire with probability 1 - p."""

from scratch.rbm import hidden_probabilities, visible_probabilities  # noqa: F401


def sample_bernoulli(p, u):
    return (u > p).astype(p.dtype)
