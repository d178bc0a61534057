"""Optimizers: scratch against Keras' own optimizers in lockstep, step by step and slot by slot;
the three forms of Nesterov momentum; bad input.

Hyperparameters are drawn exactly representable in float32. Keras (TF backend) keeps the learning
rate in a float32 variable and turns SGD's momentum, Adam's betas (in the bias-correction powers)
and Adagrad's initial accumulator into float32 constants even when the variables are float64
(docs/FACTS.md, "Keras rounds some hyperparameters through float32"). With float32-exact values
the two backends do the same float64 arithmetic, so a float64 comparison can be tight enough to
see an epsilon in the wrong place; a value such as 0.9 would put a ~1e-8 drift between them
instead.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scratch import optimizers as s_opt
from tests.strategies import f32
from tf_ref import optimizers as t_opt

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)


LEARNING_RATES = f32(1e-4, 0.3, log=True)
EPSILONS = f32(1e-8, 1e-2, log=True)
# Relative agreement asked of the two backends, against the distance travelled so far. float64:
# the same operations in the same order, so only a few ulps. float32: Keras computes Adam's
# 1 - beta_2^t in float32, where cancellation leaves up to eps32 / (1 - beta_2) relative error in
# the step size: 6e-4 for beta_2 = 0.9999 at t = 1, compounding over the steps (a drawn case
# reached 1.6e-3 of the distance travelled). 5e-3 bounds that; every planted mistake moves the
# parameters by a large fraction of the distance, and float64 (1e-9) catches them anyway.
REL = {"float32": 5e-3, "float64": 1e-9}


def draw_problem(seed: int, dtype: str, steps: int):
    """Several parameters of different shapes, and ``steps`` gradients for each, of a drawn scale
    (small gradients make epsilon matter, large ones the accumulators)."""
    rng = np.random.default_rng(seed)
    shapes = [(int(rng.integers(1, 6)), int(rng.integers(1, 5))), (int(rng.integers(1, 7)),), (1,)]
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    scale = 10.0 ** rng.uniform(-3, 1)
    grads = [
        [(rng.standard_normal(s) * scale * rng.uniform(0.2, 2)).astype(dtype) for s in shapes]
        for _ in range(steps)
    ]
    return params, grads


def assert_lockstep(ours: np.ndarray, theirs: np.ndarray, start: np.ndarray, dtype: str, what: str):
    """|ours - theirs| small against the distance theirs travelled from ``start`` (plus ulps)."""
    ours, theirs, start = (np.asarray(a, np.float64) for a in (ours, theirs, start))
    assert ours.shape == theirs.shape, what
    travelled = np.abs(theirs - start).max(initial=0.0)
    ulps = 16 * np.finfo(dtype).eps * max(np.abs(theirs).max(initial=0.0), 1e-30)
    err = np.abs(ours - theirs).max(initial=0.0)
    assert err <= REL[dtype] * travelled + ulps, (
        f"{what}: max |diff| {err:.3g}, travelled {travelled:.3g}"
    )


def run_lockstep(make, dtype: str, seed: int, steps: int) -> None:
    """Step scratch's and tf_ref's optimizer (``make(module)``) on the same gradients; compare
    the parameters and the whole stored state after every step."""
    ours, theirs = make(s_opt), make(t_opt)
    params, grads = draw_problem(seed, dtype, steps)
    p_s, p_t = [p.copy() for p in params], [p.copy() for p in params]
    start_state = None
    for step, g in enumerate(grads):
        ours.apply(p_s, g)
        theirs.apply(p_t, g)
        for i, (a, b, p0) in enumerate(zip(p_s, p_t, params, strict=True)):
            assert b.dtype == np.dtype(dtype)
            assert_lockstep(a, b, p0, dtype, f"step {step + 1}: param {i}")
        state_s, state_t = ours.variables(), theirs.variables()
        assert sorted(state_s) == sorted(state_t)
        assert int(state_t["iterations"]) == step + 1 == theirs.iterations == ours.iterations
        if start_state is None:  # the slots' initial values, seen from the first step
            start_state = {k: np.zeros_like(v) for k, v in state_s.items()}
        for key in state_s:
            if key != "iterations":
                assert state_t[key].dtype == np.dtype(dtype), key
                assert_lockstep(state_s[key], state_t[key], start_state[key], dtype, key)


@given(
    dtype=DTYPES,
    seed=SEEDS,
    steps=st.integers(10, 14),
    lr=LEARNING_RATES,
    momentum=st.just(0.0) | f32(0.05, 0.99),
    nesterov=st.booleans(),
)
@example(dtype="float64", seed=0, steps=10, lr=0.0625, momentum=0.875, nesterov=True)
def test_sgd_matches_keras(dtype, seed, steps, lr, momentum, nesterov) -> None:
    run_lockstep(lambda m: m.SGD(lr, momentum=momentum, nesterov=nesterov), dtype, seed, steps)


@given(
    dtype=DTYPES,
    seed=SEEDS,
    steps=st.integers(10, 14),
    lr=LEARNING_RATES,
    initial=st.just(float(np.float32(0.1))) | f32(0.0, 2.0),  # Keras' default, float32-exact
    epsilon=EPSILONS,
)
@example(dtype="float64", seed=0, steps=10, lr=0.0625, initial=0.125, epsilon=2.0**-20)
def test_adagrad_matches_keras(dtype, seed, steps, lr, initial, epsilon) -> None:
    run_lockstep(
        lambda m: m.Adagrad(lr, initial_accumulator_value=initial, epsilon=epsilon),
        dtype,
        seed,
        steps,
    )


@given(
    dtype=DTYPES,
    seed=SEEDS,
    steps=st.integers(10, 14),
    lr=LEARNING_RATES,
    rho=f32(0.5, 0.999),
    momentum=st.just(0.0) | f32(0.05, 0.95),
    epsilon=EPSILONS,
    centered=st.booleans(),
)
@example(
    dtype="float64", seed=0, steps=10, lr=0.0625, rho=0.875, momentum=0.5, epsilon=2.0**-20,
    centered=True,
)  # fmt: skip
def test_rmsprop_matches_keras(dtype, seed, steps, lr, rho, momentum, epsilon, centered) -> None:
    run_lockstep(
        lambda m: m.RMSprop(lr, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered),
        dtype,
        seed,
        steps,
    )


@given(
    dtype=DTYPES,
    seed=SEEDS,
    steps=st.integers(10, 14),
    lr=LEARNING_RATES,
    beta_1=f32(0.5, 0.99),
    beta_2=f32(0.9, 0.9999),
    epsilon=EPSILONS,
    amsgrad=st.booleans(),
)
@example(
    dtype="float64", seed=0, steps=10, lr=0.0078125, beta_1=0.875, beta_2=0.9990234375,
    epsilon=2.0**-20, amsgrad=False,
)  # fmt: skip
def test_adam_matches_keras(dtype, seed, steps, lr, beta_1, beta_2, epsilon, amsgrad) -> None:
    run_lockstep(
        lambda m: m.Adam(lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad),
        dtype,
        seed,
        steps,
    )


def test_adam_and_adagrad_state_after_one_step_is_the_textbook_one() -> None:
    """Spelled out for the reader (float64, float32-exact betas): after step 1 m = (1 - b1) g and
    v = (1 - b2) g^2; t counts from 1, so the bias-corrected step is
    lr * |g| / (|g| + eps / sqrt(1 - b2)), about lr. Adagrad's accumulator starts at 0.1, not 0."""
    g = np.array([0.5, -2.0])
    b1, b2, eps, lr = 0.875, 0.9990234375, 1e-7, 0.125
    adam = t_opt.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    p = np.array([1.0, 1.0])
    adam.apply([p], [g])
    state = adam.variables()
    assert int(state["iterations"]) == 1
    np.testing.assert_allclose(state["momentum/0"], (1 - b1) * g, rtol=1e-15)
    np.testing.assert_allclose(state["velocity/0"], (1 - b2) * g * g, rtol=1e-15)
    step = lr * np.abs(g) / (np.abs(g) + eps / np.sqrt(1 - b2))
    np.testing.assert_allclose(p, 1.0 - np.sign(g) * step, rtol=1e-14)
    adagrad = t_opt.Adagrad(lr, initial_accumulator_value=0.125)
    adagrad.apply([np.ones(2)], [g])
    np.testing.assert_allclose(adagrad.variables()["accumulator/0"], 0.125 + g * g, rtol=1e-15)


def test_state_moves_between_backends_mid_training() -> None:
    """scratch's variables() -> tf_ref's set_variables() (and back) resumes in lockstep."""
    params, grads = draw_problem(4, "float64", 12)
    for name, kwargs in (
        ("nesterov", {"momentum": 0.875}),
        ("rmsprop", {"momentum": 0.5, "centered": True}),
        ("adam", {"amsgrad": True, "beta_1": 0.75, "beta_2": 0.9990234375}),
        ("adagrad", {}),
    ):
        kwargs = {"learning_rate": 0.015625, **kwargs}
        ours, theirs = s_opt.get(name, **kwargs), t_opt.get(name, **kwargs)
        p_s = [p.copy() for p in params]
        for g in grads[:6]:
            ours.apply(p_s, g)
        p_t = [p.copy() for p in p_s]
        theirs.set_variables(ours.variables(), p_t)
        assert theirs.iterations == 6
        for g in grads[6:]:
            ours.apply(p_s, g)
            theirs.apply(p_t, g)
        for a, b, p0 in zip(p_s, p_t, params, strict=True):
            assert_lockstep(a, b, p0, "float64", name)
        back = s_opt.get(name, **kwargs)
        back.set_variables(theirs.variables(), p_t)
        for key, value in theirs.variables().items():
            np.testing.assert_array_equal(back.variables()[key], value, err_msg=key)


def test_rebinding_to_model_variables_keeps_the_state() -> None:
    """A Keras optimizer built by ``apply`` may be handed a model's same-shaped variables (as
    ``tf_ref.training`` does): the slots follow the position, other shapes are refused."""
    opt = t_opt.SGD(0.25, momentum=0.5)
    p = [np.ones(3)]
    opt.apply(p, [np.ones(3)])
    model_var = keras.Variable(np.zeros(3))
    opt.keras_optimizer.build([model_var])
    opt.keras_optimizer.apply_gradients([(tf.constant(np.ones(3)), model_var)])
    # m = 0.5 * (-0.25) - 0.25 = -0.375
    np.testing.assert_allclose(model_var.numpy(), -0.375)
    assert opt.iterations == 2 and not any(v is model_var for v in opt.keras_optimizer.variables)
    opt.apply(p, [np.ones(3)])  # back to its own variables, same slots
    np.testing.assert_allclose(opt.variables()["momentum/0"], 0.5 * -0.375 - 0.25)
    with pytest.raises(ValueError, match=r"built for shapes \[\(3,\)\], got \[\(4,\)\]"):
        opt.keras_optimizer.build([keras.Variable(np.zeros(4))])


# ------------------------------------------------------------------- state dtypes and shapes
# Lockstep compares parameter values, and float64 slots for float32 weights change them by less
# than its float32 tolerance; Keras' slots are checked there, scratch's only here.

SLOTTED = {
    "momentum": (lambda m, lr: m.SGD(lr, momentum=0.9), ("momentum",)),
    "nesterov": (lambda m, lr: m.SGD(lr, momentum=0.9, nesterov=True), ("momentum",)),
    "adagrad": (lambda m, lr: m.Adagrad(lr), ("accumulator",)),
    "rmsprop": (lambda m, lr: m.RMSprop(lr), ("velocity",)),
    "rmsprop_centered_momentum": (
        lambda m, lr: m.RMSprop(lr, momentum=0.5, centered=True),
        ("velocity", "momentum", "average_gradient"),
    ),
    "adam": (lambda m, lr: m.Adam(lr), ("momentum", "velocity")),
    "amsgrad": (lambda m, lr: m.Adam(lr, amsgrad=True), ("momentum", "velocity", "velocity_hat")),
}


def assert_state_like(state: dict[str, np.ndarray], params: list[np.ndarray], slots, what: str):
    """Exactly one array per (slot, parameter), each of its parameter's dtype and shape."""
    expected = {"iterations"} | {f"{s}/{i}" for s in slots for i in range(len(params))}
    assert set(state) == expected, what
    for key, value in state.items():
        if key != "iterations":
            p = params[int(key.rsplit("/", 1)[1])]
            assert (value.dtype, value.shape) == (p.dtype, p.shape), f"{what}: {key}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(SLOTTED))
def test_scratch_slots_keep_their_params_dtype_and_shape(name: str, dtype: str) -> None:
    """Every slot has its parameter's dtype and shape: after the first step, after 30 steps
    with a NumPy float64 learning rate from a schedule (no silent promotion), and after
    set_variables from a state of either dtype (copied, not shared). The parameters stay the
    same arrays, in their dtype."""
    make, slots = SLOTTED[name]
    params, grads = draw_problem(7, dtype, 30)
    ids = [id(p) for p in params]
    opt = make(s_opt, lambda step: np.float64(0.01) / (1 + step))
    for step, g in enumerate(grads):
        opt.apply(params, g)
        if step in (0, len(grads) - 1):
            assert_state_like(opt.variables(), params, slots, f"step {step + 1}")
            assert all(
                (s.dtype, s.shape) == (p.dtype, p.shape)
                for name_ in slots
                for s, p in zip(opt.slots[name_], params, strict=True)
            )
    assert [id(p) for p in params] == ids and all(p.dtype == np.dtype(dtype) for p in params)
    for source in ("float32", "float64"):
        state = {
            k: v if k == "iterations" else v.astype(source) for k, v in opt.variables().items()
        }
        restored = make(s_opt, 0.01)
        restored.set_variables(state, params)
        assert_state_like(restored.variables(), params, slots, f"from {source}")
        for key, value in state.items():
            np.testing.assert_array_equal(restored.variables()[key], value)  # exact: float32 values
            if key != "iterations":
                value += 1  # the caller's arrays are not the optimizer's
                assert not np.array_equal(restored.variables()[key], value), key


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(SLOTTED))
def test_tf_slots_keep_their_params_dtype_after_set_variables(name: str, dtype: str) -> None:
    """tf_ref's state read back after set_variables from a state of the other dtype: each
    slot in its parameter's dtype and shape, values rounded once."""
    make, slots = SLOTTED[name]
    params, grads = draw_problem(8, dtype, 2)
    ours = make(s_opt, 0.01)
    for g in grads:
        ours.apply(params, g)
    other = "float64" if dtype == "float32" else "float32"
    state = {k: v if k == "iterations" else v.astype(other) for k, v in ours.variables().items()}
    theirs = make(t_opt, 0.01)
    theirs.set_variables(state, [p.copy() for p in params])
    got = theirs.variables()
    assert_state_like(got, params, slots, "tf_ref")
    for key, value in state.items():
        np.testing.assert_array_equal(got[key], value.astype(got[key].dtype), err_msg=key)


# ---------------------------------------------------------------------------- Nesterov


def _quadratic(dim: int, rng: np.random.Generator):
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    a = q @ np.diag(rng.uniform(0.1, 2.0, dim)) @ q.T
    a_t = tf.constant(a)

    def grad_np(w):
        return a @ w

    def grad_tf(w):  # the oracle's gradient comes from a tape over 0.5 w^T A w
        w = tf.constant(w)
        with tf.GradientTape() as tape:
            tape.watch(w)
            loss = 0.5 * tf.tensordot(w, tf.linalg.matvec(a_t, w), 1)
        return tape.gradient(loss, w).numpy()

    return grad_np, grad_tf


def _log_cosh(dim: int, rng: np.random.Generator):
    center = rng.standard_normal(dim)

    def grad_np(w):
        return np.tanh(w - center)

    def grad_tf(w):
        w = tf.constant(w)
        with tf.GradientTape() as tape:
            tape.watch(w)
            loss = tf.reduce_sum(tf.math.log(tf.math.cosh(w - center)))
        return tape.gradient(loss, w).numpy()

    return grad_np, grad_tf


def nesterov_trajectories(grad_np, grad_tf, w0, lr, mu, steps, wrong=False):
    """The look-ahead point phi_t of every form, one row per step, for each implementation."""
    out: dict[str, list[np.ndarray]] = {}
    keras_opt, scratch_opt = (
        t_opt.SGD(lr, momentum=mu, nesterov=True),
        s_opt.SGD(lr, momentum=mu, nesterov=True),
    )
    w_k, w_s = [w0.copy()], [w0.copy()]
    tf1 = {
        "tf1 tf_ref": (w0.copy(), np.zeros_like(w0)),
        "tf1 scratch": (w0.copy(), np.zeros_like(w0)),
    }
    sutskever = {
        "sutskever tf_ref": (w0.copy(), np.zeros_like(w0)),
        "sutskever scratch": (w0.copy(), np.zeros_like(w0)),
    }
    for _ in range(steps):
        keras_opt.apply(w_k, [grad_tf(w_k[0])])
        scratch_opt.apply(w_s, [grad_np(w_s[0])])
        out.setdefault("keras tf_ref", []).append(w_k[0].copy())
        out.setdefault("keras scratch", []).append(w_s[0].copy())
        for key, step, grad in (
            ("tf1 tf_ref", t_opt.nesterov_tf1_step, grad_tf),
            ("tf1 scratch", s_opt.nesterov_tf1_step, grad_np),
        ):
            w, a = tf1[key]
            tf1[key] = step(w, a, grad(w), lr, mu)
            out.setdefault(key, []).append(tf1[key][0])
        for key, step, grad in (
            ("sutskever tf_ref", t_opt.nesterov_sutskever_step, grad_tf),
            ("sutskever scratch", s_opt.nesterov_sutskever_step, grad_np),
        ):
            theta, v = sutskever[key]
            if wrong:  # the classic mistake: the gradient at theta, not at the look-ahead
                g_at_theta = grad(theta)
                theta, v = step(theta, v, lambda _p, g=g_at_theta: g, lr, mu)
            else:
                theta, v = step(theta, v, grad, lr, mu)
            sutskever[key] = (theta, v)
            out.setdefault(key, []).append(theta + mu * v)  # compare the look-ahead point
    return {k: np.array(v) for k, v in out.items()}


@settings(max_examples=10)
@given(
    function=st.sampled_from(["quadratic", "log_cosh"]),
    dim=st.integers(1, 6),
    lr=f32(0.01, 0.25),
    mu=f32(0.5, 0.95),
    seed=SEEDS,
)
def test_three_nesterov_forms_are_one_algorithm(function, dim, lr, mu, seed) -> None:
    """Keras' SGD(nesterov), TF1's MomentumOptimizer(use_nesterov) and Sutskever's (book Eq. 11-5)
    trace the same look-ahead points over 50 steps, to 1e-12 in float64 (docs/FACTS.md, "SGD,
    momentum and Nesterov"); the wrong look-ahead (gradient at theta) does not."""
    rng = np.random.default_rng(seed)
    grad_np, grad_tf = (_quadratic if function == "quadratic" else _log_cosh)(dim, rng)
    w0 = rng.standard_normal(dim) * 2
    paths = nesterov_trajectories(grad_np, grad_tf, w0, lr, mu, 50)
    reference = paths["keras tf_ref"]
    scale = max(1.0, np.abs(reference).max())
    for key, path in paths.items():
        assert np.abs(path - reference).max() <= 1e-12 * scale, key
    wrong = nesterov_trajectories(grad_np, grad_tf, w0, lr, mu, 50, wrong=True)
    for key in ("sutskever tf_ref", "sutskever scratch"):
        assert np.abs(wrong[key] - reference).max() > 1e-6 * scale, key


def test_tf1_step_uses_tf_kernel_formula() -> None:
    w, a = t_opt.nesterov_tf1_step(np.ones(2), np.full(2, 0.5), np.array([1.0, -1.0]), 0.25, 0.5)
    # a = 0.5 * 0.5 + g; w = 1 - 0.25 g - 0.25 * 0.5 * a
    np.testing.assert_allclose(a, [1.25, -0.75])
    np.testing.assert_allclose(w, [1 - 0.25 - 0.125 * 1.25, 1 + 0.25 + 0.125 * 0.75])


# ------------------------------------------------------------------------- bad input


def test_names_and_get() -> None:
    assert t_opt.NAMES == s_opt.NAMES
    for name in t_opt.NAMES:
        opt = t_opt.get(name, learning_rate=0.25)
        assert opt.current_learning_rate() == 0.25
        assert type(opt).__name__ == type(s_opt.get(name)).__name__
    nesterov = t_opt.get("nesterov")
    assert nesterov.keras_optimizer.nesterov and nesterov.keras_optimizer.momentum == 0.9
    assert t_opt.get(nesterov) is nesterov
    with pytest.raises(
        ValueError, match=r"optimizer: unknown name 'adamw'; expected one of adagrad"
    ):
        t_opt.get("adamw")
    with pytest.raises(TypeError, match="optimizer: expected a name such as 'adam'"):
        t_opt.get(s_opt.Adam())


def test_bad_hyperparameters_are_refused() -> None:
    with pytest.raises(TypeError, match="learning_rate: expected a number; schedules"):
        t_opt.Adam(lambda t: 0.1)
    with pytest.raises(ValueError, match="learning_rate: expected a finite value > 0, got 0"):
        t_opt.SGD(0)
    with pytest.raises(ValueError, match=r"momentum: expected a value in \[0, 1\], got 1.5"):
        t_opt.SGD(0.1, momentum=1.5)
    with pytest.raises(ValueError, match=r"beta_2: expected a value in \[0, 1\), got 1.0"):
        t_opt.Adam(beta_2=1.0)
    with pytest.raises(ValueError, match="epsilon: expected a finite value >= 0"):
        t_opt.RMSprop(epsilon=-1.0)


def test_bad_params_and_grads_are_refused() -> None:
    opt = t_opt.Adam()
    params = [np.zeros((2, 3)), np.zeros(3)]
    with pytest.raises(ValueError, match=r"grads: expected 2 arrays \(one per param\), got 1"):
        opt.apply(params, [np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"grads\[1\]: expected shape \(3,\), got \(4,\)"):
        opt.apply(params, [np.zeros((2, 3)), np.zeros(4)])
    assert opt.iterations == 0 and not opt.keras_optimizer.built  # refused before any work
    opt.apply(params, [np.ones((2, 3)), np.ones(3)])
    with pytest.raises(ValueError, match=r"params: this optimizer was built for shapes"):
        opt.apply([np.zeros(3)], [np.zeros(3)])
    state = opt.variables()
    del state["velocity/1"]
    with pytest.raises(ValueError, match="optimizer state: missing 'velocity/1'"):
        opt.set_variables(state, params)
    state = opt.variables()
    state["momentum/0"] = np.zeros(5)
    with pytest.raises(
        ValueError, match=r"optimizer state 'momentum/0': expected shape \(2, 3\), got"
    ):
        opt.set_variables(state, params)
