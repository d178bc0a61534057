"""Inputs for `katas compare ae_stacking`: float32 rows and a 20-12-8-5 stack of encoders."""

import itertools

import numpy as np


def cases(rng):
    x = rng.random((16, 20)).astype(np.float32)
    widths = [20, 12, 8, 5]

    def pair(d, h):
        w = (0.3 * rng.standard_normal((d, h))).astype(np.float32)
        return w, (0.1 * rng.standard_normal(h)).astype(np.float32)

    phases = [(pair(d, h), pair(h, d)) for d, h in itertools.pairwise(widths)]
    encoders = [enc for enc, _ in phases]

    def inputs(m):
        return {
            f"input{k}": np.asarray(a)
            for k, a in enumerate(m.autoencoder_layer_inputs(x, encoders))
        }

    def assembled(m):
        out = {}
        for k, (w, b) in enumerate(m.assemble_stacked_autoencoder(phases), start=1):
            out[f"W{k}"], out[f"b{k}"] = np.asarray(w), np.asarray(b)
        return out

    return [("layer inputs, 3 encoders", inputs), ("assembled stack, 3 phases", assembled)]
