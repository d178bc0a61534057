"""Sums the per-example losses over the batch instead of averaging them (N times too large)."""

import numpy as np

from scratch.checks import check_labels
from scratch.losses import log_softmax, softmax, sparse_softmax_cross_entropy_grad  # noqa: F401


def sparse_softmax_cross_entropy(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].sum())
