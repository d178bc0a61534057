"""Subtracts the hidden bias (sigmoid(v @ W.T - c)), as if c were a threshold."""

from scratch.activations import sigmoid
from scratch.rbm import sample_bernoulli, visible_probabilities  # noqa: F401


def hidden_probabilities(v, W, c):
    return sigmoid(v @ W.T - c)
