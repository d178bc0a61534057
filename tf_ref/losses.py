"""Losses from logits computed by TensorFlow, with gradients from ``tf.GradientTape``: the
oracle for ``scratch.losses`` (book section "Softmax Regression").

Each loss is TensorFlow's per-example loss followed by a mean over the batch, which is what
Keras' ``SparseCategoricalCrossentropy(from_logits=True)``,
``BinaryCrossentropy(from_logits=True)`` and ``MeanSquaredError`` compute with their default
reduction ("sum_over_batch_size"). Gradients are d(mean loss)/d(logits), so they carry the
1/N factor.
Inputs are checked with the same plumbing as scratch (``scratch.checks``), so that both backends
reject bad input with the same words; on a GPU TensorFlow itself would return NaN for an
out-of-range label instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

# Input checks only (plumbing, no maths), shared so that both backends say the same words.
from scratch.checks import (
    check_choice,
    check_logits_labels,
    check_logits_targets,
    check_outputs_targets,
)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``tf.nn.log_softmax``: z_k - logsumexp(z), row-wise; (N, K) -> (N, K)."""
    return tf.nn.log_softmax(logits, axis=1).numpy()


def softmax(logits: np.ndarray) -> np.ndarray:
    """``tf.nn.softmax``: exp(z_k) / sum_j exp(z_j), row-wise; (N, K) -> (N, K)."""
    return tf.nn.softmax(logits, axis=1).numpy()


def _value_and_grad(
    loss_fn: Callable[[tf.Tensor], tf.Tensor], logits: np.ndarray
) -> tuple[float, np.ndarray]:
    """loss_fn(logits) as a Python float and d loss_fn / d logits, by ``tf.GradientTape``."""
    z = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = loss_fn(z)
    return float(loss), tape.gradient(loss, z).numpy()


def sparse_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)) as a Python float.

    logits (N, K) float; labels (N,) int in [0, K).
    """
    return sparse_softmax_cross_entropy_value_and_grad(logits, labels)[0]


def sparse_softmax_cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """d(mean loss)/d(logits) by GradientTape, shape (N, K) (= (softmax - onehot) / N)."""
    return sparse_softmax_cross_entropy_value_and_grad(logits, labels)[1]


def sparse_softmax_cross_entropy_value_and_grad(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean sparse softmax cross-entropy."""
    logits, labels = check_logits_labels(logits, labels)
    return _sparse_softmax_cross_entropy(logits, labels)


def _sparse_softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    def mean_loss(z: tf.Tensor) -> tf.Tensor:
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels.astype(np.int64), logits=z
        )
        return tf.reduce_mean(per_example)

    return _value_and_grad(mean_loss, logits)


def sigmoid_binary_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """mean(tf.nn.sigmoid_cross_entropy_with_logits(targets, logits)) over all entries.

    TensorFlow evaluates max(z, 0) - z t + log1p(exp(-|z|)); logits and targets share a shape.
    """
    return sigmoid_binary_cross_entropy_value_and_grad(logits, targets)[0]


def sigmoid_binary_cross_entropy_grad(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """d(mean loss)/d(logits) by GradientTape (= (sigmoid(z) - t) / number of entries)."""
    return sigmoid_binary_cross_entropy_value_and_grad(logits, targets)[1]


def sigmoid_binary_cross_entropy_value_and_grad(
    logits: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean sigmoid binary cross-entropy."""
    logits, targets = check_logits_targets(logits, targets)
    return _sigmoid_binary_cross_entropy(logits, targets)


def _sigmoid_binary_cross_entropy(
    logits: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    def mean_loss(z: tf.Tensor) -> tf.Tensor:
        per_entry = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=z)
        return tf.reduce_mean(per_entry)

    return _value_and_grad(mean_loss, logits)


def mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Keras' ``MeanSquaredError``: mean over the last axis of (z - t)^2, then over the batch;
    outputs and targets (N, D), the same shape."""
    return mean_squared_error_value_and_grad(outputs, targets)[0]


def mean_squared_error_grad(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """d(mean loss)/d(outputs) by GradientTape (= 2 (z - t) / (N D))."""
    return mean_squared_error_value_and_grad(outputs, targets)[1]


def mean_squared_error_value_and_grad(
    outputs: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean squared error."""
    outputs, targets = check_outputs_targets(outputs, targets)
    return _mean_squared_error(outputs, targets)


def _mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    def mean_loss(z: tf.Tensor) -> tf.Tensor:
        per_row = tf.reduce_mean(tf.math.squared_difference(z, targets), axis=-1)
        return tf.reduce_mean(per_row)

    return _value_and_grad(mean_loss, outputs)


ValueAndGrad = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]

# As in scratch: "sigmoid_cross_entropy" (targets in [0, 1]) is the binary loss's TF maths.
LOSSES: dict[str, ValueAndGrad] = {
    "sparse_softmax_cross_entropy": sparse_softmax_cross_entropy_value_and_grad,
    "sigmoid_binary_cross_entropy": sigmoid_binary_cross_entropy_value_and_grad,
    "sigmoid_cross_entropy": sigmoid_binary_cross_entropy_value_and_grad,
    "mean_squared_error": mean_squared_error_value_and_grad,
}


# Unchecked twins, as in scratch, for a loop that has validated the whole data set up front.
UNCHECKED: dict[str, ValueAndGrad] = {
    "sparse_softmax_cross_entropy": _sparse_softmax_cross_entropy,
    "sigmoid_binary_cross_entropy": _sigmoid_binary_cross_entropy,
    "sigmoid_cross_entropy": _sigmoid_binary_cross_entropy,
    "mean_squared_error": _mean_squared_error,
}


def get(name: str) -> ValueAndGrad:
    """The ``(outputs, targets) -> (loss, doutputs)`` function for a loss name (inputs
    checked)."""
    return LOSSES[check_choice(name, "loss", LOSSES)]
