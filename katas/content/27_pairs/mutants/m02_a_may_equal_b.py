"""A same pair may hold one image twice: b is drawn among all of the digit's images, a's own
included (replace=True), so some pairs only teach "identical pixels"."""

import numpy as np


def make_pairs(y, split, n_pairs, rng):
    y, split = np.asarray(y), np.asarray(split)
    digits = np.unique(y[split])
    members = {d: split[y[split] == d] for d in digits}
    n_same = n_pairs // 2

    def first_digits(n):
        extra = rng.choice(digits, n % len(digits), replace=False)
        return np.concatenate([np.repeat(digits, n // len(digits)), extra])

    a, b = [], []
    for d in first_digits(n_same):
        i, j = rng.choice(len(members[d]), 2, replace=True)
        a.append(members[d][i])
        b.append(members[d][j])
    for d in first_digits(n_pairs - n_same):
        a.append(rng.choice(members[d]))
        b.append(rng.choice(members[rng.choice(digits[digits != d])]))
    same = np.r_[np.ones(n_same, int), np.zeros(n_pairs - n_same, int)]
    order = rng.permutation(n_pairs)
    return np.array(a)[order], np.array(b)[order], same[order]
