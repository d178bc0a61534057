"""Shuffles whenever an rng is passed (``if shuffle or rng is not None``): shuffle=False with an
rng still shuffles."""

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if shuffle or rng is not None:
        order = (rng if rng is not None else np.random.default_rng()).permutation(n)
    else:
        order = np.arange(n)
    return (order[start : start + batch_size] for start in range(0, n, batch_size))
