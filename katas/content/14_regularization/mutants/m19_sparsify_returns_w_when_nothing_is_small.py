"""sparsify returns w itself when no entry is below the threshold (threshold 0, say): the caller's
array and the "copy" are the same object."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad  # noqa: F401


def sparsify(weights, threshold):
    small = np.abs(weights) < threshold
    if not small.any():
        return weights
    return np.where(small, weights.dtype.type(0), weights)
