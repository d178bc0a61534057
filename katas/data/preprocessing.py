"""The book's preprocessing as pure functions on arrays: :func:`book_split`, :func:`scale`,
:func:`filter_digits`, :func:`first_n_per_class`, :func:`subset`."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from katas.data.sources import IMAGE_SHAPE, N_PIXELS, Mnist

#: The book's split: the last 5,000 training images are the validation set.
BOOK_N_VALID = 5000


@dataclass(frozen=True, eq=False)
class Split:
    """The book's train / validation / test sets, ready for a network.

    ``x_*``: float32 ``(n, 784)`` in [0, 1]; ``y_*``: int64 ``(n,)``. Built by :func:`book_split`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        for part in ("train", "valid", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            _check_xy(f"Split x_{part}/y_{part}", x, y)
            if x.ndim != 2:
                raise ValueError(
                    f"Split: x_{part} must be flat images (n, 784), got shape {x.shape}."
                )

    def sizes(self) -> tuple[int, int, int]:
        """(n_train, n_valid, n_test)."""
        return len(self.x_train), len(self.x_valid), len(self.x_test)


def scale(x_uint8: np.ndarray) -> np.ndarray:
    """Images uint8 ``(n, 28, 28)`` or ``(n, 784)`` -> float32 ``(n, 784)`` in [0, 1].

    The book divides by 255 (``X_train_full / 255.``). Only uint8 input is accepted, because
    scaling already-scaled floats a second time is a silent, classic bug. Computing in float32
    gives bit-identical results to the book's float64 division followed by a float32 cast.
    """
    if not isinstance(x_uint8, np.ndarray) or x_uint8.dtype != np.uint8:
        got = x_uint8.dtype if isinstance(x_uint8, np.ndarray) else type(x_uint8).__name__
        raise ValueError(f"scale: x_uint8 must be a uint8 array (raw pixels), got {got}.")
    if not (
        (x_uint8.ndim == 3 and x_uint8.shape[1:] == IMAGE_SHAPE)
        or (x_uint8.ndim == 2 and x_uint8.shape[1] == N_PIXELS)
    ):
        raise ValueError(
            f"scale: x_uint8 must have shape (n, 28, 28) or (n, 784), got {x_uint8.shape}."
        )
    out = x_uint8.reshape(len(x_uint8), N_PIXELS).astype(np.float32)
    out /= 255.0
    return out


def book_split(m: Mnist, n_valid: int = BOOK_N_VALID) -> Split:
    """The book's split: first ``60000 - n_valid`` training images train, the last ``n_valid``
    (5,000) validate, the 10,000 test images test.

    Images are flattened and scaled with :func:`scale` (float32 ``(n, 784)`` in [0, 1]); labels
    become int64 (what sparse categorical cross-entropy and ``np.bincount`` want).
    ``n_valid`` exists so tiny synthetic data sets can use the same code.
    """
    if not isinstance(m, Mnist):
        raise ValueError(f"book_split: m must be an Mnist, got {type(m).__name__}.")
    n = len(m.x_train)
    if n < 2:
        raise ValueError(
            f"book_split: m has {n} training images; the split needs at least 2 (one to train "
            "on, one to validate)."
        )
    if (
        isinstance(n_valid, bool)
        or not isinstance(n_valid, int | np.integer)
        or not 0 < n_valid < n
    ):
        raise ValueError(
            f"book_split: n_valid must be an int in 1..{n - 1} (there are {n} training "
            f"images), got {n_valid!r}."
        )
    cut = n - int(n_valid)
    x_train = scale(m.x_train)
    y_train = m.y_train.astype(np.int64)
    return Split(
        x_train=x_train[:cut],
        y_train=y_train[:cut],
        x_valid=x_train[cut:],
        y_valid=y_train[cut:],
        x_test=scale(m.x_test),
        y_test=m.y_test.astype(np.int64),
    )


def _check_xy(fn: str, x: Any, y: Any) -> None:
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise ValueError(
            f"{fn}: x and y must be numpy arrays, got {type(x).__name__} and {type(y).__name__}."
        )
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{fn}: y must be integer labels of shape (n,), got {y.dtype} {y.shape}.")
    if x.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"{fn}: x must have one row per label (len(y) = {len(y)}), got shape {x.shape}."
        )


def _digit_list(digits: Any) -> list[int]:
    """``digits`` as a list of distinct ints in 0..9, or ValueError naming what came."""
    bad = ValueError(
        f"filter_digits: digits must be distinct ints in 0..9 (e.g. range(5)), got {digits!r}."
    )
    try:
        items = list(itertools.islice(iter(digits), 11))  # 11: never unroll a huge iterable
    except TypeError:
        raise bad from None
    if any(isinstance(d, bool | np.bool_) for d in items):
        raise bad
    try:
        # operator.index: ints (and NumPy ints) only; int() would turn 1.5 into 1, "3" into 3
        wanted = [operator.index(d) for d in items]
    except TypeError:
        raise bad from None
    if not wanted or any(not 0 <= d <= 9 for d in wanted) or len(set(wanted)) != len(wanted):
        raise bad
    return wanted


def filter_digits(
    x: np.ndarray, y: np.ndarray, digits: Iterable[int], relabel: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rows whose label is in ``digits``; optionally renumber labels ``0..k-1``.

    ``x``: any shape ``(n, ...)``; ``y``: integer ``(n,)``. Order of rows is preserved. With
    ``relabel``, ``digits[i]`` becomes label ``i``, in the order given. Chapter 11's transfer
    learning exercise trains on digits 0-4 (``range(5)``) and reuses the net on 5-9
    (``range(5, 10)``, where the book writes ``y - 5``). Labels keep ``y``'s dtype.
    """
    _check_xy("filter_digits", x, y)
    wanted = _digit_list(digits)
    if not isinstance(relabel, bool | np.bool_):
        raise TypeError(f"filter_digits: relabel must be True or False, got {relabel!r}.")
    keep = np.isin(y, wanted)
    x_out, y_out = x[keep], y[keep]
    if relabel:
        lookup = np.full(10, -1, dtype=np.int64)
        lookup[wanted] = np.arange(len(wanted))
        y_out = lookup[y_out].astype(y.dtype)
    return x_out, y_out


def first_n_per_class(x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` rows of every class present in ``y``, in their original order.

    ``x``: any shape ``(n_rows, ...)``; ``y``: integer ``(n_rows,)``. This is how the book builds
    its small "100 images per digit" training set for transfer learning. Deterministic (no
    sampling), so results are reproducible. ValueError if a class has fewer than ``n`` rows.
    """
    _check_xy("first_n_per_class", x, y)
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"first_n_per_class: n must be a positive int, got {n!r}.")
    if len(y) == 0:
        raise ValueError("first_n_per_class: y is empty; expected at least one class.")
    classes, counts = np.unique(y, return_counts=True)
    short = {int(c): int(k) for c, k in zip(classes, counts, strict=True) if k < n}
    if short:
        raise ValueError(
            f"first_n_per_class: n={n} but some classes have fewer rows ({short}, as "
            "class: count); use a smaller n."
        )
    # A stable sort groups each class's row indices while keeping them in original order.
    order = np.argsort(y, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    picked = order[(starts[:, None] + np.arange(n)[None, :]).ravel()]
    picked.sort()  # back to the original interleaved order
    return x[picked], y[picked]


def subset(split: Split, n_train: int | None, n_valid: int | None, n_test: int | None) -> Split:
    """The first ``n_train`` / ``n_valid`` / ``n_test`` rows of each set, for quick runs.

    ``None`` keeps a set whole. Asking for more rows than a set has is an error rather than a
    silent truncation, so a "quick run" never quietly measures something else.
    """
    if not isinstance(split, Split):
        raise ValueError(f"subset: split must be a Split, got {type(split).__name__}.")
    out: dict[str, np.ndarray] = {}
    for part, n in (("train", n_train), ("valid", n_valid), ("test", n_test)):
        x, y = getattr(split, f"x_{part}"), getattr(split, f"y_{part}")
        if n is not None:
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or not 0 < n <= len(x):
                raise ValueError(
                    f"subset: n_{part} must be an int in 1..{len(x)} (or None for all), got {n!r}."
                )
            x, y = x[:n], y[:n]
        out[f"x_{part}"], out[f"y_{part}"] = x, y
    return Split(**out)
