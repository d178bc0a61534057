"""Kata 25: a tied-weight autoencoder. Run `katas check tied_autoencoder` after each change."""

import numpy as np


def tied_autoencoder_forward(x: np.ndarray, W: np.ndarray, b_hidden: np.ndarray, b_out: np.ndarray):
    """One ELU encoder and a linear decoder that shares its kernel, transposed.

    x (N, D), W (D, H) (the encoder's kernel), b_hidden (H,), b_out (D,):
        z = x @ W + b_hidden      (N, H)
        h = elu(z)                (N, H)   elu(z) = z if z > 0 else exp(z) - 1
        out = h @ W.T + b_out     (N, D)   linear (the loss applies a sigmoid if it wants one)
    Returns (out, cache): cache holds what tied_autoencoder_backward needs. Leave the inputs
    unchanged; keep their dtype (float32 stays float32).
    """
    raise NotImplementedError("write tied_autoencoder_forward")


def tied_autoencoder_backward(dout: np.ndarray, cache):
    """Gradients given dout = dL/dout (N, D): returns (dx (N, D), dW (D, H), db_hidden (H,),
    db_out (D,)). W is used twice (encoder and decoder), so dW is the sum of two gradients.
    No 1/N: the loss already averaged over the batch.
    """
    raise NotImplementedError("write tied_autoencoder_backward")
