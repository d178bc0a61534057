"""Builds the ReLU and leaky ReLU derivatives in float64 whatever z's dtype (a silent upcast)."""

import numpy as np

from scratch.activations import elu, elu_grad, leaky_relu, relu, selu, selu_grad  # noqa: F401


def relu_grad(z):
    return (z > 0).astype(float)


def leaky_relu_grad(z, negative_slope=0.2):
    return np.where(z > 0, 1.0, negative_slope)
