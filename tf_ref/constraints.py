"""Weight constraints in TensorFlow: ``keras.constraints.MaxNorm`` (the class, and the plain
function ``max_norm``) and the book's ``tf.clip_by_norm(weights, threshold, axes=1)``, NumPy in
and out.

A tf_ref constraint object carries its Keras twin (``keras_constraint``), which
``tf_ref.optimizers.Optimizer.apply(..., constraints=...)`` sets on the Keras variable, so Keras
itself applies it after the update.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import (
    check_config,
    check_float_array,
    check_positive,
    deserialize_object,
    plain,
)
from scratch.constraints import Axes, check_axes


def _keras_max_norm(max_value: float, axis: Axes) -> keras.constraints.MaxNorm:
    check_positive(max_value, "max_value", zero=True)
    check_axes(axis, "axis")  # the type now, the range when the weights come
    keras_axis = axis if isinstance(axis, (int, np.integer)) else list(axis)
    return keras.constraints.MaxNorm(float(max_value), keras_axis)


def _constrain(constraint: keras.constraints.Constraint, w: np.ndarray, axis: Axes) -> np.ndarray:
    """A Keras constraint applied to NumPy weights."""
    w = check_float_array(w, "w")
    check_axes(axis, "axis", w.ndim)
    return np.asarray(constraint(tf.convert_to_tensor(w)))


class MaxNorm:
    """``keras.constraints.MaxNorm(max_value, axis)``:
    w * clip(norm, 0, max_value) / (1e-7 + norm), norm = sqrt(sum(w^2 over axis))."""

    def __init__(self, max_value: float = 2, axis: Axes = 0) -> None:
        self.keras_constraint = _keras_max_norm(max_value, axis)
        self.max_value = float(max_value)
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """{"max_value": ..., "axis": an int or a list of ints}."""
        return {"max_value": self.max_value, "axis": plain(self.axis)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MaxNorm:
        """``MaxNorm(**config)``, unknown keys refused (``check_config``)."""
        return cls(**check_config(config, cls))

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """A new array: ``w`` projected by Keras; same shape and dtype."""
        return _constrain(self.keras_constraint, w, self.axis)


def max_norm(w: np.ndarray, max_value: float = 2.0, axis: Axes = 0) -> np.ndarray:
    """``keras.constraints.MaxNorm(max_value, axis)(w)``:
    w * clip(norm, 0, max_value) / (1e-7 + norm), norm = sqrt(sum(w^2 over axis))."""
    return _constrain(_keras_max_norm(max_value, axis), w, axis)


def book_max_norm(w: np.ndarray, threshold: float, axes: Axes = 1) -> np.ndarray:
    """The book's max-norm step, ``tf.clip_by_norm(w, clip_norm=threshold, axes=axes)``."""
    w = check_float_array(w, "w")
    check_positive(threshold, "threshold")
    tf_axes = list(check_axes(axes, "axes", w.ndim))
    return tf.clip_by_norm(tf.convert_to_tensor(w), threshold, axes=tf_axes).numpy()


def serialize(constraint: Any) -> dict[str, Any] | None:
    """None, or {"class_name": "MaxNorm", "config": {"max_value": ..., "axis": ...}}; a
    constraint of another kind cannot be described: TypeError."""
    if constraint is None:
        return None
    if isinstance(constraint, keras.constraints.MaxNorm):
        config = constraint.get_config()
        return {
            "class_name": "MaxNorm",
            "config": {"max_value": float(config["max_value"]), "axis": plain(config["axis"])},
        }
    if not isinstance(constraint, MaxNorm):
        raise TypeError(f"constraint: get_config describes MaxNorm only, got {constraint!r}")
    return {"class_name": "MaxNorm", "config": constraint.get_config()}


def deserialize(spec: Any) -> MaxNorm | None:
    """The inverse of ``serialize``."""
    if spec is None:
        return None
    return deserialize_object(spec, "constraint", {"MaxNorm": MaxNorm})
