"""book_max_norm copies Keras' formula with its 1e-7: rows inside the ball shrink a little."""

import numpy as np

from scratch.constraints import max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def book_max_norm(w, threshold, axes=1):
    norms = np.sqrt(np.sum(w * w, axis=axes, keepdims=True))
    return w * (np.clip(norms, 0, threshold) / (1e-7 + norms))
