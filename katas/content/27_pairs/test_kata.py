"""Tests for kata 27 (pairs for the auxiliary task). ``impl`` is the module under test.

Labels are skewed on purpose (digit 0 on about half the images, digit 9 on few) so that an
image-weighted draw cannot pass for a balanced one, and some digits have only 3 images in the
split so that a == b would show up quickly. Statistical bounds are 5 standard deviations of the
count they bound (a correct implementation fails one with probability below 1e-6).
"""

import numpy as np
import pytest

from katas.engine.testing import expect_shape, say

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
    """make_pairs on the skewed labels, its result checked to be three integer arrays."""
    y = labels() if y is None else y
    split = allowed() if split is None else split
    out = impl.make_pairs(y, split, n_pairs, np.random.default_rng(seed))
    what = f"make_pairs(y ({len(y)},), split ({len(split)},), {n_pairs}, rng)"
    assert isinstance(out, tuple) and len(out) == 3, say(
        f"{what} returned {type(out).__name__}; expected a tuple (a, b, same)",
        f"{what} が {type(out).__name__} を返しました。タプル (a, b, same) を返してください",
    )
    a, b, same = (
        expect_shape(np.asarray(v), (n_pairs,), f"{what}[{k}]") for k, v in enumerate(out)
    )
    for name, v in (("a", a), ("b", b), ("same", same)):
        assert v.dtype.kind in "iu", say(
            f"{what}: {name} has dtype {v.dtype}; expected integers",
            f"{what}: {name} の dtype が {v.dtype} です。整数のはずです",
        )
    return y, split, a, b, same, what


@pytest.mark.hint(1)
@pytest.mark.mistake("a coin flip per pair")
@pytest.mark.parametrize("n_pairs", [2, 9, 400])
def test_exactly_half_are_same_digit_pairs(impl, n_pairs):
    """same holds only 0 and 1, and exactly n_pairs // 2 ones.
    ja: same には 0 と 1 だけが入り、1 はちょうど n_pairs // 2 個です。"""
    _, _, _, _, same, what = call(impl, n_pairs)
    values = [int(v) for v in np.unique(same)]
    assert set(values) <= {0, 1}, say(
        f"{what}: same holds {values}; expected only 0 and 1",
        f"{what}: same に {values} が入っています。0 と 1 だけのはずです",
    )
    if n_pairs % 2 and int(same.sum()) == n_pairs - n_pairs // 2:
        return  # the count of inverted labels: test_one_means_same_digit names that mistake
    assert int(same.sum()) == n_pairs // 2, say(
        f"{what}: {int(same.sum())} same pairs, expected exactly {n_pairs // 2} (n_pairs // 2; "
        "not a coin flip per pair)",
        f"{what}: 同じ数字のペアが {int(same.sum())} 個です。ちょうど {n_pairs // 2} 個 "
        "(n_pairs // 2) のはずです (ペアごとのコイン投げではありません)",
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("the label inverted")
def test_one_means_same_digit(impl):
    """same[i] == 1 exactly where y[a[i]] == y[b[i]].
    ja: same[i] == 1 となるのは、ちょうど y[a[i]] == y[b[i]] のところです。"""
    y, _, a, b, same, what = call(impl, 400)
    truth = (y[a] == y[b]).astype(int)
    bad = np.flatnonzero(same != truth)
    i = int(bad[0]) if bad.size else 0
    assert bad.size == 0, say(
        f"{what}: pair {i} shows digits {int(y[a[i]])} and {int(y[b[i]])} but same = "
        f"{int(same[i])}; 1 means same digit, 0 different digits (and a different pair must "
        "never show one digit twice)",
        f"{what}: ペア {i} の数字は {int(y[a[i]])} と {int(y[b[i]])} なのに same = {int(same[i])} "
        "です。1 は同じ数字、0 は違う数字を表します (違う数字のペアが同じ数字を 2 回見せてはいけません)",
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("a leak: rows drawn from all of y")
def test_every_index_comes_from_the_split(impl):
    """a and b only hold rows of split (here the even rows below 1000): no leak.
    ja: a と b には split の行 (ここでは 1000 未満の偶数行) だけが入ります。漏れはありません。"""
    _, split, a, b, _, what = call(impl, 400)
    for name, v in (("a", a), ("b", b)):
        out = v[~np.isin(v, split)]
        row = int(out[0]) if out.size else 0
        assert out.size == 0, say(
            f"{what}: {name} holds row {row}, which is not in split; draw from the split's "
            "rows only (the other rows belong to another split or to the test set)",
            f"{what}: {name} に split にない行 {row} が入っています。split の行だけから引いてください "
            "(ほかの行は別の分割かテストセットのものです)",
        )


@pytest.mark.hint(2)
@pytest.mark.mistake("a may equal b")
def test_a_same_pair_is_two_different_images(impl):
    """a != b everywhere, even for a digit with only 3 images in the split.
    ja: split に画像が 3 枚しかない数字でも、どこでも a != b です。"""
    y = np.repeat(np.arange(10), 3)
    _, _, a, b, _, what = call(impl, 400, y=y, split=np.arange(30))
    clash = np.flatnonzero(a == b)
    i = int(clash[0]) if clash.size else 0
    assert clash.size == 0, say(
        f"{what} with 3 images per digit: pair {i} is image {int(a[i])} twice; draw b "
        "among the digit's other images",
        f"数字ごとに画像 3 枚の {what}: ペア {i} は画像 {int(a[i])} が 2 回です。b はその数字の"
        "ほかの画像から引いてください",
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("a different pair may share a digit")
def test_different_pairs_show_two_digits(impl):
    """Among the pairs labelled 0, y[a] != y[b] (b's digit drawn among the others).
    ja: ラベル 0 のペアでは y[a] != y[b] です (b の数字はほかの数字から引きます)。"""
    y, _, a, b, same, what = call(impl, 1000)
    diff = same == 0
    shared = int(np.sum(y[a[diff]] == y[b[diff]]))
    assert shared == 0, say(
        f"{what}: {shared} pairs labelled 'different' show the same digit twice (draw b's digit "
        "among the 9 others)",
        f"{what}: 「違う」とラベルしたペアのうち {shared} 個が同じ数字を 2 回見せています (b の数字は"
        "ほかの 9 個から引いてください)",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("digits weighted by their number of images")
@pytest.mark.parametrize("n_pairs", [40, 1001])
def test_first_digit_is_balanced_in_each_half(impl, n_pairs):
    """In each half (same, different) every digit leads n_half // 10 or n_half // 10 + 1 pairs.
    ja: 同じ側と違う側のそれぞれで、どの数字も n_half // 10 か n_half // 10 + 1 個のペアの先頭になります。

    Although digit 0 has about half of the images.
    """
    y, _, a, _, same, what = call(impl, n_pairs)
    for label, half in ((1, "same"), (0, "different")):
        counts = np.bincount(y[a[same == label]], minlength=10)
        half_ja = "同じ数字" if half == "same" else "違う数字"
        assert counts.max() - counts.min() <= 1, say(
            f"{what}: the {half} pairs lead with digits 0-9 {counts.tolist()} times; expected "
            "each digit as often as the others (at most 1 apart): balance the digits, not the "
            "images",
            f"{what}: {half_ja}のペアの先頭の数字 0-9 が {counts.tolist()} 回ずつでした。どの数字も"
            "同じ回数 (差は 1 以内) のはずです: 画像ではなく数字の偏りをなくしてください",
        )


@pytest.mark.hint(3)
def test_second_digit_of_a_different_pair_is_uniform(impl):
    """A different pair's second digit is each of the 9 others about equally often.
    ja: 違う数字のペアの 2 つ目の数字は、ほかの 9 個のどれもほぼ同じ回数です。"""
    y, _, a, b, same, what = call(impl, 4000)
    diff = same == 0
    counts = np.bincount(y[b[diff]][y[a[diff]] == 0], minlength=10)[1:]
    n = counts.sum()  # about 200 pairs lead with digit 0
    sd = np.sqrt(n * (1 / 9) * (8 / 9))
    assert np.all(np.abs(counts - n / 9) <= 5 * sd), say(
        f"{what}: after digit 0, the second digits 1-9 came {counts.tolist()} times; expected "
        f"about {n / 9:.0f} each (uniform over the other digits)",
        f"{what}: 数字 0 の後の 2 つ目の数字 1-9 が {counts.tolist()} 回ずつでした。それぞれ"
        f"およそ {n / 9:.0f} 回のはずです (ほかの数字から一様に)",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("the pairs not shuffled")
def test_pairs_are_shuffled(impl):
    """The first half of the output holds about as many same pairs as the second half.
    ja: 出力の前半には、後半とほぼ同じ数の同じ数字のペアが入っています。"""
    _, _, _, _, same, what = call(impl, 2000)
    first = int(same[:1000].sum())
    assert abs(first - 500) <= 5 * np.sqrt(1000 * 0.25), say(
        f"{what}: {first} of the first 1000 pairs are same pairs, expected about 500; shuffle "
        "the pairs (a batch taken from the start must not be all same pairs)",
        f"{what}: 最初の 1000 ペアのうち同じ数字のペアが {first} 個です。およそ 500 個のはずです: "
        "ペアをシャッフルしてください (先頭から取ったバッチが同じ数字のペアばかりではいけません)",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("the global random state instead of rng")
def test_the_rng_decides_everything(impl):
    """Two generators with the same seed give the same pairs; another seed other pairs.
    ja: 同じシードの 2 つの乱数生成器からは同じペア、別のシードからは別のペアができます。"""
    first, again, other = (call(impl, 200, seed=s)[2:5] for s in (7, 7, 8))
    for name, x, z in zip(("a", "b", "same"), first, again, strict=True):
        assert np.array_equal(x, z), say(
            f"make_pairs with np.random.default_rng(7) twice gave different {name}: draw every "
            "random number from rng",
            f"np.random.default_rng(7) で 2 回呼んだ make_pairs の {name} が違いました: 乱数はすべて "
            "rng から引いてください",
        )
    assert not np.array_equal(first[0], other[0]), say(
        "make_pairs with seeds 7 and 8 gave the very same pairs: draw every random number from rng",
        "シード 7 と 8 の make_pairs がまったく同じペアを返しました: 乱数はすべて rng から引いてください",
    )
