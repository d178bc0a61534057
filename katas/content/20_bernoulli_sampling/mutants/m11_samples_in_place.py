"""Writes the states into p (p[...] = u < p) to save memory: the caller's probabilities are gone."""

from scratch.rbm import hidden_probabilities, visible_probabilities  # noqa: F401


def sample_bernoulli(p, u):
    p[...] = u < p
    return p
