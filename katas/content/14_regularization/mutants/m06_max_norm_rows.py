"""max_norm always takes the norm of each row (axis 1, the book's axes): each input's outgoing
weights, not each unit's incoming ones."""

import numpy as np

from scratch.constraints import book_max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def max_norm(w, max_value=2.0, axis=0):
    norms = np.sqrt(np.sum(w * w, axis=-1, keepdims=True))
    return w * (np.clip(norms, 0, max_value) / (1e-7 + norms))
