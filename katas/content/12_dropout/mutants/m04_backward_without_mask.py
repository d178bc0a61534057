"""Backward scales the gradient but forgets the mask: dropped units still get a gradient."""

from scratch.layers import dropout_forward  # noqa: F401


def dropout_backward(dout, cache):
    _, rate, training = cache
    return dout / (1 - rate) if training else dout
