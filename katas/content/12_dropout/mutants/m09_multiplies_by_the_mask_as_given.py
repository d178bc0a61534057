"""Multiplies by the mask as it comes (x * mask / (1 - rate)): right for a boolean mask, but an
int64 or float64 mask promotes float32 activations to float64."""

from scratch.layers import dropout_backward  # noqa: F401


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    return x * mask / (1 - rate), (mask, rate, True)
