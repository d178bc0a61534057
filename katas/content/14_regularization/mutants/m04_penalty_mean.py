"""Averages over the weights (np.mean) instead of summing: big layers get a tiny penalty."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import sparsify  # noqa: F401


def l1_l2_penalty(w, l1=0.0, l2=0.0):
    return float(l1 * np.mean(np.abs(w)) + l2 * np.mean(w * w))


def l1_l2_penalty_grad(w, l1=0.0, l2=0.0):
    return (l1 * np.sign(w) + 2 * l2 * w) / w.size
