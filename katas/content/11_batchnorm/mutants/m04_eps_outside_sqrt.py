"""Adds epsilon outside the square root: (x - mu) / (sqrt(var) + eps)."""

import numpy as np

from scratch.layers import batchnorm_backward  # noqa: F401


def batchnorm_forward(
    x, gamma, beta, moving_mean, moving_variance, *, momentum=0.99, epsilon=1e-3, training=False
):
    if training:
        mu, var = x.mean(axis=0), x.var(axis=0)
        moving_mean[...] = moving_mean * momentum + mu * (1 - momentum)
        moving_variance[...] = moving_variance * momentum + var * (1 - momentum)
    else:
        mu, var = moving_mean, moving_variance
    inv_std = 1 / (np.sqrt(var) + epsilon)
    xhat = (x - mu) * inv_std
    out = xhat if gamma is None else gamma * xhat
    if beta is not None:
        out = out + beta
    return out, (xhat, gamma, inv_std, training)
