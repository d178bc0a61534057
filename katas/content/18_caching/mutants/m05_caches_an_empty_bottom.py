"""Accepts an empty bottom and returns x itself: nothing was frozen, so "caching" it is a
mistake that deserves an error."""

import numpy as np

from scratch.activations import get
from scratch.transfer import cached_batches  # noqa: F401


def cache_frozen_outputs(bottom, x, chunk_size=1024):
    for s in bottom:
        if s["kind"] == "dropout" and s["rate"] > 0:
            raise ValueError("dropout can not be cached")
    if not bottom:
        return x
    n = x.shape[0]
    return np.concatenate([_apply(bottom, x[i : i + chunk_size]) for i in range(0, n, chunk_size)])


def _apply(bottom, h):
    for s in bottom:
        if s["kind"] == "dense":
            z = h @ s["kernel"]
            if s["bias"] is not None:
                z = z + s["bias"]
            h = get(s["activation"])(z)
        elif s["kind"] == "batch_norm":
            mu, var = s["moving_mean"], s["moving_variance"]
            h = s["gamma"] * (h - mu) / np.sqrt(var + s.get("epsilon", 1e-3)) + s["beta"]
        elif s["kind"] == "activation":
            h = get(s["activation"])(h)
    return h
