"""Back-propagates through the encoder as if it were linear: dz = dout @ W, ELU's derivative
(1 for z > 0, exp(z) below) forgotten, so every gradient below the codings is off wherever
z < 0."""

from scratch.autoencoders import tied_autoencoder_forward  # noqa: F401


def tied_autoencoder_backward(dout, cache):
    x, W, _z, h = cache
    dz = dout @ W
    return dz @ W.T, x.T @ dz + dout.T @ h, dz.sum(axis=0), dout.sum(axis=0)
