"""batchnorm_backward turns dout into dxhat in place (dout *= gamma) to save an array: the first
call is right, but the caller's dout is overwritten and a second call gets other gradients."""

from scratch.layers import batchnorm_forward  # noqa: F401


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if gamma is not None:
        dout *= gamma  # now dxhat
    if not training:
        return dout * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dxhat_sum = dout.sum(axis=0)
    dxhat_xhat = (dout * xhat).sum(axis=0)
    return (inv_std / n) * (n * dout - dxhat_sum - xhat * dxhat_xhat), dgamma, dbeta
