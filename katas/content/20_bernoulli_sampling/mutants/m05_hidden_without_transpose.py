"""Goes up with W instead of W.T (v @ W): wrong whenever H == D, a shape error otherwise."""

from scratch.activations import sigmoid
from scratch.rbm import sample_bernoulli, visible_probabilities  # noqa: F401


def hidden_probabilities(v, W, c):
    return sigmoid(v @ W + c)
