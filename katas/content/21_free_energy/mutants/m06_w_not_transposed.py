"""Forms the hidden inputs as v @ W + c: a shape error unless H == D, then silently wrong."""

import numpy as np


def free_energy(v, W, b, c):
    return -v @ b - np.logaddexp(0, v @ W + c).sum(axis=1)
