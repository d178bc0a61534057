"""Ignores the mode in backward: uses the training formula (paths through mu and var) at
inference too, where the moving statistics are constants."""

from scratch.layers import batchnorm_forward  # noqa: F401


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std, _ = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    scale = inv_std if gamma is None else gamma * inv_std
    n = dout.shape[0]
    return (scale / n) * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta
