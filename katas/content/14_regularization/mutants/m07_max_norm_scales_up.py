"""max_norm rescales every slice to norm max_value, also those that were shorter."""

import numpy as np

from scratch.constraints import book_max_norm  # noqa: F401
from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa: F401


def max_norm(w, max_value=2.0, axis=0):
    norms = np.sqrt(np.sum(w * w, axis=axis, keepdims=True))
    return w * (max_value / (1e-7 + norms))
