"""Kata 2: weight initializers. Run `katas check initializers` after each change."""

import numpy as np

# Standard deviation of a standard normal cut to [-2, 2] (you will need it in variance_scaling).
TRUNCATED_NORMAL_STD = 0.87962566103423978


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    () -> (1, 1); (n,) -> (n, n); a Dense kernel (fan_in, fan_out) -> its two sizes;
    a conv kernel (k1, ..., in_channels, out_channels) -> (in_channels * R, out_channels * R)
    with R = k1 * ... the size of the receptive field.
    """
    raise NotImplementedError("write compute_fans")


def truncated_normal(
    shape: tuple[int, ...], stddev: float, rng: np.random.Generator, dtype="float32"
) -> np.ndarray:
    """N(0, stddev^2) samples of the given shape, each one redrawn until it lies within
    2 * stddev of 0 (what tf.random.truncated_normal draws). Draw only from ``rng``.

    Returns an array of ``shape`` and ``dtype``. Its std is 0.8796 * stddev, not stddev.
    """
    raise NotImplementedError("write truncated_normal")


def variance_scaling(
    shape: tuple[int, ...],
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    rng: np.random.Generator | None = None,
    dtype="float32",
) -> np.ndarray:
    """Weights with Var[w] = scale / fan (Keras VarianceScaling).

    fan = fan_in, fan_out or (fan_in + fan_out) / 2 for mode "fan_in", "fan_out", "fan_avg",
    and never less than 1.
    - "truncated_normal": stddev = sqrt(scale / fan) / 0.8796..., cut at 2 stddev;
    - "untruncated_normal": N(0, scale / fan);
    - "uniform": U(-limit, limit) with limit = sqrt(3 * scale / fan).
    ``rng=None`` means a fresh np.random.default_rng().
    """
    raise NotImplementedError("write variance_scaling")
