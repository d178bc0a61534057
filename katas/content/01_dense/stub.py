"""Kata 1: the dense layer. Run `katas check dense` after each change."""

import numpy as np


def dense_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None):
    """out = x @ kernel + bias.

    x (N, D), kernel (D, M), bias (M,) or None -> (out (N, M), cache).
    """
    raise NotImplementedError("write dense_forward")


def dense_backward(dout: np.ndarray, cache):
    """Given dout = dL/dout (N, M) and the cache from dense_forward, return
    (dx (N, D), dkernel (D, M), dbias (M,))."""
    raise NotImplementedError("write dense_backward")
