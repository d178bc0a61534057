"""Keeps only the full batches (range(0, N - batch_size + 1, batch_size)), as some hand-written
loops do: the remainder is never trained on."""

import numpy as np  # noqa: F401

from scratch.transfer import cache_frozen_outputs  # noqa: F401


def cached_batches(features, y, batch_size, rng):
    order = rng.permutation(len(y))
    stop = len(y) - batch_size + 1
    return [
        (features[order[i : i + batch_size]], y[order[i : i + batch_size]])
        for i in range(0, stop, batch_size)
    ]
