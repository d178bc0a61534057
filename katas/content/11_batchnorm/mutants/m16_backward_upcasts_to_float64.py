"""batchnorm_backward "validates" dout with np.asarray(dout, dtype=float): a float32 model gets
float64 gradients (twice the memory, and no longer what TensorFlow computes)."""

import numpy as np

from scratch.layers import batchnorm_forward  # noqa: F401


def batchnorm_backward(dout, cache):
    dout = np.asarray(dout, dtype=float)
    xhat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    scale = inv_std if gamma is None else gamma * inv_std
    if not training:
        return dout * scale, dgamma, dbeta
    n = dout.shape[0]
    return (scale / n) * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta
