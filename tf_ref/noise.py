"""Input corruption for denoising autoencoders in TensorFlow: the oracle for ``scratch.noise``,
NumPy in and NumPy out (the maths in TF ops; the argument checks are scratch's plumbing).

Gaussian: x + stddev * n (Keras' ``GaussianNoise``). Masking: x * (u >= rate), not rescaled
(dropout, and the book's dropout-based denoising example, divide by 1 - rate).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from scratch.noise import KINDS, check_noise_args  # noqa: F401 (KINDS: the same choices)


def _gaussian_tf(x: tf.Tensor, stddev: float, normals: tf.Tensor) -> tf.Tensor:
    """x + stddev * normals with TF ops (stddev rounded to x's dtype once, as scratch does)."""
    return tf.math.add(x, tf.math.multiply(tf.constant(stddev, x.dtype), normals))


def _keep_tf(x: tf.Tensor, keep: tf.Tensor) -> tf.Tensor:
    """x * keep with TF ops, keep a 0/1 or boolean mask cast to x's dtype."""
    return tf.math.multiply(x, tf.cast(keep, x.dtype))


def gaussian_noise(x: np.ndarray, stddev: float, normals: np.ndarray) -> np.ndarray:
    """x + stddev * normals: a new array, x's shape and dtype; normals N(0, 1) of x's shape."""
    x, stddev, normals = check_noise_args(x, "gaussian", stddev, normals)
    return _gaussian_tf(tf.convert_to_tensor(x), stddev, tf.convert_to_tensor(normals)).numpy()


def masking_noise(x: np.ndarray, rate: float, uniforms: np.ndarray) -> np.ndarray:
    """x * (uniforms >= rate), no rescaling: a new array; uniforms in [0, 1) of x's shape."""
    x, rate, uniforms = check_noise_args(x, "masking", rate, uniforms)
    u = tf.convert_to_tensor(uniforms)
    return _keep_tf(tf.convert_to_tensor(x), tf.math.greater_equal(u, rate)).numpy()


def denoising_batch(
    x: np.ndarray, kind: str, level: float, draw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets): inputs x corrupted by ``kind`` ("gaussian": stddev = level, draw the
    normals; "masking": rate = level, draw the uniforms), targets the clean x itself."""
    x, level, draw = check_noise_args(x, kind, level, draw)
    inputs = gaussian_noise(x, level, draw) if kind == "gaussian" else masking_noise(x, level, draw)
    return inputs, x
