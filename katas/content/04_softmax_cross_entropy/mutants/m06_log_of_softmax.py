"""Computes log_softmax as np.log(softmax(z)): -inf once a probability underflows to 0."""

import numpy as np

from scratch.checks import check_labels
from scratch.losses import softmax, sparse_softmax_cross_entropy_grad  # noqa: F401


def log_softmax(logits):
    return np.log(softmax(logits))


def sparse_softmax_cross_entropy(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())
