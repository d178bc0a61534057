"""Drops the last partial batch (some rows are never trained on in that epoch)."""

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    order = (
        (rng if rng is not None else np.random.default_rng()).permutation(n)
        if shuffle
        else np.arange(n)
    )
    for start in range(0, n - batch_size + 1, batch_size):
        yield order[start : start + batch_size]
