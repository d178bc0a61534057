"""Applies the mask whenever one is given, at inference too: evaluation is then random."""

from scratch.layers import dropout_backward  # noqa: F401


def dropout_forward(x, rate, mask=None, training=False):
    if mask is None:
        return x, (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    return x * keep / (1 - rate), (keep, rate, True)
