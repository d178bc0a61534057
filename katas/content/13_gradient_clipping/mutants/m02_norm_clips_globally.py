"""clip_by_norm uses the joint norm of all tensors (that is global_clipnorm, not clipnorm)."""

import numpy as np

from scratch.optimizers import clip_by_global_norm, clip_by_value  # noqa: F401


def clip_by_norm(grads, clipnorm):
    total = np.sqrt(sum(np.sum(g * g) for g in grads))
    return [g * clipnorm / max(total, clipnorm) for g in grads]
