"""Cuts x with np.array_split(x, N // chunk_size) (a number of pieces, not a piece size): a
chunk_size larger than N asks for zero pieces and fails."""

import numpy as np

from scratch.activations import get
from scratch.transfer import cached_batches  # noqa: F401


def cache_frozen_outputs(bottom, x, chunk_size=1024):
    if not bottom:
        raise ValueError("nothing to cache")
    for s in bottom:
        if s["kind"] == "dropout" and s["rate"] > 0:
            raise ValueError("dropout can not be cached")
    return np.concatenate([_apply(bottom, c) for c in np.array_split(x, x.shape[0] // chunk_size)])


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
