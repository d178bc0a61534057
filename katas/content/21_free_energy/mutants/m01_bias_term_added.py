"""Adds the visible term (+v @ b): a unit with a large bias makes its vectors less likely."""

import numpy as np


def free_energy(v, W, b, c):
    return v @ b - np.logaddexp(0, v @ W.T + c).sum(axis=1)
