"""Inputs for `katas compare dense`."""

import numpy as np


def cases(rng):
    x = rng.standard_normal((32, 20)).astype(np.float32)
    w = rng.standard_normal((20, 10)).astype(np.float32)
    b = rng.standard_normal(10).astype(np.float32)
    dout = rng.standard_normal((32, 10)).astype(np.float32)

    def forward(m):
        return {"out": m.dense_forward(x, w, b)[0]}

    def backward(m):
        _, cache = m.dense_forward(x, w, b)
        dx, dw, db = m.dense_backward(dout, cache)
        return {"dx": dx, "dkernel": dw, "dbias": db}

    return [("forward float32 32x20->10", forward), ("backward float32", backward)]
