"""Casts the inputs with np.asarray(x, dtype=float): a float32 RBM turns float64."""

import numpy as np

from scratch.rbm import hidden_probabilities, visible_probabilities

_hidden, _visible = hidden_probabilities, visible_probabilities


def sample_bernoulli(p, u):
    return (np.asarray(u, dtype=float) < np.asarray(p, dtype=float)).astype(float)


def hidden_probabilities(v, W, c):
    return _hidden(*(np.asarray(a, dtype=float) for a in (v, W, c)))


def visible_probabilities(h, W, b):
    return _visible(*(np.asarray(a, dtype=float) for a in (h, W, b)))
