"""Forgets the 2 of d(w^2)/dw in the gradient (l2 * w) while the penalty is right."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, sparsify  # noqa: F401


def l1_l2_penalty_grad(w, l1=0.0, l2=0.0):
    return l1 * np.sign(w) + l2 * w
