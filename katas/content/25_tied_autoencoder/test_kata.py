"""Tests for kata 25 (a tied-weight autoencoder). ``impl`` is the module under test.

Every gradient check uses D != H (so that a kernel gradient of the wrong orientation fails on
its shape), float64, a random upstream gradient and pre-activations of both signs (so that
ELU's derivative matters).
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


def elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def make(n, d, h, seed, dtype=np.float64):
    """x (n, d), W (d, h), b_hidden (h,), b_out (d,), unit-scale normals."""
    rng = np.random.default_rng(seed)
    arrays = (
        rng.standard_normal((n, d)),
        rng.standard_normal((d, h)),
        rng.standard_normal(h),
        rng.standard_normal(d),
    )
    return tuple(a.astype(dtype) for a in arrays)


def reference_forward(x, W, b_hidden, b_out):
    """The tests' own forward: elu(x @ W + b_hidden) @ W.T + b_out."""
    return elu(x @ W + b_hidden) @ W.T + b_out


def backward(impl, dout, cache, call):
    """tied_autoencoder_backward, its result checked to be a tuple of four."""
    grads = impl.tied_autoencoder_backward(dout, cache)
    assert isinstance(grads, tuple) and len(grads) == 4, say(
        f"{call} returned {type(grads).__name__}; expected a tuple (dx, dW, db_hidden, db_out)",
        f"{call} が {type(grads).__name__} を返しました。タプル (dx, dW, db_hidden, db_out) を返してください",
    )
    return grads


# ------------------------------------------------------------------------------------ forward
@pytest.mark.hint(1)
def test_forward_by_hand(impl):
    """x [[1, 2]], W [[1], [-1]] (D = 2, H = 1): z = -1, h = e^-1 - 1, out = h * [1, -1] + b_out.
    ja: x [[1, 2]]、W [[1], [-1]] (D = 2、H = 1): z = -1、h = e^-1 - 1、out = h * [1, -1] + b_out です。"""
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0], [-1.0]])
    b_hidden, b_out = np.array([0.0]), np.array([0.5, -0.5])
    out, _ = impl.tied_autoencoder_forward(x, W, b_hidden, b_out)
    h = np.exp(-1.0) - 1.0  # ELU of a negative z: exp(z) - 1, not z (nor max(0, z))
    expected = np.array([[h + 0.5, -h - 0.5]])
    expect_close(out, expected, "tied_autoencoder_forward(x [[1, 2]], W [[1], [-1]], ...)")


@pytest.mark.hint(1)
@pytest.mark.mistake("the decoder uses W, not W.T")
@given(n=st.integers(1, 5), d=st.integers(1, 6), h=st.integers(1, 6), seed=seeds)
def test_forward_is_elu_codings_decoded_by_the_transposed_kernel(impl, n, d, h, seed):
    """out = elu(x @ W + b_hidden) @ W.T + b_out, shape (N, D), for any D and H.
    ja: どんな D と H でも out = elu(x @ W + b_hidden) @ W.T + b_out で、形は (N, D) です。"""
    x, W, bh, bo = make(n, d, h, seed)
    out, _ = impl.tied_autoencoder_forward(x, W, bh, bo)
    call = f"tied_autoencoder_forward(x {x.shape}, W {W.shape}, ...)"
    expect_shape(out, (n, d), call)
    # two float64 products of at most 6 unit-scale terms: 1e-12 relative is a wide margin
    expect_close(out, reference_forward(x, W, bh, bo), call, rtol=1e-12, atol=1e-12)


@pytest.mark.hint(1)
def test_forward_leaves_its_inputs_alone(impl):
    """Forward must not write into x, W or the biases.
    ja: 順伝播は x、W、バイアスに書き込んではいけません。"""
    args = make(3, 5, 2, 1)
    copies = [a.copy() for a in args]
    impl.tied_autoencoder_forward(*args)
    for name, a, c in zip(("x", "W", "b_hidden", "b_out"), args, copies, strict=True):
        assert np.array_equal(a, c), say(
            f"tied_autoencoder_forward changed its argument {name} in place",
            f"tied_autoencoder_forward が引数 {name} をその場で書き換えました",
        )


# ----------------------------------------------------------------------------------- backward
@pytest.mark.hint(2)
def test_backward_shapes(impl):
    """dx, dW, db_hidden, db_out have the shapes of x (4, 5), W (5, 3), b_hidden, b_out.
    ja: dx、dW、db_hidden、db_out の形は x (4, 5)、W (5, 3)、b_hidden、b_out と同じです。"""
    x, W, bh, bo = make(4, 5, 3, 2)
    _, cache = impl.tied_autoencoder_forward(x, W, bh, bo)
    grads = backward(impl, np.ones((4, 5)), cache, "tied_autoencoder_backward(ones((4, 5)), cache)")
    for g, a, name in zip(grads, (x, W, bh, bo), ("dx", "dW", "db_hidden", "db_out"), strict=True):
        expect_shape(g, a.shape, f"tied_autoencoder_backward(...) -> {name}")


@pytest.mark.hint(3)
@pytest.mark.mistake("only one of the two kernel gradients")
def test_the_shared_kernel_collects_both_gradients_by_hand(impl):
    """D = 2, H = 1, z > 0 (ELU is the identity there): dW = x.T @ dz + dout.T @ h, both terms.
    ja: D = 2、H = 1、z > 0 (そこでは ELU は恒等写像): dW = x.T @ dz + dout.T @ h、両方の項を足します。"""
    x = np.array([[1.0, 1.0]])
    W = np.array([[1.0], [0.5]])  # z = 1.5 > 0, so h = 1.5 and elu'(z) = 1
    b_hidden, b_out = np.array([0.0]), np.array([0.0, 0.0])
    dout = np.array([[1.0, 2.0]])
    _, cache = impl.tied_autoencoder_forward(x, W, b_hidden, b_out)
    _, dW, _, _ = backward(impl, dout, cache, "tied_autoencoder_backward")
    dz = dout @ W  # [[2.0]]: back through the decoder's kernel W.T
    encoder = x.T @ dz  # [[2], [2]]
    decoder = dout.T * 1.5  # [[1.5], [3]]: the decoder's kernel gradient h.T @ dout, transposed
    call = "tied_autoencoder_backward(...) -> dW"
    dW = expect_shape(dW, (2, 1), call)
    for only, en, ja in (
        (encoder, "the encoder's x.T @ dz", "エンコーダの x.T @ dz"),
        (decoder, "the decoder's dout.T @ h", "デコーダの dout.T @ h"),
    ):
        assert not np.allclose(dW, only), say(
            f"{call} is [{', '.join(f'{float(v):.6g}' for v in dW.ravel())}], only {en}: W is "
            "shared by the encoder and the decoder, so its gradient is the sum of both layers' "
            f"kernel gradients (expected [{', '.join(f'{float(v):.6g}' for v in (encoder + decoder).ravel())}])",
            f"{call} が [{', '.join(f'{float(v):.6g}' for v in dW.ravel())}] で、{ja} だけです: W は"
            "エンコーダとデコーダで共有しているので、勾配は両方の層のカーネル勾配の和です (期待値は "
            f"[{', '.join(f'{float(v):.6g}' for v in (encoder + decoder).ravel())}])",
        )
    where = say(
        f"{call} (expected the encoder's x.T @ dz {encoder.ravel()} plus the decoder's dout.T @ h "
        f"{decoder.ravel()})",
        f"{call} (期待値はエンコーダの x.T @ dz {encoder.ravel()} とデコーダの dout.T @ h "
        f"{decoder.ravel()} の和)",
    )
    expect_close(dW, encoder + decoder, where)


@pytest.mark.hint(3)
@given(n=st.integers(2, 5), d=st.integers(2, 6), h=st.integers(1, 5), seed=seeds)
def test_gradient_check(impl, n, d, h, seed):
    """Gradient check (float64, random upstream, D != H): rel. error <= 1e-5 for all four.
    ja: 勾配チェック (float64、ランダムな上流勾配、D != H): 4 つとも相対誤差 <= 1e-5 です。"""
    if d == h:
        d += 1  # a square W would hide a kernel gradient of the wrong orientation
    x, W, bh, bo = make(n, d, h, seed)
    dout = np.random.default_rng(seed + 1).standard_normal((n, d))
    _, cache = impl.tied_autoencoder_forward(x, W, bh, bo)
    dx, dW, dbh, dbo = backward(impl, dout, cache, "tied_autoencoder_backward")

    def out(x_=x, W_=W, bh_=bh, bo_=bo):
        return reference_forward(x_, W_, bh_, bo_)

    # The finite differences carry a roundoff of about eps * |sum(out * dout)| / h ~ 1e-9
    # absolute (h = 1e-5); with H = 1 a whole gradient can be as small as 1e-2, so a correct
    # answer can show ~1e-6 relative error (seen: 7.5e-7 in 3,000 random cases). 1e-5 stays far
    # below every real mistake (a missing term or factor is off by 1e-2 relative or more).
    tol = 1e-5
    num = numerical_gradient
    expect_gradient(dx, num(lambda v: out(x_=v), x.copy(), dout), "dx", threshold=tol)
    expect_gradient(dW, num(lambda v: out(W_=v), W.copy(), dout), "dW", threshold=tol)
    expect_gradient(dbh, num(lambda v: out(bh_=v), bh.copy(), dout), "db_hidden", threshold=tol)
    expect_gradient(dbo, num(lambda v: out(bo_=v), bo.copy(), dout), "db_out", threshold=tol)


@pytest.mark.hint(2)
@pytest.mark.mistake("ELU's derivative forgotten")
def test_negative_pre_activations_scale_the_gradient_by_exp_z(impl):
    """Every z < 0: db_hidden = sum over the batch of (dout @ W) * exp(z), ELU's derivative.
    ja: z < 0 ばかりなら db_hidden = (dout @ W) * exp(z) のバッチについての和です (ELU の導関数)。"""
    x, W, _, bo = make(6, 4, 3, 7)
    bh = np.full(3, -20.0)  # z = x @ W - 20 < 0 everywhere
    dout = np.random.default_rng(8).standard_normal((6, 4))
    _, cache = impl.tied_autoencoder_forward(x, W, bh, bo)
    _, _, dbh, _ = backward(impl, dout, cache, "tied_autoencoder_backward")
    z = x @ W + bh
    expect_close(
        dbh,
        ((dout @ W) * np.exp(z)).sum(axis=0),
        say(
            "tied_autoencoder_backward(...) -> db_hidden with every z < 0 (elu'(z) = exp(z) there)",
            "すべて z < 0 のときの tied_autoencoder_backward(...) -> db_hidden (そこでは elu'(z) = exp(z))",
        ),
        rtol=1e-10,
        atol=1e-20,
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("bias gradients as a mean, not a sum")
def test_bias_gradients_are_sums_over_the_batch(impl):
    """dout all ones over a batch of 10 rows: db_out is 10 for every output (a sum, not a mean).
    ja: 10 行のバッチで dout がすべて 1 なら、db_out はどの出力も 10 です (平均ではなく和)。"""
    x, W, bh, bo = make(10, 3, 2, 9)
    _, cache = impl.tied_autoencoder_forward(x, W, bh, bo)
    _, _, _, dbo = backward(impl, np.ones((10, 3)), cache, "tied_autoencoder_backward")
    call = "tied_autoencoder_backward(ones((10, 3)), cache) -> db_out"
    dbo = expect_shape(dbo, (3,), call)
    assert not np.allclose(dbo, 1.0), say(
        f"{call} is 1 for every output, exactly 1/10 of the expected 10: did you average over "
        "the batch instead of summing?",
        f"{call} がどの出力も 1 で、期待値 10 のちょうど 1/10 です: バッチについて和ではなく平均を"
        "とっていませんか",
    )
    expect_close(dbo, np.full(3, 10.0), call)


@pytest.mark.hint(1)
def test_float32_stays_float32(impl):
    """float32 inputs give a float32 output and float32 gradients.
    ja: float32 の入力からは float32 の出力と float32 の勾配が出ます。"""
    x, W, bh, bo = make(4, 5, 3, 10, dtype=np.float32)
    dout = np.random.default_rng(11).standard_normal((4, 5)).astype(np.float32)
    out, cache = impl.tied_autoencoder_forward(x, W, bh, bo)
    grads = backward(impl, dout, cache, "tied_autoencoder_backward")
    names = ("out", "dx", "dW", "db_hidden", "db_out")
    for name, a in zip(names, (out, *grads), strict=True):
        a = np.asarray(a)
        assert a.dtype == np.float32, say(
            f"tied_autoencoder_* on float32 inputs returned {name} of dtype {a.dtype}, "
            "expected float32 (np.exp of a float64 constant or np.zeros without dtype widen it)",
            f"float32 の入力で tied_autoencoder_* が dtype {a.dtype} の {name} を返しました。float32 の"
            "はずです (float64 の定数の np.exp や dtype なしの np.zeros は型を広げます)",
        )
