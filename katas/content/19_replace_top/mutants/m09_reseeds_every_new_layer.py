"""Draws every new kernel from a fresh np.random.default_rng() instead of the rng given: the
new net is not reproducible."""

import numpy as np

from scratch import initializers


def replace_top(weights, n_reuse, new_units, rng=None, initializer="glorot_uniform"):
    units = [new_units] if isinstance(new_units, int) else list(new_units)
    init = initializers.get(initializer)
    dtype = weights[0][0].dtype
    out = [(k.copy(), b.copy()) for k, b in weights[:n_reuse]]
    fan_in = weights[n_reuse - 1][0].shape[1] if n_reuse else weights[0][0].shape[0]
    for u in units:
        out.append((init((fan_in, u), np.random.default_rng(), dtype), np.zeros(u, dtype)))
        fan_in = u
    return out
