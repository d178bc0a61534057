"""clip_by_global_norm clips each tensor with its own norm (that is clipnorm): the update turns."""

import numpy as np

from scratch.optimizers import clip_by_norm, clip_by_value  # noqa: F401


def clip_by_global_norm(grads, global_clipnorm):
    return [g * global_clipnorm / max(np.sqrt(np.sum(g * g)), global_clipnorm) for g in grads]
