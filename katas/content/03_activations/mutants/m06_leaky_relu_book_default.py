"""Defaults leaky ReLU's slope to the book's 0.01 instead of Keras' function default 0.2."""

import numpy as np

from scratch.activations import elu, elu_grad, relu, relu_grad, selu, selu_grad  # noqa: F401


def leaky_relu(z, negative_slope=0.01):
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_grad(z, negative_slope=0.01):
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))
