"""Tests for kata 7 (Nesterov accelerated gradient, three forms). ``impl`` is the module under test.

The equivalence tests follow the proof in the statement: with phi = theta + mu * v, Keras'
(phi, m) is Sutskever's (theta + mu * v, v) and TF1's (w, a) is (phi, -v / lr), step after step.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from katas.engine.testing import describe, expect_close, say

# Every comparison below is float64 arithmetic on numbers of order 1 done in two orders: the
# measured disagreement of the reference forms after 50 steps is ~5e-15 (the steps are
# contractions for these learning rates, so rounding does not grow). 1e-12 is the kata's bar.
TOL = {"rtol": 1e-12, "atol": 1e-12}

seeds = st.integers(0, 2**16)
learning_rates = st.floats(0.01, 0.5)
# momentum > 0: at 0 Keras' SGD is plain SGD and keeps no m at all.
momenta = st.floats(0.05, 0.95)


def problem(seed, kind):
    """A 4-d test function's gradient: a convex quadratic, or sum(log cosh(x - c))."""
    rng = np.random.default_rng(seed)
    if kind == "quadratic":
        # f = x^T A x / 2 - b^T x with eigenvalues of A in [0.1, 2]: lr <= 0.5 keeps it stable.
        q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
        a, b = q @ np.diag(rng.uniform(0.1, 2.0, 4)) @ q.T, rng.standard_normal(4)
        return lambda x: a @ x - b
    c = rng.standard_normal(4)
    return lambda x: np.tanh(x - c)  # d/dx sum(log cosh(x - c))


def start(seed):
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal(4), 0.5 * rng.standard_normal(4)


@pytest.mark.mistake("plain momentum posing as Nesterov")
@pytest.mark.hint(1)
def test_keras_nesterov_step_by_hand(impl):
    """m=0.5, g=2, lr=0.1, mu=0.9: m = 0.45 - 0.2 = 0.25, w = 1 + 0.9*0.25 - 0.2 = 1.025.
    ja: m=0.5, g=2, lr=0.1, mu=0.9: m = 0.45 - 0.2 = 0.25、w = 1 + 0.9*0.25 - 0.2 = 1.025 です。"""
    w, m = np.array([1.0]), np.array([0.5])
    impl.sgd_update(w, np.array([2.0]), m, 0.1, 0.9, nesterov=True)
    call = "sgd_update([1], [2], m=[0.5], 0.1, momentum=0.9, nesterov=True)"
    assert not np.allclose(w, 1.25), say(
        f"{call} moved param to 1.25 = 1 + m, expected 1.025: that is plain momentum's step "
        "(or the look-ahead with last step's m). Nesterov's update is param += momentum * m - "
        "lr * g with the new m.",
        f"{call} で param が 1.25 = 1 + m になりました。期待値は 1.025 です: これはただの"
        "モーメンタムのステップです (または前のステップの m での先読み)。Nesterov の更新は新しい "
        "m を使った param += momentum * m - lr * g です。",
    )
    assert not np.allclose(w, 1.225), say(
        f"{call} moved param to 1.225 = 1 + momentum * m, expected 1.025: the - lr * g term "
        "is missing (param += momentum * m - lr * g)",
        f"{call} で param が 1.225 = 1 + momentum * m になりました。期待値は 1.025 です: "
        "- lr * g の項が抜けています (param += momentum * m - lr * g)",
    )
    expect_close(m, np.array([0.25]), f"{call} -> m", **TOL)
    expect_close(w, np.array([1.025]), f"{call} -> param", **TOL)


@pytest.mark.hint(1)
def test_keras_nesterov_updates_in_place(impl):
    """With nesterov=True too, the caller's param and m change in place.
    ja: nesterov=True でも呼び出し側の param と m をその場で更新します。"""
    w, m = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    impl.sgd_update(w, np.array([1.0, 1.0]), m, 0.1, 0.9, nesterov=True)
    call = "sgd_update(param, grad, m, 0.1, 0.9, nesterov=True)"
    # m = 0.9 m - 0.1 g;  w += 0.9 m - 0.1 g
    expect_close(
        m,
        np.array([0.35, -0.55]),
        say(f"{call} -> the caller's m", f"{call} -> 呼び出し側の m"),
        **TOL,
    )
    expect_close(
        w,
        np.array([1.215, 1.405]),
        say(f"{call} -> the caller's param", f"{call} -> 呼び出し側の param"),
        **TOL,
    )


@pytest.mark.hint(1)
def test_without_nesterov_it_is_still_plain_momentum(impl):
    """nesterov=False keeps kata 6's rule: m = 0.25 and w = 1 + 0.25.
    ja: nesterov=False ならカタ 6 の規則のままです: m = 0.25、w = 1 + 0.25。"""
    w, m = np.array([1.0]), np.array([0.5])
    impl.sgd_update(w, np.array([2.0]), m, 0.1, 0.9, nesterov=False)
    call = "sgd_update([1], [2], m=[0.5], 0.1, momentum=0.9, nesterov=False)"
    expect_close(m, np.array([0.25]), f"{call} -> m", **TOL)
    expect_close(w, np.array([1.25]), f"{call} -> param", **TOL)


@pytest.mark.mistake("gradient not at the look-ahead point")
@pytest.mark.hint(2)
def test_sutskever_takes_the_gradient_at_the_look_ahead_point(impl):
    """theta=1, v=0.5, mu=0.9: grad_fn is called once, at 1.45; for f = x^2, v=0.16, theta=1.16.
    ja: theta=1, v=0.5, mu=0.9: grad_fn は 1.45 で 1 回だけ呼ばれます。f = x^2 なら v=0.16、theta=1.16 です。"""
    seen = []

    def grad_fn(x):
        seen.append(np.array(x, dtype=float))
        return 2 * x

    theta, v = impl.nesterov_sutskever_step(np.array([1.0]), np.array([0.5]), grad_fn, 0.1, 0.9)
    call = say(
        "nesterov_sutskever_step(theta=[1], v=[0.5], grad of x^2, 0.1, 0.9)",
        "nesterov_sutskever_step(theta=[1], v=[0.5], x^2 の勾配, 0.1, 0.9)",
    )
    if len(seen) != 1 or not np.allclose(seen[0], [1.45], rtol=1e-12):
        at_theta = len(seen) == 1 and np.allclose(seen[0], [1.0])
        raise AssertionError(
            say(
                f"{call} called grad_fn at {[s.tolist() for s in seen]}, expected once at [1.45] "
                "(theta + momentum * v, where momentum alone would carry theta)"
                + (": the gradient at theta itself is plain momentum again" if at_theta else ""),
                f"{call} が grad_fn を {[s.tolist() for s in seen]} で呼びました。期待値は "
                "[1.45] で 1 回です (theta + momentum * v、モーメンタムだけで theta が運ばれる先)"
                + (
                    ": theta そのものでの勾配では、ただのモーメンタムに戻ります" if at_theta else ""
                ),
            )
        )
    assert not np.allclose(theta, 1.5), say(
        f"{call} returned theta = 1.5 = 1 + the old v, expected 1.16 = 1 + the new v: update v "
        "first, then move theta with it",
        f"{call} が theta = 1.5 = 1 + 古い v を返しました。期待値は 1.16 = 1 + 新しい v です: "
        "先に v を更新し、その v で theta を動かしてください",
    )
    # v = 0.9 * 0.5 - 0.1 * 2 * 1.45 = 0.16; theta = 1 + 0.16
    expect_close(v, np.array([0.16]), f"{call} -> v", **TOL)
    expect_close(theta, np.array([1.16]), f"{call} -> theta", **TOL)


@pytest.mark.mistake("TF1 form without the gradient term")
@pytest.mark.hint(2)
def test_tf1_step_by_hand(impl):
    """w=1, a=0.5, g=2, lr=0.1, mu=0.9: a = 0.45 + 2 = 2.45, w = 1 - 0.2 - 0.09*2.45 = 0.5795.
    ja: w=1, a=0.5, g=2, lr=0.1, mu=0.9: a = 0.45 + 2 = 2.45、w = 1 - 0.2 - 0.09*2.45 = 0.5795 です。"""
    w, a = impl.nesterov_tf1_step(np.array([1.0]), np.array([0.5]), np.array([2.0]), 0.1, 0.9)
    call = "nesterov_tf1_step(w=[1], a=[0.5], grad=[2], 0.1, 0.9)"
    assert not np.allclose(w, 0.7795), say(
        f"{call} returned w = 0.7795 = 1 - lr * momentum * a, expected 0.5795: the - lr * g "
        "term is missing (w -= lr * g + lr * momentum * a)",
        f"{call} が w = 0.7795 = 1 - lr * momentum * a を返しました。期待値は 0.5795 です: "
        "- lr * g の項が抜けています (w -= lr * g + lr * momentum * a)",
    )
    expect_close(a, np.array([2.45]), f"{call} -> accumulation", **TOL)
    expect_close(w, np.array([0.5795]), f"{call} -> w", **TOL)


@pytest.mark.hint(3)
@given(seed=seeds, lr=learning_rates, mu=momenta)
@settings(max_examples=20)  # one step each; the 50-step test below covers far more ground
def test_keras_step_is_the_sutskever_step_of_the_look_ahead_point(impl, seed, lr, mu):
    """One step: Keras on (phi = theta + mu v, m = v) lands on (theta' + mu v', v').
    ja: 1 ステップ: (phi = theta + mu v, m = v) での Keras は (theta' + mu v', v') に着きます。"""
    grad_fn = problem(seed, "quadratic")
    theta, v = start(seed)
    phi, m = theta + mu * v, v.copy()
    impl.sgd_update(phi, grad_fn(phi), m, lr, mu, nesterov=True)
    theta, v = impl.nesterov_sutskever_step(theta, v, grad_fn, lr, mu)
    call = f"sgd_update(phi, ..., learning_rate={lr!r}, momentum={mu!r}, nesterov=True)"
    expect_close(
        phi,
        theta + mu * v,
        say(
            f"{call} -> param vs Sutskever's theta + mu * v",
            f"{call} -> param と Sutskever の theta + mu * v の比較",
        ),
        **TOL,
    )
    expect_close(
        m, v, say(f"{call} -> m vs Sutskever's v", f"{call} -> m と Sutskever の v の比較"), **TOL
    )


@pytest.mark.hint(3)
@given(seed=seeds, lr=learning_rates, mu=momenta)
@settings(max_examples=20)  # one step each; the 50-step test below covers far more ground
def test_tf1_step_is_the_keras_step_with_a_equal_minus_m_over_lr(impl, seed, lr, mu):
    """One step: TF1 on (w, a = -m / lr) lands on Keras' (w', -m' / lr).
    ja: 1 ステップ: (w, a = -m / lr) での TF1 は Keras の (w', -m' / lr) に着きます。"""
    grad_fn = problem(seed, "log_cosh")
    w, m = start(seed)
    g = grad_fn(w)
    w_tf1, a = impl.nesterov_tf1_step(w.copy(), -m / lr, g.copy(), lr, mu)
    impl.sgd_update(w, g, m, lr, mu, nesterov=True)
    call = f"nesterov_tf1_step(w, a, g, {lr!r}, {mu!r})"
    expect_close(
        w_tf1,
        w,
        say(f"{call} -> w vs Keras' param", f"{call} -> w と Keras の param の比較"),
        **TOL,
    )
    expect_close(
        -lr * a,
        m,
        say(
            f"{call} -> -lr * accumulation vs Keras' m",
            f"{call} -> -lr * accumulation と Keras の m の比較",
        ),
        **TOL,
    )


@pytest.mark.hint(3)
@pytest.mark.parametrize("kind", ["quadratic", "log_cosh"])
@given(seed=seeds, lr=learning_rates, mu=momenta)
# Each example checks 50 steps, so a dozen examples already cover 600 steps; fewer examples
# than the default 40 keep the whole file near 0.5 s.
@settings(max_examples=12)
def test_three_forms_agree_for_50_steps(impl, kind, seed, lr, mu):
    """Sutskever, Keras and TF1 trace one trajectory: 50 steps, float64, agreement to 1e-12.
    ja: Sutskever・Keras・TF1 は同じ軌跡をたどります: 50 ステップ、float64、1e-12 まで一致します。"""
    grad_fn = problem(seed, kind)
    theta, v = start(seed)
    phi, m = theta + mu * v, v.copy()  # Keras holds the look-ahead point
    w, a = phi.copy(), -v / lr  # TF1 holds it too, with the velocity in units of -lr
    path = {"sutskever": [], "keras": [], "tf1": []}
    for _ in range(50):
        theta, v = impl.nesterov_sutskever_step(theta, v, grad_fn, lr, mu)
        impl.sgd_update(phi, grad_fn(phi), m, lr, mu, nesterov=True)
        w, a = impl.nesterov_tf1_step(w, a, grad_fn(w), lr, mu)
        path["sutskever"].append((theta + mu * v, v.copy()))
        path["keras"].append((phi.copy(), m.copy()))
        path["tf1"].append((w.copy(), -lr * a))
    (look_ahead, v), (phi, m), (w, v_tf1) = (np.array(p).transpose(1, 0, 2) for p in path.values())
    where = f"{kind}, learning_rate={lr!r}, momentum={mu!r}; index = (step - 1, coordinate)"
    expect_close(
        phi,
        look_ahead,
        say(
            f"Keras param vs Sutskever theta + mu v ({where})",
            f"Keras の param と Sutskever の theta + mu v の比較 ({where})",
        ),
        **TOL,
    )
    expect_close(
        m,
        v,
        say(f"Keras m vs Sutskever v ({where})", f"Keras の m と Sutskever の v の比較 ({where})"),
        **TOL,
    )
    expect_close(
        w,
        phi,
        say(f"TF1 w vs Keras param ({where})", f"TF1 の w と Keras の param の比較 ({where})"),
        **TOL,
    )
    expect_close(
        v_tf1,
        v,
        say(
            f"TF1 -lr * a vs Sutskever v ({where})",
            f"TF1 の -lr * a と Sutskever の v の比較 ({where})",
        ),
        **TOL,
    )


def expect_new_arrays(outputs, inputs, call):
    """Every output is an array of its own: no output shares memory with an input."""
    for i, out in enumerate(outputs):
        if not isinstance(out, np.ndarray):
            raise AssertionError(
                say(
                    f"{call} returned {type(out).__name__} as item {i}; expected an array",
                    f"{call} が {i} 番目の要素として {type(out).__name__} を返しました。"
                    "配列が期待値です",
                )
            )
        for name, a in inputs.items():
            if np.shares_memory(out, a):
                raise AssertionError(
                    say(
                        f"{call}: item {i} of the result is (a view of) the caller's {name}: "
                        "return new arrays (theta + v, not theta += v)",
                        f"{call}: 結果の {i} 番目の要素が呼び出し側の {name} (またはそのビュー) "
                        "です: 新しい配列を返してください (theta += v ではなく theta + v)",
                    )
                )


def expect_unchanged(inputs, copies, call):
    for name, a in inputs.items():
        assert np.array_equal(a, copies[name]), say(
            f"{call} changed its argument {name} in place: compute new arrays instead",
            f"{call} が引数 {name} をその場で書き換えました: 代わりに新しい配列を計算してください",
        )


@pytest.mark.mistake("step done in place")
@pytest.mark.hint(1)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_forms_return_new_arrays_and_leave_their_inputs_alone(impl, dtype):
    """Sutskever's and TF1's steps return new arrays of the inputs' dtype and change no input.
    ja: Sutskever と TF1 のステップは入力と同じ dtype の新しい配列を返し、入力を変えません。"""
    rng = np.random.default_rng(3)
    theta, v, g = (rng.standard_normal(4).astype(dtype) for _ in range(3))
    inputs = {"theta": theta, "velocity": v}
    copies = {k: a.copy() for k, a in inputs.items()}
    call = f"nesterov_sutskever_step({dtype.__name__} theta, v, grad_fn, 0.1, 0.9)"
    got = impl.nesterov_sutskever_step(theta, v, lambda x: 2 * x, 0.1, 0.9)
    assert isinstance(got, tuple) and len(got) == 2, say(
        f"{call} returned {describe(got)}; expected (theta, v)",
        f"{call} が {describe(got)} を返しました。(theta, v) が期待値です",
    )
    expect_unchanged(inputs, copies, call)
    expect_new_arrays(got, inputs, call)
    for name, a in zip(("theta", "v"), got, strict=True):
        assert a.dtype == dtype, say(
            f"{call} returned {name} of dtype {a.dtype}, expected {dtype.__name__}",
            f"{call} が dtype {a.dtype} の {name} を返しました。期待値は {dtype.__name__} です",
        )

    inputs = {"w": theta, "accumulation": v, "grad": g}
    copies = {k: a.copy() for k, a in inputs.items()}
    call = f"nesterov_tf1_step({dtype.__name__} w, accumulation, grad, 0.1, 0.9)"
    got = impl.nesterov_tf1_step(theta, v, g, 0.1, 0.9)
    assert isinstance(got, tuple) and len(got) == 2, say(
        f"{call} returned {describe(got)}; expected (w, a)",
        f"{call} が {describe(got)} を返しました。(w, a) が期待値です",
    )
    expect_unchanged(inputs, copies, call)
    expect_new_arrays(got, inputs, call)
    for name, a in zip(("w", "accumulation"), got, strict=True):
        assert a.dtype == dtype, say(
            f"{call} returned {name} of dtype {a.dtype}, expected {dtype.__name__}",
            f"{call} が dtype {a.dtype} の {name} を返しました。期待値は {dtype.__name__} です",
        )


@pytest.mark.mistake("gradient buffer reused")
@pytest.mark.hint(1)
def test_keras_nesterov_leaves_the_gradient_alone(impl):
    """sgd_update(..., nesterov=True) reads grad and never writes it (the caller may reuse it).
    ja: sgd_update(..., nesterov=True) は grad を読むだけで書き換えません (呼び出し側が再利用するかもしれません)。"""
    g = np.array([0.3, -0.7])
    impl.sgd_update(np.zeros(2), g, np.zeros(2), 0.1, 0.9, nesterov=True)
    assert np.array_equal(g, [0.3, -0.7]), say(
        "sgd_update(param, grad, m, 0.1, 0.9, nesterov=True) modified its grad argument in place",
        "sgd_update(param, grad, m, 0.1, 0.9, nesterov=True) が引数 grad をその場で書き換えました",
    )
