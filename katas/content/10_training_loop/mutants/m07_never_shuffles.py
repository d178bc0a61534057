"""Never shuffles: every epoch visits the rows in the same order, whatever shuffle says."""

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    order = np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
