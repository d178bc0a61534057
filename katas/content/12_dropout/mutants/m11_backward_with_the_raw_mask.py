"""Casts the mask to x's dtype forward, but caches the raw mask: backward multiplies float32 dout
by an int64 or float64 mask and returns float64 gradients."""

import numpy as np


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    return x * np.asarray(mask).astype(x.dtype) / (1 - rate), (mask, rate, True)


def dropout_backward(dout, cache):
    mask, rate, training = cache
    return dout * mask / (1 - rate) if training else dout
