"""Averages the bias gradient over the batch instead of summing it."""

from scratch.layers import dense_forward  # noqa: F401


def dense_backward(dout, cache):
    x, kernel = cache
    return dout @ kernel.T, x.T @ dout, dout.mean(axis=0)
