"""Pairs of images for the auxiliary task of exercise 10: "are these two digits the same?".

Plumbing, TF-free: both backends' exercise 10 draws its pairs here (NumPy only, every draw from
the Generator passed in), so tf_ref has no twin (``tests/test_mirror.py`` lists "pairs" among
the scratch-only modules). Kata 27 (``katas/content/27_pairs``) asks for :func:`make_pairs`.

The label of a pair: ``same = 1`` when both images show the same digit, 0 otherwise ("1 means
same digit", the logistic output's positive class).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.checks import check_float_array, check_labels, check_number, check_rng


def check_rows(rows: Any, n_rows: int, name: str) -> np.ndarray:
    """Row indices into an array of ``n_rows`` rows: a 1-D integer array (list, tuple, range)
    of values in [0, n_rows), repeats allowed (a boolean mask is refused: give
    ``np.flatnonzero(mask)``). Returns it as int64. The one check of index arrays here."""
    if not isinstance(rows, (np.ndarray, list, tuple, range)):
        raise TypeError(f"{name}: expected an array of row indices, got {type(rows).__name__}")
    rows = np.asarray(rows)
    if rows.dtype == np.bool_:
        raise TypeError(
            f"{name}: expected row indices, got a boolean mask (pass np.flatnonzero(mask))"
        )
    if rows.dtype.kind not in "iu" and not (rows.size == 0 and rows.dtype.kind == "f"):
        raise TypeError(f"{name}: expected integer row indices, got dtype {rows.dtype}")
    if rows.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of row indices, got shape {rows.shape}")
    if rows.size:
        lo, hi = int(rows.min()), int(rows.max())
        if lo < 0 or hi >= n_rows:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name}: row index {bad} is outside [0, {n_rows})")
    return rows.astype(np.int64, copy=False)


def check_split(split: Any, n_rows: int, name: str = "split") -> np.ndarray:
    """Row indices allowed: a non-empty 1-D integer array of distinct values in [0, n_rows)
    (a boolean mask is refused: give ``np.flatnonzero(mask)``). Returns it as int64."""
    try:
        split = check_rows(split, n_rows, name)
    except ValueError as e:
        if "outside" in str(e):
            raise ValueError(f"{e} (y has {n_rows} labels)") from None
        raise
    if split.size == 0:
        raise ValueError(f"{name}: expected at least one row index, got an empty array")
    if np.unique(split).size != split.size:
        raise ValueError(f"{name}: expected distinct row indices, got repeated ones")
    return split


def _balanced_classes(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """n class indices in [0, k), each class n // k or n // k + 1 times (the extra ones drawn
    without replacement), in class order (the caller shuffles)."""
    base = np.repeat(np.arange(k), n // k)
    extra = rng.choice(k, n % k, replace=False)
    return np.concatenate([base, np.sort(extra)]).astype(np.int64)


def make_pairs(
    y: np.ndarray, split: np.ndarray, n_pairs: int, rng: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``n_pairs`` pairs of distinct rows of ``split``: half same-digit, half different.

    y (N,) int labels of the whole set; split (M,) the row indices allowed (distinct); every
    index returned lies in ``split`` (the test set's pairs never touch training images).
    Returns a, b (n_pairs,) int64 row indices into y with a != b, and same (n_pairs,) int64,
    1 when y[a] == y[b] ("1 means same digit"), else 0.

    Exactly n_pairs // 2 pairs are same-digit, the other n_pairs - n_pairs // 2 different. In
    each half the digit of a is balanced over the K digits present in split (each digit
    n_half // K or n_half // K + 1 times: not image-weighted, so a rare digit is as frequent as
    a common one); a different pair's second digit is uniform over the K - 1 others; an image
    is uniform within its digit (with replacement across pairs; within a same pair b is drawn
    from the digit's other images). The pairs come in a random order. Every draw comes from
    ``rng`` (a Generator, an int seed or None).

    Refused: a digit with a single image in split when same pairs are asked for, a split of
    one digit when different pairs are.
    """
    y = check_labels(y, "y", n_classes=None)
    split = check_split(split, y.shape[0])
    check_number(n_pairs, "n_pairs", integer=True)
    if n_pairs < 1:
        raise ValueError(f"n_pairs: expected a positive integer, got {n_pairs!r}")
    n_pairs = int(n_pairs)
    rng = check_rng(rng)
    classes, inverse = np.unique(y[split], return_inverse=True)
    k = classes.size
    n_same, n_diff = n_pairs // 2, n_pairs - n_pairs // 2
    order = np.argsort(inverse, kind="stable")
    flat = split[order]  # the split's rows grouped by digit
    counts = np.bincount(inverse, minlength=k)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if n_same and counts.min() < 2:
        lonely = int(classes[np.argmin(counts)])
        raise ValueError(
            f"split: digit {lonely} has a single image in it, so it cannot make a same-digit "
            "pair of two different images; give a split with at least two images of each digit"
        )
    if n_diff and k < 2:
        raise ValueError(
            f"split: every image in it shows digit {int(classes[0])}, so there are no "
            "different-digit pairs to draw; give a split with at least two digits"
        )
    # same-digit pairs: a uniform in its digit, b uniform over the digit's OTHER images
    c_same = _balanced_classes(n_same, k, rng)
    ia = rng.integers(0, counts[c_same])
    jb = rng.integers(0, counts[c_same] - 1)
    jb = jb + (jb >= ia)  # skip a's own position: b != a
    a_same, b_same = flat[offsets[c_same] + ia], flat[offsets[c_same] + jb]
    # different-digit pairs: b's digit uniform over the k - 1 others
    c_a = _balanced_classes(n_diff, k, rng)
    c_b = (c_a + rng.integers(1, max(k, 2), n_diff)) % k
    a_diff = flat[offsets[c_a] + rng.integers(0, counts[c_a])]
    b_diff = flat[offsets[c_b] + rng.integers(0, counts[c_b])]
    perm = rng.permutation(n_pairs)
    a = np.concatenate([a_same, a_diff])[perm]
    b = np.concatenate([b_same, b_diff])[perm]
    same = np.concatenate([np.ones(n_same, np.int64), np.zeros(n_diff, np.int64)])[perm]
    return a.astype(np.int64), b.astype(np.int64), same


def pair_inputs(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The network's input for pairs (a, b) of rows of x (N, D): [x[a] | x[b]] (n_pairs, 2 D),
    image A on the left half, image B on the right (what ``Towers`` splits), in x's dtype."""
    x = check_float_array(x, "x", ndim=2)
    rows = [
        check_rows(idx, x.shape[0], f"{name} (rows of x)") for name, idx in (("a", a), ("b", b))
    ]
    if rows[0].shape != rows[1].shape:
        raise ValueError(
            f"a, b: expected the same number of pairs, got {rows[0].size} and {rows[1].size}"
        )
    return np.concatenate([x[rows[0]], x[rows[1]]], axis=1)
