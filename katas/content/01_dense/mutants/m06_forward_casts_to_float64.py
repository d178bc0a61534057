"""dense_forward "validates" with np.asarray(x, dtype=float): float32 layers compute and return
float64 (twice the memory, and no longer what a float32 Keras model computes)."""

import numpy as np

from scratch.layers import dense_backward  # noqa: F401


def dense_forward(x, kernel, bias):
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    out = x @ kernel
    if bias is not None:
        out = out + bias
    return out, (x, kernel)
