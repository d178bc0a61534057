"""Kata 14: regularization. Run `katas check regularization` after each change.

``w`` is one weight array of any shape; a Dense kernel is (n_inputs, n_units). Every function
returns something new (even when nothing had to change), of w's dtype, and leaves ``w``
untouched.
"""

import numpy as np


def l1_l2_penalty(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    """The penalty added to the loss (Keras ``L1L2(l1, l2)(w)``), a float:

    l1 * sum(|w|) + l2 * sum(w^2)          (sums over every entry; no 0.5 in front of l2)
    """
    raise NotImplementedError("write l1_l2_penalty")


def l1_l2_penalty_grad(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
    """d l1_l2_penalty / dw, same shape and dtype as w:

    l1 * sign(w) + 2 * l2 * w              (sign(0) = 0)
    """
    raise NotImplementedError("write l1_l2_penalty_grad")


def max_norm(w: np.ndarray, max_value: float = 2.0, axis: int | tuple[int, ...] = 0) -> np.ndarray:
    """Keras ``MaxNorm(max_value, axis)(w)``: every slice along ``axis`` into the L2 ball of
    radius max_value, same shape and dtype as w:

        norm = sqrt(sum(w^2 over axis))        (keepdims, so that it broadcasts against w)
        w -> w * clip(norm, 0, max_value) / (1e-7 + norm)
    axis=0 on a kernel (n_inputs, n_units): each unit's incoming weights (a column).
    """
    raise NotImplementedError("write max_norm")


def book_max_norm(w: np.ndarray, threshold: float, axes: int | tuple[int, ...] = 1) -> np.ndarray:
    """The book's ``tf.clip_by_norm(w, clip_norm=threshold, axes=1)``, same shape and dtype:

        norm = sqrt(sum(w^2 over axes))        (keepdims)
        w -> w * threshold / max(norm, threshold)        (no epsilon)
    axes=1 on a kernel (n_inputs, n_units): each input's outgoing weights (a row).
    """
    raise NotImplementedError("write book_max_norm")


def sparsify(weights: np.ndarray, threshold: float) -> np.ndarray:
    """A copy of ``weights`` with every entry of |w| < threshold set to 0 (|w| == threshold
    stays); same shape and dtype."""
    raise NotImplementedError("write sparsify")
