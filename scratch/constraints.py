"""Weight constraints (book section "Max-Norm Regularization"), Keras 3 semantics.

A constraint is a projection applied to a weight *after* each optimizer update (Keras' order:
clip the gradients, update, constrain): ``w = constraint(w)``. Pass one per parameter to
``Optimizer.apply(params, grads, constraints=[...])``.

Max-norm keeps each unit's incoming weight vector inside a ball of radius r: ||w_unit|| <= r.
A Dense kernel has shape (n_inputs, n_units), so a unit's incoming weights are a *column*:
Keras' ``MaxNorm(axis=0)`` (the norm is taken over axis 0, the inputs). The book's TF1 code
clips with ``tf.clip_by_norm(weights, threshold, axes=1)`` instead: the norm over axis 1, i.e.
over each input's *outgoing* weights (a row) -- see ``book_max_norm``.

The maths is in the plain functions ``max_norm`` and ``book_max_norm`` (kata 14); ``MaxNorm``
holds the settings a layer keeps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.checks import (
    check_config,
    check_float_array,
    check_positive,
    deserialize_object,
    plain,
)

EPSILON = 1e-7
"""Keras' fuzz factor (``keras.backend.epsilon()``) in MaxNorm's denominator."""

Axes = int | tuple[int, ...] | list[int]


def check_axes(axis: Any, name: str, ndim: int | None = None) -> tuple[int, ...]:
    """``axis`` (an int or a sequence of ints) as a tuple of non-negative axes of an
    ``ndim``-D array (only the type is checked when ``ndim`` is None)."""
    try:
        axes = (axis,) if np.isscalar(axis) else tuple(axis)
    except TypeError:
        axes = (axis,)
    if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"{name}: expected an int or a sequence of ints, got {axis!r}")
    if ndim is None:
        return tuple(int(a) for a in axes)
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"{name}: expected axes of a {ndim}-D array, got {axis!r}")
    return tuple(int(a) % ndim for a in axes)


class MaxNorm:
    """Keras ``MaxNorm(max_value=2, axis=0)``: rescale every slice along ``axis`` to an L2 norm of
    at most ``max_value`` (the maths is ``max_norm``; this object only holds the settings):

        w -> w * clip(norm, 0, max_value) / (1e-7 + norm),   norm = sqrt(sum(w^2 over axis))
    ``axis=0`` on a Dense kernel (n_inputs, n_units) = each unit's incoming weights.
    """

    def __init__(self, max_value: float = 2, axis: Axes = 0) -> None:
        check_positive(max_value, "max_value", zero=True)
        check_axes(axis, "axis")  # the type now, the range when the weights come
        self.max_value = float(max_value)
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """{"max_value": ..., "axis": an int or a list of ints}."""
        return {"max_value": self.max_value, "axis": plain(self.axis)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MaxNorm:
        """``MaxNorm(**config)``, unknown keys refused (``check_config``)."""
        return cls(**check_config(config, cls))

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """A new array: ``w`` projected (``max_norm``); same shape and dtype."""
        return max_norm(w, self.max_value, self.axis)


def max_norm(w: np.ndarray, max_value: float = 2.0, axis: Axes = 0) -> np.ndarray:
    """Keras' max-norm projection (``MaxNorm(max_value, axis)(w)``; book: "Max-Norm
    Regularization"; Srebro et al. 2005, used with dropout by Srivastava et al. 2014):

        norm = sqrt(sum(w^2 over axis))        keepdims: (1, n_units) for a kernel and axis=0
        w -> w * clip(norm, 0, max_value) / (1e-7 + norm)
    w: any shape (a Dense kernel is (n_inputs, n_units)) -> a new array, same shape and dtype.
    ``axis=0`` on a kernel: each unit's incoming weights (a column) are kept inside the ball of
    radius ``max_value``. The 1e-7 (Keras' ``epsilon()``) keeps an all-zero slice at 0 instead of
    0 / 0, and multiplies a slice already inside the ball by norm / (norm + 1e-7): a shrink of
    about 1e-7 / norm, invisible unless the norm is tiny.
    """
    w = check_float_array(w, "w")
    check_positive(max_value, "max_value", zero=True)
    norms = np.sqrt(np.sum(w * w, axis=check_axes(axis, "axis", w.ndim), keepdims=True))
    desired = np.clip(norms, 0, max_value)
    return w * (desired / (EPSILON + norms))


def book_max_norm(w: np.ndarray, threshold: float, axes: Axes = 1) -> np.ndarray:
    """The book's max-norm step, ``tf.clip_by_norm(weights, clip_norm=threshold, axes=1)``:

        norm = sqrt(sum(w^2 over axes));   w -> w * threshold / max(norm, threshold)
    No epsilon: slices with norm <= threshold come back exactly unchanged. With the default
    ``axes=1`` on a Dense kernel (n_inputs, n_units) the norm is over each *row* (one input's
    outgoing weights), not over each unit's incoming weights (Keras' ``MaxNorm(axis=0)``).
    Returns a new array.
    """
    w = check_float_array(w, "w")
    check_positive(threshold, "threshold")
    norms = np.sqrt(np.sum(w * w, axis=check_axes(axes, "axes", w.ndim), keepdims=True))
    return w * threshold / np.maximum(norms, threshold)


def serialize(constraint: Any) -> dict[str, Any] | None:
    """None, or {"class_name": "MaxNorm", "config": {"max_value": ..., "axis": ...}}; a
    constraint of another kind cannot be described: TypeError."""
    if constraint is None:
        return None
    if not isinstance(constraint, MaxNorm):
        raise TypeError(f"constraint: get_config describes MaxNorm only, got {constraint!r}")
    return {"class_name": "MaxNorm", "config": constraint.get_config()}


def deserialize(spec: Any) -> MaxNorm | None:
    """The inverse of ``serialize``."""
    if spec is None:
        return None
    return deserialize_object(spec, "constraint", {"MaxNorm": MaxNorm})
