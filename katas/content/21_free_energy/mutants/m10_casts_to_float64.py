"""Casts the inputs to float64 first: right values, but a float32 RBM gets float64 back."""

import numpy as np


def free_energy(v, W, b, c):
    v, W, b, c = (np.asarray(a, dtype=np.float64) for a in (v, W, b, c))
    return -v @ b - np.logaddexp(0, v @ W.T + c).sum(axis=1)
