"""Goes down with W.T (h @ W.T): wrong whenever H == D, a shape error otherwise."""

from scratch.activations import sigmoid
from scratch.rbm import hidden_probabilities, sample_bernoulli  # noqa: F401


def visible_probabilities(h, W, b):
    return sigmoid(h @ W.T + b)
