"""Weight constraints in TensorFlow: ``keras.constraints.MaxNorm`` and the book's
``tf.clip_by_norm(weights, threshold, axes=1)``, NumPy in and out.

A tf_ref constraint object carries its Keras twin (``keras_constraint``), which
``tf_ref.optimizers.Optimizer.apply(..., constraints=...)`` sets on the Keras variable, so Keras
itself applies it after the update.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import check_float_array, check_positive
from scratch.constraints import Axes, check_axes


class MaxNorm:
    """``keras.constraints.MaxNorm(max_value, axis)``:
    w * clip(norm, 0, max_value) / (1e-7 + norm), norm = sqrt(sum(w^2 over axis))."""

    def __init__(self, max_value: float = 2, axis: Axes = 0) -> None:
        check_positive(max_value, "max_value", zero=True)
        check_axes(axis, "axis")
        self.max_value = float(max_value)
        self.axis = axis
        keras_axis = axis if isinstance(axis, (int, np.integer)) else list(axis)
        self.keras_constraint = keras.constraints.MaxNorm(self.max_value, keras_axis)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """A new array: ``w`` projected by Keras; same shape and dtype."""
        w = check_float_array(w, "w")
        check_axes(self.axis, "axis", w.ndim)
        return np.asarray(self.keras_constraint(tf.convert_to_tensor(w)))


def book_max_norm(w: np.ndarray, threshold: float, axes: Axes = 1) -> np.ndarray:
    """The book's max-norm step, ``tf.clip_by_norm(w, clip_norm=threshold, axes=axes)``."""
    w = check_float_array(w, "w")
    check_positive(threshold, "threshold")
    tf_axes = list(check_axes(axes, "axes", w.ndim))
    return tf.clip_by_norm(tf.convert_to_tensor(w), threshold, axes=tf_axes).numpy()
