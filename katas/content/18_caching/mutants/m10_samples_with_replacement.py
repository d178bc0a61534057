"""Draws each batch with rng.integers (with replacement): some rows come twice in an epoch,
others never, and the order is not the uncached training's."""

import numpy as np  # noqa: F401

from scratch.transfer import cache_frozen_outputs  # noqa: F401


def cached_batches(features, y, batch_size, rng):
    n = len(y)
    out = []
    for i in range(0, n, batch_size):
        idx = rng.integers(0, n, size=min(batch_size, n - i))
        out.append((features[idx], y[idx]))
    return out
