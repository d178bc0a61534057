"""Weight penalties in TensorFlow: ``keras.regularizers.L1`` / ``L2`` / ``L1L2`` evaluated on
NumPy weights, their gradients by ``tf.GradientTape``, and ``sparsify`` with ``tf.where``.

Keras turns ``L1``'s factor into a float32 tensor when the regularizer is made, so on float64
weights ``L1(0.1)`` really uses float32(0.1); ``L2`` and ``L1L2`` keep Python floats.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import check_float_array, check_positive


def _weights(w: np.ndarray) -> np.ndarray:
    return check_float_array(w, "w", allow_empty=True)


class Regularizer:
    """Base class: the wrapped ``keras_regularizer``, its value and its taped gradient."""

    keras_regularizer: keras.regularizers.Regularizer

    def __call__(self, w: np.ndarray) -> float:
        return float(np.asarray(self.keras_regularizer(tf.convert_to_tensor(_weights(w)))))

    def grad(self, w: np.ndarray) -> np.ndarray:
        """dPenalty/dw by ``tf.GradientTape`` (TF's gradient of abs at 0 is sign(0) = 0)."""
        w_t = tf.convert_to_tensor(_weights(w))
        with tf.GradientTape() as tape:
            tape.watch(w_t)
            penalty = self.keras_regularizer(w_t)
        # A zero factor leaves the penalty a constant, unconnected to w: its gradient is 0.
        return tape.gradient(
            penalty, w_t, unconnected_gradients=tf.UnconnectedGradients.ZERO
        ).numpy()


class L1L2(Regularizer):
    """``keras.regularizers.L1L2(l1, l2)``: l1 * sum(|w|) + l2 * sum(w^2)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        check_positive(l1, "l1", zero=True)
        check_positive(l2, "l2", zero=True)
        self.l1, self.l2 = float(l1), float(l2)
        self.keras_regularizer = keras.regularizers.L1L2(l1=self.l1, l2=self.l2)


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


def sparsify(weights: np.ndarray, threshold: float) -> np.ndarray:
    """``tf.where(|w| < threshold, 0, w)``: a copy with the tiny weights zeroed."""
    weights = _weights(weights)
    check_positive(threshold, "threshold", zero=True)
    w = tf.convert_to_tensor(weights)
    return tf.where(tf.abs(w) < threshold, tf.zeros_like(w), w).numpy()
