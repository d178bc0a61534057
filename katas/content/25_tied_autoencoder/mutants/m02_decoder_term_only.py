"""dW keeps only the decoder's gradient dout.T @ h: the kernel learns to decode but its
encoder's use of it (x.T @ dz) is never trained."""

import numpy as np

from scratch.autoencoders import tied_autoencoder_forward  # noqa: F401


def tied_autoencoder_backward(dout, cache):
    _x, W, z, h = cache
    dz = (dout @ W) * np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)
    return dz @ W.T, dout.T @ h, dz.sum(axis=0), dout.sum(axis=0)
