"""Initializes the new kernel with zeros: every unit of the new layer gets the same gradient and
they stay identical (the symmetry the book warns about)."""

import numpy as np

from scratch import initializers  # noqa: F401


def replace_top(weights, n_reuse, new_units, rng=None, initializer="glorot_uniform"):
    units = [new_units] if isinstance(new_units, int) else list(new_units)
    dtype = weights[0][0].dtype
    out = [(k.copy(), b.copy()) for k, b in weights[:n_reuse]]
    fan_in = weights[n_reuse - 1][0].shape[1] if n_reuse else weights[0][0].shape[0]
    for u in units:
        out.append((np.zeros((fan_in, u), dtype), np.zeros(u, dtype)))
        fan_in = u
    return out
