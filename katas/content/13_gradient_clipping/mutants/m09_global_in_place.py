"""clip_by_global_norm rescales the caller's arrays in place (g *= scale) and returns them."""

import numpy as np

from scratch.optimizers import clip_by_norm, clip_by_value  # noqa: F401


def clip_by_global_norm(grads, global_clipnorm):
    total = np.sqrt(sum(np.sum(g * g) for g in grads))
    scale = global_clipnorm / max(total, global_clipnorm)
    for g in grads:
        g *= scale
    return list(grads)
