"""clip_by_value clips into the caller's arrays (np.clip(..., out=g)) to save memory."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_norm  # noqa: F401


def clip_by_value(grads, clipvalue):
    return [np.clip(g, -clipvalue, clipvalue, out=g) for g in grads]
