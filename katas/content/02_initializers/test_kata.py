"""Tests for kata 2 (weight initializers). ``impl`` is the module under test.

How the statistical tests are bounded
-------------------------------------
For n independent draws w_i with E[w] = 0 and Var[w] = s2, the estimate v = mean(w**2) is
unbiased for s2 and

    Var[v] = (E[w^4] - s2^2) / n = s2^2 (kurtosis - 1) / n,    kurtosis = E[w^4] / s2^2.

The kurtosis is 3 for a normal, 2.37 for a normal cut at +-2 and 1.8 for a uniform, so
kurtosis = 3 bounds all three. With n = 100,000 the central limit theorem makes v Gaussian to a
good approximation, and

    |v / s2 - 1| <= 5 * sqrt((kurtosis - 1) / n) = 0.022

fails a correct implementation with probability about 6e-7 (5 sigma). Every test draws from a
fixed seed, so it is deterministic anyway; the bound only guarantees that the seed is not a
lucky one. The classic mistakes move v / s2 by 22 % or more (0.77 without the 0.8796 factor,
0.5 with fan_in + fan_out, 1/3 without the 3 of the uniform limit, 1.6 with fan_out for fan_in),
ten times the bound. The mean gets the same treatment: |mean(w)| <= 5 sqrt(s2 / n).
"""

import math
import numbers

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_shape, say

TRUNCATED_NORMAL_STD = 0.87962566103423978  # std of N(0, 1) cut at +-2

N = 100_000  # draws in every statistical test
SHAPE = (400, 250)  # a Dense kernel 400 -> 250: N draws, and every mode gives another fan
FANS = {"fan_in": 400.0, "fan_out": 250.0, "fan_avg": 325.0}
# float32 rounding of a value that is exactly at a bound can move it up by 6e-8 relative;
# 1e-6 absorbs that and is far below any mistake (the smallest moves a bound by 12 %).
ROUNDING = 1 + 1e-6


def plain(got: object) -> str:
    """A returned value as a learner wrote it: integers as plain ints, never np.int64(...)."""
    if isinstance(got, tuple | list):
        inner = ", ".join(plain(g) for g in got)
        return f"({inner},)" if isinstance(got, tuple) and len(got) == 1 else f"({inner})"
    if isinstance(got, numbers.Integral):
        return str(int(got))
    if isinstance(got, numbers.Real):
        return f"{float(got):.6g}"
    return type(got).__name__ if isinstance(got, np.ndarray) else repr(got)


# Recognizable ratios of the measured to the expected variance, each the trace of one classic
# mistake (see the top): (ratio, tolerance, English, Japanese).
KNOWN_RATIOS = [
    (
        TRUNCATED_NORMAL_STD**2,
        0.02,
        "0.774 = 0.8796^2: the stddev was not divided by 0.8796 to make up for the cut tails?",
        "0.774 = 0.8796^2 です: 裾を切った分を補うために stddev を 0.8796 で割り忘れていませんか?",
    ),
    (
        0.5,
        0.02,
        "1/2: fan_in + fan_out instead of their mean for fan_avg?",
        "1/2 です: fan_avg に平均ではなく fan_in + fan_out を使っていませんか?",
    ),
    (
        1 / 3,
        0.02,
        "1/3: the uniform limit sqrt(scale / fan) without the 3?",
        "1/3 です: 一様分布の limit を 3 なしの sqrt(scale / fan) にしていませんか?",
    ),
    (
        1.6,
        0.03,
        "1.6 = 400/250: fan_out used for fan_in (fans swapped)?",
        "1.6 = 400/250 です: fan_in の代わりに fan_out を使っていませんか (fan が逆)?",
    ),
    (
        2.0,
        0.04,
        "2: the He scale 2 where the default (LeCun) is 1?",
        "2 です: 既定 (LeCun) の scale 1 の代わりに He の 2 を使っていませんか?",
    ),
]


def ratio_note(ratio: float) -> tuple[str, str]:
    """The classic mistake a variance ratio points at, in English and Japanese ("" if none)."""
    for value, tol, en, ja in KNOWN_RATIOS:
        if abs(ratio - value) <= tol:
            return f" The ratio is {en}", f"比は {ja}"
    return "", ""


def expect_moments(w: np.ndarray, variance: float, call: str, kurtosis: float = 3.0) -> None:
    """mean(w) ~ 0 and mean(w**2) ~ variance within 5 sigma (derivation at the top)."""
    w = np.asarray(w, dtype=np.float64)
    n = w.size
    ratio = float(np.mean(w**2)) / variance
    bound = 5 * math.sqrt((kurtosis - 1) / n)
    note_en, note_ja = ratio_note(ratio)
    assert abs(ratio - 1) <= bound, say(
        f"{call}: the variance of the {n} weights is {ratio:.4f} times the expected {variance:.4g} "
        f"(allowed: 1 +- {bound:.3f}, 5 sigma for this sample size).{note_en}",
        f"{call}: {n} 個の重みの分散が期待値 {variance:.4g} の {ratio:.4f} 倍です "
        f"(許容範囲は 1 +- {bound:.3f}、この標本数での 5 シグマ)。{note_ja}",
    )
    mean_bound = 5 * math.sqrt(variance / n)
    mean = float(w.mean())
    assert abs(mean) <= mean_bound, say(
        f"{call}: mean of the {n} weights is {mean:.3g}, expected 0 (within {mean_bound:.2g})",
        f"{call}: {n} 個の重みの平均が {mean:.3g} です。期待値は 0 です ({mean_bound:.2g} 以内)",
    )


def expect_dtype(w: np.ndarray, dtype: str, call: str) -> None:
    assert w.dtype == np.dtype(dtype), say(
        f"{call} returned dtype {w.dtype}, expected {dtype}",
        f"{call} が dtype {w.dtype} を返しました。期待値は {dtype} です",
    )


# ---------------------------------------------------------------------------- compute_fans


@pytest.mark.mistake("fans swapped")
@pytest.mark.hint(1)
def test_fans_of_a_dense_kernel(impl):
    """A Dense kernel of shape (784, 300) has fan_in 784 and fan_out 300.
    ja: 形 (784, 300) の Dense カーネルの fan_in は 784、fan_out は 300 です。"""
    got = impl.compute_fans((784, 300))
    swapped = tuple(got) == (300, 784)
    assert tuple(got) == (784, 300), say(
        f"compute_fans((784, 300)) returned {plain(got)}, expected (784, 300)"
        + (
            ": fan_in and fan_out are swapped (a Dense kernel is (fan_in, fan_out))"
            if swapped
            else ""
        ),
        f"compute_fans((784, 300)) が {plain(got)} を返しました。期待値は (784, 300) です"
        + (
            "。fan_in と fan_out が逆です (Dense のカーネルは (fan_in, fan_out))" if swapped else ""
        ),
    )


@pytest.mark.mistake("conv fans without the receptive field")
@pytest.mark.hint(1)
def test_fans_of_a_conv_kernel(impl):
    """A 3x3 conv kernel from 16 to 32 channels: fans 3*3*16 = 144 and 3*3*32 = 288.
    ja: 16 から 32 チャネルへの 3x3 畳み込みカーネル: fan は 3*3*16 = 144 と 3*3*32 = 288 です。"""
    got = impl.compute_fans((3, 3, 16, 32))
    assert tuple(got) == (144, 288), say(
        f"compute_fans((3, 3, 16, 32)) returned {plain(got)}, expected (144, 288): the receptive "
        "field 3 * 3 multiplies both channel counts",
        f"compute_fans((3, 3, 16, 32)) が {plain(got)} を返しました。期待値は (144, 288) です: "
        "受容野 3 * 3 を両方のチャネル数に掛けます",
    )


@pytest.mark.hint(1)
def test_fans_of_a_scalar_and_a_vector(impl):
    """compute_fans(()) is (1, 1) and compute_fans((5,)) is (5, 5), as in Keras.
    ja: Keras と同じく compute_fans(()) は (1, 1)、compute_fans((5,)) は (5, 5) です。"""
    for shape, expected in (((), (1, 1)), ((5,), (5, 5))):
        got = impl.compute_fans(shape)
        assert tuple(got) == expected, say(
            f"compute_fans({shape}) returned {plain(got)}, expected {expected}",
            f"compute_fans({shape}) が {plain(got)} を返しました。期待値は {expected} です",
        )


@pytest.mark.hint(1)
@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple))
def test_fans_of_any_kernel(impl, shape):
    """2 to 5 axes: fan_in = prod(shape[:-1]), fan_out = prod(shape[:-2]) * shape[-1].
    ja: 軸が 2 から 5 個: fan_in = prod(shape[:-1])、fan_out = prod(shape[:-2]) * shape[-1] です。"""
    got = impl.compute_fans(shape)
    expected = (math.prod(shape[:-1]), math.prod(shape[:-2]) * shape[-1])
    assert isinstance(got, tuple) and len(got) == 2, say(
        f"compute_fans({shape}) returned {plain(got)}; expected a tuple (fan_in, fan_out)",
        f"compute_fans({shape}) が {plain(got)} を返しました。"
        "タプル (fan_in, fan_out) が期待値です",
    )
    assert all(isinstance(f, numbers.Integral) for f in got), say(
        f"compute_fans({shape}) returned {plain(got)}; expected two integers",
        f"compute_fans({shape}) が {plain(got)} を返しました。整数 2 つが期待値です",
    )
    assert got == expected, say(
        f"compute_fans({shape}) returned {plain(got)}, expected {expected}",
        f"compute_fans({shape}) が {plain(got)} を返しました。期待値は {expected} です",
    )


# ---------------------------------------------------------------------------- truncated_normal


@pytest.mark.hint(1)
def test_truncated_normal_shape_and_dtype(impl):
    """truncated_normal returns the shape asked for, float32 by default, float64 on request.
    ja: truncated_normal は指定した形を返し、既定は float32、指定すれば float64 です。"""
    rng = np.random.default_rng(0)
    w = impl.truncated_normal((3, 4), 1.0, rng)
    expect_shape(w, (3, 4), "truncated_normal((3, 4), 1.0, rng)")
    expect_dtype(w, "float32", "truncated_normal((3, 4), 1.0, rng)")
    w = impl.truncated_normal((2, 3, 5), 1.0, rng, dtype="float64")
    expect_shape(w, (2, 3, 5), "truncated_normal((2, 3, 5), 1.0, rng, dtype='float64')")
    expect_dtype(w, "float64", "truncated_normal((2, 3, 5), 1.0, rng, dtype='float64')")


@pytest.mark.hint(1)
def test_truncated_normal_draws_only_from_rng(impl):
    """The same seed gives the same weights, another seed other weights (no global np.random).
    ja: 同じシードなら同じ重み、別のシードなら別の重みです (グローバルな np.random は使いません)。"""
    a = impl.truncated_normal((50, 20), 1.0, np.random.default_rng(7))
    b = impl.truncated_normal((50, 20), 1.0, np.random.default_rng(7))
    c = impl.truncated_normal((50, 20), 1.0, np.random.default_rng(8))
    assert np.array_equal(a, b), say(
        "truncated_normal gave different weights for two generators with the same seed: draw "
        "with rng.standard_normal(...), never np.random.*",
        "同じシードの生成器 2 つに対して truncated_normal が別々の重みを返しました: "
        "np.random.* ではなく rng.standard_normal(...) で引いてください",
    )
    assert not np.array_equal(a, c), say(
        "truncated_normal gave the same weights for seeds 7 and 8",
        "truncated_normal がシード 7 と 8 で同じ重みを返しました",
    )


@pytest.mark.hint(2)
def test_truncated_normal_stays_within_two_stddev(impl):
    """Every draw lies within 2 stddev of 0, and some come close to that edge.
    ja: どの値も 0 から 2 stddev 以内にあり、その端の近くまで届く値もあります。"""
    stddev = 0.3
    w = impl.truncated_normal((250, 400), stddev, np.random.default_rng(1), dtype="float64")
    top = float(np.abs(w).max()) / stddev
    assert top <= 2 * ROUNDING, say(
        f"truncated_normal(shape, stddev={stddev}, rng): max |w| is {top:.3f} stddev; "
        "a truncated normal never goes beyond 2 stddev (redraw those samples)",
        f"truncated_normal(shape, stddev={stddev}, rng): max |w| が {top:.3f} stddev です。"
        "切断正規分布は 2 stddev を超えません (その値は引き直します)",
    )
    # Density of the truncated normal on [1.99, 2]: about 2 * 0.01 * 0.054 / 0.954 = 1.1e-3,
    # so the chance that none of 100,000 draws lands there is exp(-113).
    assert top >= 1.99, say(
        f"truncated_normal(shape, stddev={stddev}, rng): max |w| is only {top:.3f} stddev "
        "among 100,000 draws; the cut is at 2 stddev, not earlier",
        f"truncated_normal(shape, stddev={stddev}, rng): 100,000 個のうち max |w| が "
        f"{top:.3f} stddev しかありません。切るのは 2 stddev で、それより手前ではありません",
    )


@pytest.mark.mistake("clipped instead of redrawn")
@pytest.mark.hint(2)
def test_truncated_normal_redraws_rather_than_clips(impl):
    """Samples beyond 2 stddev are redrawn, not clipped (clipping piles 4.6 % of them at +-2).
    ja: 2 stddev を超えた値はクリップせずに引き直します (クリップすると 4.6 % が +-2 に積もります)。"""
    stddev = 1.0
    w = impl.truncated_normal((250, 400), stddev, np.random.default_rng(2), dtype="float64")
    at_edge = int(np.count_nonzero(np.abs(w) >= 1.999 * stddev))
    # Redrawn: P(|w| in [1.999, 2]) = 2 * 0.001 * 0.054 / 0.954 = 1.13e-4, so the count is
    # Poisson with mean 11.3 over 100,000 draws; mean + 5 sqrt(mean) = 28 bounds it.
    # Clipped: 4.55 % of the draws, about 4,550, sit exactly at +-2.
    expected = N * 2 * 0.001 * math.exp(-2) / math.sqrt(2 * math.pi) / 0.9545
    bound = expected + 5 * math.sqrt(expected)
    assert at_edge <= bound, say(
        f"truncated_normal: {at_edge} of {N} draws lie at 1.999 stddev or beyond; expected about "
        f"{expected:.0f}. Redraw every sample beyond 2 stddev; np.clip would pile them up at the "
        "edge.",
        f"truncated_normal: {N} 個中 {at_edge} 個が 1.999 stddev 以上にあります。期待値は約 "
        f"{expected:.0f} 個です。2 stddev を超えた値はすべて引き直してください。np.clip では"
        "端に積もります。",
    )


@pytest.mark.hint(2)
def test_truncated_normal_std_is_0_8796_stddev(impl):
    """Cutting the tails shrinks the spread: the std of truncated_normal(stddev=s) is 0.8796 s.
    ja: 裾を切ると広がりが縮みます: truncated_normal(stddev=s) の標準偏差は 0.8796 s です。"""
    stddev = 0.5
    w = impl.truncated_normal((250, 400), stddev, np.random.default_rng(3), dtype="float64")
    expect_moments(
        w, (TRUNCATED_NORMAL_STD * stddev) ** 2, f"truncated_normal(shape, stddev={stddev}, rng)"
    )


# ---------------------------------------------------------------------------- variance_scaling


@pytest.mark.hint(1)
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_shape_and_dtype(impl, distribution):
    """variance_scaling returns the shape asked for, float32 by default, float64 on request.
    ja: variance_scaling は指定した形を返し、既定は float32、指定すれば float64 です。"""
    call = f"variance_scaling((3, 4), distribution={distribution!r}, rng=rng)"
    w = impl.variance_scaling((3, 4), distribution=distribution, rng=np.random.default_rng(0))
    expect_shape(w, (3, 4), call)
    expect_dtype(w, "float32", call)
    call = f"variance_scaling((2, 3, 4, 5), distribution={distribution!r}, dtype='float64')"
    w = impl.variance_scaling((2, 3, 4, 5), distribution=distribution, dtype="float64")
    expect_shape(w, (2, 3, 4, 5), call + " (rng=None)")
    expect_dtype(w, "float64", call + " (rng=None)")


@pytest.mark.hint(1)
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_draws_only_from_rng(impl, distribution):
    """The same seed gives the same weights, another seed other weights (no global np.random).
    ja: 同じシードなら同じ重み、別のシードなら別の重みです (グローバルな np.random は使いません)。"""

    def draw(seed):
        return impl.variance_scaling(
            (30, 20), 2.0, "fan_in", distribution, rng=np.random.default_rng(seed)
        )

    assert np.array_equal(draw(7), draw(7)), say(
        f"variance_scaling(..., {distribution!r}, rng) gave different weights for two generators "
        "with the same seed: draw only from rng",
        f"同じシードの生成器 2 つに対して variance_scaling(..., {distribution!r}, rng) が"
        "別々の重みを返しました: rng だけから引いてください",
    )
    assert not np.array_equal(draw(7), draw(8)), say(
        f"variance_scaling(..., {distribution!r}, rng) gave the same weights for seeds 7 and 8",
        f"variance_scaling(..., {distribution!r}, rng) がシード 7 と 8 で同じ重みを返しました",
    )


# The table of scratch/initializers.py: (name, scale, mode, distribution).
TABLE = [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
    ("he_normal", 2.0, "fan_in", "truncated_normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("fan_out_normal", 1.0, "fan_out", "truncated_normal"),
    ("he_untruncated_normal", 2.0, "fan_in", "untruncated_normal"),
]


@pytest.mark.hint(2)
@pytest.mark.parametrize(
    ("name", "scale", "mode", "distribution"), TABLE, ids=[t[0] for t in TABLE]
)
def test_variance_is_scale_over_fan(impl, name, scale, mode, distribution):
    """Var[w] = scale / fan for Glorot, He and LeCun (400 -> 250 kernel, 100,000 draws, 5 sigma).
    ja: Glorot・He・LeCun では Var[w] = scale / fan です (400 -> 250 のカーネル、100,000 個、5 シグマ)。"""
    seed = [t[0] for t in TABLE].index(name) + 10
    w = impl.variance_scaling(SHAPE, scale, mode, distribution, rng=np.random.default_rng(seed))
    expect_shape(w, SHAPE, f"variance_scaling({SHAPE}, ...)")
    fan = FANS[mode]
    call = (
        f"{name} = variance_scaling({SHAPE}, scale={scale}, mode={mode!r}, "
        f"distribution={distribution!r}) "
        + say(
            f"[fan = {fan:g}, so Var should be {scale:g}/{fan:g}]",
            f"[fan = {fan:g} なので Var は {scale:g}/{fan:g} のはずです]",
        )
    )
    expect_moments(w, scale / fan, call)


@pytest.mark.mistake("no 0.8796 correction")
@pytest.mark.hint(2)
def test_truncated_normal_weights_are_cut_at_two_corrected_stddev(impl):
    """he_normal draws reach, and never pass, 2 stddev with stddev = sqrt(2 / fan_in) / 0.8796.
    ja: he_normal の値は stddev = sqrt(2 / fan_in) / 0.8796 の 2 倍に届き、超えません。"""
    w = impl.variance_scaling(SHAPE, 2.0, "fan_in", "truncated_normal", np.random.default_rng(20))
    stddev = math.sqrt(2.0 / FANS["fan_in"]) / TRUNCATED_NORMAL_STD
    top = float(np.abs(w).max()) / stddev
    call = "variance_scaling((400, 250), 2.0, 'fan_in', 'truncated_normal', rng)"
    assert top <= 2 * ROUNDING, say(
        f"{call}: max |w| is {top:.3f} times stddev = sqrt(2/400) / 0.8796; expected at most 2",
        f"{call}: max |w| が stddev = sqrt(2/400) / 0.8796 の {top:.3f} 倍です。2 倍以下のはずです",
    )
    # As in test_truncated_normal_stays_within_two_stddev: no draw in [1.99, 2] has odds exp(-113).
    # Without the 0.8796 correction the top would be 2 * 0.8796 = 1.76.
    assert top >= 1.99, say(
        f"{call}: max |w| is only {top:.3f} times stddev = sqrt(2/400) / 0.8796 among "
        "100,000 draws; did you forget to divide the stddev by 0.8796?",
        f"{call}: 100,000 個のうち max |w| が stddev = sqrt(2/400) / 0.8796 の {top:.3f} 倍"
        "しかありません: stddev を 0.8796 で割り忘れていませんか?",
    )


@pytest.mark.mistake("uniform limit without the 3")
@pytest.mark.hint(2)
@pytest.mark.parametrize(("scale", "mode"), [(1.0, "fan_avg"), (2.0, "fan_in")])
def test_uniform_limit_is_sqrt_of_3_scale_over_fan(impl, scale, mode):
    """Uniform weights fill U(-limit, limit) with limit = sqrt(3 * scale / fan).
    ja: 一様分布の重みは limit = sqrt(3 * scale / fan) の U(-limit, limit) を埋めます。"""
    w = impl.variance_scaling(SHAPE, scale, mode, "uniform", np.random.default_rng(21))
    limit = math.sqrt(3 * scale / FANS[mode])
    top = float(np.abs(w).max()) / limit
    call = f"variance_scaling({SHAPE}, {scale}, {mode!r}, 'uniform', rng)"
    # This mistake's trace: max |w| = sqrt(1/3) limit = 0.577 limit (100,000 draws reach the
    # top within 1e-4 of it, so 0.01 tells it from the 0.707 of a halved variance).
    assert abs(top - math.sqrt(1 / 3)) > 0.01, say(
        f"{call}: max |w| is only {top:.4f} = sqrt(1/3) * limit with limit = "
        "sqrt(3 * scale / fan); a uniform U(-r, r) has variance r^2 / 3, so r needs the 3",
        f"{call}: max |w| が limit = sqrt(3 * scale / fan) の {top:.4f} = sqrt(1/3) 倍しか"
        "ありません。一様分布 U(-r, r) の分散は r^2 / 3 なので、r には 3 が必要です",
    )


@pytest.mark.hint(2)
@pytest.mark.parametrize(("scale", "mode"), [(1.0, "fan_avg"), (2.0, "fan_in")])
def test_uniform_weights_reach_the_limit(impl, scale, mode):
    """Uniform weights reach, and never pass, limit = sqrt(3 * scale / fan).
    ja: 一様分布の重みは limit = sqrt(3 * scale / fan) に届き、それを超えません。"""
    w = impl.variance_scaling(SHAPE, scale, mode, "uniform", np.random.default_rng(21))
    limit = math.sqrt(3 * scale / FANS[mode])
    top = float(np.abs(w).max()) / limit
    call = f"variance_scaling({SHAPE}, {scale}, {mode!r}, 'uniform', rng)"
    assert top <= ROUNDING, say(
        f"{call}: max |w| is {top:.4f} * limit, limit = sqrt(3 * {scale}/fan)",
        f"{call}: max |w| が limit の {top:.4f} 倍です (limit = sqrt(3 * {scale}/fan))",
    )
    # P(all 100,000 draws below 0.999 limit) = 0.999 ** 100,000 = exp(-100).
    assert top >= 0.999, say(
        f"{call}: max |w| is only {top:.4f} * limit with limit = sqrt(3 * scale / fan) "
        f"(variance {top**2:.4g} of the expected one)",
        f"{call}: max |w| が limit = sqrt(3 * scale / fan) の {top:.4f} 倍しかありません "
        f"(分散は期待値の {top**2:.4g} 倍)",
    )


@pytest.mark.hint(2)
def test_untruncated_normal_keeps_its_tails(impl):
    """'untruncated_normal' is a plain N(0, scale / fan): some draws go beyond 3 stddev.
    ja: 'untruncated_normal' はただの N(0, scale / fan) です: 3 stddev を超える値もあります。"""
    w = impl.variance_scaling(SHAPE, 2.0, "fan_in", "untruncated_normal", np.random.default_rng(22))
    top = float(np.abs(w).max()) / math.sqrt(2.0 / FANS["fan_in"])
    # P(|z| > 3) = 0.0027: 270 expected among 100,000; none at all has odds exp(-270).
    assert top > 3, say(
        f"variance_scaling({SHAPE}, 2.0, 'fan_in', 'untruncated_normal', rng): max |w| is "
        f"{top:.2f} stddev; a normal that is not truncated goes beyond 3 stddev",
        f"variance_scaling({SHAPE}, 2.0, 'fan_in', 'untruncated_normal', rng): max |w| が "
        f"{top:.2f} stddev です。切断しない正規分布なら 3 stddev を超える値があります",
    )


@pytest.mark.hint(2)
def test_conv_kernel_variance_uses_the_receptive_field(impl):
    """He normal on a 5x5 conv kernel, 32 -> 64 channels: fan_in = 5*5*32 = 800, Var = 2/800.
    ja: 5x5 畳み込み (32 -> 64 チャネル) の He normal: fan_in = 5*5*32 = 800、Var = 2/800 です。"""
    shape = (5, 5, 32, 64)  # 51,200 draws: the 5-sigma bound is 5 sqrt(2 / 51200) = 3.1 %
    w = impl.variance_scaling(shape, 2.0, "fan_in", "truncated_normal", np.random.default_rng(23))
    expect_shape(w, shape, f"variance_scaling({shape}, ...)")
    expect_moments(w, 2.0 / 800, f"variance_scaling({shape}, 2.0, 'fan_in', 'truncated_normal')")


@pytest.mark.mistake("defaults are He")
@pytest.mark.hint(3)
def test_defaults_are_lecun_normal_not_he(impl):
    """The defaults, like the book's TF1 "he_init", give LeCun normal (Var = 1/fan_in), not He.
    ja: 既定値は本書の TF1 の "he_init" と同じく He ではなく LeCun normal (Var = 1/fan_in) です。"""
    w = impl.variance_scaling(SHAPE, rng=np.random.default_rng(24))
    call = say(
        f"variance_scaling({SHAPE}, rng=rng) with the default scale, mode and distribution",
        f"既定の scale・mode・distribution での variance_scaling({SHAPE}, rng=rng)",
    )
    expect_moments(w, 1.0 / FANS["fan_in"], call)
    stddev = math.sqrt(1.0 / FANS["fan_in"]) / TRUNCATED_NORMAL_STD
    assert float(np.abs(w).max()) <= 2 * stddev * ROUNDING, say(
        f"{call}: the default distribution is the truncated normal, yet some weights lie beyond "
        "2 stddev",
        f"{call}: 既定の分布は切断正規分布なのに、2 stddev を超える重みがあります",
    )


# A (3, 2) kernel: fan_avg = (3 + 2) / 2 = 2.5, which `//`, int() or rounding turns into 2 or 3,
# a variance 25 % too large or 17 % too small. One call draws only 6 weights, so the tests pool
# CALLS calls from one generator.
ODD = (3, 2)
ODD_FAN_AVG = 2.5
CALLS = 1000


def pooled(impl, distribution, seed):
    """CALLS draws of glorot (scale 1, fan_avg) weights of shape ODD, flattened into one array."""
    rng = np.random.default_rng(seed)
    draws = [impl.variance_scaling(ODD, 1.0, "fan_avg", distribution, rng) for _ in range(CALLS)]
    for w in draws[:1]:
        expect_shape(w, ODD, f"variance_scaling({ODD}, 1.0, 'fan_avg', {distribution!r}, rng)")
    return np.concatenate([np.ravel(w) for w in draws]).astype(np.float64)


@pytest.mark.mistake("fan_avg rounded")
@pytest.mark.hint(2)
@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
def test_fan_avg_of_an_odd_sum_is_not_rounded(impl, distribution):
    """fan_avg of a (3, 2) kernel is 2.5, not 2 or 3: compute (fan_in + fan_out) / 2 with /.
    ja: (3, 2) カーネルの fan_avg は 2 でも 3 でもなく 2.5 です: (fan_in + fan_out) / 2 を / で計算します。"""
    w = pooled(impl, distribution, 30)
    call = f"variance_scaling({ODD}, 1.0, 'fan_avg', {distribution!r}, rng) " + say(
        f"[fan_avg = 2.5, so Var should be 1/2.5 = 0.4], {CALLS} calls",
        f"[fan_avg = 2.5 なので Var は 1/2.5 = 0.4 のはずです]、{CALLS} 回の呼び出し",
    )
    variance = 1.0 / ODD_FAN_AVG
    if distribution == "untruncated_normal":
        # 6000 draws: the 5-sigma bound of expect_moments is 5 sqrt(2 / 6000) = 9 %; fan 2
        # moves the variance by +25 %, fan 3 by -17 %.
        expect_moments(w, variance, call)
        return
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        # Fan 3 caps every draw at sqrt(2.5 / 3) = 0.913 limit. A correct one has all 6000 draws
        # below 0.98 limit with odds 0.98 ** 6000 = exp(-121).
        near = 0.98
    else:
        limit = 2 * math.sqrt(variance) / TRUNCATED_NORMAL_STD
        # The truncated normal puts P(|z| in [1.9, 2]) = 0.0125 of its mass near the cut, so none
        # of 6000 draws there has odds exp(-75). Fan 3 caps every draw at 1.83 stddev.
        near = 0.95
    top = float(np.abs(w).max()) / limit
    # Fan 2 widens the distribution by sqrt(2.5 / 2) = 1.118: 10.6 % (uniform) or 2.9 %
    # (truncated normal) of the draws then land beyond the true limit; none of 6000 doing so
    # has odds below exp(-170).
    assert top <= ROUNDING, say(
        f"{call}: max |w| is {top:.4f} times the limit for fan_avg = 2.5; is fan_avg rounded "
        "down ((fan_in + fan_out) // 2)?",
        f"{call}: max |w| が fan_avg = 2.5 のときの limit の {top:.4f} 倍です: fan_avg を"
        "切り捨てていませんか ((fan_in + fan_out) // 2)?",
    )
    if top < 0.85:
        # Below the 0.913 cap of a fan rounded up to 3: some other mistake (a fan_avg of 5,
        # fan_in + fan_out, caps at 0.707), which the untruncated case and the others name.
        return
    assert top >= near, say(
        f"{call}: max |w| is only {top:.4f} times the limit for fan_avg = 2.5; is fan_avg "
        "rounded up?",
        f"{call}: max |w| が fan_avg = 2.5 のときの limit の {top:.4f} 倍しかありません: "
        "fan_avg を切り上げていませんか?",
    )


@pytest.mark.mistake("rng=None with a fixed seed")
@pytest.mark.hint(2)
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_rng_none_draws_fresh_weights_every_call(impl, distribution):
    """rng=None means a fresh, unseeded generator: two calls give different weights.
    ja: rng=None はシードなしの新しい生成器です: 2 回呼べば別の重みになります。"""
    call = f"variance_scaling((30, 20), distribution={distribution!r}) (rng=None)"
    # Seeding NumPy's legacy global state before each call must not make the draws repeat:
    # rng=None means np.random.default_rng(), fed by the operating system, not np.random.seed.
    state = np.random.get_state()  # noqa: NPY002
    try:
        draws = []
        for _ in range(2):
            np.random.seed(0)  # noqa: NPY002
            draws.append(impl.variance_scaling((30, 20), distribution=distribution))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    for w in draws:
        expect_shape(w, (30, 20), call)
    # Two equal draws of 600 continuous values from an unseeded generator: probability ~0.
    assert not np.array_equal(draws[0], draws[1]), say(
        f"two calls of {call} returned the same weights: with rng=None make a fresh "
        "np.random.default_rng() with no seed (a fixed seed, or np.random's global state, "
        "repeats the same weights)",
        f"{call} を 2 回呼んだら同じ重みが返りました: rng=None のときはシードなしの新しい "
        "np.random.default_rng() を作ってください (固定シードや np.random のグローバルな状態"
        "では同じ重みが繰り返されます)",
    )
