"""clip_by_value returns np.clip's result as it comes: for a 0-d gradient that is a NumPy scalar,
not a 0-d array (no shape, no in-place update, and not what the statement promises)."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_norm  # noqa: F401


def clip_by_value(grads, clipvalue):
    return [np.clip(g, -clipvalue, clipvalue) for g in grads]
