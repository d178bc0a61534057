"""Tests for kata 14 (regularization). ``impl`` is the module under test.

The hand-worked examples use W = [[1, -2], [0, 0.5]] (sum |w| = 3.5, sum w^2 = 5.25, one exact
zero) for the penalties, and a kernel whose columns are [3, 4] (norm 5) and [0.6, 0.8] (norm 1)
for max-norm: every number is exact or nearly so, and can be checked on paper.
"""

import functools

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
from katas.engine.testing import (
    expect_not as exactly_not,
)
from scratch.constraints import max_norm as reference_max_norm

SEEDS = st.integers(0, 2**32 - 1)
FACTORS = st.sampled_from([0.0, 1e-4, 0.01, 0.1, 0.5, 2.0])
# float64, a sum or a norm over at most 36 entries and one or two products per entry: the
# rounding error is below 1e-14 relative, so 1e-12 is a wide margin, and every mistake in the bug
# zoo moves some value by 1e-7 relative (Keras' epsilon) or much more.
TIGHT = {"rtol": 1e-12, "atol": 0.0}
EPSILON = 1e-7  # Keras' fuzz factor in MaxNorm

W = np.array([[1.0, -2.0], [0.0, 0.5]])
# Kernel (2 inputs, 3 units): unit 0's incoming weights [3, 4] (norm 5), unit 1's [0.6, 0.8]
# (norm 1), unit 2's all zero.
KERNEL = np.array([[3.0, 0.6, 0.0], [4.0, 0.8, 0.0]])

# This kata has always matched a named mistake's value to 1e-6 (tighter where a call says so).
expect_not = functools.partial(exactly_not, rtol=1e-6)


def expect_number(got, expected, call, rtol=1e-12, wrong=()):
    """``got`` must be a (Python or NumPy) number within ``rtol`` of ``expected``; ``wrong`` lists
    (value, English, Japanese) for the values named mistakes give."""
    if isinstance(got, bool) or not isinstance(got, (int, float, np.floating)):
        shown = type(got).__name__ if isinstance(got, np.ndarray) else repr(got)
        raise AssertionError(
            say(
                f"{call} returned {shown}; expected a number (a float)",
                f"{call} が {shown} を返しました。数 (float) が期待値です",
            )
        )
    if not np.isfinite(got) or abs(got - expected) > rtol * abs(expected):
        why_en, why_ja = next(
            ((f": {en}", f": {ja}") for v, en, ja in wrong if np.isclose(got, v, rtol=1e-9)),
            ("", ""),
        )
        raise AssertionError(
            say(
                f"{call} returned {float(got):.10g}, expected {expected:.10g}{why_en}",
                f"{call} が {float(got):.10g} を返しました。期待値は {expected:.10g} です{why_ja}",
            )
        )


def draw_weights(seed, shape, zeros=False):
    """float64 weights of ``shape`` at a random scale from 0.01 to 10; some exact zeros if asked."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 1)
    if zeros:
        w[rng.random(shape) < 0.3] = 0.0
    return w


def draw_kernel(seed, rows, cols):
    """A kernel whose columns have very different norms (scales 0.1 to 10), so that taking the
    norm along the wrong axis shows."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, cols)) * 10.0 ** rng.uniform(-1, 1, size=cols)


def slice_norms(w, axis):
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


def expect_untouched(impl, name, args, arrays):
    """``impl.name(*args)`` must not change ``arrays`` in place."""
    copies = [a.copy() for a in arrays]
    getattr(impl, name)(*args)
    for a, c in zip(arrays, copies, strict=True):
        assert np.array_equal(a, c), say(
            f"{name} changed its input in place: return a new array",
            f"{name} が入力をその場で書き換えました: 新しい配列を返してください",
        )


# ---------------------------------------------------------------- l1 and l2 penalties


@pytest.mark.mistake("L2 with a 0.5 factor, or L1 without |w|")
@pytest.mark.hint(1)
def test_penalty_by_hand(impl):
    """W = [[1, -2], [0, 0.5]]: l1 0.25 -> 0.875, l2 0.5 -> 2.625 (no 0.5 factor), both -> 3.5.
    ja: W = [[1, -2], [0, 0.5]]: l1 0.25 -> 0.875、l2 0.5 -> 2.625 (0.5 の係数なし)、両方 -> 3.5 です。"""
    no_abs = (
        0.25 * -0.5,
        "l1 * sum(w) without the absolute value: negative weights would lower the loss",
        "絶対値なしの l1 * sum(w) です: 負の重みが損失を下げてしまいます",
    )
    mean = (
        0.25 * 3.5 / 4,
        "exactly 1/4 of it, the mean over the 4 weights: the penalty is a sum",
        "そのちょうど 1/4 で、4 個の重みの平均です: ペナルティは和です",
    )
    expect_number(
        impl.l1_l2_penalty(W, l1=0.25),
        0.25 * 3.5,
        "l1_l2_penalty(W, l1=0.25)",
        wrong=[no_abs, mean],
    )
    # tf.nn.l2_loss and the book's TF1 l2_regularizer halve sum(w^2): 1.3125 here. Keras doesn't.
    half = (
        0.5 * 5.25 / 2,
        "half of it: the 0.5 of tf.nn.l2_loss (and the book's TF1 l2_regularizer); Keras' L2 is "
        "l2 * sum(w^2), no 0.5",
        "その半分です: tf.nn.l2_loss (と本書の TF1 の l2_regularizer) の 0.5 です。Keras の L2 は "
        "0.5 なしの l2 * sum(w^2) です",
    )
    expect_number(
        impl.l1_l2_penalty(W, l2=0.5), 0.5 * 5.25, "l1_l2_penalty(W, l2=0.5)", wrong=[half]
    )
    expect_number(
        impl.l1_l2_penalty(W, l1=0.25, l2=0.5), 0.875 + 2.625, "l1_l2_penalty(W, 0.25, 0.5)"
    )
    got = impl.l1_l2_penalty(W)
    assert got == 0.0, say(
        f"l1_l2_penalty(W) with the default factors returned {got}, expected 0",
        f"既定の係数での l1_l2_penalty(W) が {got} を返しました。期待値は 0 です",
    )


@pytest.mark.mistake("penalty as a mean, not a sum")
@pytest.mark.hint(1)
def test_penalty_is_a_sum_not_a_mean(impl):
    """ones((5, 5)) with l2 0.5 costs 0.5 * 25 = 12.5 (Keras' own example), not 0.5 (a mean).
    ja: ones((5, 5)) に l2 0.5 のコストは 0.5 * 25 = 12.5 (Keras 自身の例) で、0.5 (平均) ではありません。"""
    mean = (
        0.5,
        "exactly 1/25 of 12.5, the mean over the 25 weights: the penalty is a sum, so big layers "
        "are not let off lightly",
        "12.5 のちょうど 1/25 で、25 個の重みの平均です: ペナルティは和なので、大きな層でも"
        "軽くなりません",
    )
    expect_number(
        impl.l1_l2_penalty(np.ones((5, 5)), l2=0.5),
        12.5,
        "l1_l2_penalty(ones((5, 5)), l2=0.5)",
        wrong=[mean],
    )
    expect_number(impl.l1_l2_penalty(-np.ones(8), l1=0.5), 4.0, "l1_l2_penalty(-ones(8), l1=.5)")


@pytest.mark.hint(1)
@given(
    seed=SEEDS,
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    l1=FACTORS,
    l2=FACTORS,
)
def test_penalty_formula(impl, seed, shape, l1, l2):
    """l1 * sum(|w|) + l2 * sum(w^2) on random weights of any shape, exact zeros included.
    ja: どんな形のランダムな重み (ちょうど 0 も含む) でも l1 * sum(|w|) + l2 * sum(w^2) です。"""
    w = draw_weights(seed, shape, zeros=True)
    expected = l1 * np.sum(np.abs(w)) + l2 * np.sum(w * w)
    got = impl.l1_l2_penalty(w, l1, l2)
    call = f"l1_l2_penalty(w {shape}, l1={l1}, l2={l2})"
    if expected == 0.0:
        assert got == 0.0, say(
            f"{call} returned {got}, expected 0", f"{call} が {got} を返しました。期待値は 0 です"
        )
    else:
        expect_number(got, expected, call)


@pytest.mark.mistake("L2 gradient without the 2")
@pytest.mark.hint(2)
def test_gradient_by_hand(impl):
    """W = [[1, -2], [0, 0.5]], l1 0.25, l2 0.5: 0.25 sign(W) + W = [[1.25, -2.25], [0, 0.75]].
    ja: W = [[1, -2], [0, 0.5]]、l1 0.25、l2 0.5: 0.25 sign(W) + W = [[1.25, -2.25], [0, 0.75]] です。"""
    got = impl.l1_l2_penalty_grad(W, l1=0.25, l2=0.5)
    # 2 * l2 * W = W here: a missing 2 gives 0.5 W; sign(0) = 1 puts 0.25 at [1, 0].
    call = "l1_l2_penalty_grad(W, 0.25, 0.5)"
    expect_not(
        got,
        0.25 * np.sign(W) + 0.5 * W,
        call,
        "the 2 of d(w^2)/dw = 2w is missing: the L2 gradient is 2 * l2 * w",
        "d(w^2)/dw = 2w の 2 が抜けています: L2 の勾配は 2 * l2 * w です",
    )
    expect_not(
        got,
        np.array([[1.25, -2.25], [0.25, 0.75]]),
        call,
        "the weight that is exactly 0 got an L1 gradient of 0.25: sign(0) is 0 (np.sign)",
        "ちょうど 0 の重みに L1 の勾配 0.25 が付いています: sign(0) は 0 です (np.sign)",
    )
    expect_close(
        got, np.array([[1.25, -2.25], [0.0, 0.75]]), "l1_l2_penalty_grad(W, 0.25, 0.5)", **TIGHT
    )
    expect_close(impl.l1_l2_penalty_grad(W, l2=0.5), W, "l1_l2_penalty_grad(W, l2=0.5)", **TIGHT)


@pytest.mark.mistake("sign(0) = 1 in the L1 gradient")
@pytest.mark.hint(2)
def test_l1_gradient_at_zero_is_zero(impl):
    """A weight that is exactly 0 feels no L1 pull: sign(0) = 0, as TensorFlow's gradient of abs.
    ja: ちょうど 0 の重みには L1 の引力が働きません: TensorFlow の abs の勾配と同じく sign(0) = 0 です。"""
    w = np.array([0.0, -0.0, 3.0, -3.0])
    got = impl.l1_l2_penalty_grad(w, l1=0.1)
    expect_not(
        got,
        np.array([0.1, 0.1, 0.1, -0.1]),
        "l1_l2_penalty_grad([0, -0, 3, -3], l1=.1)",
        "zero weights are pushed by sign(0) = 1 (np.where(w >= 0, 1, -1)?): use np.sign, whose "
        "sign(0) is 0",
        "0 の重みが sign(0) = 1 で押されています (np.where(w >= 0, 1, -1) ですか?): "
        "sign(0) が 0 になる np.sign を使ってください",
    )
    expect_close(got, np.array([0.0, 0.0, 0.1, -0.1]), "l1_l2_penalty_grad([0, -0, 3, -3], l1=.1)")


@pytest.mark.hint(2)
@given(seed=SEEDS, rows=st.integers(1, 5), cols=st.integers(1, 5), l1=FACTORS, l2=FACTORS)
def test_gradient_check(impl, seed, rows, cols, l1, l2):
    """Gradient check of l1_l2_penalty_grad against your l1_l2_penalty (float64, away from 0).
    ja: l1_l2_penalty_grad をあなたの l1_l2_penalty で勾配チェックします (float64、0 から離して)。"""
    w = np.random.default_rng(seed).standard_normal((rows, cols))
    # Keep every weight at least 1e-3 from the kink of |w| at 0, so that the centred difference
    # (step 1e-5) never straddles it: the penalty is then a quadratic on each side, where centred
    # differences are exact but for rounding. Unit-scale weights and factors <= 2 keep the
    # penalty below ~200, so that rounding, ~1e-16 * 200 / 1e-5 = 2e-9 absolute, stays far
    # below expect_gradient's 1e-7 relative.
    w = np.where(np.abs(w) < 1e-3, np.copysign(1e-3, w) + w, w)
    analytic = impl.l1_l2_penalty_grad(w, l1, l2)
    expect_shape(analytic, w.shape, f"l1_l2_penalty_grad(w {w.shape}, {l1}, {l2})")
    numeric = numerical_gradient(
        lambda v: np.array(impl.l1_l2_penalty(v, l1, l2)), w.copy(), np.array(1.0)
    )
    expect_gradient(analytic, numeric, f"l1_l2_penalty_grad(w, l1={l1}, l2={l2})")


@pytest.mark.hint(2)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_keeps_shape_and_dtype_and_leaves_w_alone(impl, dtype):
    """The gradient has w's shape and dtype; neither function changes w.
    ja: 勾配は w と同じ形と dtype で、どちらの関数も w を変えません。"""
    w = draw_weights(3, (4, 3), zeros=True).astype(dtype)
    got = impl.l1_l2_penalty_grad(w, 0.01, 0.01)
    expect_shape(got, w.shape, f"l1_l2_penalty_grad(w {dtype.__name__})")
    assert got.dtype == dtype, say(
        f"l1_l2_penalty_grad turned {dtype.__name__} into {got.dtype}",
        f"l1_l2_penalty_grad が {dtype.__name__} を {got.dtype} に変えました",
    )
    expect_untouched(impl, "l1_l2_penalty", (w, 0.01, 0.01), [w])
    expect_untouched(impl, "l1_l2_penalty_grad", (w, 0.01, 0.01), [w])


# ------------------------------------------------------------------------- max-norm


@pytest.mark.mistake("max-norm along the wrong axis, or short columns stretched")
@pytest.mark.hint(3)
def test_max_norm_by_hand(impl):
    """Defaults (2, axis 0): column [3, 4] -> [1.2, 1.6]; [0.6, 0.8] (norm 1) stays; zeros stay.
    ja: 既定値 (2, axis 0): 列 [3, 4] -> [1.2, 1.6]、[0.6, 0.8] (ノルム 1) はそのまま、0 の列もそのままです。"""
    got = impl.max_norm(KERNEL)
    # Column 1 is inside the ball: multiplied by 1 / (1 + 1e-7), not stretched to norm 2. Rows
    # instead of columns (axis 1) would cut [3, 0.6, 0] and [4, 0.8, 0] instead.
    expected = np.array([[1.2, 0.6, 0.0], [1.6, 0.8, 0.0]])
    expected[:, 0] *= 5.0 / (5.0 + EPSILON)
    expected[:, 1] /= 1.0 + EPSILON
    call = "max_norm([[3, 0.6, 0], [4, 0.8, 0]])"
    rows = np.sqrt(np.sum(KERNEL**2, axis=1, keepdims=True))
    expect_not(
        got,
        KERNEL * np.minimum(rows, 2.0) / rows,
        call,
        "the rows were cut (axis 1, the book's axes): Keras' max_norm cuts each unit's incoming "
        "weights, the columns of the kernel (axis 0)",
        "行を切っています (axis 1、本書の axes): Keras の max_norm は各ユニットに入る重み、"
        "つまりカーネルの列 (axis 0) を切ります",
    )
    # Keras' epsilon moves the answer by 1e-7 relative: rtol 1e-12 tells the two apart.
    expect_not(
        got,
        [[1.2, 0.6, 0.0], [1.6, 0.8, 0.0]],
        call,
        "the book's w * c / max(norm, c), without Keras' 1e-7: Keras' MaxNorm multiplies by "
        "clip(norm, 0, c) / (1e-7 + norm), so every column shrinks a little",
        "Keras の 1e-7 なしの本書の式 w * c / max(norm, c) です: Keras の MaxNorm は "
        "clip(norm, 0, c) / (1e-7 + norm) を掛けるので、どの列も少し縮みます",
        rtol=1e-12,
    )
    expect_not(
        got[:, 1],
        [1.2, 1.6],
        f"{call} -> column 1",
        "the column [0.6, 0.8] of norm 1 was stretched to norm 2: only slices longer than "
        "max_value are cut, clip(norm, 0, c) / (eps + norm)",
        "ノルム 1 の列 [0.6, 0.8] がノルム 2 まで引き伸ばされています: 切るのは max_value より"
        "長いスライスだけです (clip(norm, 0, c) / (eps + norm))",
    )
    expect_close(got, expected, "max_norm([[3, 0.6, 0], [4, 0.8, 0]])", **TIGHT)


@pytest.mark.mistake("max-norm without Keras' epsilon")
@pytest.mark.hint(3)
def test_max_norm_epsilon_shrinks_tiny_columns(impl):
    """Keras divides by 1e-7 + norm: a column of norm 1e-7 is halved, a zero column stays 0.
    ja: Keras は 1e-7 + norm で割ります: ノルム 1e-7 の列は半分になり、0 の列は 0 のままです。"""
    w = np.array([[6e-8, 0.0], [8e-8, 0.0]])
    got = impl.max_norm(w, 2.0, axis=0)
    # Without the epsilon the first column would stay as it is (norm below 2), and the second
    # would be 0 / 0 = NaN.
    assert np.all(np.isfinite(got)), say(
        "max_norm([[6e-8, 0], [8e-8, 0]]) gave NaN for the zero column: 0 / 0; divide by "
        "1e-7 + norm, as Keras does",
        "max_norm([[6e-8, 0], [8e-8, 0]]) が 0 の列で NaN になりました: 0 / 0 です。Keras と"
        "同じく 1e-7 + norm で割ってください",
    )
    expect_not(
        got,
        w,
        "max_norm([[6e-8, 0], [8e-8, 0]])",
        "unchanged: Keras' factor clip(norm, 0, c) / (1e-7 + norm) halves a column of norm 1e-7",
        "変わっていません: Keras の係数 clip(norm, 0, c) / (1e-7 + norm) はノルム 1e-7 の列を"
        "半分にします",
    )
    expect_close(got, np.array([[3e-8, 0.0], [4e-8, 0.0]]), "max_norm([[6e-8, 0], [8e-8, 0]])")


@pytest.mark.hint(3)
@given(
    seed=SEEDS,
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    axis=st.sampled_from([0, 1, (0, 1)]),
    fraction=st.floats(0.1, 1.5),
)
def test_max_norm_properties(impl, seed, rows, cols, axis, fraction):
    """Every slice ends in the ball of radius c, keeps its direction, is cut only if too long.
    ja: どのスライスも半径 c の球に入り、向きを保ち、長すぎるときだけ切られます。"""
    w = draw_kernel(seed, rows, cols)
    before = slice_norms(w, axis)
    c = fraction * float(before.max())
    got = impl.max_norm(w, c, axis)
    call = f"max_norm(w {w.shape}, {c:.4g}, axis={axis})"
    expect_shape(got, w.shape, call)
    after = slice_norms(got, axis)
    # Keras' factor clip(norm, 0, c) / (1e-7 + norm): a slice longer than c ends a hair short of
    # c, a shorter one a hair short of its own norm (1e-7 / norm relative: visible for tiny norms).
    expected = np.minimum(before, c) * before / (before + EPSILON)
    expect_close(
        after,
        expected,
        say(
            f"{call}: norms after (expected min(norm, c) shrunk by eps)",
            f"{call}: 適用後のノルム (期待値は eps だけ縮んだ min(norm, c))",
        ),
        **TIGHT,
    )
    expect_close(got, w * (after / before), f"{call}: direction", **TIGHT)


@pytest.mark.hint(3)
@given(
    seed=SEEDS,
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    axis=st.sampled_from([0, 1, (0, 1)]),
    fraction=st.floats(0.1, 1.5),
)
def test_max_norm_matches_the_reference(impl, seed, rows, cols, axis, fraction):
    """max_norm agrees with scratch to 1e-12 (Keras' epsilon included) on random kernels.
    ja: ランダムなカーネルで max_norm が scratch と 1e-12 まで一致します (Keras の epsilon 込み)。"""
    w = draw_kernel(seed, rows, cols)
    c = fraction * float(slice_norms(w, axis).max())
    expected = reference_max_norm(w, c, axis)
    call = f"max_norm(w {w.shape}, {c:.4g}, {axis})"
    expect_close(impl.max_norm(w, c, axis), expected, call, **TIGHT)
    expect_untouched(impl, "max_norm", (w, c, axis), [w])


# --------------------------------------------------------------- the book's max-norm


@pytest.mark.mistake("book's max-norm with Keras' axis")
@pytest.mark.hint(4)
def test_book_max_norm_by_hand(impl):
    """The book's default axes=1 cuts each row: rows [3, 0.6, 0] and [4, 0.8, 0] end at norm 2.
    ja: 本書の既定 axes=1 は各行を切ります: 行 [3, 0.6, 0] と [4, 0.8, 0] はノルム 2 になります。"""
    got = impl.book_max_norm(KERNEL, 2.0)
    rows = np.sqrt(np.sum(KERNEL**2, axis=1, keepdims=True))
    cols = np.sqrt(np.sum(KERNEL**2, axis=0, keepdims=True))
    expect_not(
        got,
        KERNEL * 2.0 / np.maximum(cols, 2.0),
        "book_max_norm(KERNEL, 2.0)",
        "the columns were cut (axes=0, Keras' choice): the book's default is axes=1, the rows",
        "列を切っています (axes=0、Keras の選択): 本書の既定は axes=1、つまり行です",
    )
    # Keras' epsilon moves the answer by 1e-7 relative: rtol 1e-12 tells the two apart.
    expect_not(
        got,
        KERNEL * np.minimum(rows, 2.0) / (EPSILON + rows),
        "book_max_norm(KERNEL, 2.0)",
        "Keras' formula with its 1e-7; the book's is w * threshold / max(norm, threshold), "
        "without an epsilon",
        "1e-7 を含む Keras の式です。本書の式は epsilon なしの "
        "w * threshold / max(norm, threshold) です",
        rtol=1e-12,
    )
    expect_close(got, KERNEL * (2.0 / rows), "book_max_norm(KERNEL, 2.0)", **TIGHT)
    # No epsilon: rows inside the ball come back unchanged (Keras' MaxNorm would shrink them by
    # 1e-7 / norm, 2.5e-8 here).
    expect_close(impl.book_max_norm(KERNEL, 10.0), KERNEL, "book_max_norm(KERNEL, 10.0)", **TIGHT)


@pytest.mark.hint(4)
@given(
    seed=SEEDS,
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    axes=st.sampled_from([0, 1, (0, 1)]),
    fraction=st.floats(0.1, 1.5),
)
def test_book_max_norm_properties(impl, seed, rows, cols, axes, fraction):
    """Each slice along axes ends with norm min(norm, threshold), in its own direction.
    ja: axes に沿った各スライスのノルムは min(norm, threshold) になり、向きは保たれます。"""
    w = draw_kernel(seed, rows, cols)
    before = slice_norms(w, axes)
    t = fraction * float(before.max())
    got = impl.book_max_norm(w, t, axes)
    call = f"book_max_norm(w {w.shape}, {t:.4g}, axes={axes})"
    expect_shape(got, w.shape, call)
    # w * t / max(norm, t): a slice inside the ball is w * t / t (two roundings), a longer one
    # ends at norm t exactly up to rounding.
    expect_close(got, w * (np.minimum(before, t) / before), call, **TIGHT)
    expect_untouched(impl, "book_max_norm", (w, t, axes), [w])


# ------------------------------------------------------------------------- sparsify


@pytest.mark.mistake("sparsify with <= or without |w|")
@pytest.mark.hint(4)
def test_sparsify_by_hand(impl):
    """Threshold 0.5: |w| < 0.5 becomes 0, |w| = 0.5 stays: [0.5, -0.5, 0.49, -0.01, 2, -3].
    ja: しきい値 0.5: |w| < 0.5 は 0 に、|w| = 0.5 は残ります: [0.5, -0.5, 0.49, -0.01, 2, -3]。"""
    w = np.array([0.5, -0.5, 0.49, -0.01, 2.0, -3.0])
    got = impl.sparsify(w, 0.5)
    call = "sparsify([0.5, -0.5, 0.49, -0.01, 2, -3], 0.5)"
    expect_not(
        got,
        [0.0, 0.0, 0.0, 0.0, 2.0, -3.0],
        call,
        "the weights exactly at the threshold were zeroed too: zero |w| < threshold, not <=",
        "しきい値ちょうどの重みまで 0 にしています: <= ではなく |w| < threshold を 0 にします",
    )
    expect_not(
        got,
        [0.5, 0.0, 0.0, 0.0, 2.0, 0.0],
        call,
        "every negative weight was zeroed: compare |w| with the threshold, not w",
        "負の重みがすべて 0 になっています: w ではなく |w| をしきい値と比べてください",
    )
    expected = np.array([0.5, -0.5, 0.0, 0.0, 2.0, -3.0])
    expect_close(got, expected, "sparsify([0.5, -0.5, 0.49, -0.01, 2, -3], 0.5)", atol=0.0)


@pytest.mark.hint(4)
@given(
    seed=SEEDS,
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    threshold=st.floats(0.0, 3.0),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_sparsify_properties(impl, seed, shape, threshold, dtype):
    """Entries with |w| < threshold are zeroed, the others kept exactly; a new array, same dtype.
    ja: |w| < threshold の要素は 0 に、他はそのまま残します。新しい配列で、dtype も同じです。"""
    w = draw_weights(seed, shape).astype(dtype)
    before = w.copy()
    got = impl.sparsify(w, threshold)
    call = f"sparsify(w {shape} {np.dtype(dtype).name}, {threshold:.6g})"
    expect_shape(got, w.shape, call)
    assert got.dtype == dtype, say(
        f"{call} returned dtype {got.dtype}, expected {np.dtype(dtype).name}",
        f"{call} が dtype {got.dtype} を返しました。期待値は {np.dtype(dtype).name} です",
    )
    assert np.array_equal(w, before), say(
        "sparsify changed its input in place: return a new array",
        "sparsify が入力をその場で書き換えました: 新しい配列を返してください",
    )
    expected = np.where(np.abs(w) < threshold, 0.0, w).astype(dtype)
    expect_close(got, expected, call, rtol=0.0, atol=0.0)


# ---------------------------------------------------------------- dtypes and new arrays


@pytest.mark.mistake("float32 promoted to float64")
@pytest.mark.hint(3)
@pytest.mark.parametrize("name", ["max_norm", "book_max_norm"])
def test_max_norms_keep_float32(impl, name):
    """float32 weights stay float32 (the 1e-7 must not promote them), close to float64 maths.
    ja: float32 の重みは float32 のままで (1e-7 で昇格させない)、float64 の計算に近いです。"""
    w64 = draw_kernel(9, 5, 4)
    w64[:, 3] = [6e-8, 8e-8, 0.0, 0.0, 0.0]  # a tiny column (norm 1e-7): Keras' epsilon shows
    w = w64.astype(np.float32)
    before = w.copy()
    c = 0.5 * float(slice_norms(w64, 0).max())  # some columns are cut, some are not
    axis = 0 if name == "max_norm" else 1
    got = getattr(impl, name)(w, c, axis)
    call = f"{name}(float32 w (5, 4), {c:.4g}, {axis})"
    expect_shape(got, w.shape, call)
    assert got.dtype == np.float32, say(
        f"{call} returned dtype {got.dtype}: keep float32 (np.float64(1e-7) + norm, or norms "
        "summed in float64, promote the result)",
        f"{call} が dtype {got.dtype} を返しました: float32 を保ってください "
        "(np.float64(1e-7) + norm や float64 で足したノルムは結果を昇格させます)",
    )
    assert np.array_equal(w, before), say(
        f"{name} changed its input in place: return a new array",
        f"{name} が入力をその場で書き換えました: 新しい配列を返してください",
    )
    w32 = w.astype(np.float64)  # the same float32 values, computed in float64
    norms = slice_norms(w32, axis)
    if name == "max_norm":
        expected = w32 * (np.minimum(norms, c) / (EPSILON + norms))
    else:
        expected = w32 * (c / np.maximum(norms, c))
    # A sum of at most 5 squares, a root and two products, each rounded to float32 (6e-8
    # relative): within 1e-6 relative of the float64 answer; every real mistake is far off.
    expect_close(got.astype(np.float64), expected, call, rtol=1e-6, atol=1e-12)


@pytest.mark.mistake("w itself returned when nothing changes")
@pytest.mark.hint(3)
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("max_norm", (100.0, 0)),
        ("book_max_norm", (100.0, 1)),
        ("sparsify", (0.0,)),
        ("l1_l2_penalty_grad", (0.0, 0.0)),
    ],
    ids=["max_norm", "book_max_norm", "sparsify", "l1_l2_penalty_grad"],
)
def test_returns_a_new_array_also_when_nothing_changes(impl, name, args):
    """Nothing to cut or zero (large radius, threshold 0): still a new array, not w itself.
    ja: 切るものも 0 にするものもなくても (大きな半径、しきい値 0)、w そのものではなく新しい配列を返します。"""
    w = KERNEL.copy()
    got = getattr(impl, name)(w, *args)
    call = f"{name}(w, {', '.join(repr(a) for a in args)})"
    expect_shape(got, w.shape, call)
    # The caller may scale or zero the result in place: it must not share memory with w.
    assert not np.shares_memory(got, w), say(
        f"{call} returned w itself (or a view of it) because nothing had to change: return a "
        "new array every time",
        f"{call} が、変える必要がなかったため w そのもの (またはそのビュー) を返しました: "
        "毎回新しい配列を返してください",
    )
