"""Forgets the absolute value in the L1 penalty: l1 * sum(w), negative weights lower the loss."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty_grad, sparsify  # noqa: F401


def l1_l2_penalty(w, l1=0.0, l2=0.0):
    return float(l1 * np.sum(w) + l2 * np.sum(w * w))
