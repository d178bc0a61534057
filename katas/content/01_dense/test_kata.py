"""Tests for kata 1 (dense layer). ``impl`` is the module under test."""

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

dims = st.integers(1, 7)


def make(n, d, m, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, d)).astype(dtype),
        rng.standard_normal((d, m)).astype(dtype),
        rng.standard_normal(m).astype(dtype),
    )


@pytest.mark.hint(1)
def test_forward_one_by_one(impl):
    """Forward on a 1x1 example: 2 * 3 + 1 = 7.
    ja: 1x1 の例の順伝播: 2 * 3 + 1 = 7 です。"""
    out, _ = impl.dense_forward(np.array([[2.0]]), np.array([[3.0]]), np.array([1.0]))
    expect_close(out, np.array([[7.0]]), "dense_forward([[2]], [[3]], [1])")


@pytest.mark.hint(1)
@given(n=dims, d=dims, m=dims, seed=st.integers(0, 2**16))
def test_forward_is_affine(impl, n, d, m, seed):
    """Forward returns x @ W + b with shape (N, M).
    ja: 順伝播は形 (N, M) の x @ W + b を返します。"""
    x, w, b = make(n, d, m, seed)
    out, _ = impl.dense_forward(x, w, b)
    call = f"dense_forward(x {x.shape}, kernel {w.shape}, bias {b.shape})"
    expect_shape(out, (n, m), call)
    expect_close(out, x @ w + b, call, rtol=1e-10, atol=1e-12)


@pytest.mark.hint(1)
def test_forward_without_bias(impl):
    """bias=None means no bias at all.
    ja: bias=None はバイアスなしを意味します。"""
    x, w, _ = make(3, 4, 2, 0)
    out, _ = impl.dense_forward(x, w, None)
    expect_close(out, x @ w, "dense_forward(x, kernel, None)", rtol=1e-10)


@pytest.mark.hint(1)
def test_forward_leaves_inputs_alone(impl):
    """Forward must not modify x, the kernel or the bias in place.
    ja: 順伝播は x・カーネル・バイアスをその場で書き換えません。"""
    x, w, b = make(3, 4, 2, 1)
    copies = [a.copy() for a in (x, w, b)]
    impl.dense_forward(x, w, b)
    for name, a, c in zip(("x", "kernel", "bias"), (x, w, b), copies, strict=True):
        assert np.array_equal(a, c), say(
            f"dense_forward changed its argument {name} in place",
            f"dense_forward が引数 {name} をその場で書き換えました",
        )


@pytest.mark.hint(2)
@given(n=dims, d=dims, m=dims, seed=st.integers(0, 2**16))
def test_backward_shapes(impl, n, d, m, seed):
    """dx, dkernel, dbias have the shapes of x, kernel and bias.
    ja: dx・dkernel・dbias の形は x・kernel・bias と同じです。"""
    x, w, b = make(n, d, m, seed)
    _, cache = impl.dense_forward(x, w, b)
    grads = impl.dense_backward(np.ones((n, m)), cache)
    assert isinstance(grads, tuple) and len(grads) == 3, say(
        f"dense_backward returned {type(grads).__name__}; expected a tuple (dx, dkernel, dbias)",
        f"dense_backward が {type(grads).__name__} を返しました。"
        "タプル (dx, dkernel, dbias) を返してください",
    )
    for g, shape, name in zip(
        grads, (x.shape, w.shape, b.shape), ("dx", "dkernel", "dbias"), strict=True
    ):
        expect_shape(g, shape, f"dense_backward(...) -> {name}")


@pytest.mark.hint(3)
@given(n=st.integers(2, 5), d=st.integers(1, 5), m=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_backward_gradient_check(impl, n, d, m, seed):
    """Gradient check (float64, random upstream gradient): rel. error <= 1e-7 for dx, dW, db.
    ja: 勾配チェック (float64、ランダムな上流勾配): dx・dW・db の相対誤差は 1e-7 以下です。"""
    x, w, b = make(n, d, m, seed)
    dout = np.random.default_rng(seed + 1).standard_normal((n, m))
    _, cache = impl.dense_forward(x, w, b)
    dx, dw, db = impl.dense_backward(dout, cache)
    out = lambda x_, w_, b_: impl.dense_forward(x_, w_, b_)[0]  # noqa: E731
    expect_gradient(dx, numerical_gradient(lambda v: out(v, w, b), x.copy(), dout), "dx")
    expect_gradient(dw, numerical_gradient(lambda v: out(x, v, b), w.copy(), dout), "dkernel")
    expect_gradient(db, numerical_gradient(lambda v: out(x, w, v), b.copy(), dout), "dbias")


@pytest.mark.mistake("bias gradient as a mean")
@pytest.mark.hint(2)
def test_bias_gradient_is_a_sum_over_the_batch(impl):
    """With dout all ones over a batch of 10, db is 10 for every unit (a sum, not a mean).
    ja: バッチ 10 で dout がすべて 1 なら、db はどのユニットでも 10 です (平均ではなく和)。"""
    x, w, b = make(10, 3, 2, 2)
    _, cache = impl.dense_forward(x, w, b)
    _, _, db = impl.dense_backward(np.ones((10, 2)), cache)
    call = "dense_backward(ones((10, 2)), cache) -> dbias"
    db = expect_shape(db, (2,), call)
    assert not np.allclose(db, 1.0), say(
        f"{call} returned [{float(db[0]):.6g}, {float(db[1]):.6g}], exactly 1/10 of the expected "
        "[10, 10]: did you average dout over the batch instead of summing it? The 1/N of the "
        "mean loss is already in dout.",
        f"{call} が [{float(db[0]):.6g}, {float(db[1]):.6g}] になりました。期待値 [10, 10] の"
        "ちょうど 1/10 です: dout をバッチ方向に和ではなく平均していませんか? 平均損失の 1/N は"
        "すでに dout に含まれています。",
    )
    expect_close(db, np.full(2, 10.0), call)


@pytest.mark.hint(2)
@pytest.mark.mistake("forgot the transpose")
def test_dx_uses_the_transposed_kernel(impl):
    """Worked example with a square kernel: dx = dout @ kernel.T = [[1, 3]], not dout @ kernel.
    ja: 正方カーネルでの計算例: dx = dout @ kernel.T = [[1, 3]] です (dout @ kernel ではありません)。"""
    x, w, b = np.array([[1.0, 1.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros(2)
    _, cache = impl.dense_forward(x, w, b)
    dx, _, _ = impl.dense_backward(np.array([[1.0, 0.0]]), cache)
    call = say(
        "dense_backward([[1, 0]], cache of kernel [[1, 2], [3, 4]]) -> dx",
        "dense_backward([[1, 0]], kernel [[1, 2], [3, 4]] の cache) -> dx",
    )
    dx = expect_shape(dx, (1, 2), call)
    assert not np.allclose(dx, [[1.0, 2.0]]), say(
        f"{call} returned [[1, 2]] = dout @ kernel, expected [[1, 3]] = dout @ kernel.T: "
        "forgot the transpose? (with D != M the shapes would not even match)",
        f"{call} が [[1, 2]] = dout @ kernel になりました。期待値は [[1, 3]] = dout @ kernel.T "
        "です: 転置を忘れていませんか? (D != M なら形すら合いません)",
    )
    expect_close(dx, np.array([[1.0, 3.0]]), call)


@pytest.mark.hint(2)
@pytest.mark.mistake("kernel gradient divided by N")
def test_kernel_gradient_is_a_sum_over_the_batch(impl):
    """Batch of 4 ones with dout all ones: dkernel = x.T @ dout is 4 everywhere (no 1/N).
    ja: 値がすべて 1 のバッチ 4 行と全 1 の dout: dkernel = x.T @ dout はすべて 4 です (1/N なし)。"""
    x, w, b = np.ones((4, 2)), np.ones((2, 3)), np.zeros(3)
    _, cache = impl.dense_forward(x, w, b)
    _, dw, _ = impl.dense_backward(np.ones((4, 3)), cache)
    call = say(
        "dense_backward(ones((4, 3)), cache of x = ones((4, 2))) -> dkernel",
        "dense_backward(ones((4, 3)), x = ones((4, 2)) の cache) -> dkernel",
    )
    dw = expect_shape(dw, (2, 3), call)
    assert not np.allclose(dw, 1.0), say(
        f"{call} returned {float(dw[0, 0]):.6g} everywhere, exactly 1/4 (1/N) of the expected 4: "
        "did you divide by the batch size? The 1/N of the mean loss is already in dout.",
        f"{call} がすべて {float(dw[0, 0]):.6g} になりました。期待値 4 のちょうど 1/4 (1/N) です: "
        "バッチサイズで割っていませんか? 平均損失の 1/N はすでに dout に含まれています。",
    )
    expect_close(dw, np.full((2, 3), 4.0), call)


@pytest.mark.hint(1)
def test_float32_stays_float32(impl):
    """float32 x, kernel and bias give float32 out, dx, dkernel and dbias, close to float64.
    ja: float32 の x・カーネル・バイアスからは float32 の out・dx・dkernel・dbias が返り、float64 の値に近いです。"""
    x, w, b = make(4, 3, 2, 3, dtype=np.float32)
    dout = np.random.default_rng(4).standard_normal((4, 2)).astype(np.float32)
    out, cache = impl.dense_forward(x, w, b)
    grads = impl.dense_backward(dout, cache)
    assert isinstance(grads, tuple) and len(grads) == 3, say(
        f"dense_backward returned {type(grads).__name__}; expected a tuple (dx, dkernel, dbias)",
        f"dense_backward が {type(grads).__name__} を返しました。"
        "タプル (dx, dkernel, dbias) を返してください",
    )
    results = {"out": out, **dict(zip(("dx", "dkernel", "dbias"), grads, strict=True))}
    x64, w64, b64, d64 = (a.astype(np.float64) for a in (x, w, b, dout))
    expected = {
        "out": x64 @ w64 + b64,
        "dx": d64 @ w64.T,
        "dkernel": x64.T @ d64,
        "dbias": d64.sum(0),
    }
    for name, got in results.items():
        got = expect_shape(got, expected[name].shape, f"dense_* on float32 inputs -> {name}")
        assert got.dtype == np.float32, say(
            f"dense_* on float32 inputs returned {name} of dtype {got.dtype}, expected float32 "
            "(np.asarray(x, dtype=float) or np.zeros(...) without dtype make float64)",
            f"float32 の入力に対して dense_* が dtype {got.dtype} の {name} を返しました。"
            "float32 が期待値です (np.asarray(x, dtype=float) や dtype なしの np.zeros(...) は"
            "float64 を作ります)",
        )
        # Sums of at most 4 products of unit-scale float32 numbers: a few float32 roundings
        # (6e-8 relative each), so 1e-5 absolute is a wide margin.
        expect_close(got.astype(np.float64), expected[name], f"float32 {name}", atol=1e-5)


@pytest.mark.hint(2)
def test_backward_leaves_dout_and_the_cache_inputs_alone(impl):
    """Backward reads dout, x and the kernel and writes none of them.
    ja: 逆伝播は dout・x・カーネルを読むだけで、どれも書き換えません。"""
    x, w, b = make(3, 4, 2, 5)
    dout = np.random.default_rng(6).standard_normal((3, 2))
    copies = [a.copy() for a in (x, w, dout)]
    _, cache = impl.dense_forward(x, w, b)
    impl.dense_backward(dout, cache)
    for name, a, c in zip(("x", "kernel", "dout"), (x, w, dout), copies, strict=True):
        assert np.array_equal(a, c), say(
            f"dense_backward changed {name} in place",
            f"dense_backward が {name} をその場で書き換えました",
        )
