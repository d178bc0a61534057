"""Assertions for kata tests that read like a teacher: what was called, what came back, what
was expected. Kata tests import only NumPy, hypothesis and this module (never TensorFlow), so a
check answers in about a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

LANG_ENV = "DNN_KATAS_LANG"  # set by the parent for the child (katas.engine.runner.child_env)


def lang() -> str:
    """The learner's language in the child: "ja" or "en" (anything else reads as English)."""
    value = os.environ.get(LANG_ENV, "").strip().lower()
    return "ja" if value.startswith("ja") else "en"


def say(en: str, ja: str) -> str:
    """A test's message in the learner's language: ``say(f"... {x}", f"... {x}")``.

    Every message a kata test shows a learner is written twice, English and Japanese, side by
    side, so neither can drift or be forgotten (tests/test_katas_i18n.py holds the katas to it).
    """
    return ja if lang() == "ja" else en


def doc_in(doc: str | None, language: str) -> str:
    """A test's one-line description in ``language``, from its docstring.

    The convention: the first line is English; a line starting with ``ja:`` (anywhere below
    it) is the Japanese one. Without a ``ja:`` line the English one is used.
    """
    lines = [line.strip() for line in (doc or "").strip().splitlines()]
    english = lines[0] if lines else ""
    if language == "ja":
        for line in lines[1:]:
            if line.startswith("ja:"):
                return line[3:].strip()
    return english


def describe(a: Any) -> str:
    """A short description of a value: shape, dtype and a few entries."""
    if isinstance(a, np.ndarray):
        flat = np.array2string(a.ravel()[:4], precision=4, separator=", ")
        more = ", ..." if a.size > 4 else ""
        return f"array of shape {a.shape}, dtype {a.dtype}, values {flat[:-1]}{more}]"
    if isinstance(a, (tuple, list)):
        return f"{type(a).__name__} of {len(a)}: (" + ", ".join(describe(x) for x in a) + ")"
    return repr(a)


def expect_array(got: Any, call: str) -> np.ndarray:
    """``got`` must be a NumPy array."""
    if not isinstance(got, np.ndarray):
        raise AssertionError(f"{call} returned {describe(got)}; expected a NumPy array")
    if got.dtype.kind in "OSUVMm":  # objects, text, raw bytes, dates: no arithmetic to check
        raise AssertionError(
            f"{call} returned an array of dtype {got.dtype}; expected numbers (a float array)"
        )
    return got


def expect_shape(got: Any, shape: tuple[int, ...], call: str) -> np.ndarray:
    """``got`` must be an array of exactly ``shape``."""
    got = expect_array(got, call)
    if got.shape != tuple(shape):
        raise AssertionError(f"{call} returned shape {got.shape}, expected shape {tuple(shape)}")
    return got


def expect_close(
    got: Any, expected: np.ndarray, call: str, *, rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    """Values equal within tolerance; the message shows the worst entry."""
    got = expect_shape(got, np.shape(expected), call)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise AssertionError(
            f"{call} returned a non-finite value {got[tuple(bad)]} at index {tuple(bad)} "
            f"(expected {expected[tuple(bad)]})"
        )
    err = np.abs(got - expected)
    tol = atol + rtol * np.abs(expected)
    if np.any(err > tol):
        i = np.unravel_index(np.argmax(err - tol), err.shape)
        raise AssertionError(
            f"{call} returned {got[i]!r} at index {tuple(int(j) for j in i)}, "
            f"expected {expected[i]!r} (max abs difference {err.max():.3g})"
        )


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """max |x - y| / max(1e-8, |x| + |y|) (CS231n's relative error)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """d sum(f(x) * dout) / dx by centred differences (x float64, perturbed in place)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.sum(f(x) * dout)
        x[i] = old - h
        minus = np.sum(f(x) * dout)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def gradient_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """CS231n's elementwise relative error, with the denominator floored at 1e-3 of the largest
    gradient entry.

    Why the floor: centred differences (h = 1e-5, float64) carry an absolute error of roughly
    1e-10 times the gradient's scale, whatever the entry. An entry a thousand times smaller than
    the largest can therefore not be resolved to a relative 1e-7, and a plain elementwise ratio
    fails a correct implementation now and then (seen: an entry of 7e-5 gave 4.7e-7). Any real
    mistake (a missing transpose, a wrong factor) moves entries by far more than this floor.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    size = np.abs(a) + np.abs(n)
    denom = np.maximum(size, max(1e-8, 1e-3 * float(size.max(initial=0.0))))
    return float(np.max(np.abs(a - n) / denom, initial=0.0))


def expect_gradient(
    analytic: Any, numeric: np.ndarray, call: str, *, threshold: float = 1e-7
) -> None:
    """A gradient check: relative error (``gradient_error``) between analytic and numerical."""
    analytic = expect_shape(analytic, numeric.shape, call)
    err = gradient_error(analytic, numeric)
    if err > threshold:
        raise AssertionError(
            f"gradient check failed for {call}: relative error {err:.2e} > {threshold:.0e} "
            f"(yours {describe(analytic)}; finite differences {describe(numeric)})"
        )
