"""Drops units without rescaling the kept ones: E[out] = (1 - rate) x in training but x at
inference, so the next layer sees larger inputs at test time than it was trained on."""


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    return x * keep, (keep, rate, True)


def dropout_backward(dout, cache):
    keep, _, training = cache
    return dout * keep if training else dout
