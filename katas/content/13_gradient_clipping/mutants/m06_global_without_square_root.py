"""clip_by_global_norm forgets the square root: it compares the sum of squares with c."""

import numpy as np

from scratch.optimizers import clip_by_norm, clip_by_value  # noqa: F401


def clip_by_global_norm(grads, global_clipnorm):
    total = sum(np.sum(g * g) for g in grads)
    return [g * global_clipnorm / max(total, global_clipnorm) for g in grads]
