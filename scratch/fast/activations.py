"""Numba twins of the activations in ``scratch.activations`` (see ``scratch.fast``).

One scalar function for f(z) and one for f'(z), switching on the activation's code
(``CODES``); ``scratch.fast.layers`` inlines them into the loops that fuse them with a bias and
a gradient. Each case is the NumPy definition's formula for one element, with the same
constants in the array's dtype: ``a`` is alpha or negative_slope (0 when unused), ``one`` is 1,
both of z's dtype (a Python float would make Numba compute in float64).

The exponentials are the one place the two paths may differ: NumPy has its own vectorised
exp/expm1/tanh, Numba calls the C library's; both are within an ulp or two of the exact value
(``tests/test_fast_layers.py`` bounds the difference). Everything else is exact.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import numba
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


@numba.njit(cache=True, inline="always")
def value(code, z, a, one, scale):  # pragma: no cover (jitted)
    """f(z) for one element; ``scale`` is SELU's scale (one otherwise), ``a`` its alpha."""
    zero = one - one
    if code == 0:  # linear
        return z
    if code == 1:  # relu: np.maximum(z, 0) (NaN stays NaN)
        return z if (z > zero or z != z) else zero
    if code == 2:  # leaky_relu: where(z > 0, z, z * slope)
        return z if z > zero else z * a
    if code == 3 or code == 4:  # elu, and selu = scale * elu(z, SELU_ALPHA)
        e = z if z > zero else a * math.expm1(z)  # z <= 0 (or NaN) here: min(z, 0) = z
        return scale * e if code == 4 else e
    if code == 5:  # sigmoid, without overflow: e = exp(-|z|)
        e = math.exp(-abs(z))
        return one / (one + e) if z >= zero else e / (one + e)
    return math.tanh(z)  # code 6


@numba.njit(cache=True, inline="always")
def derivative(code, z, a, one, scale):  # pragma: no cover (jitted)
    """f'(z) for one element, with the NumPy definitions' values at the kinks."""
    zero = one - one
    if code == 0:
        return one
    if code == 1:  # (z > 0).astype
        return one if z > zero else zero
    if code == 2:
        return one if z > zero else a
    if code == 3:  # where(z > 0, 1, alpha * exp(min(z, 0)))
        return one if z > zero else a * math.exp(z)
    if code == 4:  # where(z < 0, scale * alpha * exp(min(z, 0)), scale)
        return (scale * a) * math.exp(z) if z < zero else scale
    if code == 5:
        e = math.exp(-abs(z))
        s = one / (one + e) if z >= zero else e / (one + e)
        return s * (one - s)
    t = math.tanh(z)
    return one - t * t


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
