"""max_norm with the fuzz factor as a NumPy float64 (np.float64(1e-7) + norms): float32 weights
come back as float64."""

import numpy as np

from scratch.constraints import book_max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401

EPSILON = np.float64(1e-7)


def max_norm(w, max_value=2.0, axis=0):
    norms = np.sqrt(np.sum(w * w, axis=axis, keepdims=True))
    return w * (np.clip(norms, 0, max_value) / (EPSILON + norms))
