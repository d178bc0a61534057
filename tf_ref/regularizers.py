"""Weight penalties in TensorFlow: ``keras.regularizers.L1`` / ``L2`` / ``L1L2`` evaluated on
NumPy weights, their gradients by ``tf.GradientTape``, and ``sparsify`` with ``tf.where``.
``l1_l2_penalty`` and ``l1_l2_penalty_grad`` are the plain-function twins of scratch's (kata 14),
computed with ``keras.regularizers.L1L2``.

Keras (3.15) casts each factor to the weights' dtype, ``ops.cast(self.l1, x.dtype)``, and on the
TensorFlow backend a Python float goes through a float32 tensor first: on float64 weights
``L1(0.1)``, ``L2(0.1)`` and ``L1L2(0.1, 0.1)`` all really use float32(0.1) = 0.10000000149...
(up to 6e-8 relative off). scratch keeps the exact factor: compare the two with factors that
float32 holds exactly.
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
    config_from_attributes,
    deserialize_object,
)


def _weights(w: np.ndarray) -> np.ndarray:
    return check_float_array(w, "w", allow_empty=True)


def _keras_l1_l2(l1: float, l2: float) -> keras.regularizers.L1L2:
    check_positive(l1, "l1", zero=True)
    check_positive(l2, "l2", zero=True)
    return keras.regularizers.L1L2(l1=float(l1), l2=float(l2))


def _penalty(regularizer: keras.regularizers.Regularizer, w: np.ndarray) -> float:
    """A Keras regularizer's value on NumPy weights."""
    return float(np.asarray(regularizer(tf.convert_to_tensor(_weights(w)))))


def _penalty_grad(regularizer: keras.regularizers.Regularizer, w: np.ndarray) -> np.ndarray:
    """dPenalty/dw by ``tf.GradientTape`` (TF's gradient of abs at 0 is sign(0) = 0)."""
    w_t = tf.convert_to_tensor(_weights(w))
    with tf.GradientTape() as tape:
        tape.watch(w_t)
        penalty = regularizer(w_t)
    # A zero factor leaves the penalty a constant, unconnected to w: its gradient is 0.
    return tape.gradient(penalty, w_t, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy()


def l1_l2_penalty(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    """``keras.regularizers.L1L2(l1, l2)(w)``: l1 * sum(|w|) + l2 * sum(w^2), a float."""
    return _penalty(_keras_l1_l2(l1, l2), w)


def l1_l2_penalty_grad(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
    """The gradient of ``keras.regularizers.L1L2(l1, l2)(w)`` by ``tf.GradientTape``:
    l1 * sign(w) + 2 * l2 * w, same shape and dtype as ``w``."""
    return _penalty_grad(_keras_l1_l2(l1, l2), w)


class Regularizer:
    """Base class: the wrapped ``keras_regularizer``, its value and its taped gradient."""

    keras_regularizer: keras.regularizers.Regularizer

    def __call__(self, w: np.ndarray) -> float:
        return _penalty(self.keras_regularizer, w)

    def grad(self, w: np.ndarray) -> np.ndarray:
        """dPenalty/dw by ``tf.GradientTape`` (TF's gradient of abs at 0 is sign(0) = 0)."""
        return _penalty_grad(self.keras_regularizer, w)


class L1L2(Regularizer):
    """``keras.regularizers.L1L2(l1, l2)``: l1 * sum(|w|) + l2 * sum(w^2)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.keras_regularizer = _keras_l1_l2(l1, l2)
        self.l1, self.l2 = float(l1), float(l2)

    def get_config(self) -> dict[str, float]:
        """The constructor arguments: {"l1": ..., "l2": ...} (L1: "l1" only; L2: "l2")."""
        return config_from_attributes(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> L1L2:
        """``cls(**config)``, unknown keys refused (``check_config``)."""
        return cls(**check_config(config, cls))


class L1(L1L2):
    """``keras.regularizers.L1(l1)``: l1 * sum(|w|)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)
        self.keras_regularizer = keras.regularizers.L1(self.l1)


class L2(L1L2):
    """``keras.regularizers.L2(l2)``: l2 * sum(w^2)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)
        self.keras_regularizer = keras.regularizers.L2(self.l2)


CLASSES: dict[str, type] = {"L1L2": L1L2, "L1": L1, "L2": L2}
KERAS_CLASSES = (keras.regularizers.L1, keras.regularizers.L2, keras.regularizers.L1L2)


def serialize(regularizer: Any) -> dict[str, Any] | None:
    """None, or {"class_name": "L1L2", "config": {"l1": l1, "l2": l2}}, as scratch writes it,
    for a tf_ref L1/L2/L1L2 or the Keras regularizer behind one."""
    if regularizer is None:
        return None
    if isinstance(regularizer, L1L2):
        l1, l2 = regularizer.l1, regularizer.l2
    elif isinstance(
        regularizer, (keras.regularizers.L1, keras.regularizers.L2, keras.regularizers.L1L2)
    ):
        config = regularizer.get_config()
        l1, l2 = float(config.get("l1", 0.0)), float(config.get("l2", 0.0))
    else:
        raise TypeError(f"regularizer: get_config describes L1/L2/L1L2 only, got {regularizer!r}")
    return {"class_name": "L1L2", "config": {"l1": l1, "l2": l2}}


def deserialize(spec: Any) -> L1L2 | None:
    """The inverse of ``serialize`` (class_name "L1L2", "L1" or "L2")."""
    if spec is None:
        return None
    return deserialize_object(spec, "regularizer", CLASSES)


def sparsify(weights: np.ndarray, threshold: float) -> np.ndarray:
    """``tf.where(|w| < threshold, 0, w)``: a copy with the tiny weights zeroed."""
    weights = _weights(weights)
    check_positive(threshold, "threshold", zero=True)
    w = tf.convert_to_tensor(weights)
    return tf.where(tf.abs(w) < threshold, tf.zeros_like(w), w).numpy()
