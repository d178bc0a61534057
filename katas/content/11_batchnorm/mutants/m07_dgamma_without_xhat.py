"""dgamma = sum(dout), forgetting that gamma multiplies xhat (that is dbeta's formula)."""

from scratch.layers import batchnorm_forward  # noqa: F401


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = dout.sum(axis=0)
    scale = inv_std if gamma is None else gamma * inv_std
    if not training:
        return dout * scale, dgamma, dbeta
    n = dout.shape[0]
    dx = (scale / n) * (n * dout - dbeta - xhat * (dout * xhat).sum(axis=0))
    return dx, dgamma, dbeta
