"""max_norm divides by the bare norm, clip(norm, 0, c) / norm: a zero slice gives 0 / 0 = NaN."""

import numpy as np

from scratch.constraints import book_max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def max_norm(w, max_value=2.0, axis=0):
    norms = np.sqrt(np.sum(w * w, axis=axis, keepdims=True))
    return w * (np.clip(norms, 0, max_value) / norms)
