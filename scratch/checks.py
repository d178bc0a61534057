"""Input checks shared by every public entry point (plumbing, no maths).

``tf_ref`` uses these too, so both backends reject bad input with the same words. Each error
names the argument, what was expected and what came.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype("float32"), np.dtype("float64"))


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype argument; only float32 and float64 are supported.

    None is refused: NumPy reads ``np.dtype(None)`` as float64, which would silently double a
    model meant to have Keras' default float32.
    """
    if dtype is None:
        raise TypeError("dtype: expected 'float32' or 'float64', got None")
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype: expected 'float32' or 'float64', got {dtype!r}") from err
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype: expected 'float32' or 'float64', got {dt.name}")
    return dt


def check_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | None = None,
    width: int | None = None,
    dtype: np.dtype | None = None,
    finite: bool = True,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``x`` as a floating ndarray, or raise a clear error.

    Integer input is refused rather than cast: for MNIST it almost always means the pixels were
    not scaled to [0, 1] yet. With ``dtype`` given, floating input is cast to it (as Keras does).
    ``width`` checks the size of the last axis.
    """
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple)) or np.isscalar(x):
            x = np.asarray(x)
        else:
            raise TypeError(f"{name}: expected a NumPy array, got {type(x).__name__}")
    if x.dtype.kind != "f":
        hint = " (scale uint8 pixels with x / 255 first)" if x.dtype == np.uint8 else ""
        raise TypeError(f"{name}: expected a floating-point array, got dtype {x.dtype}{hint}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {x.shape}")
    if not allow_empty and x.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {x.shape}")
    if width is not None and x.shape[-1] != width:
        raise ValueError(
            f"{name}: expected last dimension {width}, got shape {x.shape} (width {x.shape[-1]})"
        )
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    if finite and not np.isfinite(x).all():
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite entries")
    return x


def check_labels(y: Any, name: str, *, n_classes: int, n_rows: int | None = None) -> np.ndarray:
    """Return integer class labels of shape (n,) with values in [0, n_classes)."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of labels, got shape {y.shape}")
    if n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(f"{name}: expected {n_rows} labels (one per row), got {y.shape[0]}")
    if y.size == 0:
        raise ValueError(f"{name}: expected at least one label, got an empty array")
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{name}: received a label value of {bad} which is outside the valid range "
            f"of [0, {n_classes})"
        )
    return y


def check_choice(value: str, name: str, options: Iterable[str]) -> str:
    """Raise a ValueError listing the valid names when ``value`` is not one of them."""
    options = sorted(options)
    if value not in options:
        raise ValueError(f"{name}: unknown name {value!r}; expected one of {', '.join(options)}")
    return value


def check_positive(value: float, name: str, *, integer: bool = False, zero: bool = False) -> None:
    """Raise a ValueError unless ``value`` is a (strictly, unless ``zero``) positive number.

    A number is a real Python or NumPy scalar (not a bool, a string or a complex number);
    ``integer=True`` asks for an integral one (2.0 is refused, np.int64(2) passes).
    """
    ok_type = isinstance(value, numbers.Integral if integer else numbers.Real)
    if isinstance(value, bool) or not ok_type:
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{name}: expected {kind}, got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not zero):
        bound = ">= 0" if zero else "> 0"
        raise ValueError(f"{name}: expected a finite value {bound}, got {value!r}")


def check_logits_labels(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, K) float and labels (N,) int in [0, K) for a softmax loss."""
    logits = check_float_array(logits, "logits", ndim=2)
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return logits, labels


def check_logits_targets(logits: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logits and same-shaped targets in [0, 1] for a sigmoid loss."""
    logits = check_float_array(logits, "logits")
    targets = check_float_array(np.asarray(targets, dtype=logits.dtype), "targets")
    if targets.shape != logits.shape:
        raise ValueError(f"targets: expected shape {logits.shape} (as logits), got {targets.shape}")
    if targets.min() < 0 or targets.max() > 1:
        raise ValueError("targets: expected probabilities in [0, 1]")
    return logits, targets
