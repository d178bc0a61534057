"""Tests for kata 21 (the free energy). ``impl`` is the module under test.

The strongest test enumerates a tiny RBM: F(v) must equal -log sum_h exp(-E(v, h)) over the
2^H hidden states, the definition the closed form comes from.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
dims = st.integers(1, 6)
# float64, sums of at most 6 terms of unit scale and a softplus: 1e-12 relative is a wide margin
# (the error is a few roundings of 1e-16 each).
TIGHT = {"rtol": 1e-12, "atol": 1e-12}
LOG2 = np.log(2.0)


def make(n, d, h, seed, dtype=np.float64):
    """v (n, d) in [0, 1], W (h, d), b (d,), c (h,)."""
    rng = np.random.default_rng(seed)
    return (
        rng.random((n, d)).astype(dtype),
        rng.standard_normal((h, d)).astype(dtype),
        rng.standard_normal(d).astype(dtype),
        rng.standard_normal(h).astype(dtype),
    )


def formula(v, w, b, c):
    return -v @ b - np.logaddexp(0.0, v @ w.T + c).sum(axis=1)


@pytest.mark.hint(2)
@pytest.mark.mistake("the visible bias term added instead of subtracted")
def test_by_hand_with_one_unit_each(impl):
    """D = H = 1, W = 0, b = 2, c = 0: F([1]) = -2 - log 2 and F([0]) = -log 2.
    ja: D = H = 1、W = 0、b = 2、c = 0: F([1]) = -2 - log 2、F([0]) = -log 2 です。"""
    got = impl.free_energy(np.array([[1.0], [0.0]]), np.zeros((1, 1)), np.array([2.0]), np.zeros(1))
    # The bias term added instead of subtracted gives 2 - log 2 for the first row.
    expected = np.array([-2.0 - LOG2, -LOG2])
    expect_close(got, expected, "free_energy([[1], [0]], W 0, b [2], c [0])", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("a mean over the hidden units instead of a sum")
def test_every_hidden_unit_counts_log_2_when_the_weights_are_zero(impl):
    """W = 0, b = 0, c = 0 with H = 5: F = -5 log 2 for every row (a sum over units, not a mean).
    ja: H = 5 で W = 0、b = 0、c = 0 なら、どの行も F = -5 log 2 です (ユニットについての和で、平均ではありません)。"""
    got = impl.free_energy(np.ones((3, 4)), np.zeros((5, 4)), np.zeros(4), np.zeros(5))
    call = "free_energy(v (3, 4), W = 0 (5, 4), 0, 0)"
    got = expect_shape(got, (3,), call)
    # Every entry is log 2 times a small integer in binary floating point: 1e-12 tells them apart.
    assert not np.allclose(got, -LOG2, rtol=1e-12), say(
        f"{call} returned {float(got[0]):.6g} per row, exactly 1/5 of the expected "
        f"{-5 * LOG2:.6g} = -5 log 2: did you average over the 5 hidden units instead of summing?",
        f"{call} が各行 {float(got[0]):.6g} を返しました。期待値 {-5 * LOG2:.6g} = -5 log 2 の"
        "ちょうど 1/5 です: 5 個の隠れユニットについて、和ではなく平均をとっていませんか",
    )
    expect_close(got, np.full(3, -5 * LOG2), call, **TIGHT)


@pytest.mark.hint(1)
@given(n=dims, d=dims, h=dims, seed=seeds)
def test_matches_the_formula(impl, n, d, h, seed):
    """F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j, one value per row: shape (n,).
    ja: F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j、行ごとに 1 つの値で形は (n,) です。"""
    v, w, b, c = make(n, d, h, seed)
    call = f"free_energy(v {v.shape}, W {w.shape}, b {b.shape}, c {c.shape})"
    expect_close(impl.free_energy(v, w, b, c), formula(v, w, b, c), call, **TIGHT)


@pytest.mark.hint(1)
@pytest.mark.mistake("forgot the transpose")
def test_a_square_w_is_still_transposed(impl):
    """With H == D a missing transpose raises no error: the values must still be right.
    ja: H == D では転置を忘れてもエラーになりません。それでも値は正しくなければなりません。"""
    v, w, b, c = make(4, 3, 3, 1)
    call = "free_energy(v (4, 3), W (3, 3), b, c)"
    got = expect_shape(impl.free_energy(v, w, b, c), (4,), call)
    # The trace of this mistake: v @ W where v @ W.T belongs (TIGHT is far below the gap).
    assert not np.allclose(got, formula(v, w.T, b, c), **TIGHT), say(
        f"{call} returned the free energy of W.T: v @ W instead of v @ W.T (W is (H, D), so "
        "the hidden pre-activations are v @ W.T + c)",
        f"{call} が W.T の自由エネルギーを返しました: v @ W.T ではなく v @ W です (W は "
        "(H, D) なので、隠れ層の入力は v @ W.T + c です)",
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("summed or averaged over the batch")
@pytest.mark.parametrize(("n", "h"), [(1, 3), (4, 4), (6, 2)])
def test_one_free_energy_per_row(impl, n, h):
    """The result is (n,): summed over the hidden units, neither averaged nor summed over rows.
    ja: 結果は (n,) です。隠れユニットについて足し、行について平均も和もとりません。"""
    v, w, b, c = make(n, 3, h, 2)
    call = f"free_energy(v ({n}, 3), W ({h}, 3))"
    got = expect_shape(impl.free_energy(v, w, b, c), (n,), call)
    expected = formula(v, w, b, c)
    # The trace of this mistake with the right shape: every row holds the batch's total or mean.
    for what, value in ((say("sum", "和"), expected.sum()), (say("mean", "平均"), expected.mean())):
        assert n == 1 or not np.allclose(got, value, **TIGHT), say(
            f"{call} returned the batch's {what} {value:.6g} in every row: sum over the hidden "
            "units only (axis=1), one free energy per row",
            f"{call} がすべての行にバッチの{what} {value:.6g} を返しました: 隠れユニットについて"
            "だけ (axis=1) 足し、行ごとに 1 つの自由エネルギーを返してください",
        )


@pytest.mark.hint(1)
def test_matches_the_sum_over_every_hidden_state(impl):
    """A 3 x 4 RBM enumerated: exp(-F(v)) = sum over the 16 h of exp(-E(v, h)), for all 8 v.
    ja: 3 x 4 の RBM を数え上げます: 8 通りのどの v でも exp(-F(v)) = 16 通りの h についての exp(-E(v, h)) の和です。"""
    _, w, b, c = make(1, 3, 4, 3)
    w = 2 * w  # larger weights: every term of the energy matters
    vs = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    hs = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    energy = -(vs @ b)[:, None] - (hs @ c)[None, :] - vs @ w.T @ hs.T  # E(v, h): (8, 16)
    expected = -np.log(np.exp(-energy).sum(axis=1))
    got = impl.free_energy(vs, w, b, c)
    # 16 exponentials of moderate size summed in float64, then a log: 1e-12 absolute is safe.
    call = say(
        "free_energy(all 8 binary v, W (4, 3), b, c)",
        "free_energy(2 値の v 8 通りすべて, W (4, 3), b, c)",
    )
    expect_close(got, expected, call, **TIGHT)
    # Differences of F are log-odds: P(v) / P(v') = exp(F(v') - F(v)); normalise to check.
    got = expect_shape(got, (8,), call)
    p_from_f = np.exp(-got) / np.exp(-got).sum()
    p_exact = np.exp(-energy).sum(axis=1) / np.exp(-energy).sum()
    where = say(
        "exp(-F(v)) / Z over the 8 visible vectors", "8 通りの可視ベクトルでの exp(-F(v)) / Z"
    )
    expect_close(p_from_f, p_exact, where, **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("a naive softplus log(1 + exp(x)) that overflows")
def test_large_inputs_do_not_overflow(impl):
    """Hidden inputs of +-1000 (float64) and +-100 (float32): softplus(x) = x or 0, finite F.
    ja: 隠れユニットへの入力が +-1000 (float64) や +-100 (float32) でも softplus(x) = x か 0 で、F は有限です。"""
    v = np.array([[1.0]])
    w = np.array([[1000.0], [-1000.0]])  # H = 2, D = 1
    # softplus(1000) = 1000 and softplus(-1000) = 0 to double precision: F = -0 - 1000.
    got = impl.free_energy(v, w, np.zeros(1), np.zeros(2))
    expect_close(got, np.array([-1000.0]), "free_energy(v [[1]], W [[1000], [-1000]])", **TIGHT)
    got = impl.free_energy(v.astype(np.float32), (w / 10).astype(np.float32),
                           np.zeros(1, np.float32), np.zeros(2, np.float32))  # fmt: skip
    # exp(100) is inf in float32; softplus(100) = 100 exactly in float32 too.
    expect_close(np.asarray(got, dtype=np.float64), np.array([-100.0]),
                 "free_energy(float32 v [[1]], W [[100], [-100]])", rtol=1e-6)  # fmt: skip


@pytest.mark.hint(3)
@pytest.mark.mistake("float32 cast to float64")
def test_float32_stays_float32(impl):
    """float32 inputs give a float32 (n,) result, not a float64 one.
    ja: float32 の入力からは float64 ではなく float32 の (n,) の結果が出ます。"""
    v, w, b, c = make(5, 4, 3, 4, dtype=np.float32)
    call = say("free_energy on float32 inputs", "float32 の入力での free_energy")
    got = expect_shape(impl.free_energy(v, w, b, c), (5,), call)
    assert got.dtype == np.float32, say(
        f"free_energy on float32 inputs returned dtype {got.dtype}, expected float32",
        f"float32 の入力で free_energy が dtype {got.dtype} を返しました。float32 のはずです",
    )


@pytest.mark.hint(3)
def test_float32_result_is_close_to_float64(impl):
    """On float32 inputs the free energy is the float64 formula's within float32 rounding.
    ja: float32 の入力での自由エネルギーは、float32 の丸めの範囲で float64 の式の値と一致します。"""
    v, w, b, c = make(5, 4, 3, 4, dtype=np.float32)
    got = impl.free_energy(v, w, b, c)
    # About 10 float32 roundings (6e-8 relative each) of numbers below 10: 1e-5 is a wide margin.
    expected = formula(*(a.astype(np.float64) for a in (v, w, b, c)))
    expect_close(np.asarray(got, dtype=np.float64), expected, "free_energy (float32)", atol=1e-5)


@pytest.mark.hint(1)
def test_leaves_its_inputs_alone(impl):
    """free_energy modifies none of v, W, b and c.
    ja: free_energy は v、W、b、c のどれも書き換えません。"""
    args = make(3, 2, 4, 5)
    copies = [a.copy() for a in args]
    impl.free_energy(*args)
    for name, a, a0 in zip(("v", "W", "b", "c"), args, copies, strict=True):
        assert np.array_equal(a, a0), say(
            f"free_energy changed {name} in place",
            f"free_energy が {name} をその場で書き換えました",
        )
