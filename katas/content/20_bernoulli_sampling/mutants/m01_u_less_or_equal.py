"""Turns a unit on where u <= p: u = 0.0 (a possible uniform) turns on a unit of probability 0."""

from scratch.rbm import hidden_probabilities, visible_probabilities  # noqa: F401


def sample_bernoulli(p, u):
    return (u <= p).astype(p.dtype)
