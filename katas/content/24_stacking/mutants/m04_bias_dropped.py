"""Leaves the Dense bias at zero (Keras' default initializer) instead of the RBM's hidden bias
c: the layer computes sigmoid(x @ W.T), not P(h = 1 | x)."""

import numpy as np

from scratch.pretraining import layer_inputs  # noqa: F401


def stack_weights(params):
    return [(w.T.copy(), np.zeros_like(c)) for w, c in params]
