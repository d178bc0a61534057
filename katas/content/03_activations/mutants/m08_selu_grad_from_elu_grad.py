"""Writes selu' as scale * elu'(z, alpha): right everywhere but at 0 (scale * alpha, not scale)."""

from scratch.activations import (  # noqa: F401
    SELU_ALPHA,
    SELU_SCALE,
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    selu,
)


def selu_grad(z):
    return z.dtype.type(SELU_SCALE) * elu_grad(z, SELU_ALPHA)
