"""The variance in one pass, mean(x**2) - mean(x)**2: exact in algebra, but with a large offset
(x = 1e4 + N(0, 1) in float32) both terms are ~1e8 and their difference is rounding noise, often
negative (NaN)."""

import numpy as np

from scratch.layers import batchnorm_backward  # noqa: F401


def batchnorm_forward(
    x, gamma, beta, moving_mean, moving_variance, *, momentum=0.99, epsilon=1e-3, training=False
):
    if training:
        mu = x.mean(axis=0)
        var = (x * x).mean(axis=0) - mu * mu  # one pass: E[x^2] - E[x]^2
        moving_mean[...] = moving_mean * momentum + mu * (1 - momentum)
        moving_variance[...] = moving_variance * momentum + var * (1 - momentum)
    else:
        mu, var = moving_mean, moving_variance
    inv_std = 1 / np.sqrt(var + epsilon)
    xhat = (x - mu) * inv_std
    out = xhat if gamma is None else gamma * xhat
    if beta is not None:
        out = out + beta
    return out, (xhat, gamma, inv_std, training)
