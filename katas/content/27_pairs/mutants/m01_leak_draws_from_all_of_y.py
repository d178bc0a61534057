"""The leak: draws the images from every row of y instead of the rows of split, so the other
split's (or the test set's) images end up in the pairs."""

import numpy as np


def make_pairs(y, split, n_pairs, rng):
    y = np.asarray(y)
    split = np.arange(len(y))  # every row, not the split's
    digits = np.unique(y[split])
    members = {d: split[y[split] == d] for d in digits}
    n_same = n_pairs // 2

    def first_digits(n):
        extra = rng.choice(digits, n % len(digits), replace=False)
        return np.concatenate([np.repeat(digits, n // len(digits)), extra])

    a, b = [], []
    for d in first_digits(n_same):
        i, j = rng.choice(len(members[d]), 2, replace=False)
        a.append(members[d][i])
        b.append(members[d][j])
    for d in first_digits(n_pairs - n_same):
        a.append(rng.choice(members[d]))
        b.append(rng.choice(members[rng.choice(digits[digits != d])]))
    same = np.r_[np.ones(n_same, int), np.zeros(n_pairs - n_same, int)]
    order = rng.permutation(n_pairs)
    return np.array(a)[order], np.array(b)[order], same[order]
