"""Inputs for `katas compare tied_autoencoder`: float32 rows, a 20 -> 8 tied autoencoder."""

import numpy as np


def cases(rng):
    x = rng.random((16, 20)).astype(np.float32)
    W = (0.3 * rng.standard_normal((20, 8))).astype(np.float32)
    b_hidden = (0.1 * rng.standard_normal(8)).astype(np.float32)
    b_out = (0.1 * rng.standard_normal(20)).astype(np.float32)
    dout = rng.standard_normal((16, 20)).astype(np.float32)

    def forward(m):
        return {"out": np.asarray(m.tied_autoencoder_forward(x, W, b_hidden, b_out)[0])}

    def backward(m):
        _, cache = m.tied_autoencoder_forward(x, W, b_hidden, b_out)
        names = ("dx", "dW", "db_hidden", "db_out")
        grads = m.tied_autoencoder_backward(dout, cache)
        return {k: np.asarray(g) for k, g in zip(names, grads, strict=True)}

    return [("forward float32 20->8->20", forward), ("backward float32", backward)]
