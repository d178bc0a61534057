"""Tests for kata 22 (one CD-k step, the momentum update). ``impl`` is the module under test.

The uniforms are recorded arrays handed out in order by ``Recorded``, which also checks each
request's shape: what a CD-k step asks for (k arrays of (n, H)) is part of what it must do.
``guide`` below is the practical guide's recipe written out, the expected values' source.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import (
    expect_close,
    expect_gradient,
    expect_shape,
    numerical_gradient,
    say,
)

seeds = st.integers(0, 2**16)
# float64, products and sums of at most 6 unit-scale terms and sigmoids, with the same binary
# samples: the error is a few roundings of 1e-16, so 1e-12 is a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-12}
NAMES = ("dW", "db", "dc", "v_neg", "ph_neg")


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


class Recorded:
    """A uniform source handing out ``arrays`` in order; a request of another shape, or one too
    many, fails with a message saying what CD-k should ask for."""

    def __init__(self, arrays):
        self.arrays, self.calls = list(arrays), []

    def __call__(self, shape):
        shape = tuple(int(s) for s in shape)
        self.calls.append(shape)
        i = len(self.calls) - 1
        k = len(self.arrays)
        if i >= k:
            raise AssertionError(
                say(
                    f"cd_step called uniforms a {i + 1}th time (shape {shape}), but CD-{k} samples"
                    f" hidden states only {k} times: the first hidden state and"
                    " each step but the last (the last hidden step stays a probability)",
                    f"cd_step が uniforms を {i + 1} 回目に呼びました (形 {shape})。CD-{k} が隠れ状態を"
                    f"サンプルするのは {k} 回だけです: 最初の隠れ状態と、最後以外の各ステップです"
                    " (最後の隠れステップは確率のままです)",
                )
            )
        want = self.arrays[i].shape
        if shape != want:
            raise AssertionError(
                say(
                    f"cd_step asked uniforms({shape}) on call {i + 1}; expected {want} = (n, H): "
                    "only hidden states are sampled (the reconstructions stay probabilities)",
                    f"cd_step が {i + 1} 回目の呼び出しで uniforms({shape}) を求めました。期待値は "
                    f"{want} = (n, H) です: サンプルするのは隠れ状態だけです (再構成は確率のままです)",
                )
            )
        return self.arrays[i].copy()


def guide(v0, w, b, c, us):
    """The guide's CD-k with the uniform arrays ``us`` (k of them), in float64."""
    n = len(v0)
    ph0 = sigmoid(v0 @ w.T + c)
    h = (us[0] < ph0).astype(float)
    for step in range(len(us)):
        pv = sigmoid(h @ w + b)
        ph = sigmoid(pv @ w.T + c)
        if step < len(us) - 1:
            h = (us[step + 1] < ph).astype(float)
    return ph0.T @ v0 / n - ph.T @ pv / n, (v0 - pv).mean(0), (ph0 - ph).mean(0), pv, ph


def make(n, d, h, k, seed, dtype=np.float64):
    """v0 (n, d) binary, W (h, d), b (d,), c (h,) and k uniform arrays (n, h), float64."""
    rng = np.random.default_rng(seed)
    v0 = (rng.random((n, d)) < 0.5).astype(dtype)
    w, b, c = (rng.standard_normal(s).astype(dtype) for s in ((h, d), d, h))
    return v0, w, b, c, [rng.random((n, h)) for _ in range(k)]


def run(impl, v0, w, b, c, us):
    """cd_step with recorded uniforms: the 5 outputs, checked to be a tuple of 5 arrays."""
    rec = Recorded(us)
    out = impl.cd_step(v0, w, b, c, len(us), rec)
    call = f"cd_step(v0 {v0.shape}, W {w.shape}, b, c, k={len(us)}, uniforms)"
    assert isinstance(out, tuple) and len(out) == 5, say(
        f"{call} returned {type(out).__name__}; expected a tuple (dW, db, dc, v_neg, ph_neg)",
        f"{call} が {type(out).__name__} を返しました。タプル (dW, db, dc, v_neg, ph_neg) を返してください",
    )
    n, h, d = len(v0), *w.shape
    shapes = ((h, d), (d,), (h,), (n, d), (n, h))
    for got, shape, name in zip(out, shapes, NAMES, strict=True):
        expect_shape(got, shape, f"{call} -> {name}")
    assert len(rec.calls) == len(us), say(
        f"{call} called uniforms {len(rec.calls)} time(s); expected k = {len(us)}: the first "
        "hidden state is sampled, then one hidden state per step but the last",
        f"{call} が uniforms を {len(rec.calls)} 回呼びました。k = {len(us)} 回のはずです: 最初の"
        "隠れ状態をサンプルし、その後は最後以外のステップごとに隠れ状態を 1 つサンプルします",
    )
    return out, call


@pytest.mark.hint(2)
@pytest.mark.mistake("the phases swapped")
def test_by_hand_with_zero_weights(impl):
    """W = b = c = 0, v0 all ones: dW = 0.5 - 0.25 = 0.25, db = 1 - 0.5 = 0.5, dc = 0.
    ja: W = b = c = 0、v0 がすべて 1: dW = 0.5 - 0.25 = 0.25、db = 1 - 0.5 = 0.5、dc = 0 です。"""
    n, d, h = 2, 3, 2
    (dw, db, dc, v_neg, ph_neg), call = run(impl, np.ones((n, d)), np.zeros((h, d)), np.zeros(d),
                                            np.zeros(h), [np.full((n, h), 0.3)])  # fmt: skip
    # Phases swapped: -0.25 and -0.5; summed over the batch of 2: 0.5 and 1.0.
    expected = {"dW": np.full((h, d), 0.25), "db": np.full(d, 0.5), "dc": np.zeros(h),
                "v_neg": np.full((n, d), 0.5), "ph_neg": np.full((n, h), 0.5)}  # fmt: skip
    for name, got in zip(("dW", "db"), (dw, db), strict=True):
        assert not np.allclose(got, -expected[name], rtol=1e-12), say(
            f"{call} -> {name} is {float(got.flat[0]):.6g} everywhere, exactly -1 times the "
            f"expected {float(expected[name].flat[0]):.6g}: the phases swapped? (positive minus "
            "negative: data statistics first)",
            f"{call} -> {name} がどこも {float(got.flat[0]):.6g} で、期待値 "
            f"{float(expected[name].flat[0]):.6g} のちょうど -1 倍です: 正と負のフェーズが逆では"
            "ありませんか (正のフェーズ - 負のフェーズ、データの統計量が先です)",
        )
    for name, got in zip(NAMES, (dw, db, dc, v_neg, ph_neg), strict=True):
        expect_close(got, expected[name], f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(2)
def test_with_zero_weights_cd1_is_the_exact_gradient(impl):
    """W = 0: the visible units are independent, and db = mean(v0) - sigmoid(b) exactly.
    ja: W = 0 なら可視ユニットは独立で、db はちょうど mean(v0) - sigmoid(b) です。"""
    v0, _, b, c, us = make(5, 4, 3, 1, 1)
    (dw, db, dc, _, _), call = run(impl, v0, np.zeros((3, 4)), b, c, us)
    # log P(v) = sum_i (v_i b_i - softplus(b_i)) when W = 0 (the hidden units do not matter):
    # its gradient is v - sigmoid(b) for b, 0 for c; for W it is sigmoid(c) outer (v - sigmoid(b)).
    expect_close(db, v0.mean(0) - sigmoid(b), f"{call} -> db", **TIGHT)
    expect_close(dc, np.zeros(3), f"{call} -> dc", **TIGHT)
    expect_close(dw, np.outer(sigmoid(c), v0.mean(0) - sigmoid(b)), f"{call} -> dW", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("the reconstruction (or the last hidden step) sampled")
@pytest.mark.parametrize("k", [1, 2, 5])
def test_asks_for_k_arrays_of_n_by_h_uniforms(impl, k):
    """CD-k calls uniforms exactly k times, each with (n, H): only hidden states are sampled.
    ja: CD-k は uniforms をちょうど k 回、毎回 (n, H) で呼びます。サンプルするのは隠れ状態だけです。"""
    v0, w, b, c, us = make(4, 3, 2, k, 2)  # D = 3 != H = 2: a visible request shows
    rec = Recorded(us)
    impl.cd_step(v0, w, b, c, k, rec)
    assert rec.calls == [(4, 2)] * k, say(
        f"cd_step(..., k={k}) asked for uniforms of shapes {rec.calls}; expected {[(4, 2)] * k}",
        f"cd_step(..., k={k}) が求めた uniforms の形は {rec.calls} でした。期待値は {[(4, 2)] * k} です",
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("u <= p instead of u < p")
def test_u_equal_to_p_leaves_a_hidden_unit_off(impl):
    """v0 [[1, 1]], W [[1, -1]], c 0: P(h|v0) = 0.5 exactly, and u = 0.5 must give h = 0.
    ja: v0 [[1, 1]]、W [[1, -1]]、c 0: P(h|v0) はちょうど 0.5 で、u = 0.5 なら h = 0 です。"""
    w, b = np.array([[1.0, -1.0]]), np.array([0.5, -0.5])
    out = impl.cd_step(np.ones((1, 2)), w, b, np.zeros(1), 1, Recorded([np.full((1, 1), 0.5)]))
    call = "cd_step(v0 [[1, 1]], W [[1, -1]], b, c 0, k=1, uniforms 0.5) -> v_neg"
    # h = 0: the reconstruction is sigmoid(b); u <= p turns h on: sigmoid(W + b), this
    # mistake's trace. Anything else (a shape, another value) is left to the other tests.
    v_neg = out[3] if isinstance(out, tuple) and len(out) == 5 else None
    on = sigmoid(w[0] + b)[None, :]
    assert not (np.shape(v_neg) == (1, 2) and np.allclose(v_neg, on, **TIGHT)), say(
        f"{call} is sigmoid(W + b): the hidden unit turned on at u = p = 0.5; it is on only "
        "where u < p, strictly",
        f"{call} が sigmoid(W + b) です: u = p = 0.5 で隠れユニットがオンになりました。オンに"
        "なるのは u < p (厳密に小さい) のときだけです",
    )


@pytest.mark.hint(2)
@given(n=st.integers(1, 5), d=st.integers(1, 5), h=st.integers(1, 5), k=st.integers(1, 4),
       seed=seeds)  # fmt: skip
def test_matches_the_guide(impl, n, d, h, k, seed):
    """dW, db, dc, v_neg, ph_neg are the guide's CD-k with the given uniforms, for k = 1 to 4.
    ja: k = 1 から 4 で、dW、db、dc、v_neg、ph_neg は与えた一様乱数でのガイドの CD-k と一致します。"""
    v0, w, b, c, us = make(n, d, h, k, seed)
    out, call = run(impl, v0, w, b, c, us)
    for name, got, expected in zip(NAMES, out, guide(v0, w, b, c, us), strict=True):
        expect_close(got, expected, f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("the negative statistics transposed")
def test_a_square_w_is_still_transposed_right(impl):
    """H == D == 3 and k = 2: no shape error hides a wrong transpose, the values must be right.
    ja: H == D == 3、k = 2: 形のエラーが出ないので転置の間違いが隠れます。値が正しくなければなりません。"""
    v0, w, b, c, us = make(4, 3, 3, 2, 3)
    out, call = run(impl, v0, w, b, c, us)
    for name, got, expected in zip(NAMES, out, guide(v0, w, b, c, us), strict=True):
        expect_close(got, expected, f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(1)
@pytest.mark.mistake("positive statistics from samples instead of probabilities")
def test_positive_statistics_use_probabilities_not_samples(impl):
    """dW + ph_neg.T @ v_neg / n = ph0.T @ v0 / n whatever the uniforms (likewise db and dc).
    ja: 一様乱数が何であっても dW + ph_neg.T @ v_neg / n = ph0.T @ v0 / n です (db と dc も同様)。"""
    v0, w, b, c, us = make(6, 4, 3, 1, 4)
    ph0 = sigmoid(v0 @ w.T + c)
    for u in (us[0], 1 - us[0], np.full_like(us[0], 0.999)):
        (dw, db, dc, v_neg, ph_neg), call = run(impl, v0, w, b, c, [u])
        n = len(v0)
        where = say(
            f"{call}: dW + ph_neg.T @ v_neg / n (the positive statistics ph0.T @ v0 / n)",
            f"{call}: dW + ph_neg.T @ v_neg / n (正の統計量 ph0.T @ v0 / n)",
        )
        expect_close(dw + ph_neg.T @ v_neg / n, ph0.T @ v0 / n, where, **TIGHT)
        expect_close(db + v_neg.mean(0), v0.mean(0), f"{call}: db + mean(v_neg)", **TIGHT)
        expect_close(dc + ph_neg.mean(0), ph0.mean(0), f"{call}: dc + mean(ph_neg)", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("k", [1, 3])
def test_the_estimates_are_minus_the_gradient_of_the_free_energy_gap(impl, k):
    """(dW, db, dc) = -grad of mean F(v0) - mean F(v_neg), v_neg held constant (kata 21's F).
    ja: v_neg を定数として、(dW, db, dc) = -(mean F(v0) - mean F(v_neg) の勾配) です (F はカタ 21 のもの)。"""
    v0, w, b, c, us = make(4, 3, 2, k, 9)
    (dw, db, dc, v_neg, _), call = run(impl, v0, w, b, c, us)
    v_neg = np.array(v_neg, dtype=np.float64)  # the chain's end, a constant from here on

    def gap(w_, b_, c_):
        def f(v):
            return -v @ b_ - np.logaddexp(0.0, v @ w_.T + c_).sum(axis=1)

        return np.array(f(v0).mean() - f(v_neg).mean())

    one = np.array(1.0)
    # gap is smooth: centred differences (h = 1e-5) are good to ~1e-10, far inside 1e-7; a
    # swapped sign or a sum over the batch is off by a factor of -1 or n.
    numeric = [
        numerical_gradient(lambda x: gap(x, b, c), w.copy(), one),
        numerical_gradient(lambda x: gap(w, x, c), b.copy(), one),
        numerical_gradient(lambda x: gap(w, b, x), c.copy(), one),
    ]
    for got, num, name in zip((dw, db, dc), numeric, NAMES[:3], strict=True):
        expect_gradient(
            got, -num, f"{call} -> {name} vs -d(mean F(v0) - mean F(v_neg))/d{name[1:]}"
        )


@pytest.mark.hint(2)
@pytest.mark.mistake("a sum over the batch instead of a mean")
def test_a_duplicated_batch_gives_the_same_estimates(impl):
    """The batch twice over (and its uniforms) gives the same dW, db, dc: a mean, not a sum.
    ja: バッチ (と一様乱数) を 2 回並べても dW、db、dc は同じです。和ではなく平均です。"""
    v0, w, b, c, us = make(3, 4, 2, 2, 5)
    (dw, db, dc, _, _), _ = run(impl, v0, w, b, c, us)
    twice, call = run(impl, np.vstack([v0, v0]), w, b, c, [np.vstack([u, u]) for u in us])
    for name, got, expected in zip(NAMES[:3], twice[:3], (dw, db, dc), strict=True):
        where = say(
            f"{call} (the batch twice) -> {name}", f"{call} (バッチを 2 回並べたもの) -> {name}"
        )
        got = expect_shape(got, expected.shape, where)
        # A sum over the batch doubles every entry exactly (the same rows, the same samples).
        assert not (np.any(expected != 0) and np.allclose(got, 2 * expected, rtol=1e-12)), say(
            f"{where} is exactly 2 times the estimate for the batch once: did you sum over the "
            "batch instead of averaging (divide by n)?",
            f"{where} が元のバッチでの推定値のちょうど 2 倍です: バッチについて平均せず和を"
            "とっていませんか (n で割ってください)",
        )
        expect_close(got, expected, where, **TIGHT)


@pytest.mark.hint(1)
def test_float32_stays_float32(impl):
    """float32 v0, W, b, c (float64 uniforms): five float32 outputs close to the float64 ones.
    ja: float32 の v0、W、b、c (一様乱数は float64) からは、float64 の値に近い float32 の出力が 5 つ出ます。"""
    v0, w, b, c, us = make(5, 4, 3, 2, 6, dtype=np.float32)
    out, call = run(impl, v0, w, b, c, us)
    expected = guide(*(a.astype(np.float64) for a in (v0, w, b, c)), us)
    for name, got, exp in zip(NAMES, out, expected, strict=True):
        assert got.dtype == np.float32, say(
            f"{call} on float32 inputs returned {name} as {got.dtype}, expected float32",
            f"float32 の入力で {call} が {name} を {got.dtype} で返しました。float32 のはずです",
        )
        # The same binary samples for this seed (no uniform within 1e-6 of its probability);
        # then a few float32 roundings (6e-8 relative) of unit-scale numbers: 1e-5 is wide.
        expect_close(got.astype(np.float64), exp, f"{call} (float32) -> {name}", atol=1e-5)


@pytest.mark.hint(1)
def test_cd_step_leaves_its_inputs_alone(impl):
    """cd_step modifies none of v0, W, b, c.
    ja: cd_step は v0、W、b、c のどれも書き換えません。"""
    v0, w, b, c, us = make(3, 4, 2, 2, 7)
    args = (v0, w, b, c)
    copies = [a.copy() for a in args]
    run(impl, v0, w, b, c, us)
    for name, a, a0 in zip(("v0", "W", "b", "c"), args, copies, strict=True):
        assert np.array_equal(a, a0), say(
            f"cd_step changed {name} in place", f"cd_step が {name} をその場で書き換えました"
        )


def params_grads_velocities(dtype=np.float64):
    """Parameters of ones, gradients 0.5 and velocities 0.2, for a (2, 3) W."""
    ones = (np.ones((2, 3), dtype), np.ones(3, dtype), np.ones(2, dtype))
    return (
        ones,
        tuple(np.full_like(a, 0.5) for a in ones),
        tuple(np.full_like(a, 0.2) for a in ones),
    )


def update(impl, params, grads, velocities, lr, momentum, wd):
    """momentum_update, its result checked to be ((W, b, c), (V_W, V_b, V_c)) of the right shapes."""
    out = impl.momentum_update(params, grads, velocities, lr, momentum, wd)
    call = f"momentum_update(..., learning_rate={lr}, momentum={momentum}, weight_decay={wd})"
    assert isinstance(out, tuple) and len(out) == 2, say(
        f"{call} returned {type(out).__name__}; expected a tuple ((W, b, c), (V_W, V_b, V_c))",
        f"{call} が {type(out).__name__} を返しました。タプル ((W, b, c), (V_W, V_b, V_c)) を返してください",
    )
    for group, what in zip(out, ("new_params", "new_velocities"), strict=True):
        assert isinstance(group, tuple) and len(group) == 3, say(
            f"{call} -> {what} is {type(group).__name__}; expected a tuple of 3 arrays",
            f"{call} -> {what} が {type(group).__name__} です。3 つの配列のタプルを返してください",
        )
        for got, p, name in zip(group, params, ("W", "b", "c"), strict=True):
            expect_shape(got, p.shape, f"{call} -> {what} {name}")
    return out, call


@pytest.mark.hint(3)
def test_update_by_hand(impl):
    """Ones, grads 0.5, velocities 0.2, lr 0.1, momentum 0.9, decay 0.01: W 1.229, b and c 1.23.
    ja: 1 の重み、勾配 0.5、速度 0.2、lr 0.1、momentum 0.9、減衰 0.01: W は 1.229、b と c は 1.23 です。"""
    (new, vel), call = update(impl, *params_grads_velocities(), 0.1, 0.9, 0.01)
    # V_W = 0.9 * 0.2 + 0.1 * (0.5 - 0.01 * 1) = 0.229; V_b = V_c = 0.18 + 0.05 = 0.23 (no decay).
    # Decay added instead of subtracted: 0.231; applied to the biases too: 0.229 for them.
    for got, value, name in zip(new + vel, (1.229, 1.23, 1.23, 0.229, 0.23, 0.23),
                                ("W", "b", "c", "V_W", "V_b", "V_c"), strict=True):  # fmt: skip
        expect_close(got, np.full(got.shape, value), f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("a descent instead of an ascent")
def test_plain_ascent_without_momentum_or_decay(impl):
    """momentum 0, decay 0: W + learning_rate * dW (an ascent: the estimates point uphill).
    ja: momentum 0、減衰 0: W + learning_rate * dW です (上昇: 推定値は上り坂の向きです)。"""
    rng = np.random.default_rng(8)
    params = (rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal(2))
    grads = tuple(rng.standard_normal(p.shape) for p in params)
    zeros = tuple(np.zeros_like(p) for p in params)
    (new, vel), call = update(impl, params, grads, zeros, 0.05, 0.0, 0.0)
    for got, p, g, name in zip(new, params, grads, ("W", "b", "c"), strict=True):
        expect_close(got, p + 0.05 * g, f"{call} -> {name}", **TIGHT)
    for got, g, name in zip(vel, grads, ("V_W", "V_b", "V_c"), strict=True):
        expect_close(got, 0.05 * g, f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("weight decay added, or applied to the biases")
def test_weight_decay_shrinks_the_weights_and_spares_the_biases(impl):
    """Zero grads and velocities, decay 0.5, lr 0.1: W shrinks by 5%, b and c do not move.
    ja: 勾配も速度も 0、減衰 0.5、lr 0.1: W は 5% 縮み、b と c は動きません。"""
    params = (np.full((2, 3), 2.0), np.full(3, 2.0), np.full(2, 2.0))
    zeros = tuple(np.zeros_like(p) for p in params)
    (new, _), call = update(impl, params, zeros, zeros, 0.1, 0.9, 0.5)
    for got, value, name in zip(new, (1.9, 2.0, 2.0), ("W", "b", "c"), strict=True):
        expect_close(got, np.full(got.shape, value), f"{call} -> {name}", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("momentum on the new step instead of the old velocity")
def test_velocities_carry_over(impl):
    """Two updates with the same grads: the second velocity is momentum * first + the step.
    ja: 同じ勾配で 2 回更新すると、2 回目の速度は momentum * 1 回目の速度 + ステップです。"""
    params, grads, _ = params_grads_velocities()
    zeros = tuple(np.zeros_like(p) for p in params)
    (p1, v1), _ = update(impl, params, grads, zeros, 0.1, 0.5, 0.0)
    (p2, v2), call = update(impl, p1, grads, v1, 0.1, 0.5, 0.0)
    # V1 = 0.05, V2 = 0.5 * 0.05 + 0.05 = 0.075; params 1 + 0.05 + 0.075 = 1.125.
    for got, value, name in zip(p2 + v2, (1.125,) * 3 + (0.075,) * 3,
                                ("W", "b", "c", "V_W", "V_b", "V_c"), strict=True):  # fmt: skip
        where = say(f"second {call} -> {name}", f"2 回目の {call} -> {name}")
        expect_close(got, np.full(got.shape, value), where, **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_returns_new_arrays_of_the_same_dtype(impl, dtype):
    """The inputs are left unchanged and the results keep their dtype.
    ja: 入力は変わらず、結果は同じ dtype を保ちます。"""
    params, grads, velocities = params_grads_velocities(dtype)
    before = [a.copy() for a in params + grads + velocities]
    (new, vel), call = update(impl, params, grads, velocities, 0.1, 0.9, 0.01)
    for a, a0 in zip(params + grads + velocities, before, strict=True):
        assert np.array_equal(a, a0), say(
            f"{call} changed one of its inputs in place: return new arrays",
            f"{call} が入力のどれかをその場で書き換えました。新しい配列を返してください",
        )
    for got in new + vel:
        assert got.dtype == dtype, say(
            f"{call} on {np.dtype(dtype).name} returned {got.dtype}",
            f"{np.dtype(dtype).name} の入力で {call} が {got.dtype} を返しました",
        )
