"""Tests for kata 4 (softmax and sparse softmax cross-entropy). ``impl`` is the module under test.

Expected values come from the formulas written out in this file, in float64. Tolerances:
rtol 1e-10 with atol 1e-12 lets any correct evaluation order through (a few ulps, 1e-15) while
a missing shift, a wrong axis or a missing 1/N is off by far more. Large logits are compared
exactly where the answer is exactly representable (0, 1, -1000).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import (
    describe,
    expect_array,
    expect_close,
    expect_gradient,
    expect_shape,
    index_text,
    num,
    numerical_gradient,
    say,
)

RTOL, ATOL = 1e-10, 1e-12  # see the module docstring


def expected_log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def make(n, k, seed):
    """Logits (n, k) ~ N(0, 1) and labels (n,) uniform in [0, k), both from one seed."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.integers(0, k, size=n)


batches = st.tuples(st.integers(1, 6), st.integers(2, 6), st.integers(0, 2**16))


def loss_call(z, y):
    return f"sparse_softmax_cross_entropy(logits {z.shape}, labels {np.asarray(y).tolist()})"


def grad_call(z, y):
    return f"sparse_softmax_cross_entropy_grad(logits {z.shape}, labels {np.asarray(y).tolist()})"


def expect_finite(got, call, en, ja):
    """The signature of an overflow or an underflow: inf or nan where the answer is finite."""
    got = expect_array(got, call)
    bad = ~np.isfinite(got)
    if bad.any():
        where = index_text(np.argwhere(bad)[0])
        value = num(got[tuple(np.argwhere(bad)[0])])
        raise AssertionError(
            say(
                f"{call} returned {value} at index {where}, where the answer is finite: {en}",
                f"{call} が、答えが有限であるはずのインデックス {where} で {value} を返しました: "
                f"{ja}",
            )
        )
    return got


def as_scalar(got, call):
    assert np.ndim(got) == 0, say(
        f"{call} returned shape {np.shape(got)}; expected a single number",
        f"{call} が形 {np.shape(got)} を返しました。1 つの数が期待値です",
    )
    return float(got)


# ---------------------------------------------------------------------------- softmax


@pytest.mark.hint(1)
def test_softmax_by_hand(impl):
    """softmax([[0, ln 2, ln 3]]) = [[1/6, 2/6, 3/6]]: exp gives 1, 2, 3, divided by their sum.
    ja: softmax([[0, ln 2, ln 3]]) = [[1/6, 2/6, 3/6]]: exp で 1, 2, 3 になり、その和で割ります。"""
    z = np.log(np.array([[1.0, 2.0, 3.0]]))
    expect_close(impl.softmax(z.copy()), np.array([[1, 2, 3]]) / 6, "softmax([[0, ln 2, ln 3]])")


@pytest.mark.hint(1)
def test_log_softmax_by_hand(impl):
    """log_softmax([[0, ln 2, ln 3]]) = [[ln 1/6, ln 2/6, ln 3/6]].
    ja: log_softmax([[0, ln 2, ln 3]]) = [[ln 1/6, ln 2/6, ln 3/6]] です。"""
    z = np.log(np.array([[1.0, 2.0, 3.0]]))
    expected = np.log(np.array([[1, 2, 3]]) / 6)
    expect_close(impl.log_softmax(z.copy()), expected, "log_softmax([[0, ln 2, ln 3]])", rtol=RTOL)


@pytest.mark.mistake("softmax over the batch axis")
@pytest.mark.hint(2)
def test_softmax_is_taken_over_the_classes(impl):
    """Each row (one example's K class scores) is normalised on its own: axis 1, not axis 0.
    ja: 各行 (1 つの例の K 個のクラススコア) をそれぞれ正規化します: axis 0 ではなく axis 1 です。"""
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    for name, to_p in (("softmax", lambda a: a), ("log_softmax", np.exp)):
        call = f"{name}([[1, 2, 3], [1, 1, 1]])"
        got = to_p(expect_shape(getattr(impl, name)(z.copy()), z.shape, call))
        # Only this mistake makes every column, and not every row, a distribution.
        by_column = np.allclose(got.sum(axis=0), 1.0) and not np.allclose(got.sum(axis=1), 1.0)
        assert not by_column, say(
            f"{call}: each column sums to 1 and the rows do not: normalised over axis 0 (the "
            "batch) instead of axis 1 (the K classes of one example)",
            f"{call}: 各列の和が 1 で、各行の和は 1 ではありません: axis 1 (1 つの例の K 個の"
            "クラス) ではなく axis 0 (バッチ) で正規化しています",
        )


@pytest.mark.hint(2)
def test_two_rows_by_hand(impl):
    """softmax([[1, 2, 3], [1, 1, 1]]): row 0 is exp([1, 2, 3]) / its sum, row 1 is 1/3 each.
    ja: softmax([[1, 2, 3], [1, 1, 1]]): 行 0 は exp([1, 2, 3]) をその和で割ったもの、行 1 はすべて 1/3 です。"""
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    expected = np.array([np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), [1 / 3] * 3])
    expect_close(impl.softmax(z.copy()), expected, "softmax([[1, 2, 3], [1, 1, 1]])", rtol=RTOL)
    expect_close(
        impl.log_softmax(z.copy()),
        np.log(expected),
        "log_softmax([[1, 2, 3], [1, 1, 1]])",
        rtol=RTOL,
    )


@pytest.mark.hint(1)
@given(batch=batches)
def test_softmax_rows_are_probabilities(impl, batch):
    """softmax returns (N, K) positive values whose rows sum to 1, equal to exp(z) / sum exp(z).
    ja: softmax は (N, K) の正の値を返し、各行の和は 1、値は exp(z) / sum exp(z) です。"""
    z, _ = make(*batch)
    got = impl.softmax(z.copy())
    call = f"softmax(logits {z.shape})"
    expect_shape(got, z.shape, call)
    expect_close(got, np.exp(expected_log_softmax(z)), call, rtol=RTOL, atol=ATOL)
    expect_close(got.sum(axis=1), np.ones(z.shape[0]), f"{call}.sum(axis=1)", rtol=RTOL)


@pytest.mark.hint(1)
@given(batch=batches)
def test_log_softmax_is_z_minus_logsumexp(impl, batch):
    """log_softmax(z) = z - log(sum_j exp(z_j)) row by row, shape (N, K).
    ja: log_softmax(z) は行ごとに z - log(sum_j exp(z_j))、形は (N, K) です。"""
    z, _ = make(*batch)
    got = impl.log_softmax(z.copy())
    call = f"log_softmax(logits {z.shape})"
    expect_shape(got, z.shape, call)
    expect_close(got, expected_log_softmax(z), call, rtol=RTOL, atol=ATOL)


HUGE = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])


@pytest.mark.mistake("no max shift")
@pytest.mark.hint(2)
def test_softmax_of_huge_logits(impl):
    """softmax stays finite at logits of +-1000 (subtract each row's max before exp).
    ja: ロジットが +-1000 でも softmax は有限です (exp の前に各行の最大値を引きます)。"""
    z = HUGE
    expect_finite(
        impl.softmax(z.copy()),
        "softmax([[1000, 0, -1000], ...])",
        "exp(1000) overflows to inf (and inf / inf is nan): subtract each row's max first",
        "exp(1000) は inf にオーバーフローします (inf / inf は nan です): 先に各行の最大値を"
        "引いてください",
    )


@pytest.mark.hint(2)
def test_huge_logits_by_hand(impl):
    """At +-1000: softmax rows [1, 0, 0], [.5, .5, 0], [1/3] * 3; log_softmax [[0, -1000, -2000]].
    ja: +-1000 で softmax の行は [1, 0, 0]、[.5, .5, 0]、[1/3] * 3、log_softmax は [[0, -1000, -2000]] です。"""
    # exp(-1000) = 0 in float64, so these are exact.
    expected = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    expect_close(impl.softmax(HUGE.copy()), expected, "softmax([[1000, 0, -1000], ...])", rtol=RTOL)
    z = np.array([[1000.0, 0.0, -1000.0]])
    expected = np.array([[0.0, -1000.0, -2000.0]])
    expect_close(impl.log_softmax(z.copy()), expected, "log_softmax([[1000, 0, -1000]])", rtol=RTOL)


@pytest.mark.mistake("log of softmax")
@pytest.mark.hint(2)
def test_log_softmax_of_huge_logits(impl):
    """log_softmax([[1000, 0, -1000]]) = [[0, -1000, -2000]]: finite, unlike log(softmax(z)).
    ja: log_softmax([[1000, 0, -1000]]) = [[0, -1000, -2000]]: log(softmax(z)) と違って有限です。"""
    z = np.array([[1000.0, 0.0, -1000.0]])
    expect_finite(
        impl.log_softmax(z.copy()),
        "log_softmax([[1000, 0, -1000]])",
        "softmax underflows to 0 there and log 0 = -inf: compute shifted - log(sum exp(shifted)) "
        "instead of log(softmax(z))",
        "そこで softmax は 0 にアンダーフローし、log 0 = -inf です: log(softmax(z)) ではなく "
        "shifted - log(sum exp(shifted)) を計算してください",
    )


SCALES = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [0.0, 0.0, -5000.0]])


@pytest.mark.mistake("one max for the whole batch")
@pytest.mark.hint(2)
def test_rows_at_very_different_scales(impl):
    """Each row is shifted by its own max: a row 2000 below another still gets finite answers.
    ja: 各行は自分の最大値で平行移動します: 他の行より 2000 小さい行でも有限の答えになります。"""
    # One shift for the whole batch (logits.max()) would leave row 1 at -3000 and below:
    # exp underflows to 0 for all three, and log 0 = -inf.
    call = "log_softmax([[1000, 0, -1000], [-1000, -1000, -999], [0, 0, -5000]])"
    for name in ("log_softmax", "softmax"):
        expect_finite(
            getattr(impl, name)(SCALES.copy()),
            call.replace("log_softmax", name),
            "shifted by one max for the whole batch (logits.max() without axis=1)? Row 1 is "
            "then 2000 below 0, exp gives 0 for all of it, and log 0 = -inf",
            "バッチ全体で 1 つの最大値 (axis=1 のない logits.max()) で平行移動していませんか? "
            "すると行 1 は 0 より 2000 小さく、exp はすべて 0 になり、log 0 = -inf です",
        )


@pytest.mark.hint(2)
def test_values_at_very_different_scales(impl):
    """Rows 2000 apart: log_softmax, softmax, the loss and its gradient are each row's own values.
    ja: 2000 離れた行: log_softmax・softmax・損失・勾配はどれも各行自身の値です。"""
    z, y = SCALES, np.array([0, 2, 1])
    logp = expected_log_softmax(z)  # row by row: exact up to a few ulps of the row's values
    call = "log_softmax([[1000, 0, -1000], [-1000, -1000, -999], [0, 0, -5000]])"
    expect_close(impl.log_softmax(z.copy()), logp, call, rtol=RTOL, atol=ATOL)
    expect_close(
        impl.softmax(z.copy()), np.exp(logp), call.replace("log_", ""), rtol=RTOL, atol=ATOL
    )
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    expected = -logp[np.arange(3), y].mean()
    assert math.isclose(got, expected, rel_tol=RTOL), say(
        f"{loss_call(z, y)} returned {got:.10g}, expected {expected:.10g}",
        f"{loss_call(z, y)} が {got:.10g} を返しました。期待値は {expected:.10g} です",
    )
    grad = (np.exp(logp) - np.eye(3)[y]) / 3
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, grad, grad_call(z, y), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------- the loss


@pytest.mark.mistake("loss summed instead of averaged")
@pytest.mark.hint(1)
def test_loss_of_uniform_logits_is_log_k(impl):
    """All-zero logits predict 1/K for every class, so the mean loss is log K whatever N.
    ja: ロジットがすべて 0 ならどのクラスも 1/K と予測するので、N によらず平均損失は log K です。"""
    z, y = np.zeros((5, 4)), np.array([0, 1, 2, 3, 0])
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    # rel 1e-6: far above rounding (1e-15), far below any other mistake's distance from 5 log 4.
    assert not math.isclose(got, 5 * math.log(4), rel_tol=1e-6), say(
        f"{loss_call(z, y)} with all-zero logits returned {got:.10g}, exactly N = 5 times the "
        f"expected log 4 = {math.log(4):.10g}: a sum over the batch, not the mean?",
        f"ロジットがすべて 0 の {loss_call(z, y)} が {got:.10g} を返しました。期待値 "
        f"log 4 = {math.log(4):.10g} のちょうど N = 5 倍です: バッチの平均ではなく和を"
        "とっていませんか?",
    )


@pytest.mark.hint(1)
def test_loss_of_uniform_logits_by_hand(impl):
    """sparse_softmax_cross_entropy(zeros (5, 4), labels [0, 1, 2, 3, 0]) = log 4.
    ja: sparse_softmax_cross_entropy(zeros (5, 4), ラベル [0, 1, 2, 3, 0]) = log 4 です。"""
    z, y = np.zeros((5, 4)), np.array([0, 1, 2, 3, 0])
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    assert math.isclose(got, math.log(4), rel_tol=RTOL), say(
        f"{loss_call(z, y)} with all-zero logits returned {got:.10g}, expected log 4 = "
        f"{math.log(4):.10g}",
        f"ロジットがすべて 0 の {loss_call(z, y)} が {got:.10g} を返しました。期待値は "
        f"log 4 = {math.log(4):.10g} です",
    )


@pytest.mark.hint(2)
@given(batch=batches)
def test_loss_is_the_mean_negative_log_probability_of_the_label(impl, batch):
    """L = mean_n -log softmax(z)[n, labels[n]], a single number.
    ja: L = mean_n -log softmax(z)[n, labels[n]] で、1 つの数です。"""
    z, y = make(*batch)
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    expected = -expected_log_softmax(z)[np.arange(len(y)), y].mean()
    assert math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL), say(
        f"{loss_call(z, y)} returned {got:.10g}, expected {expected:.10g}",
        f"{loss_call(z, y)} が {got:.10g} を返しました。期待値は {expected:.10g} です",
    )


@pytest.mark.hint(2)
def test_loss_of_huge_logits(impl):
    """Confidently wrong costs 1000, right 0: logits [[1000, 0], [0, 1000]], labels [1, 1]: 500.
    ja: 自信を持って外せば 1000、当てれば 0: ロジット [[1000, 0], [0, 1000]]、ラベル [1, 1] で 500 です。"""
    z, y = np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    assert math.isclose(got, 500.0, rel_tol=RTOL), say(
        f"{loss_call(z, y)} returned {got:.10g}, expected (1000 + 0) / 2 = 500.0",
        f"{loss_call(z, y)} が {got:.10g} を返しました。期待値は (1000 + 0) / 2 = 500.0 です",
    )


# ---------------------------------------------------------------------------- the gradient


@pytest.mark.mistake("gradient not divided by N")
@pytest.mark.hint(1)
def test_grad_by_hand(impl):
    """All-zero logits, labels [0, 2]: grad = ([[1/3 - 1, 1/3, 1/3], [1/3, 1/3, 1/3 - 1]]) / 2.
    ja: ロジットがすべて 0、ラベル [0, 2]: grad = ([[1/3 - 1, 1/3, 1/3], [1/3, 1/3, 1/3 - 1]]) / 2 です。"""
    z, y = np.zeros((2, 3)), np.array([0, 2])
    expected = (np.full((2, 3), 1 / 3) - np.array([[1, 0, 0], [0, 0, 1]])) / 2
    got = expect_shape(
        impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy()), (2, 3), grad_call(z, y)
    )
    # rtol 1e-6: rounding is 1e-16, any other mistake is off by far more.
    assert not np.allclose(got, 2 * expected, rtol=1e-6), say(
        f"{grad_call(z, y)} is exactly N = 2 times the expected gradient: the loss is the mean "
        "over the batch, so its gradient is (softmax - onehot) / N; did you forget the / N?",
        f"{grad_call(z, y)} が期待される勾配のちょうど N = 2 倍です: 損失はバッチの平均なので、"
        "勾配は (softmax - onehot) / N です。/ N を忘れていませんか?",
    )


@pytest.mark.hint(1)
def test_grad_of_uniform_logits_by_hand(impl):
    """All-zero logits (2, 3), labels [0, 2]: grad = (1/3 everywhere - the one-hot) / 2.
    ja: ロジットがすべて 0 の (2, 3)、ラベル [0, 2]: grad = (すべて 1/3 - one-hot) / 2 です。"""
    z, y = np.zeros((2, 3)), np.array([0, 2])
    expected = (np.full((2, 3), 1 / 3) - np.array([[1, 0, 0], [0, 0, 1]])) / 2
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.mistake("one-hot at the prediction")
@pytest.mark.hint(2)
def test_grad_subtracts_the_label_not_the_prediction(impl):
    """The one-hot sits at the true label (2), even when the model predicts class 0.
    ja: one-hot は、モデルがクラス 0 を予測していても正解ラベル (2) の位置に立ちます。"""
    z, y = np.array([[5.0, 0.0, 0.0]]), np.array([2])
    p = np.exp(z) / np.exp(z).sum()
    got = expect_shape(
        impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy()), z.shape, grad_call(z, y)
    )
    # This mistake's answer, p - onehot(argmax): rtol 1e-6, far above rounding (1e-16).
    at_prediction = p - np.array([[1.0, 0.0, 0.0]])
    assert not np.allclose(got, at_prediction, rtol=1e-6), say(
        f"{grad_call(z, y)} returned softmax - onehot(0), the one-hot at the predicted class "
        "(argmax of the logits); it belongs at the true label, 2",
        f"{grad_call(z, y)} が softmax - onehot(0) を返しました。one-hot が予測クラス "
        "(ロジットの argmax) にあります。正解ラベル 2 の位置に置いてください",
    )


@pytest.mark.hint(2)
def test_grad_of_a_wrong_prediction_by_hand(impl):
    """Logits [[5, 0, 0]], label [2]: grad = softmax - [[0, 0, 1]].
    ja: ロジット [[5, 0, 0]]、ラベル [2]: grad = softmax - [[0, 0, 1]] です。"""
    z, y = np.array([[5.0, 0.0, 0.0]]), np.array([2])
    p = np.exp(z) / np.exp(z).sum()
    expected = p - np.array([[0.0, 0.0, 1.0]])
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.hint(2)
def test_grad_of_huge_logits(impl):
    """Finite at +-1000: logits [[1000, 0], [0, 1000]], labels [1, 1] -> [[0.5, -0.5], [0, 0]].
    ja: +-1000 でも有限: ロジット [[1000, 0], [0, 1000]]、ラベル [1, 1] -> [[0.5, -0.5], [0, 0]] です。"""
    z, y = np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])
    expected = np.array([[0.5, -0.5], [0.0, 0.0]])
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.hint(3)
@given(batch=batches)
def test_gradient_check(impl, batch):
    """Gradient check (float64, random upstream gradient): rel. error <= 1e-7 against the loss.
    ja: 勾配チェック (float64、ランダムな上流勾配): 損失に対する相対誤差は 1e-7 以下です。"""
    z, y = make(*batch)
    # The loss is a scalar, so the upstream gradient is a random scalar g, |g| in [0.5, 2].
    g = float(np.random.default_rng(batch[2] + 1).uniform(0.5, 2.0)) * (-1) ** batch[2]
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_shape(got, z.shape, grad_call(z, y))
    # Entries (p - onehot) / N can be as small as 1e-4 while the rounding error of the centred
    # difference is about 1e-16 * L / h. h = 1e-4 balances it against the truncation error
    # (h^2 / 6 relative): over 3,000 random batches the reference's worst relative error is
    # 4e-9, 25 times below the threshold; a missing 1/N or a misplaced one-hot is off by 0.3+.
    numeric = numerical_gradient(
        lambda v: impl.sparse_softmax_cross_entropy(v, y.copy()), z.copy(), g, h=1e-4
    )
    expect_gradient(g * got, numeric, grad_call(z, y))


@pytest.mark.hint(2)
@given(batch=batches)
def test_grad_rows_sum_to_zero(impl, batch):
    """Each row of the gradient sums to 0: the softmax row sums to 1, and so does the one-hot.
    ja: 勾配の各行の和は 0 です: softmax の行の和も one-hot の和も 1 だからです。"""
    z, y = make(*batch)
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_shape(got, z.shape, grad_call(z, y))
    expect_close(got.sum(axis=1), np.zeros(len(y)), grad_call(z, y) + ".sum(axis=1)", atol=1e-12)


# ---------------------------------------------------------------------------- plumbing


@pytest.mark.mistake("float64 one-hot")
@pytest.mark.hint(3)
def test_float32_stays_float32(impl):
    """float32 logits give float32 softmax, log_softmax and gradient (no silent float64).
    ja: float32 のロジットからは float32 の softmax・log_softmax・勾配が返ります (黙って float64 にしません)。"""
    z, y = make(4, 3, 0)
    z = z.astype(np.float32)
    for name, got in (
        ("softmax", impl.softmax(z.copy())),
        ("log_softmax", impl.log_softmax(z.copy())),
        ("sparse_softmax_cross_entropy_grad", impl.sparse_softmax_cross_entropy_grad(z.copy(), y)),
    ):
        expect_shape(got, z.shape, f"{name}(float32 logits (4, 3))")
        assert got.dtype == np.float32, say(
            f"{name}(float32 logits (4, 3)) returned dtype {got.dtype}, expected float32 "
            "(np.eye(K) and np.zeros((N, K)) are float64 unless you pass dtype=logits.dtype)",
            f"{name}(float32 のロジット (4, 3)) が dtype {got.dtype} を返しました。期待値は "
            "float32 です (np.eye(K) や np.zeros((N, K)) は dtype=logits.dtype を渡さないと "
            "float64 です)",
        )


@pytest.mark.mistake("max shift in place")
@pytest.mark.hint(1)
def test_leaves_its_inputs_alone(impl):
    """No function modifies the logits or the labels in place (the max shift makes a new array).
    ja: どの関数もロジットやラベルをその場で書き換えません (最大値の平行移動は新しい配列を作ります)。"""
    z, y = make(4, 3, 1)
    before = z.copy(), y.copy()
    impl.softmax(z)
    impl.log_softmax(z)
    impl.sparse_softmax_cross_entropy(z, y)
    impl.sparse_softmax_cross_entropy_grad(z, y)
    assert np.array_equal(z, before[0]), say(
        "the logits were modified in place (z -= z.max(...)?)",
        "ロジットがその場で書き換えられました (z -= z.max(...) ですか?)",
    )
    assert np.array_equal(y, before[1]), say(
        "the labels were modified in place", "ラベルがその場で書き換えられました"
    )


@pytest.mark.mistake("negative label wraps around")
@pytest.mark.hint(3)
def test_negative_label_is_an_error(impl):
    """Label -1 raises a ValueError that names it: it is not "the last class".
    ja: ラベル -1 はそれを名指しする ValueError になります: 「最後のクラス」ではありません。"""
    check_bad_label(impl, -1)


@pytest.mark.hint(3)
@pytest.mark.parametrize("bad", [3, 7])
def test_label_out_of_range_is_an_error(impl, bad):
    """A label K or above raises a ValueError that names it (not NumPy's IndexError).
    ja: K 以上のラベルはそれを名指しする ValueError になります (NumPy の IndexError ではありません)。"""
    check_bad_label(impl, bad)


def check_bad_label(impl, bad):
    """Both loss functions refuse ``bad`` in labels [0, bad] for K = 3 with a ValueError naming it."""
    z, y = np.zeros((2, 3)), np.array([0, bad])
    for name, call in (
        ("sparse_softmax_cross_entropy", loss_call(z, y)),
        ("sparse_softmax_cross_entropy_grad", grad_call(z, y)),
    ):
        try:
            got = getattr(impl, name)(z.copy(), y.copy())
        except ValueError as err:
            assert str(bad) in str(err), say(
                f"{call} raised ValueError({str(err)!r}); name the bad label ({bad}) in the "
                "message",
                f"{call} が ValueError({str(err)!r}) を送出しました。メッセージで不正なラベル "
                f"({bad}) を名指ししてください",
            )
            continue
        except IndexError as err:
            # NumPy's own "index 3 is out of bounds": raised deep inside, naming no label.
            raise AssertionError(
                say(
                    f"{call} raised IndexError({str(err)!r}) from NumPy's indexing: check "
                    "0 <= labels < K first and raise a ValueError that names the bad label",
                    f"{call} が NumPy のインデックス処理から IndexError({str(err)!r}) を送出"
                    "しました: 先に 0 <= labels < K を確かめ、不正なラベルを名指しする "
                    "ValueError を送出してください",
                )
            ) from None
        shown = f"{float(got):.6g}" if isinstance(got, float | int | np.number) else describe(got)
        raise AssertionError(
            say(
                f"{call} returned {shown} for K = 3 classes instead of raising: check "
                "0 <= labels < K and raise a ValueError that names the bad label"
                + (" (NumPy reads index -1 as the last class)" if bad < 0 else ""),
                f"K = 3 クラスの {call} が例外を送出せずに {shown} を返しました: "
                "0 <= labels < K を確かめ、不正なラベルを名指しする ValueError を送出して"
                "ください"
                + (" (NumPy はインデックス -1 を最後のクラスと読みます)" if bad < 0 else ""),
            )
        )
