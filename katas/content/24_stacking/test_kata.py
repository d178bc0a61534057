"""Tests for kata 24 (stacking RBMs). ``impl`` is the module under test.

A stack is ``params = [(W_1, c_1), (W_2, c_2), ...]`` with W_k (H_k, D_k), scikit-learn's layout.
``chain`` below is the tests' own pass up the stack. Most stacks have layers of different widths,
so that a missing transpose fails at once; the square ones (every width 4) catch the mistakes
that such shapes hide: a transpose forgotten, the pixels fed to every RBM.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
# float64, one product of at most 5 terms and a sigmoid per layer, at most 4 layers: 1e-12
# relative is a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-15}
EXACT = {"rtol": 0.0, "atol": 0.0}
LN3 = np.log(3.0)  # sigmoid(ln 3) = 3/4 and sigmoid(-ln 3) = 1/4


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make(widths, seed, n=6, dtype=np.float64):
    """x (n, widths[0]) in [0, 1] and one RBM (W (widths[k+1], widths[k]), c) per layer."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, widths[0]))
    params = [
        (rng.standard_normal((h, d)), rng.standard_normal(h)) for d, h in itertools.pairwise(widths)
    ]
    return x.astype(dtype), [(w.astype(dtype), c.astype(dtype)) for w, c in params]


def chain(x, params):
    """The tests' own pass: [x, sigmoid(x @ W_1.T + c_1), ...], one item per RBM plus the top."""
    out = [x]
    for w, c in params:
        out.append(sigmoid(out[-1] @ w.T + c))
    return out


def check_list(got, expected, call, tol=TIGHT):
    """got is a list of arrays close to the expected ones, item by item."""
    assert isinstance(got, (list, tuple)), say(
        f"{call} returned {type(got).__name__}; expected a list",
        f"{call} が {type(got).__name__} を返しました。リストを返してください",
    )
    assert len(got) == len(expected), say(
        f"{call} returned {len(got)} arrays, expected {len(expected)}: one input per RBM, x first "
        "(the top RBM's own output is no RBM's input)",
        f"{call} が {len(got)} 個の配列を返しました。期待値は {len(expected)} 個です: RBM ごとに "
        "1 つの入力で、先頭は x です (一番上の RBM の出力はどの RBM の入力でもありません)",
    )
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        expect_close(g, e, f"{call}[{k}]", **tol)


# ---------------------------------------------------------------------------------- layer_inputs
@pytest.mark.hint(1)
@pytest.mark.mistake("off by one: the top's output included, or x dropped")
def test_a_single_rbm_trains_on_x(impl):
    """One RBM in the stack: its only input is x itself, so the list is [x].
    ja: スタックに RBM が 1 つなら、その入力は x そのものだけなので、リストは [x] です。"""
    x, params = make([5, 3], seed=0)
    check_list(
        impl.layer_inputs(x, params),
        [x],
        say("layer_inputs(x (6, 5), one RBM (3, 5))", "layer_inputs(x (6, 5), RBM 1 つ (3, 5))"),
        EXACT,
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("samples (or a threshold at 1/2) instead of probabilities passed up")
def test_two_rbms_by_hand(impl):
    """x [[1, 0, 1]], W_1 (2, 3), c_1 [ln 3, 0]: the second RBM trains on [[3/4, 1/4]].
    ja: x [[1, 0, 1]]、W_1 (2, 3)、c_1 [ln 3, 0]: 2 つ目の RBM は [[3/4, 1/4]] で訓練します。"""
    x = np.array([[1.0, 0.0, 1.0]])
    w1 = np.array([[0.0, 5.0, 0.0], [0.0, 1.0, -LN3]])  # x @ W_1.T = [0, -ln 3]
    c1 = np.array([LN3, 0.0])
    w2, c2 = np.array([[2.0, -1.0]]), np.array([0.5])
    got = impl.layer_inputs(x, [(w1, c1), (w2, c2)])
    # sigmoid([ln 3, -ln 3]) = [3/4, 1/4]: probabilities. A sample would be 0s and 1s; without
    # the hidden bias c_1 it would be [1/2, 1/4].
    expected = [x, np.array([[0.75, 0.25]])]
    check_list(got, expected, "layer_inputs(x [[1, 0, 1]], [(W_1, c_1), (W_2, c_2)])")


@pytest.mark.hint(2)
@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    n=st.integers(1, 5),
    seed=seeds,
)
def test_each_rbm_trains_on_the_probabilities_of_the_one_below(impl, widths, n, seed):
    """Stacks of 1 to 4 RBMs: item k + 1 = sigmoid(item_k @ W_k.T + c_k), len(params) items.
    ja: 1 から 4 個の RBM のスタック: 要素 k + 1 = sigmoid(item_k @ W_k.T + c_k)、要素は len(params) 個です。"""
    x, params = make(widths, seed, n=n)
    got = impl.layer_inputs(x, params)
    call = say(
        f"layer_inputs(x ({n}, {widths[0]}), widths {widths})",
        f"layer_inputs(x ({n}, {widths[0]}), 幅 {widths})",
    )
    check_list(got, chain(x, params)[:-1], call)


@pytest.mark.hint(2)
@pytest.mark.mistake("the raw pixels fed to every RBM")
def test_square_layers_still_go_up_the_stack(impl):
    """Every width 4 (no shape error to help): RBM 3 trains on P(h_2 | h_1), not on the pixels.
    ja: 幅がすべて 4 (形のエラーは出ません): RBM 3 は画素ではなく P(h_2 | h_1) で訓練します。"""
    x, params = make([4, 4, 4, 4], seed=3)
    got = impl.layer_inputs(x, params)
    call = say(
        "layer_inputs(x (6, 4), three RBMs (4, 4))", "layer_inputs(x (6, 4), 3 つの RBM (4, 4))"
    )
    check_list(got, chain(x, params)[:-1], call)


@pytest.mark.hint(2)
@pytest.mark.mistake("samples instead of probabilities passed up")
def test_the_inputs_are_probabilities_not_samples(impl):
    """Above x every input lies strictly between 0 and 1, and two calls give the same list.
    ja: x より上の入力はどれも 0 と 1 の間に厳密に収まり、2 回呼んでも同じリストになります。"""
    x, params = make([6, 5, 4], seed=8, n=50)
    x = (x < 0.5).astype(np.float64)  # binary pixels: only the layers above are probabilities
    first, second = impl.layer_inputs(x, params), impl.layer_inputs(x, params)
    call = say("layer_inputs(x, params), called twice", "2 回呼んだ layer_inputs(x, params)")
    check_list(second, first, call, EXACT)
    h = expect_shape(first[1], (50, 5), "layer_inputs(x (50, 6), widths [6, 5, 4])[1]")
    some = ", ".join(f"{float(v):.4g}" for v in np.unique(h)[:4])
    assert np.all((h > 0) & (h < 1)), say(
        f"layer_inputs(...)[1] holds {some}, ...: expected the probabilities P(h_1 | x), "
        "strictly between 0 and 1; sampled states (0s and 1s) are noisier and differ at every call",
        f"layer_inputs(...)[1] に {some}, ... が入っています。0 と 1 の間に厳密に収まる確率 "
        "P(h_1 | x) のはずです: サンプルした状態 (0 と 1) はノイズが多く、呼ぶたびに変わります",
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("computed in float64")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_inputs_keep_the_data_dtype(impl, dtype):
    """float32 data gives float32 inputs all the way up (and float64 stays float64).
    ja: float32 のデータなら一番上まで float32 の入力になります (float64 は float64 のまま)。"""
    x, params = make([5, 4, 3, 2], seed=6, dtype=dtype)
    got = impl.layer_inputs(x, params)
    for k, (g, shape) in enumerate(zip(got, [(6, 5), (6, 4), (6, 3)], strict=True)):
        call = f"layer_inputs({np.dtype(dtype).name} x)[{k}]"
        g = expect_shape(g, shape, call)
        assert g.dtype == dtype, say(
            f"{call} has dtype {g.dtype}, expected {np.dtype(dtype).name}",
            f"{call} の dtype が {g.dtype} です。{np.dtype(dtype).name} のはずです",
        )


# --------------------------------------------------------------------------------- stack_weights
@pytest.mark.hint(3)
@pytest.mark.mistake("the hidden bias dropped (or the visible one taken)")
def test_stack_weights_by_hand(impl):
    """W_1 (2, 3) gives a Dense kernel (3, 2) = W_1.T and the bias c_1; W_2 (1, 2) a (2, 1).
    ja: W_1 (2, 3) から Dense のカーネル (3, 2) = W_1.T とバイアス c_1、W_2 (1, 2) から (2, 1) ができます。"""
    w1 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    c1 = np.array([0.5, -0.5])
    w2, c2 = np.array([[7.0, 8.0]]), np.array([2.0])
    got = impl.stack_weights([(w1, c1), (w2, c2)])
    what = f"len {len(got)}" if isinstance(got, (list, tuple)) else "?"
    assert isinstance(got, (list, tuple)) and len(got) == 2, say(
        f"stack_weights(two RBMs) returned {type(got).__name__} ({what}); expected a list of 2 "
        "(kernel, bias) pairs",
        f"stack_weights(2 つの RBM) が {type(got).__name__} ({what}) を返しました。(kernel, bias) の"
        "組 2 つのリストを返してください",
    )
    call = "stack_weights([(W_1 (2, 3), c_1), (W_2 (1, 2), c_2)])"
    for k, (pair, kernel, bias) in enumerate(
        zip(got, [w1.T, w2.T], [c1, c2], strict=True), start=1
    ):
        assert len(pair) == 2, say(
            f"{call}[{k - 1}] is a {type(pair).__name__} of {len(pair)}; expected a pair (kernel, bias)",
            f"{call}[{k - 1}] が要素 {len(pair)} 個の {type(pair).__name__} です。組 (kernel, bias) を返してください",
        )
        expect_close(pair[0], kernel, f"{call}: kernel_{k}", **EXACT)
        # The Dense bias is the RBM's HIDDEN bias c_k: the one added to x @ W_k.T.
        expect_close(pair[1], bias, f"{call}: bias_{k}", **EXACT)


@pytest.mark.hint(3)
@pytest.mark.mistake("forgot the transpose (or reshaped instead)")
def test_a_square_kernel_is_transposed_not_reshaped(impl):
    """A square, non-symmetric W (4, 4): the kernel is W.T (W.reshape(4, 4) is W itself).
    ja: 正方で非対称な W (4, 4): カーネルは W.T です (W.reshape(4, 4) は W そのものです)。"""
    _, params = make([4, 4, 3], seed=2)
    got = impl.stack_weights(params)
    for k, ((kernel, _), (w, _)) in enumerate(zip(got, params, strict=True), start=1):
        where = say(
            f"stack_weights(widths [4, 4, 3]): kernel_{k}",
            f"stack_weights(幅 [4, 4, 3]): kernel_{k}",
        )
        expect_close(kernel, w.T, where, **EXACT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("widths", [[5, 4, 3], [4, 4, 4, 4]], ids=["narrowing", "square"])
def test_the_dense_stack_computes_what_the_rbms_trained_on(impl, widths):
    """sigmoid(h @ kernel_k + bias_k), layer after layer, reproduces the chain of probabilities.
    ja: sigmoid(h @ kernel_k + bias_k) を層ごとに重ねると、確率の連鎖が再現されます。"""
    x, params = make(widths, seed=4)
    h, expected = x, chain(x, params)
    for k, (kernel, bias) in enumerate(impl.stack_weights(params), start=1):
        h = sigmoid(h @ kernel + bias)  # what Dense(H_k, activation="sigmoid") computes
        where = say(
            f"Dense layer {k} with stack_weights({widths})",
            f"stack_weights({widths}) での Dense 層 {k}",
        )
        expect_close(h, expected[k], where, **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("the kernel a view of W")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_dense_weights_are_new_arrays_of_the_same_dtype(impl, dtype):
    """Fine-tuning writes into the kernels and biases: the RBMs' W and c must not change.
    ja: ファインチューニングはカーネルとバイアスに書き込みます。RBM の W と c は変わってはいけません。"""
    _, params = make([5, 4, 3], seed=7, dtype=dtype)
    before = [(w.copy(), c.copy()) for w, c in params]
    call = f"stack_weights({np.dtype(dtype).name} params)"
    for k, (kernel, bias) in enumerate(impl.stack_weights(params), start=1):
        for name, a in ((f"kernel_{k}", kernel), (f"bias_{k}", bias)):
            assert a.dtype == dtype, say(
                f"{call}: {name} has dtype {a.dtype}, expected {np.dtype(dtype).name}",
                f"{call}: {name} の dtype が {a.dtype} です。{np.dtype(dtype).name} のはずです",
            )
        kernel += 1.0  # an in-place optimizer step
        bias += 1.0
    for k, ((w, c), (w0, c0)) in enumerate(zip(params, before, strict=True), start=1):
        assert np.array_equal(w, w0) and np.array_equal(c, c0), say(
            f"{call}: updating kernel_{k} or bias_{k} in place changed RBM {k}'s W or c: return "
            "copies (W.T is a view of W)",
            f"{call}: kernel_{k} か bias_{k} をその場で更新したら RBM {k} の W か c が変わりました。"
            "コピーを返してください (W.T は W のビューです)",
        )
