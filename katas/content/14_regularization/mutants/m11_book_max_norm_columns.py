"""book_max_norm defaults to axes=0 (Keras' columns) instead of the book's axes=1 (rows)."""

import numpy as np

from scratch.constraints import max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def book_max_norm(w, threshold, axes=0):
    norms = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
    return w * threshold / np.maximum(norms, threshold)
