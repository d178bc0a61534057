"""Weight penalties with Keras 3 conventions (book section "l1 and l2 Regularization").

A regularizer maps a weight array to a number that is *added to the loss*, plus its gradient,
which is added to the weight's gradient:

    L1(l1):       l1 * sum(|w|)                 grad  l1 * sign(w)     (sign(0) = 0)
    L2(l2):       l2 * sum(w^2)                 grad  2 * l2 * w
    L1L2(l1, l2): the sum of both

Keras puts no 0.5 in front of L2 (``tf.nn.l2_loss`` does: sum(w^2) / 2) and does not divide the
penalty by the batch size: it is added once to the mean batch loss. So Keras' ``L2(l2)`` is
"weight decay" with coefficient 2 * l2 in plain SGD.

The maths lives in two plain functions, ``l1_l2_penalty`` and ``l1_l2_penalty_grad`` (kata 14);
the classes only hold the factors. ``sparsify`` is the book's recipe for a sparse model: train
with l1, then zero the weights that ended up tiny.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from scratch.checks import (
    check_config,
    check_float_array,
    check_positive,
    config_from_attributes,
    deserialize_object,
)


class Regularizer(ABC):
    """Base class: ``reg(w) -> float`` penalty and ``reg.grad(w) -> array`` its gradient."""

    @abstractmethod
    def __call__(self, w: np.ndarray) -> float:
        """Defined by every subclass."""

    @abstractmethod
    def grad(self, w: np.ndarray) -> np.ndarray:
        """Defined by every subclass."""


def _weights(w: Any) -> np.ndarray:
    return check_float_array(w, "w", allow_empty=True)


def _factors(l1: float, l2: float) -> None:
    check_positive(l1, "l1", zero=True)
    check_positive(l2, "l2", zero=True)


def l1_l2_penalty(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> float:
    """The penalty Keras adds to the loss for one weight array (``L1L2(l1, l2)(w)``):

        l1 * sum(|w|) + l2 * sum(w^2)          w: any shape  ->  a float

    Book: "l1 and l2 Regularization". No 0.5 in front of the L2 term (``tf.nn.l2_loss`` has one),
    and a sum over every entry of ``w``, not a mean: the penalty does not shrink as the layer
    grows. Computed in ``w``'s dtype.
    """
    w = _weights(w)
    _factors(l1, l2)
    return float(l1 * np.sum(np.abs(w)) + l2 * np.sum(w * w))


def l1_l2_penalty_grad(w: np.ndarray, l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
    """d l1_l2_penalty / dw, the term a regularized layer adds to its weight gradient:

        l1 * sign(w) + 2 * l2 * w              same shape and dtype as w

    |w| has no derivative at 0; like TensorFlow's gradient of ``abs`` this takes sign(0) = 0 (a
    subgradient), so a weight that is exactly 0 feels no L1 pull. In plain SGD the L2 term is
    "weight decay" with coefficient 2 * l2.
    """
    w = _weights(w)
    _factors(l1, l2)
    return (l1 * np.sign(w) + (2 * l2) * w).astype(w.dtype, copy=False)


class L1L2(Regularizer):
    """l1 * sum(|w|) + l2 * sum(w^2), gradient l1 * sign(w) + 2 * l2 * w (Keras ``L1L2``).

    Defaults are Keras' (0, 0): ``L1L2(l2=0.01)`` is a pure L2 penalty. |w| has no derivative at
    0; like TensorFlow's gradient of ``abs`` this uses sign(0) = 0 (a subgradient), so a weight
    that is exactly 0 feels no L1 pull.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        _factors(l1, l2)
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, w: np.ndarray) -> float:
        """``l1_l2_penalty(w, l1, l2)``."""
        return l1_l2_penalty(w, self.l1, self.l2)

    def grad(self, w: np.ndarray) -> np.ndarray:
        """dPenalty/dw, same shape and dtype as ``w`` (``l1_l2_penalty_grad``)."""
        return l1_l2_penalty_grad(w, self.l1, self.l2)

    def get_config(self) -> dict[str, float]:
        """The constructor arguments: {"l1": ..., "l2": ...} (L1: "l1" only; L2: "l2")."""
        return config_from_attributes(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> L1L2:
        """``cls(**config)``, unknown keys refused (``check_config``)."""
        return cls(**check_config(config, cls))


class L1(L1L2):
    """l1 * sum(|w|), gradient l1 * sign(w) with sign(0) = 0 (Keras ``L1``, default l1 = 0.01).

    The constant pull towards 0 (the same size for every weight) is what drives weights to
    exactly zero, unlike L2's pull, which shrinks with the weight.
    """

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)


class L2(L1L2):
    """l2 * sum(w^2), gradient 2 * l2 * w (Keras ``L2``, default l2 = 0.01; no 0.5 factor)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)


CLASSES: dict[str, type] = {"L1L2": L1L2, "L1": L1, "L2": L2}


def serialize(regularizer: Any) -> dict[str, Any] | None:
    """None, or {"class_name": "L1L2", "config": {"l1": l1, "l2": l2}} (L1 and L2 too, so both
    backends write the same). A regularizer of another kind cannot be described: TypeError."""
    if regularizer is None:
        return None
    if not isinstance(regularizer, L1L2):
        raise TypeError(f"regularizer: get_config describes L1/L2/L1L2 only, got {regularizer!r}")
    return {"class_name": "L1L2", "config": {"l1": regularizer.l1, "l2": regularizer.l2}}


def deserialize(spec: Any) -> L1L2 | None:
    """The inverse of ``serialize`` (class_name "L1L2", "L1" or "L2")."""
    if spec is None:
        return None
    return deserialize_object(spec, "regularizer", CLASSES)


def sparsify(weights: np.ndarray, threshold: float) -> np.ndarray:
    """A copy of ``weights`` with every entry of |w| < ``threshold`` set to 0.

    The book's "need a sparse model": l1 regularization leaves many weights tiny but not exactly
    zero; zeroing them afterwards gives a sparse model at little cost in accuracy.
    """
    weights = _weights(weights)
    check_positive(threshold, "threshold", zero=True)
    return np.where(np.abs(weights) < threshold, weights.dtype.type(0), weights)
