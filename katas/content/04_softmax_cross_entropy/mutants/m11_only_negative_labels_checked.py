"""Checks only for negative labels: label K or more reaches NumPy's indexing and comes out as an
IndexError ("index 3 is out of bounds"), which names no label and no argument."""

import numpy as np

from scratch.losses import log_softmax, softmax


def check(labels):
    labels = np.asarray(labels)
    if labels.min() < 0:
        raise ValueError(f"labels: got a negative label {labels.min()}")
    return labels


def sparse_softmax_cross_entropy(logits, labels):
    labels = check(labels)
    return -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())


def sparse_softmax_cross_entropy_grad(logits, labels):
    labels = check(labels)
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)
