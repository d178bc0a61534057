"""Tests for kata 9 (Adam). ``impl`` is the module under test.

The hand-worked examples use beta_1 = 0.5 and beta_2 = 0.75: exact in binary, so every moment is
a small exact number and the expected values can be checked on paper.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, say
from scratch.optimizers import adam_update as reference_adam

# A gradient value away from 0 and from overflow, of either sign.
gradients = st.floats(0.01, 100.0).flatmap(lambda c: st.sampled_from([c, -c]))
# float64, a few correctly rounded operations per step: 1e-12 relative leaves a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-15}


def arr(*values):
    return np.array(values, dtype=np.float64)


@pytest.mark.mistake("rebinds m and v")
@pytest.mark.hint(1)
def test_updates_param_and_moments_in_place(impl):
    """Step 1 from m = v = 0, g = 2: m = 0.1 * 2, v = 0.001 * 4, param moves (all in place).
    ja: m = v = 0、g = 2 からの 1 ステップ目: m = 0.1 * 2、v = 0.001 * 4 となり、param が動きます (すべてその場で)。"""
    param, m, v = arr(1.0), arr(0.0), arr(0.0)
    impl.adam_update(param, arr(2.0), m, v, 0.001, 1)
    assert not np.allclose(m, 0.001 * 2.0), say(
        "adam_update(..., t=1) left m = 0.002 = (1 - 0.999) * 2, expected 0.2 = (1 - 0.9) * 2: "
        "beta_1 and beta_2 are swapped (m decays with beta_1 = 0.9, v with beta_2 = 0.999)",
        "adam_update(..., t=1) のあと m = 0.002 = (1 - 0.999) * 2 になりました。期待値は "
        "0.2 = (1 - 0.9) * 2 です: beta_1 と beta_2 が逆です (m は beta_1 = 0.9、v は "
        "beta_2 = 0.999 で減衰します)",
    )
    expect_close(
        m,
        arr(0.1 * 2.0),
        say(
            "adam_update(..., t=1) -> m (updated in place?)",
            "adam_update(..., t=1) -> m (その場で更新しましたか?)",
        ),
        **TIGHT,
    )
    expect_close(
        v,
        arr(0.001 * 4.0),
        say(
            "adam_update(..., t=1) -> v (updated in place?)",
            "adam_update(..., t=1) -> v (その場で更新しましたか?)",
        ),
        **TIGHT,
    )
    assert param[0] != 1.0, say(
        "adam_update left param unchanged: write `param -= ...`",
        "adam_update のあとも param が変わっていません: `param -= ...` と書いてください",
    )


@pytest.mark.mistake("bias correction missing or wrong")
@pytest.mark.hint(1)
@given(c=gradients)
def test_first_step_has_size_lr(impl, c):
    """Step 1 from zero moments moves each parameter by lr * sign(g), whatever the scale of g.
    ja: モーメントが 0 からの 1 ステップ目は、g の大きさによらず各パラメータを lr * sign(g) だけ動かします。"""
    lr = 0.001
    param, m, v = arr(0.0), arr(0.0), arr(0.0)
    impl.adam_update(param, arr(c), m, v, lr, 1)
    call = say(
        f"first step of adam_update(param 0, grad {c:.6g}, m 0, v 0, lr {lr}, t=1)",
        f"adam_update(param 0, grad {c:.6g}, m 0, v 0, lr {lr}, t=1) の 1 ステップ目",
    )
    assert np.all(np.isfinite(param)), say(
        f"{call} gave param {float(param[0]):.6g}: with t=1 the corrections divide by "
        "1 - beta^1; counting from 0 (beta^(t - 1)) divides 0 by 0",
        f"{call} の param が {float(param[0]):.6g} になりました: t=1 なら補正は 1 - beta^1 で"
        "割ります。0 から数える (beta^(t - 1)) と 0 を 0 で割ります",
    )
    ratio = abs(float(param[0])) / lr
    for value, en, ja in (
        (
            0.1 / np.sqrt(0.001),
            "3.16 = 0.1 / sqrt(0.001): no bias correction at all?",
            "3.16 = 0.1 / sqrt(0.001) です: バイアス補正がまったくないのでは?",
        ),
        (
            1 / np.sqrt(0.001),
            "31.6 = 1 / sqrt(0.001): only m is bias-corrected, not v?",
            "31.6 = 1 / sqrt(0.001) です: m だけ補正して v を補正していないのでは?",
        ),
        (
            (0.1 / 0.19) / np.sqrt(0.001 / (1 - 0.999**2)),
            "0.744: the corrections use beta^(t + 1), but t already counts from 1?",
            "0.744 です: t はすでに 1 から数えているのに、補正に beta^(t + 1) を使っていませんか?",
        ),
    ):
        assert not np.isclose(ratio, value, rtol=1e-3), say(
            f"{call} moved param by {ratio:.4g} lr, expected lr: {en}",
            f"{call} で param が {ratio:.4g} lr だけ動きました。期待値は lr です: {ja}",
        )


@pytest.mark.hint(1)
@given(c=gradients)
def test_first_step_is_lr_times_the_sign(impl, c):
    """Step 1 from zero moments: param moves by lr * sign(g) within 1e-3 relative.
    ja: モーメントが 0 からの 1 ステップ目: param は相対 1e-3 以内で lr * sign(g) だけ動きます。"""
    lr = 0.001
    param, m, v = arr(0.0), arr(0.0), arr(0.0)
    impl.adam_update(param, arr(c), m, v, lr, 1)
    call = say(
        f"first step of adam_update(param 0, grad {c:.6g}, m 0, v 0, lr {lr}, t=1)",
        f"adam_update(param 0, grad {c:.6g}, m 0, v 0, lr {lr}, t=1) の 1 ステップ目",
    )
    # Bias corrected: m_hat = g and v_hat = g^2 exactly, so the step is
    # lr * g / (|g| + eps / sqrt(1 - beta_2)); with eps 1e-7 and |g| >= 0.01 the eps term shifts
    # it by at most 3.2e-6 / 0.01 = 3.2e-4 relative, inside rtol 1e-3. Without the corrections
    # the step would be lr * 0.1 / sqrt(0.001) = 3.16 lr.
    expect_close(
        -param,
        arr(lr * np.sign(c)),
        call,
        rtol=1e-3,
    )


@pytest.mark.hint(1)
def test_zero_gradient_from_zero_state_is_a_zero_step(impl):
    """g = 0 with m = v = 0 gives a step of 0 / (0 + eps) = 0: no NaN (eps is there for this).
    ja: m = v = 0 で g = 0 ならステップは 0 / (0 + eps) = 0 です: NaN になりません (eps はこのためにあります)。"""
    param, m, v = arr(0.5, -0.5), arr(0.0, 0.0), arr(0.0, 0.0)
    impl.adam_update(param, arr(0.0, 0.0), m, v, 0.001, 1)
    expect_close(param, arr(0.5, -0.5), "adam_update(grad 0, m 0, v 0, t=1) -> param")


@pytest.mark.hint(2)
@given(c=gradients, steps=st.integers(2, 20))
def test_constant_gradient_every_step_has_size_lr(impl, c, steps):
    """With a constant gradient (eps 0) bias correction makes every step exactly lr * sign(g).
    ja: 一定の勾配 (eps 0) では、バイアス補正によりどのステップもちょうど lr * sign(g) です。"""
    lr = 0.01
    param, m, v = arr(0.0), arr(0.0), arr(0.0)
    for t in range(1, steps + 1):
        before = param.copy()
        impl.adam_update(param, arr(c), m, v, lr, t, epsilon=0.0)
        # m = (1 - beta_1^t) c and v = (1 - beta_2^t) c^2, so m_hat = c and v_hat = c^2.
        # A dozen roundings per step, each 1.1e-16 relative: 1e-10 is a wide margin.
        expect_close(
            before - param,
            arr(lr * np.sign(c)),
            say(
                f"step t={t} of adam_update with constant grad {c:.6g}",
                f"一定の grad {c:.6g} での adam_update のステップ t={t}",
            ),
            rtol=1e-10,
        )


@pytest.mark.mistake("betas swapped or t off by one")
@pytest.mark.hint(2)
def test_two_steps_by_hand(impl):
    """beta 0.5/0.75, eps 0, lr 0.1: g=2 gives m=1, v=1, param 0.9; g=3 gives m=2, v=3.
    ja: beta 0.5/0.75、eps 0、lr 0.1: g=2 で m=1、v=1、param 0.9。g=3 で m=2、v=3 です。"""
    param, m, v = arr(1.0), arr(0.0), arr(0.0)
    kw = {"beta_1": 0.5, "beta_2": 0.75, "epsilon": 0.0}
    impl.adam_update(param, arr(2.0), m, v, 0.1, 1, **kw)
    # m = 0.5 * 2 = 1, v = 0.25 * 4 = 1; alpha = 0.1 * sqrt(0.25) / 0.5 = 0.1; step 0.1 * 1 / 1.
    assert not (np.allclose(m, 0.5) and np.allclose(v, 2.0)), say(
        "step 1 left m = 0.5 = 0.25 * 2 and v = 2 = 0.5 * 4, expected m = 1 and v = 1: beta_1 "
        "and beta_2 are swapped (m decays with beta_1, v with beta_2)",
        "1 ステップ目のあと m = 0.5 = 0.25 * 2、v = 2 = 0.5 * 4 になりました。期待値は m = 1、"
        "v = 1 です: beta_1 と beta_2 が逆です (m は beta_1、v は beta_2 で減衰します)",
    )
    plus_one = 1 - 0.1 * np.sqrt(1 - 0.75**2) / (1 - 0.5**2)
    assert not np.allclose(param, plus_one), say(
        f"step 1 moved param to {plus_one:.6g}, expected 0.9: the corrections use beta^(t + 1); "
        "t already counts from 1, so use beta^t",
        f"1 ステップ目で param が {plus_one:.6g} になりました。期待値は 0.9 です: 補正に "
        "beta^(t + 1) を使っています。t はすでに 1 から数えているので beta^t を使ってください",
    )
    expect_close(m, arr(1.0), "step 1 -> m", **TIGHT)
    expect_close(v, arr(1.0), "step 1 -> v", **TIGHT)
    expect_close(param, arr(0.9), "step 1 -> param", **TIGHT)
    impl.adam_update(param, arr(3.0), m, v, 0.1, 2, **kw)
    # m = 1 + (3 - 1) * 0.5 = 2, v = 1 + (9 - 1) * 0.25 = 3;
    # alpha = 0.1 * sqrt(1 - 0.75^2) / (1 - 0.5^2); step = alpha * 2 / sqrt(3) = 0.10183...
    expect_close(m, arr(2.0), "step 2 -> m", **TIGHT)
    expect_close(v, arr(3.0), "step 2 -> v", **TIGHT)
    alpha = 0.1 * np.sqrt(1 - 0.75**2) / (1 - 0.5**2)
    expect_close(param, arr(0.9 - alpha * 2.0 / np.sqrt(3.0)), "step 2 -> param", **TIGHT)


@pytest.mark.mistake("epsilon inside the root")
@pytest.mark.hint(3)
def test_epsilon_is_added_after_the_root(impl):
    """eps 0.5, g 1, beta 0.5/0.75: m 0.5, v 0.25; step 0.1 * 0.5 / (sqrt(0.25) + 0.5) = 0.05.
    ja: eps 0.5、g 1、beta 0.5/0.75: m 0.5、v 0.25、ステップ 0.1 * 0.5 / (sqrt(0.25) + 0.5) = 0.05 です。"""
    param, m, v = arr(1.0), arr(0.0), arr(0.0)
    impl.adam_update(param, arr(1.0), m, v, 0.1, 1, beta_1=0.5, beta_2=0.75, epsilon=0.5)
    # eps inside the root, sqrt(v + eps): step 0.0577...; the book's Eq. 11-8 literally,
    # sqrt(v_hat + eps) with v_hat = 1: step 0.1 / sqrt(1.5) = 0.0816...
    step = 1.0 - float(param[0])
    for value, en, ja in (
        (
            0.1 * 0.5 / np.sqrt(0.75),
            "eps inside the root of the uncorrected v, sqrt(v + eps)",
            "補正前の v の平方根の中に eps を入れています (sqrt(v + eps))",
        ),
        (
            0.1 / np.sqrt(1.5),
            "the book's Eq. 11-8 literally, sqrt(v_hat + eps)",
            "本書の式 11-8 をそのまま使っています (sqrt(v_hat + eps))",
        ),
    ):
        assert not np.isclose(step, value, rtol=1e-6), say(
            f"adam_update(grad 1, lr 0.1, t=1, eps 0.5) took a step of {step:.6g}, expected "
            f"0.05: {en}. Keras adds epsilon after the root: lr_t * m / (sqrt(v) + eps).",
            f"adam_update(grad 1, lr 0.1, t=1, eps 0.5) のステップが {step:.6g} でした。期待値は "
            f"0.05 です: {ja}。Keras は平方根のあとに epsilon を足します: "
            "lr_t * m / (sqrt(v) + eps)。",
        )
    expect_close(param, arr(0.95), "adam_update(grad 1, lr 0.1, t=1, eps 0.5) -> param", **TIGHT)


@pytest.mark.mistake("v_hat slot never remembers the maximum")
@pytest.mark.hint(3)
def test_amsgrad_two_steps_by_hand(impl):
    """AMSGrad divides by v_hat = max(v_hat, v): after g=2 then g=0, v_hat stays 1, v is 0.75.
    ja: AMSGrad は v_hat = max(v_hat, v) で割ります: g=2 のあと g=0 で、v_hat は 1 のまま、v は 0.75 です。"""
    param, m, v, v_hat = arr(1.0), arr(0.0), arr(0.0), arr(0.0)
    kw = {"beta_1": 0.5, "beta_2": 0.75, "epsilon": 0.0, "v_hat": v_hat}
    impl.adam_update(param, arr(2.0), m, v, 0.1, 1, **kw)
    expect_close(
        v_hat,
        arr(1.0),
        say(
            "AMSGrad step 1 -> v_hat (updated in place?)",
            "AMSGrad のステップ 1 -> v_hat (その場で更新しましたか?)",
        ),
        **TIGHT,
    )
    expect_close(param, arr(0.9), "AMSGrad step 1 -> param", **TIGHT)
    impl.adam_update(param, arr(0.0), m, v, 0.1, 2, **kw)
    # m = 0.5, v = 0.75 (v itself is not replaced by v_hat), v_hat = max(1, 0.75) = 1.
    expect_close(v, arr(0.75), "AMSGrad step 2 -> v", **TIGHT)
    expect_close(v_hat, arr(1.0), "AMSGrad step 2 -> v_hat", **TIGHT)
    alpha = 0.1 * np.sqrt(1 - 0.75**2) / (1 - 0.5**2)
    # Plain Adam would divide by sqrt(0.75) here instead of sqrt(1).
    expect_close(param, arr(0.9 - alpha * 0.5 / 1.0), "AMSGrad step 2 -> param", **TIGHT)


@pytest.mark.hint(3)
@given(seed=st.integers(0, 2**16), amsgrad=st.booleans())
def test_matches_the_reference_on_random_steps(impl, seed, amsgrad):
    """Ten Adam steps on random float64 data agree with scratch (default betas, with AMSGrad).
    ja: float64 のランダムなデータで Adam を 10 ステップ: scratch と一致します (既定の beta、AMSGrad あり)。"""
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((10, 4)) * rng.choice([1e-3, 1.0, 1e3], size=4)
    start = rng.standard_normal(4)
    states = []
    for fn in (impl.adam_update, reference_adam):
        param, m, v = start.copy(), np.zeros(4), np.zeros(4)
        v_hat = np.zeros(4) if amsgrad else None
        for t, g in enumerate(grads, start=1):
            fn(param, g, m, v, 0.01, t, v_hat=v_hat)
        states.append((param, m, v))
    call = f"10 adam_update steps (amsgrad={amsgrad})"
    # The same float64 operations, perhaps in another order: a few ulps apart.
    for name, mine, ref in zip(("param", "m", "v"), *states, strict=True):
        expect_close(mine, ref, f"{call} -> {name}", rtol=1e-10, atol=1e-14)


@pytest.mark.hint(3)
def test_float32_stays_float32(impl):
    """float32 arrays stay float32 and follow float64 math to float32 precision over 10 steps.
    ja: float32 の配列は float32 のままで、10 ステップの間 float32 の精度で float64 の計算に従います。"""
    rng = np.random.default_rng(1)
    grads, start = rng.standard_normal((10, 6)), rng.standard_normal(6)
    results = {}
    for dtype in (np.float32, np.float64):
        param, m, v = start.astype(dtype), np.zeros(6, dtype), np.zeros(6, dtype)
        for t, g in enumerate(grads, start=1):
            impl.adam_update(param, g.astype(dtype), m, v, 0.01, t)
        for name, a in (("param", param), ("m", m), ("v", v)):
            assert a.dtype == dtype, say(
                f"adam_update turned {dtype.__name__} {name} into {a.dtype}",
                f"adam_update が {dtype.__name__} の {name} を {a.dtype} に変えました",
            )
        results[dtype] = param
    # Each step is ~lr = 0.01 computed with float32 roundings (6e-8 relative); ten steps move
    # param by ~0.1, so the float32 path may drift ~1e-7 absolute from float64: 1e-6 is safe.
    expect_close(
        results[np.float32],
        results[np.float64].astype(np.float32),
        "float32 param",
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.mistake("works in the gradient's buffer")
@pytest.mark.hint(1)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_leaves_the_gradient_alone(impl, amsgrad):
    """grad is read, never written: the caller (a clipping step, a logger) may still need it.
    ja: grad は読むだけで書き換えません: 呼び出し側 (クリッピングやログ) がまだ使うかもしれません。"""
    g = arr(0.3, -0.7, 2.0)
    param, m, v = arr(1.0, 2.0, 3.0), arr(0.1, 0.1, 0.1), arr(0.2, 0.2, 0.2)
    impl.adam_update(param, g, m, v, 0.01, 3, v_hat=arr(0.5, 0.0, 0.0) if amsgrad else None)
    assert np.array_equal(g, [0.3, -0.7, 2.0]), say(
        f"adam_update (amsgrad={amsgrad}) modified its grad argument in place: update m and v "
        "with new arrays or in their own buffers, never in grad's",
        f"adam_update (amsgrad={amsgrad}) が引数 grad をその場で書き換えました: m と v は新しい"
        "配列かそれぞれのバッファで更新し、grad のバッファは使わないでください",
    )
