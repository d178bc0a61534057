"""Back-propagates through the mean but not through the variance: dx = scale * (dout -
mean(dout)), as if x were only centred, not also divided by its own spread."""

from scratch.layers import batchnorm_forward  # noqa: F401


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    scale = inv_std if gamma is None else gamma * inv_std
    if not training:
        return dout * scale, dgamma, dbeta
    return scale * (dout - dout.mean(axis=0)), dgamma, dbeta
