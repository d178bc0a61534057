"""Tests for kata 11 (batch normalization). ``impl`` is the module under test.

The hand-worked examples use the column x = (1, 3, 5, 7): mean 4, biased variance
(9 + 1 + 1 + 9) / 4 = 5, and epsilon = 4 so that sqrt(var + eps) = 3 and
xhat = (-1, -1/3, 1/3, 1) exactly (Keras' 1e-3 gives no round numbers).
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
    flat_list,
    numerical_gradient,
    say,
)

seeds = st.integers(0, 2**16)
# float64, a handful of correctly rounded operations per entry on numbers of order 1-10:
# 1e-10 relative is far above rounding and far below any real mistake.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def col(*values):
    return np.array(values, dtype=np.float64).reshape(-1, 1)


def make(n, d, seed):
    """x (n, d) with its own offset and spread per feature, gamma of either sign, beta; rng."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.standard_normal(d)
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    return x, gamma, rng.standard_normal(d), rng


def moving_stats(rng, d):
    """A moving mean and variance far from any batch's own statistics."""
    return rng.standard_normal(d) + 3.0, rng.uniform(0.5, 2.0, d)


def worked_column(impl, momentum=0.75):
    """Forward on the worked column (1, 3, 5, 7), gamma 2, beta 1, eps 4, training."""
    mm, mv = np.zeros(1), np.ones(1)
    out, cache = impl.batchnorm_forward(
        col(1, 3, 5, 7),
        np.array([2.0]),
        np.array([1.0]),
        mm,
        mv,
        momentum=momentum,
        epsilon=4.0,
        training=True,
    )
    return out, cache, mm, mv


def check_gradients(impl, x, gamma, beta, mm, mv, dout, *, training):
    """dx, dgamma, dbeta against centred differences of the forward pass."""

    def out(x_, g_, b_):
        # Fresh copies of the moving statistics: training-mode calls update them in place.
        return impl.batchnorm_forward(
            x_, g_, b_, mm.copy(), mv.copy(), momentum=0.9, training=training
        )[0]

    out0 = out(x, gamma, beta)
    _, cache = impl.batchnorm_forward(
        x, gamma, beta, mm.copy(), mv.copy(), momentum=0.9, training=training
    )
    grads = impl.batchnorm_backward(dout, cache)
    assert isinstance(grads, tuple) and len(grads) == 3, say(
        f"batchnorm_backward returned {type(grads).__name__}; expected (dx, dgamma, dbeta)",
        f"batchnorm_backward が {type(grads).__name__} を返しました。(dx, dgamma, dbeta) が"
        "期待値です",
    )
    dx, dgamma, dbeta = grads
    # Subtracting the unperturbed output leaves only the change in the sum that the centred
    # difference takes, so rounding in the other entries does not drown it. Measured on the
    # reference over 3000 random cases like these: worst relative error 7e-8 (dx, training: the
    # columns of dx nearly cancel), median 3e-10. 1e-6 leaves a margin of 10; every wrong
    # formula tried errs by more than 1e-2.
    where = f"(training={training}, x {x.shape})"
    for name, analytic, f, v in (
        ("dx", dx, lambda v: out(v, gamma, beta) - out0, x),
        ("dgamma", dgamma, lambda v: out(x, v, beta) - out0, gamma),
        ("dbeta", dbeta, lambda v: out(x, gamma, v) - out0, beta),
    ):
        numeric = numerical_gradient(f, v.copy(), dout)
        expect_gradient(analytic, numeric, f"batchnorm_backward {where} -> {name}", threshold=1e-6)


def expect_not_bn(got, wrong, call: str, en: str, ja: str) -> None:
    """``expect_not`` with the values written as a tuple: ``(1, -2/3)`` reads as the worked
    column of the statement."""
    expect_not(got, wrong, call, en, ja, show=lambda a: "(" + flat_list(a)[1:-1] + ")")


@pytest.mark.mistake("variance with N-1, or epsilon outside the root")
@pytest.mark.hint(1)
def test_training_forward_by_hand(impl):
    """(1, 3, 5, 7), eps 4, gamma 2, beta 1: xhat = (-1, -1/3, 1/3, 1), out = (-1, 1/3, 5/3, 3).
    ja: (1, 3, 5, 7)、eps 4、gamma 2、beta 1: xhat = (-1, -1/3, 1/3, 1)、out = (-1, 1/3, 5/3, 3) です。"""
    out, _, _, _ = worked_column(impl)
    call = "batchnorm_forward(x (1, 3, 5, 7), gamma 2, beta 1, eps 4, training=True) -> out"
    # With 1/(N-1) the variance would be 20/3 and out would not be round; with eps outside the
    # root, (x - mu) / (sqrt(5) + 4).
    centred = col(-3, -1, 1, 3)
    expect_not_bn(
        out,
        2 * centred / np.sqrt(20 / 3 + 4) + 1,
        call,
        "the variance divided by N - 1 (20/3 instead of 5); batch norm uses the biased "
        "variance, np.var(x, axis=0), as Keras does",
        "分散を N - 1 で割っています (5 ではなく 20/3)。バッチ正規化は Keras と同じく偏りのある"
        "分散 np.var(x, axis=0) を使います",
    )
    expect_not_bn(
        out,
        2 * centred / (np.sqrt(5.0) + 4) + 1,
        call,
        "epsilon added outside the square root, (x - mu) / (sqrt(var) + eps); it goes inside, "
        "sqrt(var + eps)",
        "epsilon を平方根の外で足しています ((x - mu) / (sqrt(var) + eps))。中に入れます: "
        "sqrt(var + eps)",
    )
    expect_close(out, col(-1.0, 1 / 3, 5 / 3, 3.0), call, **TIGHT)


@pytest.mark.hint(1)
def test_training_output_has_mean_beta_and_std_gamma(impl):
    """Training mode, 200 rows: each output column has mean beta and standard deviation gamma.
    ja: 学習モード、200 行: 出力の各列の平均は beta、標準偏差は gamma です。"""
    rng = np.random.default_rng(0)
    x = rng.normal([5.0, -3.0, 10.0], [3.0, 5.0, 10.0], size=(200, 3))
    gamma, beta = np.array([1.0, 3.0, 0.5]), np.array([0.0, -2.0, 4.0])
    out, _ = impl.batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3), training=True)
    call = "batchnorm_forward(x (200, 3), gamma, beta, training=True) -> out"
    out = expect_shape(out, x.shape, call)
    # The mean of xhat is 0 up to rounding (1e-16 times the data's size, 200 terms): 1e-10 is
    # a wide margin.
    expect_close(
        out.mean(axis=0),
        beta,
        say(f"{call}: column means", f"{call}: 列の平均"),
        rtol=0,
        atol=1e-10,
    )
    # The std of xhat is sqrt(var / (var + eps)) >= 1 - eps / (2 var). Every column's variance
    # here is above 4 (checked below), so eps = 1e-3 shrinks the std by at most 1.25e-4: rtol
    # 2e-4. Dividing by the unbiased std would shrink it by another 1 / (2N) = 2.5e-3.
    assert x.var(axis=0).min() > 4, say(
        "the test's own data has a column of variance 4 or less (the test is broken)",
        "テスト自身のデータに分散 4 以下の列があります (テストの不具合です)",
    )
    expect_close(
        out.std(axis=0),
        gamma,
        say(f"{call}: column standard deviations", f"{call}: 列の標準偏差"),
        rtol=2e-4,
    )


@pytest.mark.hint(1)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=seeds, training=st.booleans())
def test_gamma_and_beta_none(impl, n, d, seed, training):
    """gamma=None means a scale of 1 and beta=None a shift of 0; dgamma, dbeta still come back.
    ja: gamma=None はスケール 1、beta=None はシフト 0 を意味します。dgamma・dbeta はそれでも返ります。"""
    x, _, _, rng = make(n, d, seed)
    mm, mv = moving_stats(rng, d)
    kw = {"momentum": 0.9, "training": training}
    out, cache = impl.batchnorm_forward(x, None, None, mm.copy(), mv.copy(), **kw)
    expected, _ = impl.batchnorm_forward(x, np.ones(d), np.zeros(d), mm.copy(), mv.copy(), **kw)
    call = f"batchnorm_forward(x {x.shape}, None, None, training={training})"
    expect_close(out, expected, f"{call} vs gamma=ones, beta=zeros", **TIGHT)
    grads = impl.batchnorm_backward(np.ones((n, d)), cache)
    assert isinstance(grads, tuple) and len(grads) == 3, say(
        f"batchnorm_backward returned {type(grads).__name__}; expected (dx, dgamma, dbeta)",
        f"batchnorm_backward が {type(grads).__name__} を返しました。(dx, dgamma, dbeta) が"
        "期待値です",
    )
    for g, shape, name in zip(grads, ((n, d), (d,), (d,)), ("dx", "dgamma", "dbeta"), strict=True):
        expect_shape(g, shape, f"batchnorm_backward(...) after {call} -> {name}")


@pytest.mark.mistake("x centred in place")
@pytest.mark.hint(1)
@pytest.mark.parametrize("training", [True, False])
def test_forward_leaves_x_gamma_beta_alone(impl, training):
    """Forward never modifies x, gamma or beta in place.
    ja: 順伝播は x・gamma・beta をその場で書き換えません。"""
    x, gamma, beta, rng = make(5, 3, 1)
    mm, mv = moving_stats(rng, 3)
    copies = [a.copy() for a in (x, gamma, beta)]
    impl.batchnorm_forward(x, gamma, beta, mm, mv, training=training)
    for name, a, c in zip(("x", "gamma", "beta"), (x, gamma, beta), copies, strict=True):
        assert np.array_equal(a, c), say(
            f"batchnorm_forward(..., training={training}) changed its argument {name} in place",
            f"batchnorm_forward(..., training={training}) が引数 {name} をその場で書き換えました",
        )


@pytest.mark.mistake("float64 gradients")
@pytest.mark.hint(1)
def test_float32_stays_float32(impl):
    """float32 in: float32 out, moving statistics and gradients, close to float64.
    ja: float32 を入れれば、出力・移動統計量・勾配も float32 で、float64 の値に近いです。"""
    x, gamma, beta, _ = make(8, 3, 2)
    outs = {}
    for dtype in (np.float32, np.float64):
        mm, mv = np.zeros(3, dtype), np.ones(3, dtype)
        out, cache = impl.batchnorm_forward(
            x.astype(dtype), gamma.astype(dtype), beta.astype(dtype), mm, mv, training=True
        )
        out = np.asarray(out)
        for name, a in (("out", out), ("moving_mean", mm), ("moving_variance", mv)):
            assert a.dtype == dtype, say(
                f"batchnorm_forward turned {dtype.__name__} {name} into {a.dtype}",
                f"batchnorm_forward が {dtype.__name__} の {name} を {a.dtype} に変えました",
            )
        outs[dtype] = out
        grads = impl.batchnorm_backward(np.ones((8, 3), dtype), cache)
        for name, g in zip(("dx", "dgamma", "dbeta"), grads, strict=True):
            assert np.asarray(g).dtype == dtype, say(
                f"batchnorm_backward turned {dtype.__name__} {name} into {np.asarray(g).dtype}",
                f"batchnorm_backward が {dtype.__name__} の {name} を {np.asarray(g).dtype} に"
                "変えました",
            )
    # Entries of order 1-5 through ~10 float32 roundings (6e-8 each): 1e-5 is safe.
    expect_close(
        outs[np.float32],
        outs[np.float64],
        say("float32 out vs float64", "float32 の out と float64 の比較"),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.mistake("moving average weights swapped or not in place")
@pytest.mark.hint(2)
def test_moving_averages_by_hand(impl):
    """Worked column, momentum 0.75, from 0 and 1: moving mean 0.25*4 = 1, var 0.75 + 0.25*5 = 2.
    ja: 計算例の列、momentum 0.75、初期値 0 と 1: 移動平均 0.25*4 = 1、分散 0.75 + 0.25*5 = 2 です。"""
    _, _, mm, mv = worked_column(impl, momentum=0.75)
    # Swapped weights would give 3 and 4; Bessel's correction (variance 20/3) 2.4167; arrays
    # rebound instead of updated in place stay at 0 and 1.
    call = "batchnorm_forward(x (1, 3, 5, 7), ..., momentum=0.75, training=True)"
    expect_not_bn(
        np.concatenate([mm, mv]),
        [3.0, 4.0],
        f"{call} -> (moving_mean, moving_variance)",
        "the weights are swapped; Keras keeps momentum of the old value: moving * momentum + "
        "batch * (1 - momentum)",
        "重みが逆です。Keras は古い値の momentum 分を残します: moving * momentum + "
        "batch * (1 - momentum)",
    )
    expect_not_bn(
        np.concatenate([mm, mv]),
        [0.0, 1.0],
        f"{call} -> (moving_mean, moving_variance)",
        "unchanged: update the caller's arrays in place (moving_mean[...] = ... or *=, +=); "
        "moving_mean = ... only rebinds a local name",
        "変わっていません: 呼び出し側の配列をその場で更新してください (moving_mean[...] = ... "
        "や *=, +=)。moving_mean = ... はローカルな名前を付け替えるだけです",
    )
    expect_not_bn(
        mv,
        [0.75 + 0.25 * 20 / 3],
        f"{call} -> moving_variance",
        "the unbiased variance (N / (N - 1) * var) fed into the moving average; Keras 3 uses the "
        "biased one there too",
        "移動平均に不偏分散 (N / (N - 1) * var) を入れています。Keras 3 はそこでも偏りのある"
        "分散を使います",
    )
    expect_close(
        mm,
        np.array([1.0]),
        say(
            f"{call} -> moving_mean (updated in place?)",
            f"{call} -> moving_mean (その場で更新しましたか?)",
        ),
        **TIGHT,
    )
    expect_close(
        mv,
        np.array([2.0]),
        say(
            f"{call} -> moving_variance (updated in place?)",
            f"{call} -> moving_variance (その場で更新しましたか?)",
        ),
        **TIGHT,
    )


@pytest.mark.hint(2)
@given(
    n=st.integers(2, 6),
    d=st.integers(1, 4),
    seed=seeds,
    momentum=st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]),
)
def test_moving_averages_follow_keras(impl, n, d, seed, momentum):
    """Training moves each statistic: moving * momentum + batch statistic * (1 - momentum).
    ja: 学習では各統計量が moving * momentum + バッチの統計量 * (1 - momentum) に動きます。"""
    x, gamma, beta, rng = make(n, d, seed)
    mm, mv = moving_stats(rng, d)
    start_mean, start_var = mm.copy(), mv.copy()
    impl.batchnorm_forward(x, gamma, beta, mm, mv, momentum=momentum, training=True)
    mu, var = x.mean(axis=0), x.var(axis=0)  # np.var divides by N (ddof=0), as Keras does
    call = f"batchnorm_forward(x {x.shape}, ..., momentum={momentum}, training=True)"
    expected_mean = start_mean * momentum + mu * (1 - momentum)
    expected_var = start_var * momentum + var * (1 - momentum)
    expect_close(
        mm,
        expected_mean,
        say(
            f"{call} -> moving_mean (updated in place?)",
            f"{call} -> moving_mean (その場で更新しましたか?)",
        ),
        **TIGHT,
    )
    expect_close(
        mv,
        expected_var,
        say(
            f"{call} -> moving_variance (updated in place?)",
            f"{call} -> moving_variance (その場で更新しましたか?)",
        ),
        **TIGHT,
    )


@pytest.mark.hint(2)
def test_keras_defaults(impl):
    """Defaults: training=False, momentum 0.99, epsilon 1e-3 (Keras 3's).
    ja: 既定値: training=False、momentum 0.99、epsilon 1e-3 (Keras 3 のもの) です。"""
    x, gamma, beta, rng = make(4, 2, 3)
    mm, mv = moving_stats(rng, 2)
    start_mean, start_var = mm.copy(), mv.copy()
    out, _ = impl.batchnorm_forward(x, gamma, beta, mm, mv)
    call = "batchnorm_forward(x, gamma, beta, moving_mean, moving_variance)"
    # No training flag: inference, on the moving statistics, with eps 1e-3.
    expected = gamma * (x - start_mean) / np.sqrt(start_var + 1e-3) + beta
    expect_close(
        out,
        expected,
        say(f"{call} -> out (inference by default)", f"{call} -> out (既定は推論)"),
        **TIGHT,
    )
    assert np.array_equal(mm, start_mean) and np.array_equal(mv, start_var), say(
        f"{call} changed the moving statistics: training must default to False",
        f"{call} が移動統計量を変えました: training の既定値は False でなければなりません",
    )
    out, _ = impl.batchnorm_forward(x, gamma, beta, mm, mv, training=True)
    mu, var = x.mean(axis=0), x.var(axis=0)
    expected = gamma * (x - mu) / np.sqrt(var + 1e-3) + beta
    call = call[:-1] + ", training=True)"
    expect_close(out, expected, f"{call} -> out (epsilon 1e-3)", **TIGHT)
    expect_close(mm, 0.99 * start_mean + 0.01 * mu, f"{call} -> moving_mean (momentum 0.99)")


@pytest.mark.mistake("batch statistics at inference")
@pytest.mark.hint(2)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=seeds)
def test_inference_uses_the_moving_statistics(impl, n, d, seed):
    """training=False normalizes with the moving mean and variance, and leaves them unchanged.
    ja: training=False では移動平均と移動分散で正規化し、それらを変えません。"""
    x, gamma, beta, rng = make(n, d, seed)
    mm, mv = moving_stats(rng, d)
    start_mean, start_var = mm.copy(), mv.copy()
    out, _ = impl.batchnorm_forward(x, gamma, beta, mm, mv, epsilon=1e-3, training=False)
    call = f"batchnorm_forward(x {x.shape}, ..., training=False)"
    # With the batch's own statistics instead, a single row (n = 1) would always give beta.
    expected = gamma * (x - start_mean) / np.sqrt(start_var + 1e-3) + beta
    expect_close(out, expected, f"{call} -> out", **TIGHT)
    assert np.array_equal(mm, start_mean) and np.array_equal(mv, start_var), say(
        f"{call} changed the moving statistics: only training-mode calls may update them",
        f"{call} が移動統計量を変えました: 更新してよいのは学習モードの呼び出しだけです",
    )


@pytest.mark.mistake("training formula at inference")
@pytest.mark.hint(3)
def test_inference_backward_by_hand(impl):
    """Inference, moving mean 4, variance 8, eps 1, gamma 3: dx = 3 * dout / 3 = dout.
    ja: 推論、移動平均 4、分散 8、eps 1、gamma 3: dx = 3 * dout / 3 = dout です。"""
    mm, mv = np.array([4.0]), np.array([8.0])
    _, cache = impl.batchnorm_forward(
        col(1, 3, 5, 7), np.array([3.0]), np.array([1.0]), mm, mv, epsilon=1.0, training=False
    )
    call = say(
        "batchnorm_backward(dout (3, 0, 0, 0), cache of an inference call)",
        "batchnorm_backward(dout (3, 0, 0, 0), 推論時の呼び出しの cache)",
    )
    dx, dgamma, dbeta = impl.batchnorm_backward(col(3, 0, 0, 0), cache)
    # xhat = (x - 4) / sqrt(8 + 1) = (-1, -1/3, 1/3, 1). The moving statistics are constants,
    # so dx = gamma * inv_std * dout; the training formula would give (1.5, -1, -0.5, 0).
    expect_not_bn(
        dx,
        col(1.5, -1.0, -0.5, 0.0),
        f"{call} -> dx",
        "the training formula (paths through mu and var) at inference, where the moving "
        "statistics are constants: dx = gamma * inv_std * dout",
        "推論時に学習時の式 (mu と var を通る経路) を使っています。推論では移動統計量は定数です: "
        "dx = gamma * inv_std * dout",
    )
    expect_not_bn(
        np.concatenate([np.ravel(dgamma), np.ravel(dbeta)]),
        [-0.75, 0.75],
        f"{call} -> (dgamma, dbeta)",
        "exactly 1/4 (1/N) of the expected (-3, 3): averaged over the batch instead of summed? "
        "The 1/N is already in dout.",
        "期待値 (-3, 3) のちょうど 1/4 (1/N) です: バッチ方向に和ではなく平均していませんか? "
        "1/N はすでに dout に含まれています。",
    )
    expect_not_bn(
        dgamma,
        [3.0],
        f"{call} -> dgamma",
        "sum(dout), dbeta's formula; gamma multiplies xhat, so dgamma = sum(dout * xhat) = -3",
        "sum(dout) で、dbeta の式です。gamma は xhat に掛かるので dgamma = sum(dout * xhat) = -3 "
        "です",
    )
    expect_close(dx, col(3.0, 0.0, 0.0, 0.0), f"{call} -> dx", **TIGHT)
    expect_close(dgamma, np.array([-3.0]), f"{call} -> dgamma", **TIGHT)
    expect_close(dbeta, np.array([3.0]), f"{call} -> dbeta", **TIGHT)


@pytest.mark.hint(3)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=seeds)
def test_inference_backward_gradient_check(impl, n, d, seed):
    """Inference gradient check (float64, random dout): mu and var are constants there.
    ja: 推論時の勾配チェック (float64、ランダムな dout): そこでは mu と var は定数です。"""
    x, gamma, beta, rng = make(n, d, seed)
    mm, mv = moving_stats(rng, d)
    dout = rng.standard_normal((n, d))
    check_gradients(impl, x, gamma, beta, mm, mv, dout, training=False)


@pytest.mark.mistake("mu and var treated as constants")
@pytest.mark.hint(4)
def test_training_backward_by_hand(impl):
    """Worked column, dout (3, 0, 0, 0): dbeta 3, dgamma -3, dx (1, -2/3, -1/3, 0).
    ja: 計算例の列、dout (3, 0, 0, 0): dbeta 3、dgamma -3、dx (1, -2/3, -1/3, 0) です。"""
    _, cache, _, _ = worked_column(impl)
    grads = impl.batchnorm_backward(col(3, 0, 0, 0), cache)
    call = say(
        "batchnorm_backward(dout (3, 0, 0, 0), cache of the worked column)",
        "batchnorm_backward(dout (3, 0, 0, 0), 計算例の列の cache)",
    )
    dx, dgamma, dbeta = grads
    expect_not_bn(
        dbeta,
        [0.75],
        f"{call} -> dbeta",
        "exactly 1/4 (1/N) of the expected 3: averaged over the batch instead of summed? The "
        "1/N is already in dout.",
        "期待値 3 のちょうど 1/4 (1/N) です: バッチ方向に和ではなく平均していませんか? 1/N は"
        "すでに dout に含まれています。",
    )
    expect_not_bn(
        dgamma,
        [3.0],
        f"{call} -> dgamma",
        "sum(dout), dbeta's formula; gamma multiplies xhat, so dgamma = sum(dout * xhat) = -3",
        "sum(dout) で、dbeta の式です。gamma は xhat に掛かるので dgamma = sum(dout * xhat) = -3 "
        "です",
    )
    expect_not_bn(
        dx,
        col(2.0, 0.0, 0.0, 0.0),
        f"{call} -> dx",
        "gamma * inv_std * dout, the inference gradient: in training mu and var depend on x, "
        "so dx has paths through them",
        "gamma * inv_std * dout で、推論時の勾配です: 学習時は mu と var が x に依存するので、"
        "dx にはそれらを通る経路があります",
    )
    expect_not_bn(
        dx,
        col(1.5, -0.5, -0.5, -0.5),
        f"{call} -> dx",
        "the path through mu is there but not the one through var: dx = inv_std * (dxhat - "
        "mean(dxhat) - xhat * mean(dxhat * xhat))",
        "mu を通る経路はありますが var を通る経路がありません: dx = inv_std * (dxhat - "
        "mean(dxhat) - xhat * mean(dxhat * xhat))",
    )
    expect_close(dbeta, np.array([3.0]), f"{call} -> dbeta", **TIGHT)
    # dgamma = sum(dout * xhat) = 3 * (-1): without xhat it would be +3.
    expect_close(dgamma, np.array([-3.0]), f"{call} -> dgamma", **TIGHT)
    # dxhat = gamma * dout = (6, 0, 0, 0), inv_std = 1/3, and dx = inv_std * (dxhat
    # - mean(dxhat) - xhat * mean(dxhat * xhat)) = (1/3) * ((6, 0, 0, 0) - 1.5 + 1.5 * xhat).
    # Treating mu and var as constants would give gamma * inv_std * dout = (2, 0, 0, 0).
    expect_close(dx, col(1.0, -2 / 3, -1 / 3, 0.0), f"{call} -> dx", **TIGHT)


@pytest.mark.hint(4)
@given(n=st.integers(2, 6), d=st.integers(1, 4), seed=seeds)
def test_training_dx_columns_sum_to_zero(impl, n, d, seed):
    """Training: shifting a column of x changes no output, so each column of dx sums to 0.
    ja: 学習時: x の列を平行移動しても出力は変わらないので、dx の各列の和は 0 です。"""
    x, gamma, beta, rng = make(n, d, seed)
    _, cache = impl.batchnorm_forward(x, gamma, beta, np.zeros(d), np.ones(d), training=True)
    dx, _, _ = impl.batchnorm_backward(rng.standard_normal((n, d)), cache)
    dx = expect_shape(dx, (n, d), "batchnorm_backward(dout, cache) -> dx")
    # inv_std <= 1/sqrt(eps) = 32 (a nearly constant column), |gamma| <= 2 and |dout| ~ 1, so
    # the entries stay below a few hundred and a sum of six carries rounding under 1e-12.
    # 1e-10 is far above that and far below the sum left by a missing path through mu.
    expect_close(
        dx.sum(axis=0),
        np.zeros(d),
        say(
            f"column sums of dx after training on x {x.shape}",
            f"x {x.shape} で学習したあとの dx の列ごとの和",
        ),
        atol=1e-10,
    )


@pytest.mark.hint(4)
@given(n=st.integers(3, 7), d=st.integers(1, 4), seed=seeds)
def test_training_backward_gradient_check(impl, n, d, seed):
    """Training gradient check (float64, random dout): dx includes the paths through mu and var.
    ja: 学習時の勾配チェック (float64、ランダムな dout): dx は mu と var を通る経路を含みます。"""
    x, gamma, beta, rng = make(n, d, seed)
    mm, mv = moving_stats(rng, d)
    dout = rng.standard_normal((n, d))
    check_gradients(impl, x, gamma, beta, mm, mv, dout, training=True)


def offset_batch(dtype, offset, n=32, d=3, seed=4):
    """offset + z with z of sample mean 0 and sample std 1 per column, rounded to ``dtype``."""
    z = np.random.default_rng(seed).standard_normal((n, d))
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    return (offset + z).astype(dtype)


@pytest.mark.mistake("one-pass variance")
@pytest.mark.hint(2)
@pytest.mark.parametrize(
    ("dtype", "offset", "atol"),
    [
        # Tolerances: the batch mean of n = 32 values near `offset`, summed in x's dtype in any
        # order, is off by at most n * u * offset (u: the unit roundoff, 6e-8 in float32 and
        # 1.1e-16 in float64), plus half an ulp when stored: 0.019 + 0.0005 in float32 and
        # 3.6e-7 + 7e-9 in float64. With a spread of 1 that is the error of xhat, so 0.03 and 1e-6.
        # mean(x**2) - mean(x)**2 loses everything here: x**2 ~ offset**2 is rounded to a
        # multiple of 8 (float32) or 2 (float64), so that "variance" is 0, negative (NaN) or a
        # few units, and xhat is off by a factor of 3 or more.
        (np.float32, 1e4, 0.03),
        (np.float64, 1e8, 1e-6),
    ],
    ids=["float32_offset_1e4", "float64_offset_1e8"],
)
def test_a_large_offset_does_not_ruin_the_variance(impl, dtype, offset, atol):
    """x = 1e4 + N(0, 1) in float32, 1e8 + N(0, 1) in float64: compute var as mean((x - mu)^2).
    ja: float32 で x = 1e4 + N(0, 1)、float64 で 1e8 + N(0, 1): var は mean((x - mu)^2) で計算します。"""
    x = offset_batch(dtype, offset)
    d = x.shape[1]
    gamma, beta = np.array([1.0, 2.0, -0.5], dtype), np.array([0.0, 1.0, 3.0], dtype)
    mm, mv = np.zeros(d, dtype), np.ones(d, dtype)
    out, _ = impl.batchnorm_forward(x, gamma, beta, mm, mv, momentum=0.5, training=True)
    # The exact answer, from x's values in float64 with the two-pass (centred) variance.
    x64 = x.astype(np.float64)
    centred = x64 - x64.mean(axis=0)
    var = np.mean(centred**2, axis=0)
    expected = gamma * (centred / np.sqrt(var + 1e-3)) + beta
    call = f"batchnorm_forward(x = {offset:g} + N(0, 1) {x.shape} {np.dtype(dtype).name}, training)"
    expect_close(np.asarray(out, dtype=np.float64), expected, f"{call} -> out", rtol=0, atol=atol)
    # The moving variance averages the same batch variance (about 1): relative error ~atol.
    expect_close(
        np.asarray(mv, dtype=np.float64), 0.5 + 0.5 * var, f"{call} -> moving_variance", rtol=atol
    )


@pytest.mark.hint(4)
def test_training_backward_with_a_large_offset(impl):
    """dx, dgamma, dbeta stay right for x = 1e8 + N(0, 1) in float64 (no E[x^2] - mu^2 inside).
    ja: float64 の x = 1e8 + N(0, 1) でも dx・dgamma・dbeta は正しいままです (内部に E[x^2] - mu^2 なし)。"""
    x = offset_batch(np.float64, 1e8, n=8)
    d = x.shape[1]
    gamma, beta = np.array([1.0, 2.0, -0.5]), np.zeros(d)
    dout = np.random.default_rng(5).standard_normal(x.shape)
    _, cache = impl.batchnorm_forward(x, gamma, beta, np.zeros(d), np.ones(d), training=True)
    dx, dgamma, dbeta = impl.batchnorm_backward(dout, cache)
    centred = x - x.mean(axis=0)
    inv_std = 1 / np.sqrt(np.mean(centred**2, axis=0) + 1e-3)
    xhat = centred * inv_std
    n = x.shape[0]
    expected_dx = (gamma * inv_std / n) * (
        n * dout - dout.sum(axis=0) - xhat * (dout * xhat).sum(axis=0)
    )
    call = say(
        "batchnorm_backward(dout, cache of x = 1e8 + N(0, 1) (8, 3) float64, training)",
        "batchnorm_backward(dout, x = 1e8 + N(0, 1) (8, 3) float64 の学習時の cache)",
    )
    # Entries of order 1 from xhat, which is good to 8 * 1.1e-16 * 1e8 ~ 1e-7 (see above): 1e-6.
    expect_close(dx, expected_dx, f"{call} -> dx", rtol=0, atol=1e-6)
    expect_close(dgamma, (dout * xhat).sum(axis=0), f"{call} -> dgamma", rtol=0, atol=1e-6)
    expect_close(dbeta, dout.sum(axis=0), f"{call} -> dbeta", **TIGHT)


@pytest.mark.mistake("dout overwritten")
@pytest.mark.hint(3)
@pytest.mark.parametrize("training", [True, False])
def test_backward_leaves_dout_and_the_cache_alone(impl, training):
    """Backward writes into neither dout nor the cache: a second call gives the same gradients.
    ja: 逆伝播は dout にもキャッシュにも書き込みません: 2 回目の呼び出しでも同じ勾配です。"""
    x, gamma, beta, rng = make(5, 3, 6)
    mm, mv = moving_stats(rng, 3)
    dout = rng.standard_normal((5, 3))
    before = dout.copy()
    _, cache = impl.batchnorm_forward(x, gamma, beta, mm, mv, training=training)
    first = [np.array(g, copy=True) for g in impl.batchnorm_backward(dout, cache)]
    call = f"batchnorm_backward(dout, cache) (training={training})"
    assert np.array_equal(dout, before), say(
        f"{call} changed dout in place", f"{call} が dout をその場で書き換えました"
    )
    second = impl.batchnorm_backward(dout, cache)
    for name, a, b in zip(("dx", "dgamma", "dbeta"), first, second, strict=True):
        expect_close(
            b,
            a,
            say(f"{call} called a second time -> {name}", f"{call} の 2 回目の呼び出し -> {name}"),
            rtol=0,
            atol=0,
        )
