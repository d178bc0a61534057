"""Data augmentation in TensorFlow: shifts and rotations as one batched projective transform.

``tf.raw_ops.ImageProjectiveTransformV3`` (what Keras' ``RandomTranslation`` and
``RandomRotation`` run) takes per image 8 numbers [a0, a1, a2, b0, b1, b2, c0, c1] and fills
output pixel (x, y) = (column, row) from the input at

    x_in = (a0 * x + a1 * y + a2) / k,  y_in = (b0 * x + b1 * y + b2) / k,  k = c0 * x + c1 * y + 1

A shift is the translation (1, 0, -dx, 0, 1, -dy, 0, 0) read with NEAREST (exact on integer
coordinates); a rotation is the rotation about the centre read with BILINEAR. Both fill with 0.
Input checks and the random draws (same integers and angles from the same NumPy ``rng``) come
from ``scratch.augment``'s plumbing; the image maths is TensorFlow's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from scratch.augment import (
    augment_with,
    check_images,
    draw_degrees,
    draw_shifts,
    per_image_floats,
    per_image_ints,
)


def _transform(cube: np.ndarray, transforms: np.ndarray, interpolation: str) -> np.ndarray:
    """Run ImageProjectiveTransformV3 on (n, h, w) images with (n, 8) transforms, fill 0."""
    _, h, w = cube.shape
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.convert_to_tensor(cube[..., None]),  # NHWC with one channel
        transforms=tf.constant(transforms, dtype=tf.float32),
        output_shape=tf.constant([h, w], dtype=tf.int32),
        fill_value=tf.constant(0.0, dtype=tf.float32),
        interpolation=interpolation,
        fill_mode="CONSTANT",
    ).numpy()[..., 0]


def shift_images(images: np.ndarray, dx: Any, dy: Any) -> np.ndarray:
    """Move each image dx pixels right and dy down, zero fill: a NEAREST translation transform."""
    cube, shape = check_images(images)
    n = cube.shape[0]
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    # Shifts past the border blank the image anyway; clamping keeps them exact in float32.
    limit = max(cube.shape[1:]) + 1
    dx, dy = np.clip(dx, -limit, limit), np.clip(dy, -limit, limit)
    one, zero = np.ones(n), np.zeros(n)
    transforms = np.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)
    return _transform(cube, transforms, "NEAREST").reshape(shape)


def random_shifts(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """``shift_images`` with the same per-image (dx, dy) draws as ``scratch.augment``."""
    cube, _ = check_images(images)
    dx, dy = draw_shifts(rng, cube.shape[0], max_shift)
    return shift_images(images, dx, dy)


def rotate_images(images: np.ndarray, degrees: Any) -> np.ndarray:
    """Counter-clockwise rotation about ((h - 1) / 2, (w - 1) / 2), BILINEAR, zero fill.

    uint8 images go through float32 and are rounded half to even (``tf.round``), as in scratch.
    The kernel computes coordinates, weights and sums in float32 even for float64 images, so a
    float64 result carries float32 rounding (rotation by 0 is identity to ~1e-7 relative).
    """
    cube, shape = check_images(images)
    n, h, w = cube.shape
    theta = np.deg2rad(per_image_floats(degrees, "degrees", n))
    cos, sin = np.cos(theta), np.sin(theta)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    # x_in = cos*(x - cx) - sin*(y - cy) + cx, y_in = sin*(x - cx) + cos*(y - cy) + cy
    transforms = np.stack(
        [
            cos,
            -sin,
            cx - cos * cx + sin * cy,
            sin,
            cos,
            cy - sin * cx - cos * cy,
            np.zeros(n),
            np.zeros(n),
        ],
        axis=1,
    )
    if cube.dtype == np.uint8:
        out = _transform(cube.astype(np.float32), transforms, "BILINEAR")
        out = tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8).numpy()
    else:
        out = _transform(cube, transforms, "BILINEAR")
    return out.reshape(shape)


def random_rotations(
    images: np.ndarray, rng: np.random.Generator, max_degrees: float = 10
) -> np.ndarray:
    """``rotate_images`` with the same per-image angle draws as ``scratch.augment``."""
    cube, _ = check_images(images)
    return rotate_images(images, draw_degrees(rng, cube.shape[0], max_degrees))


def augment(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    copies: int = 1,
    max_shift: int = 2,
    max_degrees: float = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """x followed by ``copies`` randomly rotated-then-shifted versions; y repeated to match."""
    return augment_with(x, y, rng, copies, max_shift, max_degrees, random_shifts, random_rotations)
