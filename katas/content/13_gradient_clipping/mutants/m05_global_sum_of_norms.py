"""clip_by_global_norm adds up the tensors' norms (||g1|| + ||g2||) instead of their squares."""

import numpy as np

from scratch.optimizers import clip_by_norm, clip_by_value  # noqa: F401


def clip_by_global_norm(grads, global_clipnorm):
    total = sum(np.sqrt(np.sum(g * g)) for g in grads)
    return [g * global_clipnorm / max(total, global_clipnorm) for g in grads]
