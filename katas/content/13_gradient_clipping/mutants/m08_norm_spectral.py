"""clip_by_norm measures a matrix with np.linalg.norm(g, 2): its largest singular value, not
sqrt(sum g^2) (the two agree only for vectors)."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_value  # noqa: F401


def clip_by_norm(grads, clipnorm):
    out = []
    for g in grads:
        norm = np.linalg.norm(g, 2) if g.ndim == 2 else np.sqrt(np.sum(g * g))
        out.append(g * clipnorm / max(norm, clipnorm))
    return out
