"""Adds the decoder's kernel gradient as the decoder's kernel W.T sees it, h.T @ dout (H, D),
without transposing it back to W's (D, H): only a square W hides the shape error, and then the
update is wrong."""

import numpy as np

from scratch.autoencoders import tied_autoencoder_forward  # noqa: F401


def tied_autoencoder_backward(dout, cache):
    x, W, z, h = cache
    dz = (dout @ W) * np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)
    return dz @ W.T, x.T @ dz + h.T @ dout, dz.sum(axis=0), dout.sum(axis=0)
