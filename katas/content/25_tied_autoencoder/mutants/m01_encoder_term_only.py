"""dW keeps only the encoder's gradient x.T @ dz, as if the decoder had a kernel of its own:
the decoder's use of the shared kernel (dout.T @ h) is lost."""

import numpy as np

from scratch.autoencoders import tied_autoencoder_forward  # noqa: F401


def tied_autoencoder_backward(dout, cache):
    x, W, z, _h = cache
    dz = (dout @ W) * np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)
    return dz @ W.T, x.T @ dz, dz.sum(axis=0), dout.sum(axis=0)
