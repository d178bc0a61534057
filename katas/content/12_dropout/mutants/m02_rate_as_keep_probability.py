"""Reads rate as the KEEP probability (CS231n's p): divides the kept units by rate instead of
1 - rate."""


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    return x * keep / rate, (keep, rate, True)


def dropout_backward(dout, cache):
    keep, rate, training = cache
    return dout * keep / rate if training else dout
