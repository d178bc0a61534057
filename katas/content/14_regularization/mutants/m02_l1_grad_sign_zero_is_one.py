"""Takes sign(0) = 1 in the L1 gradient (np.where(w >= 0, 1, -1)): zero weights are pushed."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, sparsify  # noqa: F401


def l1_l2_penalty_grad(w, l1=0.0, l2=0.0):
    return (l1 * np.where(w >= 0, 1.0, -1.0) + 2 * l2 * w).astype(w.dtype)
