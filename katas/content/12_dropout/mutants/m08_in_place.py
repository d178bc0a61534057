"""Drops and scales x in place (x *= mask) to save memory: the caller's batch is corrupted."""

from scratch.layers import dropout_backward  # noqa: F401


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    x *= keep
    x /= 1 - rate
    return x, (keep, rate, True)
