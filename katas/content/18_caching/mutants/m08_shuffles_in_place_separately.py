"""Calls rng.shuffle on the features and on the labels, one after the other: two different
orders (and the caller's cache is shuffled in place)."""

import numpy as np  # noqa: F401

from scratch.transfer import cache_frozen_outputs  # noqa: F401


def cached_batches(features, y, batch_size, rng):
    rng.shuffle(features)
    rng.shuffle(y)
    return [
        (features[i : i + batch_size], y[i : i + batch_size]) for i in range(0, len(y), batch_size)
    ]
