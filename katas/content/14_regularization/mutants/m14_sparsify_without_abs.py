"""sparsify forgets the absolute value (w < threshold): every negative weight is zeroed."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad  # noqa: F401


def sparsify(weights, threshold):
    return np.where(weights < threshold, 0.0, weights).astype(weights.dtype)
