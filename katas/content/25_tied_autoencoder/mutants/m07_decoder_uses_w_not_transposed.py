"""Decodes with a reshape of W instead of its transpose: W.reshape(H, D) has the decoder
kernel's shape but scrambles the weights, so the decoder is no longer tied to the encoder."""

from scratch.activations import elu, elu_grad


def tied_autoencoder_forward(x, W, b_hidden, b_out):
    z = x @ W + b_hidden
    h = elu(z)
    return h @ W.reshape(W.shape[1], W.shape[0]) + b_out, (x, W, z, h)


def tied_autoencoder_backward(dout, cache):
    x, W, z, h = cache
    V = W.reshape(W.shape[1], W.shape[0])
    dz = (dout @ V.T) * elu_grad(z)
    dV = h.T @ dout
    return dz @ W.T, x.T @ dz + dV.reshape(W.shape), dz.sum(axis=0), dout.sum(axis=0)
