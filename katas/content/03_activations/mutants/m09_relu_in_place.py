"""Zeroes the negative entries of z in place: right values, but the caller's array is destroyed."""

from scratch.activations import (  # noqa: F401
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    relu_grad,
    selu,
    selu_grad,
)


def relu(z):
    z[z < 0] = 0
    return z
