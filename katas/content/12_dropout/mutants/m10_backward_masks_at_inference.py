"""Keeps whatever mask it was given, also at inference, and backward applies it whenever there
is one: after an inference call with a mask, dx is dout * mask / (1 - rate) instead of dout."""

import numpy as np


def dropout_forward(x, rate, mask=None, training=False):
    keep = None if mask is None else np.asarray(mask).astype(x.dtype)
    if not training:
        return x, (keep, rate)
    return x * keep / (1 - rate), (keep, rate)


def dropout_backward(dout, cache):
    keep, rate = cache
    return dout if keep is None else dout * keep / (1 - rate)
