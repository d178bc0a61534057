"""Forgets to add the bias in forward."""

from scratch.layers import dense_backward  # noqa: F401


def dense_forward(x, kernel, bias):
    return x @ kernel, (x, kernel)
