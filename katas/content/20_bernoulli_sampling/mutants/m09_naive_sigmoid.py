"""Writes the sigmoid as 1 / (1 + exp(-z)): np.exp overflows for large negative z."""

import numpy as np

from scratch.rbm import sample_bernoulli  # noqa: F401


def hidden_probabilities(v, W, c):
    return 1 / (1 + np.exp(-(v @ W.T + c)))


def visible_probabilities(h, W, b):
    return 1 / (1 + np.exp(-(h @ W + b)))
