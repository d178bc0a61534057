"""Inputs for `katas compare caching`: a float32 dense-BN-activation-dense bottom, cached in
chunks that do not divide N, and the batches of one epoch drawn from a fixed seed."""

import numpy as np


def cases(rng):
    x = rng.standard_normal((50, 20)).astype(np.float32)
    bottom = [
        {
            "kind": "dense",
            "kernel": (rng.standard_normal((20, 16)) / np.sqrt(20)).astype(np.float32),
            "bias": None,
            "activation": None,
        },
        {
            "kind": "batch_norm",
            "gamma": (1 + 0.1 * rng.standard_normal(16)).astype(np.float32),
            "beta": (0.1 * rng.standard_normal(16)).astype(np.float32),
            "moving_mean": (0.1 * rng.standard_normal(16)).astype(np.float32),
            "moving_variance": (1 + rng.random(16)).astype(np.float32),
        },
        {"kind": "activation", "activation": "elu"},
        {"kind": "dropout", "rate": 0.0},
        {
            "kind": "dense",
            "kernel": (rng.standard_normal((16, 8)) / 4).astype(np.float32),
            "bias": (0.1 * rng.standard_normal(8)).astype(np.float32),
            "activation": "tanh",
        },
    ]
    y = rng.integers(0, 5, size=50)

    def cache(m):
        return {"features": m.cache_frozen_outputs(bottom, x, chunk_size=16)}

    def batches(m):
        features = m.cache_frozen_outputs(bottom, x, chunk_size=50)
        got = m.cached_batches(features, y, 16, np.random.default_rng(0))
        out = {}
        for b, (xb, yb) in enumerate(got):
            out[f"xb{b}"], out[f"yb{b}"] = np.asarray(xb), np.asarray(yb)
        return out

    return [("cache in chunks of 16 of 50", cache), ("one epoch, batch 16", batches)]
