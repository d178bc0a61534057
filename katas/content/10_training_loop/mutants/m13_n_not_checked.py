"""Checks batch_size but not n: n=0 gives an empty epoch without a word, n=True one row, and a
negative or fractional n fails deep inside NumPy with a message that does not name n."""

import numpy as np

from scratch.checks import check_positive
from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    check_positive(batch_size, "batch_size", integer=True)
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng()).permutation(n)
    else:
        order = np.arange(n)
    return (order[start : start + batch_size] for start in range(0, len(order), batch_size))
