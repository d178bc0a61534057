"""Takes the new layer's fan-in from the old output layer's width (weights[-1]) instead of the
last reused layer's."""

import numpy as np

from scratch import initializers


def replace_top(weights, n_reuse, new_units, rng=None, initializer="glorot_uniform"):
    units = [new_units] if isinstance(new_units, int) else list(new_units)
    init = initializers.get(initializer)
    dtype = weights[0][0].dtype
    out = [(k.copy(), b.copy()) for k, b in weights[:n_reuse]]
    fan_in = weights[-1][0].shape[1]
    for u in units:
        out.append((init((fan_in, u), rng, dtype), np.zeros(u, dtype)))
        fan_in = u
    return out
