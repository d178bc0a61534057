"""Splits like the book notebooks' shuffle_batch, np.array_split(order, n // batch_size):
nearly equal batches and no short last one (and n < batch_size fails)."""

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
    yield from np.array_split(order, n // batch_size)
