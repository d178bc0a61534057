"""Normalises the hidden layer with a softmax: the units are independent sigmoids in an RBM."""

import numpy as np

from scratch.rbm import sample_bernoulli, visible_probabilities  # noqa: F401


def hidden_probabilities(v, W, c):
    z = v @ W.T + c
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
