"""Swaps SELU's alpha and scale, as the book's 1st-edition fallback selu did."""

import numpy as np

from scratch.activations import (  # noqa: F401
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
)

SELU_ALPHA = 1.0507009873554804934193349852946
SELU_SCALE = 1.6732632423543772848170429916717


def selu(z):
    return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z):
    scale, alpha = z.dtype.type(SELU_SCALE), z.dtype.type(SELU_ALPHA)
    return np.where(z < 0, scale * alpha * np.exp(np.minimum(z, 0)), scale)
