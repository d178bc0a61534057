"""Losses computed from logits (or, for mean squared error, from raw outputs), with their
gradients (book section "Softmax Regression"; CS231n notes on the softmax classifier; chapter
15's reconstruction losses).

Every loss is averaged over the batch, as Keras' loss classes do by default, so its gradient
carries a 1/N factor (1/(N D) for the per-entry losses). Each ``*_value_and_grad`` computes
the loss and dL/dlogits in one pass, which is what a training step needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scratch.checks import (
    check_choice,
    check_logits_labels,
    check_logits_targets,
    check_outputs_targets,
)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax(z)_k = z_k - logsumexp(z), row-wise; logits (N, K) -> (N, K).

    Subtracting the row max first is what keeps exp() from overflowing at logits of 1000.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j), row-wise, max-shifted; (N, K) -> (N, K)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sparse_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the batch of -log softmax(logits)[label].

    logits (N, K) float; labels (N,) int in [0, K). Returns a Python float.
    Same as ``tf.nn.sparse_softmax_cross_entropy_with_logits`` followed by a mean.
    """
    return sparse_softmax_cross_entropy_value_and_grad(logits, labels)[0]


def sparse_softmax_cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """dL/dlogits = (softmax(logits) - onehot(labels)) / N, shape (N, K)."""
    return sparse_softmax_cross_entropy_value_and_grad(logits, labels)[1]


def sparse_softmax_cross_entropy_value_and_grad(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean sparse softmax cross-entropy in one pass."""
    logits, labels = check_logits_labels(logits, labels)
    return _sparse_softmax_cross_entropy(logits, labels)


def _sparse_softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    # The maths without the input checks: the training loop validates the data once, up front.
    n = logits.shape[0]
    rows = np.arange(n)
    logp = log_softmax(logits)
    loss = -float(logp[rows, labels].mean())
    grad = np.exp(logp)
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad


def sigmoid_binary_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean over all entries of -[t log s(z) + (1-t) log(1-s(z))], s = sigmoid.

    Written as max(z, 0) - z t + log(1 + exp(-|z|)), which never overflows
    (``tf.nn.sigmoid_cross_entropy_with_logits``). logits and targets have the same shape.
    """
    return sigmoid_binary_cross_entropy_value_and_grad(logits, targets)[0]


def sigmoid_binary_cross_entropy_grad(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL/dz = (sigmoid(z) - t) / (number of entries)."""
    return sigmoid_binary_cross_entropy_value_and_grad(logits, targets)[1]


def sigmoid_binary_cross_entropy_value_and_grad(
    logits: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean sigmoid binary cross-entropy in one pass."""
    logits, targets = check_logits_targets(logits, targets)
    return _sigmoid_binary_cross_entropy(logits, targets)


def _sigmoid_binary_cross_entropy(
    logits: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    e = np.exp(-np.abs(logits))
    per_entry = np.maximum(logits, 0) - logits * targets + np.log1p(e)
    s = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    return float(per_entry.mean()), (s - targets) / logits.size


def mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Mean over all N*D entries of (z - t)^2; outputs and targets (N, D), the same shape.

    Keras' ``MeanSquaredError`` (mean over the last axis, then over the batch: the same number,
    every row having D entries).
    """
    return mean_squared_error_value_and_grad(outputs, targets)[0]


def mean_squared_error_grad(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL/dz = 2 (z - t) / (N D), the shape of ``outputs``."""
    return mean_squared_error_value_and_grad(outputs, targets)[1]


def mean_squared_error_value_and_grad(
    outputs: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss and gradient of the mean squared error in one pass."""
    outputs, targets = check_outputs_targets(outputs, targets)
    return _mean_squared_error(outputs, targets)


def _mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    diff = outputs - targets
    return float(np.mean(diff * diff)), (2 / diff.size) * diff


ValueAndGrad = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]

# "sigmoid_cross_entropy" (targets in [0, 1], e.g. pixels) is the binary loss's maths under the
# name scratch.targets gives soft targets: the same function, not a copy.
LOSSES: dict[str, ValueAndGrad] = {
    "sparse_softmax_cross_entropy": sparse_softmax_cross_entropy_value_and_grad,
    "sigmoid_binary_cross_entropy": sigmoid_binary_cross_entropy_value_and_grad,
    "sigmoid_cross_entropy": sigmoid_binary_cross_entropy_value_and_grad,
    "mean_squared_error": mean_squared_error_value_and_grad,
}


# Unchecked twins for the hot loop, which has validated the whole data set before the first step.
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
