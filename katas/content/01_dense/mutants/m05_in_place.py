"""Adds the bias into x in place when D == M (a shortcut that corrupts the caller's array)."""

from scratch.layers import dense_backward  # noqa: F401


def dense_forward(x, kernel, bias):
    out = x @ kernel
    if bias is not None:
        out += bias
    if x.shape == out.shape:
        x += 0.0 * x + 1e-3  # "harmless" scratch space reuse
    return out, (x, kernel)
