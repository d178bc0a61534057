"""dropout_backward masks and scales dout in place (dout *= mask; dout /= 1 - rate) and returns
it: the caller's upstream gradient is overwritten."""

from scratch.layers import dropout_forward  # noqa: F401


def dropout_backward(dout, cache):
    keep, rate, training = cache
    if not training:
        return dout
    dout *= keep
    dout /= 1 - rate
    return dout
