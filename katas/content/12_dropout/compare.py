"""Inputs for `katas compare dropout`: float32, the same boolean keep mask for every module."""

import numpy as np


def cases(rng):
    x = rng.standard_normal((32, 20)).astype(np.float32)
    dout = rng.standard_normal((32, 20)).astype(np.float32)
    rate = 0.3
    mask = rng.random(x.shape) >= rate
    rows = rng.random((32, 1)) >= rate

    def case(keep, training):
        def run(m):
            out, cache = m.dropout_forward(x, rate, keep, training=training)
            return {"out": out, "dx": m.dropout_backward(dout, cache)}

        return run

    return [
        ("training float32 32x20", case(mask, True)),
        ("rows mask (32, 1)", case(rows, True)),
        ("inference float32", case(None, False)),
    ]
