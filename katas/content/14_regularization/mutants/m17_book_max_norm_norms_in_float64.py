"""book_max_norm sums the squares in float64 (np.square(w, dtype=np.float64)) for accuracy and
never casts back: float32 weights come back as float64."""

import numpy as np

from scratch.constraints import max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def book_max_norm(w, threshold, axes=1):
    norms = np.sqrt(np.sum(np.square(w, dtype=np.float64), axis=axes, keepdims=True))
    return w * threshold / np.maximum(norms, threshold)
