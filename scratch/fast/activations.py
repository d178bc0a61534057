"""The activations' codes and constants for the Numba twins in ``scratch.fast.layers``.

Each activation with a twin has a code (``CODES``); ``constants`` gives what a twin's loops
need besides the arrays, in the array's dtype: ``a`` (alpha or negative_slope, the scratch
function's default unless given; 0 when unused), ``one`` (1) and ``scale`` (SELU's, else 1).
A Python float would make Numba compute in float64; these scalars keep it in the array's dtype,
as NumPy 2 keeps a float32 array's arithmetic in float32.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from scratch.activations import _TABLE, SELU_ALPHA, SELU_SCALE, ActivationFunction

#: The activations with a twin, by name -> code.
CODES = {
    "linear": 0,
    "relu": 1,
    "leaky_relu": 2,
    "elu": 3,
    "selu": 4,
    "sigmoid": 5,
    "tanh": 6,
}
_SELU = CODES["selu"]


def constants(fn: ActivationFunction, dtype: np.dtype) -> tuple[Any, ...] | None:
    """(code, a, one, scale) for ``fn`` in ``dtype``, or None when it has no twin."""
    key = (id(fn), dtype)
    hit = _by_object.get(key)
    # the same object (an id can be reused) with the same kwargs (its dict can be changed)
    if hit is not None and hit[0] is fn and hit[1] == fn.kwargs:
        return hit[2]
    found = _constants(fn.name, tuple(sorted(fn.kwargs.items())), np.dtype(dtype).str)
    if len(_by_object) > 1024:
        _by_object.clear()
    _by_object[key] = (fn, dict(fn.kwargs), found)
    return found


_by_object: dict[tuple[int, Any], tuple[ActivationFunction, dict[str, Any], Any]] = {}


@functools.lru_cache(maxsize=256)
def _constants(name: str, kwargs: tuple[tuple[str, float], ...], dtype: str) -> Any:
    fn = ActivationFunction(name, dict(kwargs))
    if np.dtype(dtype) not in (np.float32, np.float64):
        return None
    code = CODES.get(fn.name)
    if code is None:
        return None
    kind = np.dtype(dtype).type
    if code == _SELU:
        return code, kind(SELU_ALPHA), kind(1), kind(SELU_SCALE)
    # alpha / negative_slope: the function's keyword argument, or its default in scratch
    params = inspect.signature(_TABLE[fn.name][0]).parameters
    a = next((fn.kwargs.get(p, params[p].default) for p in params if p != "z"), 0.0)
    return code, kind(a), kind(1), kind(1)
