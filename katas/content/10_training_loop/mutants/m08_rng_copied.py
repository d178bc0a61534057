"""Shuffles with a copy of rng: the caller's generator never advances, so every epoch repeats
the same order."""

import copy

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    rng = copy.deepcopy(rng) if rng is not None else np.random.default_rng()
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
