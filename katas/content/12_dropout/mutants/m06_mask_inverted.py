"""Inverts the mask: keeps the units where it is 0 and drops those where it is 1."""


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    keep = 1 - mask.astype(x.dtype)
    return x * keep / (1 - rate), (keep, rate, True)


def dropout_backward(dout, cache):
    keep, rate, training = cache
    return dout * keep / (1 - rate) if training else dout
