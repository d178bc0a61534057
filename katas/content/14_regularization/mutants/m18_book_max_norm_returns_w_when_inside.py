"""book_max_norm returns w itself when every slice is already inside the ball (nothing to clip):
the caller's array and the "new" one are the same object."""

import numpy as np

from scratch.constraints import max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def book_max_norm(w, threshold, axes=1):
    norms = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
    if np.all(norms <= threshold):
        return w
    return w * threshold / np.maximum(norms, threshold)
