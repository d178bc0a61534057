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


def num(x: Any) -> str:
    """A number as a learner reads it: ``1``, ``0.5``, ``-3.2e-05``, ``nan`` (never
    ``np.float64(1.0)``); booleans as ``True``/``False``; anything else as ``str``."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.6g}"
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return num(x.item())
    return str(x)


def index_text(i: Any) -> str:
    """An array index as plain ints: ``(0, 1)``, ``(3,)``."""
    parts = [str(int(j)) for j in np.atleast_1d(np.asarray(i))]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _values(a: np.ndarray, k: int = 4) -> str:
    shown = ", ".join(num(v) for v in a.ravel()[:k].tolist())
    return f"[{shown}{', ...' if a.size > k else ''}]"


def describe(a: Any) -> str:
    """A short description of a value in the learner's language: shape, dtype, a few entries."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind in "biufc":
            values = _values(a)
        else:
            values = "[" + ", ".join(repr(v) for v in a.ravel()[:4].tolist()) + "]"
        return say(
            f"array of shape {a.shape}, dtype {a.dtype}, values {values}",
            f"形 {a.shape}、dtype {a.dtype} の配列 (値 {values})",
        )
    if isinstance(a, (tuple, list)):
        inner = ", ".join(describe(x) for x in a)
        kind = type(a).__name__
        return say(f"{kind} of {len(a)}: ({inner})", f"要素 {len(a)} 個の {kind}: ({inner})")
    if isinstance(a, (bool, int, float, complex, np.generic)):
        return num(a)
    return repr(a)


def expect_array(got: Any, call: str) -> np.ndarray:
    """``got`` must be a NumPy array."""
    __tracebackhide__ = True  # pytest's report (-v) shows the test's line, not ours
    if not isinstance(got, np.ndarray):
        raise AssertionError(
            say(
                f"{call} returned {describe(got)}; expected a NumPy array",
                f"{call} が {describe(got)} を返しました。NumPy 配列を返してください",
            )
        )
    if got.dtype.kind in "OSUVMm":  # objects, text, raw bytes, dates: no arithmetic to check
        raise AssertionError(
            say(
                f"{call} returned an array of dtype {got.dtype}; expected numbers (a float array)",
                f"{call} が dtype {got.dtype} の配列を返しました。数値 (float の配列) を返して"
                "ください",
            )
        )
    return got


def expect_shape(got: Any, shape: tuple[int, ...], call: str) -> np.ndarray:
    """``got`` must be an array of exactly ``shape``."""
    __tracebackhide__ = True  # pytest's report (-v) shows the test's line, not ours
    got = expect_array(got, call)
    if got.shape != tuple(shape):
        raise AssertionError(
            say(
                f"{call} returned shape {got.shape}, expected shape {tuple(shape)}",
                f"{call} の返した配列の形が {got.shape} です。期待される形は {tuple(shape)} です",
            )
        )
    return got


# The ratios worth naming when got = r * expected for every entry: a sign flipped and small
# whole factors (a mean where a sum is meant, a factor 2 from differentiating x**2 / 2, ...).
# Tests name the ones that depend on their input (the batch size N, the keep probability).
GENERIC_FACTORS = tuple(range(2, 17))
# How exactly every entry must fit got = r * expected, relative to the largest entry, before a
# ratio is named: far tighter than any accident (a wrong formula agreeing with r * expected on
# every entry of a random input), loose enough for float32 results (rounding ~6e-8 per step).
RATIO_RTOL = 1e-6


def _fraction(r: float, tol: float) -> str | None:
    """ "-1", "3", "1/4", "-1/2" when ``r`` is that (within ``tol`` relative), else None."""
    for k in (1, *GENERIC_FACTORS):
        for sign in (1, -1):
            if (sign, k) == (1, 1):
                continue
            if abs(r - sign * k) <= tol * k:
                return f"{sign * k}"
            if k > 1 and abs(r - sign / k) <= tol / k:
                return f"{'-' if sign < 0 else ''}1/{k}"
    return None


def uniform_ratio(got: Any, expected: Any, tol: float = RATIO_RTOL) -> float | None:
    """The r with got == r * expected on every entry (within ``tol`` of the largest entry of
    r * expected), or None when there is none, r is 1 or 0, or the arrays hold nothing finite."""
    g = np.asarray(got, dtype=np.float64).ravel()
    e = np.asarray(expected, dtype=np.float64).ravel()
    if g.shape != e.shape or not g.size or not (np.all(np.isfinite(g)) and np.all(np.isfinite(e))):
        return None
    scale = float(np.dot(e, e))
    if scale == 0.0:
        return None
    r = float(np.dot(g, e)) / scale  # least squares: exact when got is r * expected
    top = float(np.max(np.abs(r * e)))
    if r == 0.0 or top == 0.0 or abs(r - 1.0) <= tol:
        return None
    if float(np.max(np.abs(g - r * e))) > tol * top:
        return None
    return r


def ratio_note(
    got: Any, expected: Any, ratios: dict[str, float] | None = None, tol: float = RATIO_RTOL
) -> str:
    """A sentence naming a recognizable ratio between ``got`` and ``expected`` ("" if none).

    Named ``ratios`` (``{say("the batch size N", "バッチサイズ N"): n}``) are tried first, as
    themselves and inverted, then -1 and the small whole factors and their inverses. Only a
    ratio that holds for every entry is named, so the sentence never misleads.
    """
    r = uniform_ratio(got, expected, tol)
    if r is None:
        return ""
    for name, value in (ratios or {}).items():
        value = float(value)
        if value in (0.0, 1.0) or not np.isfinite(value):
            continue
        whole = float(value).is_integer() and value > 1
        if abs(r - value) <= tol * abs(value):
            guess = say(
                ": a sum where a mean is expected?" if whole else ".",
                "。平均のところで和を取っていませんか?" if whole else "。",
            )
            return say(
                f"Every entry is exactly {num(value)} times the expected one ({name}){guess}",
                f"どの要素もちょうど期待値の {num(value)} 倍 ({name}) です{guess}",
            )
        if abs(r - 1 / value) <= tol / abs(value):
            guess = say(
                ": a mean where a sum is expected?" if whole else ".",
                "。和のところで平均を取っていませんか?" if whole else "。",
            )
            return say(
                f"Every entry is exactly 1/{num(value)} of the expected one (1 / {name}){guess}",
                f"どの要素もちょうど期待値の 1/{num(value)} (1 / {name}) です{guess}",
            )
    fraction = _fraction(r, tol)
    if fraction == "-1":
        return say(
            "Every entry is exactly -1 times the expected one: the sign is flipped.",
            "どの要素もちょうど期待値の -1 倍です。符号が逆になっています。",
        )
    if fraction is not None:
        if "/" in fraction:
            return say(
                f"Every entry is exactly {fraction} of the expected one.",
                f"どの要素もちょうど期待値の {fraction} です。",
            )
        return say(
            f"Every entry is exactly {fraction} times the expected one.",
            f"どの要素もちょうど期待値の {fraction} 倍です。",
        )
    return ""


def expect_close(
    got: Any,
    expected: np.ndarray,
    call: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    ratios: dict[str, float] | None = None,
) -> None:
    """Values equal within tolerance; the message shows the worst entry and, when every entry
    is off by one recognizable factor (``ratio_note``, with the test's named ``ratios``), names
    it."""
    __tracebackhide__ = True  # pytest's report (-v) shows the test's line, not ours
    expected = np.asarray(expected)
    got = expect_shape(got, np.shape(expected), call)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        bad = tuple(np.argwhere(~np.isfinite(got))[0])
        raise AssertionError(
            say(
                f"{call} returned a non-finite value {num(got[bad])} at index {index_text(bad)} "
                f"(expected {num(expected[bad])})",
                f"{call} のインデックス {index_text(bad)} の値が有限ではありません: "
                f"{num(got[bad])} (期待値 {num(expected[bad])})",
            )
        )
    err = np.abs(got - expected)
    tol = atol + rtol * np.abs(expected)
    if np.any(err > tol):
        i = np.unravel_index(np.argmax(err - tol), err.shape)
        text = say(
            f"{call} returned {num(got[i])} at index {index_text(i)}, expected "
            f"{num(expected[i])} (max abs difference {num(float(err.max()))})",
            f"{call} のインデックス {index_text(i)} の値が {num(got[i])} です。期待値は "
            f"{num(expected[i])} です (差の絶対値の最大 {num(float(err.max()))})",
        )
        note = ratio_note(got, expected, ratios, max(RATIO_RTOL, rtol))
        raise AssertionError(_joined(text, note))


def _joined(text: str, note: str) -> str:
    """A message and its ratio note as one text: "... (max abs difference 9). Every entry ..."."""
    if not note:
        return text
    return f"{text}。{note}" if lang() == "ja" else f"{text}. {note}"


def flat_list(a: np.ndarray) -> str:
    """Every entry of ``a`` in one plain list: ``[1, 0.5, -2]``."""
    return "[" + ", ".join(f"{float(v):.6g}" for v in np.ravel(a)) + "]"


def expect_not(
    got: Any,
    wrong: Any,
    call: str,
    en: str,
    ja: str,
    *,
    rtol: float = 1e-9,
    show: Callable[[np.ndarray], str] = flat_list,
) -> None:
    """``got`` is not the value ``wrong`` that one named mistake gives; when it is, the
    message shows it (``show``) and names the mistake (``en`` / ``ja``)."""
    got = np.asarray(got, dtype=np.float64)
    wrong = np.asarray(wrong, dtype=np.float64)
    if got.shape == wrong.shape and np.allclose(got, wrong, rtol=rtol, atol=1e-12):
        shown = show(got)
        raise AssertionError(say(f"{call} is {shown}: {en}", f"{call} が {shown} です: {ja}"))


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
    """CS231n's elementwise relative error, with the denominator floored at 1e-2 of the largest
    gradient entry.

    Why the floor: centred differences (h = 1e-5, float64) carry an absolute rounding error of
    about eps * |f| / h, where f is the summed output, whatever the entry. An entry much smaller
    than the largest can therefore not be resolved to a relative 1e-7, and a plain elementwise
    ratio fails a correct implementation now and then (seen: an entry of 7e-5 gave 4.7e-7).
    A floor at 1e-3 of the largest entry still failed the reference dense layer in 2 of 15,000
    random cases (worst 1.06e-7: n=2, d=2, m=1, seed=104), so a correct learner saw a failure
    about once in 200 checks. Where every entry is small against the output (a kernel of 8e-4:
    dx entries of 9e-6 and 6e-4 while |f| = 1), even the largest entry is not resolved to 1e-7,
    so the denominator is also floored at 1e-4 in absolute terms; the worst of 18,000 such
    random cases is then 6.5e-8. Any real mistake (a missing transpose, a wrong factor, a
    missing path) moves entries by far more, and the other drawn examples have gradients of
    order one.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    size = np.abs(a) + np.abs(n)
    denom = np.maximum(size, max(1e-4, 1e-2 * float(size.max(initial=0.0))))
    return float(np.max(np.abs(a - n) / denom, initial=0.0))


def expect_gradient(
    analytic: Any,
    numeric: np.ndarray,
    call: str,
    *,
    threshold: float = 1e-7,
    ratios: dict[str, float] | None = None,
) -> None:
    """A gradient check: relative error (``gradient_error``) between analytic and numerical;
    a recognizable factor between them is named (``ratio_note``)."""
    __tracebackhide__ = True  # pytest's report (-v) shows the test's line, not ours
    analytic = expect_shape(analytic, numeric.shape, call)
    err = gradient_error(analytic, numeric)
    if err > threshold:
        text = say(
            f"gradient check failed for {call}: relative error {err:.2e} > {threshold:.0e} "
            f"(yours {describe(analytic)}; finite differences {describe(numeric)})",
            f"{call} の勾配チェックに失敗しました: 相対誤差 {err:.2e} > {threshold:.0e} "
            f"(あなたの値 {describe(analytic)}、数値微分 {describe(numeric)})",
        )
        # Finite differences carry ~1e-10 relative noise: 1e-6 is far above it.
        note = ratio_note(analytic, numeric, ratios)
        raise AssertionError(_joined(text, note))
