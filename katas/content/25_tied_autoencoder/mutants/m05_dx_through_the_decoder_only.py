"""Returns the decoder's input gradient dh = dout @ W as dx: the gradient stops at the codings
and never goes back through the encoder (elu' and W.T) to the input."""

import numpy as np

from scratch.autoencoders import tied_autoencoder_forward  # noqa: F401


def tied_autoencoder_backward(dout, cache):
    x, W, z, h = cache
    dh = dout @ W
    dz = dh * np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)
    return dh, x.T @ dz + dout.T @ h, dz.sum(axis=0), dout.sum(axis=0)
