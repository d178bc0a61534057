"""Normalises over axis 0 (the batch) instead of axis 1 (the classes)."""

import numpy as np

from scratch.checks import check_labels


def log_softmax(logits):
    shifted = logits - logits.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def sparse_softmax_cross_entropy(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())


def sparse_softmax_cross_entropy_grad(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)
