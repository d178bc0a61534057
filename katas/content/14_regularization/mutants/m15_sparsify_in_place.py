"""sparsify zeroes the small weights in the caller's array and returns it (no copy)."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad  # noqa: F401


def sparsify(weights, threshold):
    weights[np.abs(weights) < threshold] = 0.0
    return weights
