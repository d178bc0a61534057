"""Gives the new layer no bias (None)."""

from scratch import initializers


def replace_top(weights, n_reuse, new_units, rng=None, initializer="glorot_uniform"):
    units = [new_units] if isinstance(new_units, int) else list(new_units)
    init = initializers.get(initializer)
    dtype = weights[0][0].dtype
    out = [(k.copy(), b.copy()) for k, b in weights[:n_reuse]]
    fan_in = weights[n_reuse - 1][0].shape[1] if n_reuse else weights[0][0].shape[0]
    for u in units:
        out.append((init((fan_in, u), rng, dtype), None))
        fan_in = u
    return out
