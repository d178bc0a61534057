"""fan_avg = (fan_in + fan_out) // 2: integer division floors an odd sum (2.5 becomes 2), so
Glorot weights of a (3, 2) kernel get a variance 25 % too large."""

import numpy as np

from scratch.initializers import TRUNCATED_NORMAL_STD, compute_fans, truncated_normal


def variance_scaling(
    shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None, dtype="float32"
):
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) // 2}[mode]
    variance = scale / max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, np.sqrt(variance) / TRUNCATED_NORMAL_STD, rng, dtype)
    if distribution == "untruncated_normal":
        return (rng.standard_normal(shape) * np.sqrt(variance)).astype(dtype)
    limit = np.sqrt(3 * variance)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)
