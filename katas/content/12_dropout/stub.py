"""Kata 12: dropout. Run `katas check dropout` after each change."""

import numpy as np


def dropout_forward(
    x: np.ndarray, rate: float, mask: np.ndarray | None = None, training: bool = False
):
    """Inverted dropout, Keras semantics.

    training=True:  out = x * mask / (1 - rate)
    training=False: out = x (the mask, if any, is ignored)

    ``rate`` is the DROP probability, in [0, 1). ``mask`` is the keep mask: 1 (or True) keeps a
    unit, 0 (or False) drops it; its shape broadcasts to x's, e.g. (N, D), (N, 1) or (1, D).
    The caller draws it, typically as ``rng.random(x.shape) >= rate``.

    x (N, D) -> (out (N, D) of x's dtype, cache).
    """
    raise NotImplementedError("write dropout_forward")


def dropout_backward(dout: np.ndarray, cache):
    """Given dout = dL/dout (N, D) and the cache from dropout_forward, return dx (N, D)."""
    raise NotImplementedError("write dropout_backward")
