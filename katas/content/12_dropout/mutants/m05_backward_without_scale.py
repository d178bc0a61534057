"""Backward applies the mask but not the 1 / (1 - rate) scale that forward used."""

from scratch.layers import dropout_forward  # noqa: F401


def dropout_backward(dout, cache):
    keep, _, training = cache
    return dout * keep if training else dout
