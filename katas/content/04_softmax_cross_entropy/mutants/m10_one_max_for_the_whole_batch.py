"""Shifts by the largest logit of the whole batch (logits.max(), no axis) instead of each row's:
a row far below the batch's top underflows, exp gives all zeros, and its log is -inf."""

import numpy as np

from scratch.checks import check_labels


def log_softmax(logits):
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))  # this one is right
    return e / e.sum(axis=1, keepdims=True)


def sparse_softmax_cross_entropy(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())


def sparse_softmax_cross_entropy_grad(logits, labels):
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    grad = np.exp(log_softmax(logits))
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)
