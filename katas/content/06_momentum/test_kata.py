"""Tests for kata 6 (SGD with momentum, Keras form). ``impl`` is the module under test.

Only ``nesterov=False`` is tested here; Nesterov is kata 7.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, say


def step(impl, w, g, m, lr, mu):
    """One call, named the way the failure messages show it."""
    impl.sgd_update(w, g, m, lr, mu)
    return f"sgd_update(param, grad, m, learning_rate={lr}, momentum={mu})"


@pytest.mark.hint(1)
def test_plain_sgd_step(impl):
    """momentum=0 is plain gradient descent: w -= lr * g (and m may be None).
    ja: momentum=0 はただの勾配降下法です: w -= lr * g (m は None でも構いません)。"""
    w = np.array([1.0, -2.0])
    impl.sgd_update(w, np.array([0.5, 1.0]), None, 0.1)
    # One multiply and one subtract per entry: exact up to a couple of ulps.
    expect_close(w, np.array([0.95, -2.1]), "sgd_update([1, -2], [0.5, 1], None, 0.1) -> param")


@pytest.mark.mistake("returns a new array")
@pytest.mark.hint(1)
@pytest.mark.parametrize("mu", [0.0, 0.9])
def test_updates_the_callers_arrays_in_place(impl, mu):
    """The caller's param (and m) change in place: the optimizer owns no copy of the weights.
    ja: 呼び出し側の param (と m) をその場で更新します: オプティマイザは重みのコピーを持ちません。"""
    w, m, g = np.array([1.0, 2.0]), np.array([0.5, -0.5]), np.array([1.0, 1.0])
    w_before, m_before = w.copy(), m.copy()
    impl.sgd_update(w, g, m if mu else None, 0.1, mu)
    assert not np.array_equal(w, w_before), say(
        f"after sgd_update(param, ..., momentum={mu}) the caller's param is unchanged: update it "
        "in place (param -= ..., param += ...), a new array returned is lost",
        f"sgd_update(param, ..., momentum={mu}) のあとも呼び出し側の param が変わっていません: "
        "その場で更新してください (param -= ..., param += ...)。返した新しい配列は捨てられます",
    )
    if mu:
        assert not np.array_equal(m, m_before), say(
            "after sgd_update(param, grad, m, ...) the caller's m is unchanged: the velocity "
            "must be updated in place too, or the next step starts from the old one",
            "sgd_update(param, grad, m, ...) のあとも呼び出し側の m が変わっていません: "
            "速度もその場で更新しないと、次のステップが古い速度から始まります",
        )


@pytest.mark.hint(1)
def test_leaves_the_gradient_alone(impl):
    """grad is read, never written.
    ja: grad は読むだけで書き換えません。"""
    g = np.array([0.3, -0.7])
    impl.sgd_update(np.zeros(2), g, np.zeros(2), 0.1, 0.9)
    assert np.array_equal(g, [0.3, -0.7]), say(
        "sgd_update modified its grad argument in place",
        "sgd_update が引数 grad をその場で書き換えました",
    )


@pytest.mark.mistake("velocity sign or order")
@pytest.mark.hint(2)
def test_one_momentum_step_by_hand(impl):
    """m=0.5, g=2, lr=0.1, momentum=0.9: m = 0.9*0.5 - 0.1*2 = 0.25, then w = 1 + 0.25.
    ja: m=0.5, g=2, lr=0.1, momentum=0.9: m = 0.9*0.5 - 0.1*2 = 0.25、そして w = 1 + 0.25 です。"""
    w, m = np.array([1.0]), np.array([0.5])
    call = step(impl, w, np.array([2.0]), m, 0.1, 0.9)
    if np.allclose(m, 0.65) and np.allclose(w, 1 - 0.1 * 0.65):
        return  # an average of the gradients, not a sign: test_terminal_velocity names it
    assert not np.allclose(m, 0.65), say(
        f"{call} left m = 0.65 = 0.9 * 0.5 + 0.1 * 2, expected 0.25: the gradient term is added, "
        "not subtracted. Keras stores m = momentum * m - lr * g and adds it to param (the "
        "book's Eq. 11-4 sign, m = momentum * m + lr * g with w -= m, belongs to another slot).",
        f"{call} のあと m = 0.65 = 0.9 * 0.5 + 0.1 * 2 になりました。期待値は 0.25 です: "
        "勾配の項を引かずに足しています。Keras は m = momentum * m - lr * g を保持して param に"
        "足します (本書の式 11-4 の符号 m = momentum * m + lr * g, w -= m は別の記法です)。",
    )
    assert not np.allclose(m, 0.3), say(
        f"{call} left m = 0.3 = 0.5 - 0.1 * 2, expected 0.25: the old velocity is not decayed "
        "(m = momentum * m - lr * g)",
        f"{call} のあと m = 0.3 = 0.5 - 0.1 * 2 になりました。期待値は 0.25 です: 古い速度が"
        "減衰していません (m = momentum * m - lr * g)",
    )
    assert not np.allclose(w, 1.5), say(
        f"{call} moved param to 1.5 = 1 + the old m (0.5), expected 1.25 = 1 + the new m: "
        "update m first, then move param with it",
        f"{call} で param が 1.5 = 1 + 古い m (0.5) になりました。期待値は 1.25 = 1 + 新しい m "
        "です: 先に m を更新し、その m で param を動かしてください",
    )


@pytest.mark.hint(2)
def test_one_momentum_step_values(impl):
    """The same step: m = 0.25 and param = 1.25 exactly.
    ja: 同じステップ: m = 0.25、param = 1.25 ちょうどです。"""
    w, m = np.array([1.0]), np.array([0.5])
    call = step(impl, w, np.array([2.0]), m, 0.1, 0.9)
    # A few float64 roundings on numbers of order 1: 1e-12 leaves room for any operation order.
    expect_close(m, np.array([0.25]), f"{call} -> m", rtol=1e-12)
    expect_close(w, np.array([1.25]), f"{call} -> param", rtol=1e-12)


# Not a named-mistake test: its exact values fail for most velocity mistakes, and a velocity
# that never decays is named first by test_one_momentum_step_by_hand.
@pytest.mark.hint(2)
def test_velocity_is_a_decaying_sum_of_past_gradients(impl):
    """One gradient of 1, then zeros: m = -lr, -lr*mu, -lr*mu^2, ... and w keeps coasting.
    ja: 勾配 1 を 1 回、あとは 0: m = -lr, -lr*mu, -lr*mu^2, ... となり、w は惰性で進み続けます。"""
    lr, mu = 0.1, 0.5
    w, m = np.array([0.0]), np.array([0.0])
    coast = 0.0
    for k, g in enumerate([1.0, 0.0, 0.0, 0.0]):
        call = step(impl, w, np.array([g]), m, lr, mu) + say(
            f" at step {k + 1}", f" (ステップ {k + 1})"
        )
        coast += lr * mu**k
        assert not (k and np.allclose(m, -lr)), say(
            f"{call} left m = {float(m[0]):.6g} = -lr after a zero gradient, expected "
            f"-lr * momentum^{k} = {-lr * mu**k:.6g}: the velocity is never decayed "
            "(m = momentum * m - lr * g)",
            f"{call} のあと、勾配 0 なのに m = {float(m[0]):.6g} = -lr のままです。期待値は "
            f"-lr * momentum^{k} = {-lr * mu**k:.6g} です: 速度が減衰していません "
            "(m = momentum * m - lr * g)",
        )
        # Powers of 0.5 times 0.1: a few roundings, 1e-12 relative is ample.
        expect_close(m, np.array([-lr * mu**k]), f"{call} -> m", rtol=1e-12)
        expect_close(w, np.array([-coast]), f"{call} -> param", rtol=1e-12)


@pytest.mark.mistake("moving average instead of momentum")
@pytest.mark.hint(2)
@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
def test_terminal_velocity_under_a_constant_gradient(impl, mu):
    """A constant gradient g drives each step to lr * g / (1 - momentum) (10x SGD at 0.9).
    ja: 一定の勾配 g では 1 ステップが lr * g / (1 - momentum) に近づきます (0.9 なら SGD の 10 倍)。"""
    lr, g = 0.01, np.array([1.0, -3.0])
    w, m = np.zeros(2), np.zeros(2)
    n = int(np.ceil(np.log(1e-16) / np.log(mu)))  # momentum**n < 1e-16: the transient is gone
    for _ in range(n - 1):
        impl.sgd_update(w, g, m, lr, mu)
    before = w.copy()
    call = step(impl, w, g, m, lr, mu) + say(
        f", {n} times with grad [1, -3]", f" を grad [1, -3] で {n} 回"
    )
    terminal = lr * g / (1 - mu)
    ratio = float((before - w)[0] / terminal[0]) if terminal[0] else 0.0
    assert not np.isclose(ratio, 1 - mu, rtol=1e-6), say(
        f"{call}: the step is lr * g, exactly (1 - momentum) = {1 - mu:g} of the expected "
        f"lr * g / (1 - momentum): a moving average of the gradients (Adam's m) instead of "
        "momentum (m = momentum * m - lr * g)?",
        f"{call}: ステップが lr * g で、期待値 lr * g / (1 - momentum) のちょうど (1 - momentum) "
        f"= {1 - mu:g} 倍です: モーメンタム (m = momentum * m - lr * g) ではなく勾配の移動平均 "
        "(Adam の m) になっていませんか?",
    )
    # m_n = -terminal * (1 - mu^n): the residue is < 1e-16 relative; each step's rounding is
    # damped by mu, so it sums to ~1e-16 / (1 - mu) <= 1e-14; w - before loses up to
    # log10(n) ~ 4 digits to cancellation. rtol 1e-9 covers all of it.
    expect_close(m, -terminal, f"{call} -> m", rtol=1e-9)
    expect_close(
        before - w,
        terminal,
        say(
            f"{call} -> step size (param before - after)",
            f"{call} -> 歩幅 (前の param - 後の param)",
        ),
        rtol=1e-9,
    )


@pytest.mark.hint(3)
@given(
    seed=st.integers(0, 2**16),
    size=st.integers(1, 5),
    steps=st.integers(1, 10),
    lr=st.floats(1e-3, 1.0),
    mu=st.floats(0.0, 0.99),
)
def test_matches_the_closed_form_on_random_trajectories(impl, seed, size, steps, lr, mu):
    """After k steps, m = mu^k m_0 - lr sum_i mu^(k-i) g_i and w = w_0 + (m_1 + ... + m_k).
    ja: k ステップ後 m = mu^k m_0 - lr sum_i mu^(k-i) g_i、w = w_0 + (m_1 + ... + m_k) です。"""
    rng = np.random.default_rng(seed)
    w0, m0 = rng.standard_normal(size), rng.standard_normal(size)
    grads = rng.standard_normal((steps, size))
    w, m = w0.copy(), (m0.copy() if mu else None)
    for g in grads:
        impl.sgd_update(w, g.copy(), m, lr, mu)
    ms = [
        mu**k * m0 - lr * sum(mu ** (k - i) * grads[i - 1] for i in range(1, k + 1))
        for k in range(1, steps + 1)
    ]
    if mu == 0:
        ms = [-lr * g for g in grads]
    call = say(
        f"{steps} calls of sgd_update(w, g, m, learning_rate={lr!r}, momentum={mu!r})",
        f"sgd_update(w, g, m, learning_rate={lr!r}, momentum={mu!r}) を {steps} 回呼んだ結果",
    )
    # Every m_k is a sum of <= 11 terms of order lr / (1 - mu) <= 100 and w adds <= 10 of them:
    # rounding stays near 1e-13 absolute, so atol 1e-11 with rtol 1e-10 is a wide margin.
    expect_close(w, w0 + np.sum(ms, axis=0), f"{call} -> param", rtol=1e-10, atol=1e-11)
    if mu:
        expect_close(m, ms[-1], f"{call} -> m", rtol=1e-10, atol=1e-11)
