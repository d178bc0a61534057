"""Subtracts the row max from the caller's logits in place (logits -= max) to save a copy."""

import numpy as np

from scratch.checks import check_labels


def log_softmax(logits):
    logits -= logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def softmax(logits):
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def sparse_softmax_cross_entropy(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())


def sparse_softmax_cross_entropy_grad(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)
