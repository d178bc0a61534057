"""Caches through a dropout layer (as the identity, since the cache runs in inference mode): the
cached model then trains without the dropout the uncached one would apply."""

import numpy as np

from scratch.activations import get
from scratch.transfer import cached_batches  # noqa: F401


def cache_frozen_outputs(bottom, x, chunk_size=1024):
    if not bottom:
        raise ValueError("nothing to cache")
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
