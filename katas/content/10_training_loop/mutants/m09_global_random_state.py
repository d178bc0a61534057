"""Shuffles with np.random.permutation (global state), ignoring rng: not reproducible."""

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    # The mistake: the legacy global generator instead of rng.
    order = np.random.permutation(n) if shuffle else np.arange(n)  # noqa: NPY002
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
