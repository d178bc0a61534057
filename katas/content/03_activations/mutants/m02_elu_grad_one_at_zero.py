"""Gives elu'(0) = 1 (the right-hand derivative) instead of alpha, Keras' value at the kink."""

import numpy as np

from scratch.activations import (  # noqa: F401
    elu,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    selu,
    selu_grad,
)


def elu_grad(z, alpha=1.0):
    return np.where(z >= 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))
