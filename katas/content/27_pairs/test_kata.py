"""Tests for kata 27 (pairs for the auxiliary task). ``impl`` is the module under test.

Labels are skewed on purpose (digit 0 on about half the images, digit 9 on few) so that an
image-weighted draw cannot pass for a balanced one, and some digits have only 3 images in the
split so that a == b would show up quickly. Statistical bounds are 5 standard deviations of the
count they bound (a correct implementation fails one with probability below 1e-6).
"""

import numpy as np
import pytest

from katas.engine.testing import expect_shape

N = 1200


def labels(seed=0):
    """N labels: digit 0 on about half of them, the rest spread over 1-9."""
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 10, N)
    y[rng.random(N) < 0.5] = 0
    return y


def allowed():
    """Every other row of the first 1000: rows 1000.. and the odd rows are off limits."""
    return np.arange(0, 1000, 2)


def call(impl, n_pairs, seed=1, y=None, split=None):
    y = labels() if y is None else y
    split = allowed() if split is None else split
    out = impl.make_pairs(y, split, n_pairs, np.random.default_rng(seed))
    what = f"make_pairs(y ({len(y)},), split ({len(split)},), {n_pairs}, rng)"
    assert isinstance(out, tuple) and len(out) == 3, (
        f"{what} returned {type(out).__name__}; expected a tuple (a, b, same)"
    )
    a, b, same = (
        expect_shape(np.asarray(v), (n_pairs,), f"{what}[{k}]") for k, v in enumerate(out)
    )
    for name, v in (("a", a), ("b", b), ("same", same)):
        assert v.dtype.kind in "iu", f"{what}: {name} has dtype {v.dtype}; expected integers"
    return y, split, a, b, same, what


@pytest.mark.hint(1)
@pytest.mark.parametrize("n_pairs", [2, 9, 400])
def test_exactly_half_are_same_digit_pairs(impl, n_pairs):
    """same holds only 0 and 1, and exactly n_pairs // 2 ones."""
    _, _, _, _, same, what = call(impl, n_pairs)
    assert set(np.unique(same)) <= {0, 1}, f"{what}: same holds {np.unique(same)}; expected 0/1"
    assert int(same.sum()) == n_pairs // 2, (
        f"{what}: {int(same.sum())} same pairs, expected exactly {n_pairs // 2} (n_pairs // 2; "
        "not a coin flip per pair)"
    )


@pytest.mark.hint(1)
def test_one_means_same_digit(impl):
    """same[i] == 1 exactly where y[a[i]] == y[b[i]]."""
    y, _, a, b, same, what = call(impl, 400)
    truth = (y[a] == y[b]).astype(int)
    bad = np.flatnonzero(same != truth)
    assert bad.size == 0, (
        f"{what}: pair {bad[0]} shows digits {y[a[bad[0]]]} and {y[b[bad[0]]]} but same = "
        f"{same[bad[0]]}; 1 means same digit, 0 different digits (and a different pair must "
        "never show one digit twice)"
    )


@pytest.mark.hint(2)
def test_every_index_comes_from_the_split(impl):
    """a and b only hold rows of split (here the even rows below 1000): no leak."""
    _, split, a, b, _, what = call(impl, 400)
    for name, v in (("a", a), ("b", b)):
        out = v[~np.isin(v, split)]
        assert out.size == 0, (
            f"{what}: {name} holds row {out[0]}, which is not in split; draw from the split's "
            "rows only (the other rows belong to another split or to the test set)"
        )


@pytest.mark.hint(2)
def test_a_same_pair_is_two_different_images(impl):
    """a != b everywhere, even for a digit with only 3 images in the split."""
    y = np.repeat(np.arange(10), 3)
    _, _, a, b, _, what = call(impl, 400, y=y, split=np.arange(30))
    clash = np.flatnonzero(a == b)
    assert clash.size == 0, (
        f"{what} with 3 images per digit: pair {clash[0]} is image {a[clash[0]]} twice; draw b "
        "among the digit's other images"
    )


@pytest.mark.hint(2)
def test_different_pairs_show_two_digits(impl):
    """Among the pairs labelled 0, y[a] != y[b] (b's digit drawn among the others)."""
    y, _, a, b, same, what = call(impl, 1000)
    diff = same == 0
    shared = int(np.sum(y[a[diff]] == y[b[diff]]))
    assert shared == 0, f"{what}: {shared} pairs labelled 'different' show the same digit twice"


@pytest.mark.hint(3)
@pytest.mark.parametrize("n_pairs", [40, 1001])
def test_first_digit_is_balanced_in_each_half(impl, n_pairs):
    """In the same half and in the different half, each digit leads n_half // 10 or
    n_half // 10 + 1 pairs, although digit 0 has about half of the images."""
    y, _, a, _, same, what = call(impl, n_pairs)
    for label, half in ((1, "same"), (0, "different")):
        counts = np.bincount(y[a[same == label]], minlength=10)
        assert counts.max() - counts.min() <= 1, (
            f"{what}: the {half} pairs lead with digits 0-9 {counts.tolist()} times; expected "
            "each digit as often as the others (at most 1 apart): balance the digits, not the "
            "images"
        )


@pytest.mark.hint(3)
def test_second_digit_of_a_different_pair_is_uniform(impl):
    """A different pair's second digit is each of the 9 others about equally often."""
    y, _, a, b, same, what = call(impl, 4000)
    diff = same == 0
    counts = np.bincount(y[b[diff]][y[a[diff]] == 0], minlength=10)[1:]
    n = counts.sum()  # about 200 pairs lead with digit 0
    sd = np.sqrt(n * (1 / 9) * (8 / 9))
    assert np.all(np.abs(counts - n / 9) <= 5 * sd), (
        f"{what}: after digit 0, the second digits 1-9 came {counts.tolist()} times; expected "
        f"about {n / 9:.0f} each (uniform over the other digits)"
    )


@pytest.mark.hint(3)
def test_pairs_are_shuffled(impl):
    """The first half of the output holds about as many same pairs as the second half."""
    _, _, _, _, same, what = call(impl, 2000)
    first = int(same[:1000].sum())
    assert abs(first - 500) <= 5 * np.sqrt(1000 * 0.25), (
        f"{what}: {first} of the first 1000 pairs are same pairs, expected about 500; shuffle "
        "the pairs (a batch taken from the start must not be all same pairs)"
    )


@pytest.mark.hint(3)
def test_the_rng_decides_everything(impl):
    """Two generators with the same seed give the same pairs; another seed other pairs."""
    first, again, other = (call(impl, 200, seed=s)[2:5] for s in (7, 7, 8))
    for name, x, z in zip(("a", "b", "same"), first, again, strict=True):
        assert np.array_equal(x, z), (
            f"make_pairs with np.random.default_rng(7) twice gave different {name}: draw every "
            "random number from rng"
        )
    assert not np.array_equal(first[0], other[0]), "seeds 7 and 8 gave the very same pairs"
