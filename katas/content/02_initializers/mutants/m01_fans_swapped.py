"""Reads a Dense kernel as (fan_out, fan_in), PyTorch's Linear layout: 'fan_in' uses fan_out."""

import numpy as np

from scratch.initializers import TRUNCATED_NORMAL_STD, truncated_normal


def compute_fans(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-1] * receptive_field, shape[-2] * receptive_field


def variance_scaling(
    shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None, dtype="float32"
):
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, np.sqrt(variance) / TRUNCATED_NORMAL_STD, rng, dtype)
    if distribution == "untruncated_normal":
        return (rng.standard_normal(shape) * np.sqrt(variance)).astype(dtype)
    limit = np.sqrt(3 * variance)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)
