"""Kata 4: softmax and the sparse softmax cross-entropy. Run `katas check softmax_cross_entropy`.

logits (N, K): one row of K class scores per example; labels (N,): integer classes in [0, K).
"""

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax(z)_k = z_k - log sum_j exp(z_j), row by row; (N, K) -> (N, K).

    Must stay finite for logits of +-1000.
    """
    raise NotImplementedError("write log_softmax")


def softmax(logits: np.ndarray) -> np.ndarray:
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j), row by row; (N, K) -> (N, K), rows sum to 1."""
    raise NotImplementedError("write softmax")


def sparse_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """L = mean over the batch of -log softmax(logits)[n, labels[n]], a Python float.

    A label outside [0, K) is an error.
    """
    raise NotImplementedError("write sparse_softmax_cross_entropy")


def sparse_softmax_cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """dL/dlogits = (softmax(logits) - onehot(labels)) / N, shape (N, K)."""
    raise NotImplementedError("write sparse_softmax_cross_entropy_grad")
