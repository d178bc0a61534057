"""Inputs for `katas compare stacking`: float32 MNIST-like rows and a 20-12-8-5 stack of RBMs."""

import itertools

import numpy as np


def cases(rng):
    x = (rng.random((16, 20)) < 0.3).astype(np.float32)
    widths = [20, 12, 8, 5]
    params = [
        (
            (0.3 * rng.standard_normal((h, d))).astype(np.float32),
            (0.1 * rng.standard_normal(h)).astype(np.float32),
        )
        for d, h in itertools.pairwise(widths)
    ]

    def inputs(m):
        return {f"input{k}": a for k, a in enumerate(m.layer_inputs(x, params))}

    def weights(m):
        out = {}
        for k, (kernel, bias) in enumerate(m.stack_weights(params), start=1):
            out[f"kernel{k}"], out[f"bias{k}"] = np.asarray(kernel), np.asarray(bias)
        return out

    return [("layer inputs, 3 RBMs", inputs), ("Dense weights, 3 RBMs", weights)]
