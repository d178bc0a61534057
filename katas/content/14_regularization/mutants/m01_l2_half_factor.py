"""Puts 0.5 in front of the L2 term (tf.nn.l2_loss, the book's TF1 l2_regularizer), not Keras'."""

import numpy as np

from scratch.constraints import book_max_norm, max_norm  # noqa: F401
from scratch.regularizers import sparsify  # noqa: F401


def l1_l2_penalty(w, l1=0.0, l2=0.0):
    return float(l1 * np.sum(np.abs(w)) + 0.5 * l2 * np.sum(w * w))


def l1_l2_penalty_grad(w, l1=0.0, l2=0.0):
    return l1 * np.sign(w) + l2 * w
