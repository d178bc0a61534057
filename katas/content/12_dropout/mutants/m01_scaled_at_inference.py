"""Scales by the keep probability at inference (x * (1 - rate)), as the original, non-inverted
dropout does: with the inverted scaling already applied in training, that scales twice."""

from scratch.layers import dropout_backward  # noqa: F401


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x * (1 - rate), (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    return x * keep / (1 - rate), (keep, rate, True)
