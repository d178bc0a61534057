"""Imbalanced digits: the digit of a is that of an image drawn uniformly from the split, so
digits with more images lead more pairs (image-weighted, not balanced over digits)."""

import numpy as np


def make_pairs(y, split, n_pairs, rng):
    y, split = np.asarray(y), np.asarray(split)
    digits = np.unique(y[split])
    members = {d: split[y[split] == d] for d in digits}
    n_same = n_pairs // 2

    def first_digits(n):
        return y[rng.choice(split, n)]

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
