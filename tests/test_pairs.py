"""scratch.pairs (exercise 10's pair generator, TF-free): exactly half same-digit pairs, the first
digit balanced in each half, a != b, every index inside the split, the label right, draws only
from the rng; the distributions checked with bounds derived from the sample size; bad input
refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from scratch.pairs import make_pairs, pair_inputs


def skewed_labels(n: int = 3000, seed: int = 0) -> np.ndarray:
    """Digits 0-9 with digit 0 on about half the rows: an image-weighted draw is far from
    balanced."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    y[rng.random(n) < 0.5] = 0
    return y


def bound(n: int, p: float, sds: float = 5.0) -> float:
    """sds standard deviations of a Binomial(n, p) count: a correct draw leaves it in
    n p +- bound with probability above 1 - 1e-6 (5 sd)."""
    return sds * np.sqrt(n * p * (1 - p))


@pytest.mark.parametrize("n_pairs", [1, 2, 7, 100, 1001])
def test_half_same_distinct_rows_inside_the_split_labels_right(n_pairs: int) -> None:
    """n_pairs // 2 same pairs, a != b, a and b in split only, same == (y[a] == y[b])."""
    y = skewed_labels()
    split = np.arange(0, 3000, 3)  # every third row: the others must never appear
    a, b, same = make_pairs(y, split, n_pairs, np.random.default_rng(1))
    assert a.shape == b.shape == same.shape == (n_pairs,)
    assert a.dtype == b.dtype == same.dtype == np.int64
    assert int(same.sum()) == n_pairs // 2
    assert set(np.unique(same)) <= {0, 1}
    assert np.all(a != b)
    assert np.isin(a, split).all() and np.isin(b, split).all()
    np.testing.assert_array_equal(same, (y[a] == y[b]).astype(np.int64))


@pytest.mark.parametrize("n_pairs", [10, 99, 2000, 2013])
def test_the_first_digit_is_balanced_in_each_half(n_pairs: int) -> None:
    """With digit 0 on half the images, each digit leads n_half // 10 or n_half // 10 + 1 pairs
    of each half (an image-weighted draw would give digit 0 about half of them)."""
    y = skewed_labels()
    a, _, same = make_pairs(y, np.arange(3000), n_pairs, np.random.default_rng(2))
    for label in (0, 1):
        counts = np.bincount(y[a[same == label]], minlength=10)
        assert counts.max() - counts.min() <= 1, (label, counts)


def test_different_pairs_second_digit_uniform_over_the_others() -> None:
    """For each first digit the second one of a different pair is each of the 9 others with
    probability 1/9 (never the same digit)."""
    y = skewed_labels()
    a, b, same = make_pairs(y, np.arange(3000), 40000, np.random.default_rng(3))
    diff = same == 0
    table = np.zeros((10, 10), int)
    np.add.at(table, (y[a[diff]], y[b[diff]]), 1)
    assert np.all(np.diag(table) == 0)
    for d in range(10):
        n = table[d].sum()  # 2000 pairs lead with each digit (balanced)
        others = np.delete(table[d], d)
        assert np.all(np.abs(others - n / 9) <= bound(n, 1 / 9)), (d, others)


def test_images_are_uniform_within_their_digit() -> None:
    """A digit with 4 images: each is a's image in about a quarter of the same pairs of that
    digit, and b is each of the 3 others equally often (not always a's neighbour)."""
    y = np.repeat(np.arange(10), 50)
    y[:46] = 1  # digit 0 keeps rows 46..49 only
    split = np.arange(y.size)
    a, b, same = make_pairs(y, split, 40000, np.random.default_rng(4))
    zero = (same == 1) & (y[a] == 0)
    n = int(zero.sum())
    counts = np.bincount(a[zero] - 46, minlength=4)
    assert np.all(np.abs(counts - n / 4) <= bound(n, 1 / 4)), counts
    pairs = np.zeros((4, 4), int)
    np.add.at(pairs, (a[zero] - 46, b[zero] - 46), 1)
    assert np.all(np.diag(pairs) == 0)
    for i in range(4):
        row = np.delete(pairs[i], i)
        m = row.sum()
        assert np.all(np.abs(row - m / 3) <= bound(m, 1 / 3)), (i, row)


def test_the_order_is_shuffled() -> None:
    """Same and different pairs are interleaved: the first half of the output holds about as
    many same pairs as the second (a sorted output would hold all of them in one half)."""
    y = skewed_labels()
    _, _, same = make_pairs(y, np.arange(3000), 4000, np.random.default_rng(5))
    first = int(same[:2000].sum())
    # hypergeometric: 2000 of 4000 with 2000 same; its sd is below the binomial's sqrt(500)
    assert abs(first - 1000) <= bound(2000, 0.5)


def test_draws_come_from_the_rng_only() -> None:
    """The same seed gives the same pairs whatever the global NumPy state; another seed others."""
    y = skewed_labels()
    split = np.arange(100, 2000)
    np.random.seed(0)  # noqa: NPY002 (the global state the function must not read)
    first = make_pairs(y, split, 500, np.random.default_rng(7))
    np.random.seed(1)  # noqa: NPY002
    np.random.random(10)  # noqa: NPY002
    again = make_pairs(y, split, 500, 7)  # an int seed is the same stream
    other = make_pairs(y, split, 500, np.random.default_rng(8))
    for x, z in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, z)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"split": np.array([0, 1, 5000])}, ValueError, "row index 5000 is outside"),
        ({"split": np.array([-1, 2])}, ValueError, "row index -1 is outside"),
        ({"split": np.array([3, 3, 4])}, ValueError, "distinct row indices"),
        ({"split": np.ones(3000, bool)}, TypeError, "boolean mask"),
        ({"split": np.array([0.0, 1.0])}, TypeError, "integer row indices"),
        ({"split": np.arange(4).reshape(2, 2)}, ValueError, "1-D array of row indices"),
        ({"split": np.array([], np.int64)}, ValueError, "at least one row index"),
        ({"split": "all"}, TypeError, "array of row indices"),
        ({"y": np.zeros(3000)}, TypeError, "integer class labels"),
        ({"y": -np.ones(3000, int)}, ValueError, "label value of -1"),
        ({"n_pairs": 0}, ValueError, "n_pairs: expected a positive integer"),
        ({"n_pairs": 2.5}, TypeError, "n_pairs"),
        ({"n_pairs": True}, TypeError, "n_pairs"),
        ({"rng": np.random.RandomState(0)}, TypeError, "rng"),
    ],
)
def test_bad_input_is_refused_by_name(kwargs: dict, error: type, words: str) -> None:
    """Out-of-range, repeated, boolean or non-integer indices, bad labels, counts and rngs."""
    args = {"y": skewed_labels(), "split": np.arange(3000), "n_pairs": 10, "rng": 0, **kwargs}
    with pytest.raises(error, match=words):
        make_pairs(**args)


def test_impossible_pairs_are_refused() -> None:
    """A digit with one image cannot make a same pair; a one-digit split no different pair;
    one pair (no same half) from a lone image is fine."""
    y = np.array([0, 0, 1, 1, 2])
    with pytest.raises(ValueError, match="digit 2 has a single image"):
        make_pairs(y, np.arange(5), 4, 0)
    with pytest.raises(ValueError, match="every image in it shows digit 1"):
        make_pairs(y, np.array([2, 3]), 1, 0)
    a, b, same = make_pairs(y, np.array([0, 4]), 1, 0)  # one pair: a different one
    assert same.tolist() == [0] and y[a[0]] != y[b[0]]


def test_pair_inputs_puts_a_left_and_b_right() -> None:
    """[x[a] | x[b]] (n, 2 D) in x's dtype; mismatched or out-of-range indices refused."""
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = pair_inputs(x, np.array([0, 3]), np.array([2, 1]))
    assert out.dtype == np.float32 and out.shape == (2, 6)
    np.testing.assert_array_equal(out, [[0, 1, 2, 6, 7, 8], [9, 10, 11, 3, 4, 5]])
    with pytest.raises(ValueError, match="same number of pairs"):
        pair_inputs(x, np.array([0]), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"b \(rows of x\): row index 4 is outside \[0, 4\)"):
        pair_inputs(x, np.array([0]), np.array([4]))


@pytest.mark.parametrize(
    ("a", "error", "words"),
    [
        (np.zeros(5000), TypeError, r"a \(rows of x\): expected integer row indices"),
        (np.zeros((5000, 1), int), ValueError, r"1-D array of row indices, got shape \(5000, 1\)"),
        (np.ones(4, bool), TypeError, "boolean mask"),
        (None, TypeError, r"a \(rows of x\): expected an array of row indices, got NoneType"),
    ],
)
def test_pair_inputs_refuses_bad_indices_in_one_line(a: Any, error: type, words: str) -> None:
    """pair_inputs' a and b go through the same check as make_pairs' split (dtype, shape, mask),
    and the message names the argument and its dtype or shape, never the array's contents."""
    x = np.zeros((4, 3), np.float32)
    with pytest.raises(error, match=words) as info:
        pair_inputs(x, a, np.zeros(5000, int))
    assert "array(" not in str(info.value)
