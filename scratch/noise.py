"""Input corruption for denoising autoencoders (Vincent et al. 2008; book ch. 15, "Denoising
Autoencoders"): the pure functions behind ``layers.GaussianNoise`` and ``layers.MaskingNoise``.

The random numbers are arguments, never drawn here, so a test (or the other backend) can hand in
the very same draw. A denoising autoencoder corrupts its *inputs* only: the loss compares the
reconstruction with the clean x, so ``denoising_batch`` returns (corrupted copy, x itself).

- Gaussian noise: x + stddev * n, n ~ N(0, 1) (Keras' ``GaussianNoise``; the book's
  ``X + noise_level * tf.random_normal(tf.shape(X))``).
- Masking noise: x * (u >= rate), u ~ U[0, 1): each entry is zeroed with probability ``rate``
  (TF's keep rule, as dropout draws its mask) and NOT rescaled. Dropout divides the kept units by
  1 - rate; the book's second denoising example uses ``tf.layers.dropout`` and so rescales too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.checks import check_choice, check_float_array, check_fraction, check_positive

KINDS = ("gaussian", "masking")  # denoising_batch's ``kind``; its ``level`` is stddev / rate


def check_noise_draw(draw: Any, name: str, x: np.ndarray, *, uniform: bool) -> np.ndarray:
    """The random numbers for one corruption of ``x``: a finite float array of exactly x's shape
    (standard normals, or with ``uniform`` values in [0, 1)), cast to x's dtype. Plumbing shared
    with tf_ref.noise and both backends' noise layers."""
    draw = check_float_array(draw, name, finite=True)
    if draw.shape != x.shape:
        raise ValueError(
            f"{name}: expected shape {x.shape} (one number per entry of x), got {draw.shape}"
        )
    if uniform and not ((draw >= 0) & (draw < 1)).all():
        bad = draw[(draw < 0) | (draw >= 1)].ravel()[0]
        raise ValueError(f"{name}: expected uniform numbers in [0, 1), got {bad!r}")
    return draw.astype(x.dtype, copy=False)


def check_noise_args(
    x: Any, kind: str, level: Any, draw: Any, *, name: str = "x"
) -> tuple[np.ndarray, float, np.ndarray]:
    """The arguments of a corruption: x a non-empty finite float array; ``level`` the stddev
    (>= 0, finite) for "gaussian" or the rate (in [0, 1)) for "masking"; ``draw`` as
    ``check_noise_draw`` ("normals" or "uniforms"). Returns (x, level, draw in x's dtype)."""
    x = check_float_array(x, name)
    kind = check_choice(kind, "kind", KINDS)
    if kind == "gaussian":
        level = float(check_positive(level, "stddev", zero=True))
        return x, level, check_noise_draw(draw, "normals", x, uniform=False)
    level = check_fraction(level, "rate")
    return x, level, check_noise_draw(draw, "uniforms", x, uniform=True)


def gaussian_noise(x: np.ndarray, stddev: float, normals: np.ndarray) -> np.ndarray:
    """x + stddev * normals: a new array (x is never modified), x's shape and dtype.

    x any shape, normals the standard normals N(0, 1) of x's shape; stddev >= 0 (the noise's
    standard deviation, not its variance).
    """
    x, stddev, normals = check_noise_args(x, "gaussian", stddev, normals)
    return _gaussian_noise(x, stddev, normals)


def _gaussian_noise(x, stddev, normals):
    # The maths of gaussian_noise without the argument checks.
    return x + x.dtype.type(stddev) * normals


def masking_noise(x: np.ndarray, rate: float, uniforms: np.ndarray) -> np.ndarray:
    """x * (uniforms >= rate): each entry kept where its uniform is >= rate, else set to 0; no
    1 / (1 - rate) rescaling (Vincent et al.'s masking noise, not dropout). A new array.

    x any shape, uniforms in [0, 1) of x's shape, rate in [0, 1) (the fraction masked).
    """
    x, rate, uniforms = check_noise_args(x, "masking", rate, uniforms)
    return _apply_keep(x, uniforms >= rate)


def _apply_keep(x, keep):
    # x * keep for a 0/1 (or boolean) keep mask, in x's dtype: what MaskingNoise applies too.
    return x * keep.astype(x.dtype, copy=False)


def denoising_batch(
    x: np.ndarray, kind: str, level: float, draw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) for one denoising-autoencoder step: inputs the corrupted copy of x
    (``gaussian_noise`` with stddev = level, draw the normals; ``masking_noise`` with
    rate = level, draw the uniforms), targets x itself, clean and unmodified.

    x (N, D) or any shape; draw x's shape -> two arrays of x's shape and dtype.
    """
    x, level, draw = check_noise_args(x, kind, level, draw)
    if kind == "gaussian":
        return _gaussian_noise(x, level, draw), x
    return _apply_keep(x, draw >= level), x
