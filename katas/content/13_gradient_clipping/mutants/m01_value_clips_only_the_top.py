"""clip_by_value clips only from above (np.minimum(g, c)): -100 stays -100."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_norm  # noqa: F401


def clip_by_value(grads, clipvalue):
    return [np.minimum(g, clipvalue) for g in grads]
