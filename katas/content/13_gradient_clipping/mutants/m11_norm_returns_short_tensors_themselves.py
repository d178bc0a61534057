"""clip_by_norm hands back a tensor that is short enough as it is (the caller's own array), so
whoever changes the result in place changes the caller's gradient too."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_value  # noqa: F401


def clip_by_norm(grads, clipnorm):
    out = []
    for g in grads:
        norm = np.sqrt(np.sum(g * g))
        out.append(g if norm <= clipnorm else np.asarray(g * (clipnorm / norm)))
    return out
