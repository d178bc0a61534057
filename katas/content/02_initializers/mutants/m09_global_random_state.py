"""Draws from NumPy's global np.random instead of the rng passed in (runs are not reproducible)."""

import numpy as np

from scratch.initializers import TRUNCATED_NORMAL_STD, compute_fans


def truncated_normal(shape, stddev, rng, dtype="float32"):
    out = np.random.standard_normal(shape)  # noqa: NPY002
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = np.random.standard_normal(int(bad.sum()))  # noqa: NPY002
        bad = np.abs(out) > 2.0
    return (out * stddev).astype(dtype)


def variance_scaling(
    shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None, dtype="float32"
):
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, np.sqrt(variance) / TRUNCATED_NORMAL_STD, rng, dtype)
    if distribution == "untruncated_normal":
        return (np.random.standard_normal(shape) * np.sqrt(variance)).astype(dtype)  # noqa: NPY002
    limit = np.sqrt(3 * variance)
    return np.random.uniform(-limit, limit, size=shape).astype(dtype)  # noqa: NPY002
