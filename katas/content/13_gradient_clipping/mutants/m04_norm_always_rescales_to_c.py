"""clip_by_norm divides by ||g|| instead of max(||g||, c): short gradients are stretched to c."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_value  # noqa: F401


def clip_by_norm(grads, clipnorm):
    out = []
    for g in grads:
        norm = np.sqrt(np.sum(g * g))
        out.append(g * clipnorm / norm if norm > 0 else g.copy())
    return out
