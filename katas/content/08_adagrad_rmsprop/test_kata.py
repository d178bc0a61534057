"""Tests for kata 8 (AdaGrad and RMSProp). ``impl`` is the module under test.

Expected values are worked out by hand (numbers chosen so that every square root is exact) or
from closed forms; one property test compares with ``scratch`` on random inputs.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, say
from scratch.optimizers import rmsprop_update as reference_rmsprop

# A gradient value away from 0 (where a step is 0/0) and from overflow, of either sign.
gradients = st.floats(0.01, 100.0).flatmap(lambda c: st.sampled_from([c, -c]))
# In float64 every step below is a handful of correctly rounded operations; 1e-12 relative
# leaves a factor of ~10^3 over the accumulated rounding (about 30 steps x a few ulps).
TIGHT = {"rtol": 1e-12, "atol": 1e-15}


def arr(*values):
    return np.array(values, dtype=np.float64)


# ------------------------------------------------------------------------------- AdaGrad


@pytest.mark.mistake("AdaGrad |g| or no square root")
@pytest.mark.hint(1)
def test_adagrad_one_step_by_hand(impl):
    """AdaGrad, one step: acc [0, 7] + 3^2 = [9, 16]; param 1 - 0.1 * 3 / [3, 4] = [0.9, 0.925].
    ja: AdaGrad の 1 ステップ: acc [0, 7] + 3^2 = [9, 16]、param 1 - 0.1 * 3 / [3, 4] = [0.9, 0.925] です。"""
    param, acc = arr(1.0, 1.0), arr(0.0, 7.0)
    impl.adagrad_update(param, arr(3.0, 3.0), acc, 0.1, 0.0)
    assert not np.allclose(acc, [3.0, 10.0]), say(
        "adagrad_update(...) left acc = [3, 10] = [0, 7] + |3|, expected [9, 16]: accumulate "
        "the squared gradient g * g, not |g|",
        "adagrad_update(...) のあと acc = [3, 10] = [0, 7] + |3| になりました。期待値は [9, 16] "
        "です: |g| ではなく勾配の 2 乗 g * g を蓄積してください",
    )
    assert not np.allclose(param, 1 - 0.3 / np.array([9.0, 16.0])), say(
        "adagrad_update(...) moved param by 0.1 * 3 / acc, expected 0.1 * 3 / sqrt(acc): "
        "the square root is missing",
        "adagrad_update(...) で param が 0.1 * 3 / acc だけ動きました。期待値は "
        "0.1 * 3 / sqrt(acc) です: 平方根が抜けています",
    )


@pytest.mark.hint(1)
def test_adagrad_one_step_values(impl):
    """The same AdaGrad step: acc = [9, 16] and param = [0.9, 0.925].
    ja: 同じ AdaGrad のステップ: acc = [9, 16]、param = [0.9, 0.925] です。"""
    param, acc = arr(1.0, 1.0), arr(0.0, 7.0)
    impl.adagrad_update(param, arr(3.0, 3.0), acc, 0.1, 0.0)
    expect_close(acc, arr(9.0, 16.0), "adagrad_update(...) -> acc", **TIGHT)
    expect_close(param, arr(0.9, 0.925), "adagrad_update(...) -> param", **TIGHT)


@pytest.mark.mistake("rebinds local names")
@pytest.mark.hint(1)
def test_adagrad_updates_in_place(impl):
    """AdaGrad changes the caller's param and acc arrays themselves (the slots live on).
    ja: AdaGrad は呼び出し側の param と acc の配列そのものを変えます (スロットは残り続けます)。"""
    param, acc = arr(1.0), arr(0.1)
    impl.adagrad_update(param, arr(2.0), acc, 0.1, 1e-7)
    assert acc[0] != 0.1, say(
        "adagrad_update left acc unchanged: write `acc += ...`; `acc = acc + ...` only rebinds "
        "a local name and the caller never sees the new accumulator",
        "adagrad_update のあとも acc が変わっていません: `acc += ...` と書いてください。"
        "`acc = acc + ...` はローカルな名前を付け替えるだけで、"
        "呼び出し側には新しい累積が見えません",
    )
    assert param[0] != 1.0, say(
        "adagrad_update left param unchanged: write `param -= ...`, not `param = param - ...`",
        "adagrad_update のあとも param が変わっていません: `param = param - ...` ではなく "
        "`param -= ...` と書いてください",
    )


@pytest.mark.mistake("epsilon outside the root")
@pytest.mark.hint(2)
def test_adagrad_epsilon_goes_inside_the_root(impl):
    """AdaGrad: acc 0 + 0.1^2 = 0.01; sqrt(0.01 + eps 0.03) = 0.2; step 0.1 * 0.1 / 0.2 = 0.05.
    ja: AdaGrad: acc 0 + 0.1^2 = 0.01、sqrt(0.01 + eps 0.03) = 0.2、ステップ 0.1 * 0.1 / 0.2 = 0.05 です。"""
    param, acc = arr(0.0), arr(0.0)
    impl.adagrad_update(param, arr(0.1), acc, 0.1, 0.03)
    # eps outside the root would give 0.1 * 0.1 / (0.1 + 0.03) = 0.0769...
    assert not np.allclose(param, -0.01 / 0.13), say(
        "adagrad_update(param 0, grad 0.1, acc 0, lr 0.1, eps 0.03) moved param to -0.0769 = "
        "-0.1 * 0.1 / (sqrt(0.01) + 0.03), expected -0.05: epsilon goes inside the square root, "
        "sqrt(acc + eps)",
        "adagrad_update(param 0, grad 0.1, acc 0, lr 0.1, eps 0.03) で param が -0.0769 = "
        "-0.1 * 0.1 / (sqrt(0.01) + 0.03) になりました。期待値は -0.05 です: epsilon は平方根の"
        "中、sqrt(acc + eps) に入れます",
    )
    expect_close(param, arr(-0.05), "adagrad_update(param 0, grad 0.1, acc 0, lr 0.1, eps 0.03)")


@pytest.mark.hint(2)
@given(c=gradients, steps=st.integers(1, 12))
def test_adagrad_step_shrinks_like_one_over_sqrt_t(impl, c, steps):
    """AdaGrad with a constant gradient c (acc 0, eps 0): step t is lr * sign(c) / sqrt(t).
    ja: 一定の勾配 c の AdaGrad (acc 0, eps 0): ステップ t は lr * sign(c) / sqrt(t) です。"""
    lr = 0.1
    param, acc = arr(0.0), arr(0.0)
    for t in range(1, steps + 1):
        before = param.copy()
        impl.adagrad_update(param, arr(c), acc, lr, 0.0)
        # acc = t c^2, so the step is lr |c| / sqrt(t c^2): the gradient's scale cancels and
        # the effective learning rate lr / sqrt(t) only ever decays.
        expect_close(
            before - param,
            arr(lr * np.sign(c) / np.sqrt(t)),
            say(
                f"step {t} of adagrad_update with constant grad {c:.6g}",
                f"一定の grad {c:.6g} での adagrad_update のステップ {t}",
            ),
            **TIGHT,
        )
    expect_close(
        acc,
        arr(steps * c * c),
        say(f"acc after {steps} steps", f"{steps} ステップ後の acc"),
        **TIGHT,
    )


@pytest.mark.hint(1)
@given(seed=st.integers(0, 2**16), steps=st.integers(1, 8))
def test_adagrad_accumulates_squared_gradients(impl, seed, steps):
    """AdaGrad's acc is its starting value plus the sum of every g * g seen so far.
    ja: AdaGrad の acc は初期値に、これまでのすべての g * g を足したものです。"""
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((steps, 5))
    param, acc = rng.standard_normal(5), np.full(5, 0.1)
    for g in grads:
        impl.adagrad_update(param, g, acc, 0.01, 1e-7)
    expect_close(
        acc,
        0.1 + (grads**2).sum(axis=0),
        say(f"acc after {steps} steps", f"{steps} ステップ後の acc"),
        **TIGHT,
    )


# ------------------------------------------------------------------------------- RMSProp


@pytest.mark.mistake("rho and 1 - rho swapped")
@pytest.mark.hint(1)
def test_rmsprop_two_steps_by_hand(impl):
    """RMSProp (rho 0.75, eps 0, lr 0.1): g=2 gives v=1, param 0.8; then g=1 gives v=1, 0.7.
    ja: RMSProp (rho 0.75, eps 0, lr 0.1): g=2 で v=1、param 0.8。次に g=1 で v=1、0.7 です。"""
    param, v = arr(1.0), arr(0.0)
    impl.rmsprop_update(param, arr(2.0), v, 0.1, 0.75, 0.0)
    # v = 0.75 * 0 + 0.25 * 4 = 1;  step = 0.1 * 2 / sqrt(1) = 0.2
    assert not np.allclose(v, 3.0), say(
        "rmsprop_update step 1 left v = 3 = 0.75 * 2^2, expected 1 = 0.25 * 2^2: rho and "
        "1 - rho are swapped (v = rho * v + (1 - rho) * g^2)",
        "rmsprop_update の 1 ステップ目のあと v = 3 = 0.75 * 2^2 になりました。期待値は "
        "1 = 0.25 * 2^2 です: rho と 1 - rho が逆です (v = rho * v + (1 - rho) * g^2)",
    )
    expect_close(v, arr(1.0), "rmsprop_update step 1 -> v", **TIGHT)
    expect_close(param, arr(0.8), "rmsprop_update step 1 -> param", **TIGHT)
    impl.rmsprop_update(param, arr(1.0), v, 0.1, 0.75, 0.0)
    # v = 0.75 * 1 + 0.25 * 1 = 1;  step = 0.1 * 1 / sqrt(1) = 0.1
    expect_close(v, arr(1.0), "rmsprop_update step 2 -> v", **TIGHT)
    expect_close(param, arr(0.7), "rmsprop_update step 2 -> param", **TIGHT)


@pytest.mark.mistake("epsilon outside the root")
@pytest.mark.hint(2)
def test_rmsprop_epsilon_goes_inside_the_root(impl):
    """RMSProp: v = 0.25 * 0.2^2 = 0.01; sqrt(0.01 + eps 0.03) = 0.2; step 0.1 * 0.2 / 0.2.
    ja: RMSProp: v = 0.25 * 0.2^2 = 0.01、sqrt(0.01 + eps 0.03) = 0.2、ステップ 0.1 * 0.2 / 0.2 です。"""
    param, v = arr(0.0), arr(0.0)
    impl.rmsprop_update(param, arr(0.2), v, 0.1, 0.75, 0.03)
    # eps outside the root would give 0.1 * 0.2 / (0.1 + 0.03) = 0.1538...
    assert not np.allclose(param, -0.02 / 0.13), say(
        "rmsprop_update(param 0, grad 0.2, v 0, lr 0.1, rho 0.75, eps 0.03) moved param to "
        "-0.1538 = -0.1 * 0.2 / (sqrt(0.01) + 0.03), expected -0.1: epsilon goes inside the "
        "square root, sqrt(v + eps), as in Keras",
        "rmsprop_update(param 0, grad 0.2, v 0, lr 0.1, rho 0.75, eps 0.03) で param が "
        "-0.1538 = -0.1 * 0.2 / (sqrt(0.01) + 0.03) になりました。期待値は -0.1 です: Keras と"
        "同じく epsilon は平方根の中、sqrt(v + eps) に入れます",
    )
    expect_close(
        param, arr(-0.1), "rmsprop_update(param 0, grad 0.2, v 0, lr 0.1, rho 0.75, eps 0.03)"
    )


@pytest.mark.hint(2)
@given(c=gradients, rho=st.sampled_from([0.5, 0.9, 0.99]), steps=st.integers(1, 30))
def test_rmsprop_velocity_is_an_exponential_average(impl, c, rho, steps):
    """RMSProp with a constant gradient c from v = 0: after t steps v = (1 - rho^t) c^2.
    ja: v = 0 から一定の勾配 c の RMSProp: t ステップ後 v = (1 - rho^t) c^2 です。"""
    param, v = arr(0.0), arr(0.0)
    for _ in range(steps):
        impl.rmsprop_update(param, arr(c), v, 0.001, rho, 1e-7)
    expect_close(
        v,
        arr((1 - rho**steps) * c * c),
        say(
            f"v after {steps} rmsprop_update steps with grad {c:.6g}, rho {rho}",
            f"grad {c:.6g}、rho {rho} で rmsprop_update を {steps} ステップ実行したあとの v",
        ),
        **TIGHT,
    )


@pytest.mark.hint(2)
def test_rmsprop_forgets_a_burst_of_large_gradients_adagrad_does_not(impl):
    """After 100 gradients of 10 and 150 of 0.1, RMSProp steps ~lr again; AdaGrad's step is tiny.
    ja: 勾配 10 を 100 回、0.1 を 150 回のあと、RMSProp のステップは再び約 lr、AdaGrad のステップはごく小さいです。"""
    lr, eps = 0.01, 1e-7
    w_ada, acc = arr(0.0), arr(0.1)
    w_rms, v = arr(0.0), arr(0.0)
    for g in [10.0] * 100 + [0.1] * 150:
        before_ada, before_rms = w_ada.copy(), w_rms.copy()
        impl.adagrad_update(w_ada, arr(g), acc, lr, eps)
        impl.rmsprop_update(w_rms, arr(g), v, lr, 0.9, eps)
    step_ada, step_rms = (before_ada - w_ada)[0], (before_rms - w_rms)[0]
    # AdaGrad: acc ~ 0.1 + 100 * 100 + 150 * 0.01 ~ 1e4, step = lr * 0.1 / 100 = lr / 1000.
    assert step_ada < lr / 100, say(
        f"AdaGrad's last step is {step_ada:.3g}; expected about lr/1000",
        f"AdaGrad の最後のステップが {step_ada:.3g} です。期待値は約 lr/1000 です",
    )
    # RMSProp: the burst is weighted by 0.9^150 ~ 1.4e-7, so v ~ 0.1^2 and step ~ lr.
    assert 0.9 * lr < step_rms < 1.1 * lr, say(
        f"RMSProp's last step is {step_rms:.3g}; expected about lr = {lr} (the exponential "
        "average has forgotten the large gradients)",
        f"RMSProp の最後のステップが {step_rms:.3g} です。期待値は約 lr = {lr} です "
        "(指数移動平均は大きな勾配を忘れています)",
    )


@pytest.mark.mistake("momentum slot not stored")
@pytest.mark.hint(3)
def test_rmsprop_momentum_two_steps_by_hand(impl):
    """RMSProp + momentum 0.5: steps 0.2 then 0.1 give mom 0.2 then 0.5*0.2 + 0.1 = 0.2.
    ja: RMSProp + momentum 0.5: ステップ 0.2 と 0.1 で mom は 0.2、次に 0.5*0.2 + 0.1 = 0.2 です。"""
    param, v, mom = arr(1.0), arr(0.0), arr(0.0)
    impl.rmsprop_update(param, arr(2.0), v, 0.1, 0.75, 0.0, momentum=0.5, mom=mom)
    expect_close(mom, arr(0.2), "rmsprop_update(momentum=0.5) step 1 -> mom", **TIGHT)
    expect_close(param, arr(0.8), "rmsprop_update(momentum=0.5) step 1 -> param", **TIGHT)
    impl.rmsprop_update(param, arr(1.0), v, 0.1, 0.75, 0.0, momentum=0.5, mom=mom)
    # Without momentum this step would be 0.1 (param 0.7, as in the two-step test).
    expect_close(mom, arr(0.2), "rmsprop_update(momentum=0.5) step 2 -> mom", **TIGHT)
    expect_close(param, arr(0.6), "rmsprop_update(momentum=0.5) step 2 -> param", **TIGHT)


@pytest.mark.mistake("centered subtracts a, not a^2")
@pytest.mark.hint(3)
def test_rmsprop_centered_one_step_by_hand(impl):
    """Centered RMSProp (rho 0.5): g=4 gives v=8, a=2, denom 8 - 2^2 = 4, step 0.1 * 4 / 2.
    ja: centered RMSProp (rho 0.5): g=4 で v=8、a=2、分母 8 - 2^2 = 4、ステップ 0.1 * 4 / 2 です。"""
    param, v, a = arr(1.0), arr(0.0), arr(0.0)
    impl.rmsprop_update(param, arr(4.0), v, 0.1, 0.5, 0.0, average_grad=a)
    assert not np.allclose(param, 1 - 0.4 / np.sqrt(6.0)), say(
        "centered rmsprop_update moved param to 1 - 0.1 * 4 / sqrt(8 - 2) = 0.837, expected "
        "0.8: subtract the square of the mean gradient, v - a^2, not a",
        "centered rmsprop_update で param が 1 - 0.1 * 4 / sqrt(8 - 2) = 0.837 になりました。"
        "期待値は 0.8 です: a ではなく平均勾配の 2 乗 v - a^2 を引いてください",
    )
    expect_close(v, arr(8.0), "centered rmsprop_update -> v", **TIGHT)
    expect_close(a, arr(2.0), "centered rmsprop_update -> average_grad", **TIGHT)
    # Subtracting a instead of a^2 would give 0.1 * 4 / sqrt(6) = 0.163...
    expect_close(param, arr(0.8), "centered rmsprop_update -> param", **TIGHT)


@pytest.mark.hint(3)
@given(
    seed=st.integers(0, 2**16),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    centered=st.booleans(),
)
def test_rmsprop_matches_the_reference_on_random_steps(impl, seed, momentum, centered):
    """Five RMSProp steps on random float64 data agree with scratch (any momentum, centered).
    ja: float64 のランダムなデータで RMSProp を 5 ステップ: scratch と一致します (momentum・centered を問わず)。"""
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((5, 4))
    start = rng.standard_normal(4)
    states = []
    for fn in (impl.rmsprop_update, reference_rmsprop):
        param, v = start.copy(), np.zeros(4)
        mom = np.zeros(4) if momentum > 0 else None
        a = np.zeros(4) if centered else None
        for g in grads:
            fn(param, g, v, 0.01, 0.9, 1e-7, momentum=momentum, mom=mom, average_grad=a)
        states.append((param, v))
    call = f"5 rmsprop_update steps (momentum={momentum}, centered={centered})"
    # Same operations in float64: only the order of a few roundings can differ.
    expect_close(states[0][1], states[1][1], call + " -> v", rtol=1e-10)
    expect_close(states[0][0], states[1][0], call + " -> param", rtol=1e-10, atol=1e-12)


@pytest.mark.hint(1)
def test_float32_stays_float32(impl):
    """Both updates keep float32 arrays float32 and agree with float64 math to float32 precision.
    ja: どちらの更新も float32 の配列を float32 のまま保ち、float32 の精度で float64 の計算と一致します。"""
    rng = np.random.default_rng(0)
    g64, p64 = rng.standard_normal(6), rng.standard_normal(6)
    for name, fn, slot0, args in (
        ("adagrad_update", impl.adagrad_update, 0.1, (0.01, 1e-7)),
        ("rmsprop_update", impl.rmsprop_update, 0.0, (0.01, 0.9, 1e-7)),
    ):
        p32, s32 = p64.astype(np.float32), np.full(6, slot0, dtype=np.float32)
        fn(p32, g64.astype(np.float32), s32, *args)
        assert p32.dtype == np.float32 and s32.dtype == np.float32, say(
            f"{name} changed the dtype", f"{name} が dtype を変えました"
        )
        p, s = p64.copy(), np.full(6, slot0)
        fn(p, g64.copy(), s, *args)
        # float32 keeps ~7 digits; a step is a few roundings of relative size 6e-8 each.
        expect_close(p32, p.astype(np.float32), f"{name} in float32", rtol=1e-5, atol=1e-6)


@pytest.mark.mistake("step computed in the gradient's buffer")
@pytest.mark.hint(1)
@pytest.mark.parametrize("variant", ["adagrad", "rmsprop", "rmsprop_momentum", "rmsprop_centered"])
def test_leaves_the_gradient_alone(impl, variant):
    """grad is read, never written: the caller (a clipping step, a logger) may still need it.
    ja: grad は読むだけで書き換えません: 呼び出し側 (クリッピングやログ) がまだ使うかもしれません。"""
    g = arr(0.3, -0.7, 2.0)
    param, slot = arr(1.0, 2.0, 3.0), arr(0.1, 0.1, 0.1)
    if variant == "adagrad":
        impl.adagrad_update(param, g, slot, 0.1, 1e-7)
    else:
        kwargs = {
            "rmsprop": {},
            "rmsprop_momentum": {"momentum": 0.9, "mom": np.zeros(3)},
            "rmsprop_centered": {"average_grad": np.zeros(3)},
        }[variant]
        impl.rmsprop_update(param, g, slot, 0.1, 0.9, 1e-7, **kwargs)
    assert np.array_equal(g, [0.3, -0.7, 2.0]), say(
        f"{variant.split('_')[0]}_update ({variant}) modified its grad argument in place: "
        "compute the step into a new array (or into the slots), not into grad",
        f"{variant.split('_')[0]}_update ({variant}) が引数 grad をその場で書き換えました: "
        "ステップは grad ではなく新しい配列 (またはスロット) に計算してください",
    )
