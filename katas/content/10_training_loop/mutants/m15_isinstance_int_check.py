"""Validates with isinstance(x, int) and x > 0: True passes as a row count of 1 (bool is an int
to Python), while NumPy integers such as x.shape-derived np.int64 are refused."""

import numpy as np

from scratch.training import EarlyStopping  # noqa: F401


def minibatches(n, batch_size, rng=None, shuffle=True):
    for name, value in (("n", n), ("batch_size", batch_size)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng()).permutation(n)
    else:
        order = np.arange(n)
    return (order[start : start + batch_size] for start in range(0, n, batch_size))
