"""Tests for kata 12 (dropout). ``impl`` is the module under test.

The hand-worked examples use rate 0.75: the keep probability 0.25 is exact in binary, so the
kept units are multiplied by exactly 4, and a rate misread as the keep probability (divide by
0.75) or a missing scale shows at once. Rate 0.5 would hide the first of those mistakes.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import (
    expect_close,
    expect_gradient,
    expect_not,
    expect_shape,
    numerical_gradient,
    say,
)

seeds = st.integers(0, 2**16)
rates = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9])
# float64, one multiplication and one division per entry: 1e-12 relative is a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-15}
EXACT = {"rtol": 0.0, "atol": 0.0}

X = np.array([[1.0, 2.0], [3.0, 4.0]])
MASK = np.array([[1.0, 0.0], [0.0, 1.0]])


def _nested(v) -> str:
    """A nested list of numbers on one line, each as :.4g: [[1.333, 0], [0, 5.333]]."""
    return "[" + ", ".join(_nested(x) for x in v) + "]" if isinstance(v, list) else f"{v:.4g}"


def make(n, d, seed, rate):
    """x (n, d), a boolean keep mask drawn as rng.random(shape) >= rate, and the rng."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.random((n, d)) >= rate, rng


def expect_not_nested(got, wrong, call: str, en: str, ja: str) -> None:
    """``expect_not`` with the values in their nested rows: ``[[4, 0], [0, 16]]``."""
    expect_not(got, wrong, call, en, ja, show=lambda a: _nested(a.tolist()))


@pytest.mark.hint(1)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, rate=rates, with_mask=st.booleans())
def test_inference_is_the_identity(impl, n, d, seed, rate, with_mask):
    """training=False returns x unchanged: no dropping, no scaling, any mask ignored.
    ja: training=False なら x をそのまま返します: 落とさず、スケールせず、マスクは無視します。"""
    x, mask, _ = make(n, d, seed, rate)
    out, _ = impl.dropout_forward(x, rate, mask if with_mask else None, training=False)
    call = f"dropout_forward(x {x.shape}, {rate}, {'mask' if with_mask else 'None'}, False)"
    expect_close(out, x, call, **EXACT)


@pytest.mark.mistake("dropout or scaling at inference")
@pytest.mark.hint(1)
def test_training_defaults_to_off(impl):
    """Without training=True, dropout_forward is the identity (Keras' default).
    ja: training=True がなければ dropout_forward は恒等写像です (Keras の既定)。"""
    out, _ = impl.dropout_forward(X, 0.75, MASK)
    call = "dropout_forward(x [[1, 2], [3, 4]], 0.75, mask [[1, 0], [0, 1]])"
    expect_not_nested(
        out,
        X * 0.25,
        call,
        "x * (1 - rate) at inference, the original dropout's scaling; with inverted dropout "
        "the kept units were already divided by 1 - rate in training, so inference returns x",
        "推論時に x * (1 - rate) としています (元の dropout のスケーリング)。inverted dropout "
        "では学習時にすでに残したユニットを 1 - rate で割っているので、推論では x を返します",
    )
    expect_not_nested(
        out,
        X * MASK * 4,
        call,
        "the mask applied although training is off (the default): inference is the identity",
        "training がオフ (既定) なのにマスクを掛けています: 推論は恒等写像です",
    )
    expect_close(out, X, call, **EXACT)


@pytest.mark.mistake("x dropped in place")
@pytest.mark.hint(1)
@pytest.mark.parametrize("training", [True, False])
def test_forward_leaves_x_and_mask_alone(impl, training):
    """Forward never modifies x or the mask in place.
    ja: 順伝播は x もマスクもその場で書き換えません。"""
    x, mask = X.copy(), MASK.copy()
    impl.dropout_forward(x, 0.75, mask, training=training)
    for name, a, c in (("x", x, X), ("mask", mask, MASK)):
        assert np.array_equal(a, c), say(
            f"dropout_forward(..., training={training}) changed its argument {name} in place",
            f"dropout_forward(..., training={training}) が引数 {name} をその場で書き換えました",
        )


@pytest.mark.mistake("rate read as the keep probability, or no rescaling")
@pytest.mark.hint(2)
def test_forward_by_hand(impl):
    """x [[1, 2], [3, 4]], mask [[1, 0], [0, 1]], rate 0.75: out [[4, 0], [0, 16]].
    ja: x [[1, 2], [3, 4]]、マスク [[1, 0], [0, 1]]、rate 0.75: out は [[4, 0], [0, 16]] です。"""
    out, _ = impl.dropout_forward(X, 0.75, MASK, training=True)
    # Divided by the rate instead: 4/3 and 16/3; not scaled: 1 and 4.
    call = "dropout_forward(x [[1, 2], [3, 4]], 0.75, mask [[1, 0], [0, 1]], training=True)"
    expect_not_nested(
        out,
        X * MASK / 0.75,
        call,
        "the kept units divided by rate: rate is the DROP probability, so divide by 1 - rate",
        "残したユニットを rate で割っています: rate は「落とす」確率なので 1 - rate で割ります",
    )
    expect_not_nested(
        out,
        X * MASK,
        call,
        "the kept units are not rescaled: divide them by 1 - rate so that E[out] = x",
        "残したユニットをスケールし直していません: E[out] = x となるよう 1 - rate で割ります",
    )
    expect_not_nested(
        out,
        X * (1 - MASK) * 4,
        call,
        "the mask is inverted: keep the units where the mask is 1 (True)",
        "マスクが逆です: マスクが 1 (True) のユニットを残します",
    )
    expected = np.array([[4.0, 0.0], [0.0, 16.0]])
    expect_close(out, expected, call, **TIGHT)


@pytest.mark.hint(2)
@given(
    n=st.integers(1, 6),
    d=st.integers(1, 6),
    seed=seeds,
    rate=rates,
    kind=st.sampled_from(["bool", "int", "float"]),
)
def test_forward_matches_the_formula(impl, n, d, seed, rate, kind):
    """Training: out = x * mask / (1 - rate), with the mask given as bools, ints or 0.0/1.0.
    ja: 学習時: out = x * mask / (1 - rate) です。マスクは bool・int・0.0/1.0 のどれでも構いません。"""
    x, mask, _ = make(n, d, seed, rate)
    given_mask = {"bool": mask, "int": mask.astype(np.int64), "float": mask.astype(float)}[kind]
    out, _ = impl.dropout_forward(x, rate, given_mask, training=True)
    call = f"dropout_forward(x {x.shape}, {rate}, {kind} mask, training=True)"
    expect_close(out, np.where(mask, x / (1 - rate), 0.0), call, **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.parametrize("shape", [(4, 1), (1, 3)])
def test_mask_broadcasts(impl, shape):
    """A (N, 1) mask drops whole rows and a (1, D) mask whole columns (Keras' noise_shape).
    ja: (N, 1) のマスクは行ごと、(1, D) のマスクは列ごと落とします (Keras の noise_shape)。"""
    rng = np.random.default_rng(7)
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    mask = np.zeros(shape)
    mask[(0, 0)] = mask[(-1, -1)] = 1.0  # keep the first and last row (or column)
    call = f"dropout_forward(x (4, 3), 0.75, mask {shape}, training=True)"
    out, cache = impl.dropout_forward(x, 0.75, mask, training=True)
    expect_close(out, x * mask * 4.0, call, **TIGHT)
    dx = impl.dropout_backward(dout, cache)
    expect_close(dx, dout * mask * 4.0, f"dropout_backward(dout) after {call}", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.parametrize("rate", [0.2, 0.7])
def test_statistics_of_a_random_mask(impl, rate):
    """A random mask keeps about 1 - rate of the units, and E[out] = x (what the scaling is for).
    ja: ランダムなマスクはユニットの約 1 - rate を残し、E[out] = x です (スケーリングはこのためです)。"""
    n_rows, v = 20_000, np.array([0.5, -2.0, 3.0])
    rng = np.random.default_rng(12)
    x = np.tile(v, (n_rows, 1))
    mask = rng.random(x.shape) >= rate
    out, _ = impl.dropout_forward(x, rate, mask, training=True)
    out = expect_shape(out, x.shape, f"dropout_forward(x {x.shape}, {rate}, training=True)")
    # The number of kept units is Binomial(n, 1 - rate): its fraction has standard deviation
    # sqrt(rate (1 - rate) / n), 1.6e-3 to 1.9e-3 here for n = 60000. We allow 5 of them: with
    # any seed a correct implementation fails a check with probability ~6e-7 (the normal tail
    # beyond 5 sigma), while an inverted mask (fraction rate instead of 1 - rate) is more than
    # 200 of them away.
    kept = np.mean(out != 0)
    sd = np.sqrt(rate * (1 - rate) / out.size)
    assert abs(kept - (1 - rate)) <= 5 * sd, say(
        f"dropout_forward(..., rate={rate}, training=True) kept {kept:.4f} of the units, expected "
        f"{1 - rate:g} +- {5 * sd:.4f} (5 standard deviations): is rate the DROP probability?",
        f"dropout_forward(..., rate={rate}, training=True) がユニットの {kept:.4f} を残しました。"
        f"期待値は {1 - rate:g} +- {5 * sd:.4f} (5 標準偏差) です: rate は「落とす」確率ですか?",
    )
    # Each entry of column j is v_j / (1 - rate) with probability 1 - rate and 0 otherwise: mean
    # v_j, variance v_j^2 rate / (1 - rate). The mean of n_rows of them has standard deviation
    # |v_j| sqrt(rate / ((1 - rate) n_rows)), 0.35% (rate 0.2) to 1.1% (rate 0.7) of |v_j|;
    # 5 of them again. Without the scaling the mean is (1 - rate) v_j: over 50 of them away.
    sd_mean = np.abs(v) * np.sqrt(rate / ((1 - rate) * n_rows))
    means = out.mean(axis=0)
    got_means = ", ".join(f"{float(m):.4g}" for m in means)
    bounds = ", ".join(f"{float(b):.2g}" for b in 5 * sd_mean)
    assert np.all(np.abs(means - v) <= 5 * sd_mean), say(
        f"dropout_forward(..., rate={rate}, training=True): column means ({got_means}), expected "
        f"(0.5, -2, 3) +- ({bounds}) (5 standard deviations): kept units must be divided by "
        "1 - rate",
        f"dropout_forward(..., rate={rate}, training=True): 列の平均が ({got_means}) です。"
        f"期待値は (0.5, -2, 3) +- ({bounds}) (5 標準偏差) です: 残したユニットは 1 - rate で"
        "割らなければなりません",
    )


MASK_DTYPES = [np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64]


@pytest.mark.mistake("the mask promotes float32")
@pytest.mark.hint(2)
@pytest.mark.parametrize("mask_dtype", MASK_DTYPES, ids=[np.dtype(t).name for t in MASK_DTYPES])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64], ids=["float32_x", "float64_x"])
def test_the_output_has_x_dtype_whatever_the_mask_dtype(impl, x_dtype, mask_dtype):
    """out and dx have x's dtype for any mask dtype: a float64 or int64 mask on float32 x too.
    ja: マスクの dtype によらず out と dx は x の dtype です: float32 の x に float64 や int64 のマスクでも。"""
    x, mask, rng = make(5, 4, 3, 0.25)
    x = x.astype(x_dtype)
    given_mask = mask.astype(mask_dtype)
    name = np.dtype(mask_dtype).name
    call = f"dropout_forward({np.dtype(x_dtype).name} x, 0.25, {name} mask, training=True)"
    out, cache = impl.dropout_forward(x, 0.25, given_mask, training=True)
    out = expect_shape(out, x.shape, call)
    assert out.dtype == x_dtype, say(
        f"{call} returned dtype {out.dtype}: cast the mask to x's dtype (x * mask with an int64 or "
        "float64 mask promotes float32 to float64)",
        f"{call} が dtype {out.dtype} を返しました: マスクを x の dtype に変換してください "
        "(int64 や float64 のマスクとの x * mask は float32 を float64 に昇格させます)",
    )
    # The scale 1 / 0.75 rounded once more in float32: 1e-6 relative covers it.
    tol = {"rtol": 1e-6, "atol": 0.0} if x_dtype == np.float32 else TIGHT
    expected = np.where(mask, x.astype(np.float64) / 0.75, 0.0)
    expect_close(out.astype(np.float64), expected, call, **tol)
    dout = rng.standard_normal((5, 4)).astype(x_dtype)
    dx = impl.dropout_backward(dout, cache)
    dx = expect_shape(dx, x.shape, f"dropout_backward({np.dtype(x_dtype).name} dout) after {call}")
    assert dx.dtype == x_dtype, say(
        f"dropout_backward({np.dtype(x_dtype).name} dout) after {call} returned dtype {dx.dtype}"
        ": cache the mask in x's dtype",
        f"{call} のあとの dropout_backward({np.dtype(x_dtype).name} dout) が dtype {dx.dtype} を"
        "返しました: マスクは x の dtype でキャッシュしてください",
    )


@pytest.mark.mistake("backward without the mask or the scale")
@pytest.mark.hint(3)
def test_backward_by_hand(impl):
    """dout all ones after the hand example: dx = mask / (1 - rate) = [[4, 0], [0, 4]].
    ja: 計算例のあとで dout がすべて 1: dx = mask / (1 - rate) = [[4, 0], [0, 4]] です。"""
    _, cache = impl.dropout_forward(X, 0.75, MASK, training=True)
    dx = impl.dropout_backward(np.ones((2, 2)), cache)
    # Without the mask: all 4; without the scale: the mask itself.
    call = say(
        "dropout_backward(ones, cache of rate 0.75, mask [[1, 0], [0, 1]])",
        "dropout_backward(ones, rate 0.75・mask [[1, 0], [0, 1]] の cache)",
    )
    expect_not_nested(
        dx,
        np.full((2, 2), 4.0),
        call,
        "the mask is missing backward: dropped units get no gradient",
        "逆伝播でマスクが抜けています: 落としたユニットには勾配が流れません",
    )
    expect_not_nested(
        dx,
        MASK,
        call,
        "the 1 / (1 - rate) scale of forward is missing backward",
        "順伝播で掛けた 1 / (1 - rate) が逆伝播で抜けています",
    )
    expected = np.array([[4.0, 0.0], [0.0, 4.0]])
    expect_close(
        dx,
        expected,
        say(
            "dropout_backward(ones, cache of rate 0.75)",
            "dropout_backward(ones, rate 0.75 の cache)",
        ),
        **TIGHT,
    )


@pytest.mark.hint(3)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, rate=rates)
def test_backward_gradient_check(impl, n, d, seed, rate):
    """Gradient check with a fixed mask (float64, random dout): dx = dout * mask / (1 - rate).
    ja: マスクを固定した勾配チェック (float64、ランダムな dout): dx = dout * mask / (1 - rate) です。"""
    x, mask, rng = make(n, d, seed, rate)
    dout = rng.standard_normal((n, d))
    _, cache = impl.dropout_forward(x, rate, mask, training=True)
    dx = impl.dropout_backward(dout, cache)
    numeric = numerical_gradient(
        lambda v: impl.dropout_forward(v, rate, mask, training=True)[0], x.copy(), dout
    )
    # out is linear in x, so centred differences have no truncation error, only rounding:
    # measured over 2000 random cases like these, median 1e-11 and worst 8e-9. The default
    # threshold 1e-7 is above that; a missing mask or scale errs by 0.1 or more.
    expect_gradient(dx, numeric, f"dropout_backward (rate {rate}, x {x.shape}) -> dx")


@pytest.mark.hint(3)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, rate=rates)
def test_inference_backward_is_the_identity(impl, n, d, seed, rate):
    """After an inference call, dx = dout: the identity passes the gradient through unchanged.
    ja: 推論の呼び出しのあとは dx = dout です: 恒等写像は勾配をそのまま通します。"""
    x, _, rng = make(n, d, seed, rate)
    dout = rng.standard_normal((n, d))
    _, cache = impl.dropout_forward(x, rate, None, training=False)
    dx = impl.dropout_backward(dout, cache)
    expect_close(dx, dout, f"dropout_backward(dout) after dropout_forward(..., {rate}, False)")


@pytest.mark.mistake("mask applied after an inference call")
@pytest.mark.hint(3)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, rate=rates)
def test_inference_backward_ignores_a_mask_too(impl, n, d, seed, rate):
    """A mask passed at inference is ignored backward too: dx = dout, exactly.
    ja: 推論時に渡したマスクは逆伝播でも無視します: dx はちょうど dout です。"""
    x, mask, rng = make(n, d, seed, rate)
    dout = rng.standard_normal((n, d))
    out, cache = impl.dropout_forward(x, rate, mask, training=False)
    call = f"dropout_forward(x {x.shape}, {rate}, mask, training=False)"
    expect_close(out, x, call, **EXACT)
    dx = impl.dropout_backward(dout, cache)
    # The identity's gradient: dout itself, no mask and no scale.
    expect_close(dx, dout, f"dropout_backward(dout) after {call}", **EXACT)


@pytest.mark.mistake("dout overwritten")
@pytest.mark.hint(3)
@pytest.mark.parametrize("training", [True, False])
def test_backward_leaves_dout_and_the_cache_alone(impl, training):
    """Backward writes into neither dout nor the cache: a second call gives the same dx.
    ja: 逆伝播は dout にもキャッシュにも書き込みません: 2 回目の呼び出しでも同じ dx です。"""
    x, mask, rng = make(4, 3, 8, 0.5)
    dout = rng.standard_normal((4, 3))
    before = dout.copy()
    _, cache = impl.dropout_forward(x, 0.5, mask, training=training)
    first = np.array(impl.dropout_backward(dout, cache), copy=True)
    call = f"dropout_backward(dout, cache) (training={training})"
    assert np.array_equal(dout, before), say(
        f"{call} changed dout in place", f"{call} が dout をその場で書き換えました"
    )
    expect_close(
        impl.dropout_backward(dout, cache),
        first,
        say(f"{call}, called again", f"{call} (2 回目の呼び出し)"),
        **EXACT,
    )
