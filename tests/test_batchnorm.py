"""Batch normalization: scratch against the TensorFlow oracle (functions, layer, training steps,
moving statistics, frozen layer), a float64 gradient check, CS231n-style statistics, the book's
Dense -> BN -> activation stack in both backends, checkpoints and bad input.

Hyperparameters drawn here are exact in float32 (k / 256 for momentum, m * 2^-e for epsilon):
docs/FACTS.md ("Keras rounds some hyperparameters through float32") explains why lockstep
comparisons stay off values such as 0.9.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import layers as s_layers
from scratch import losses, training
from scratch import models as s_models
from scratch import optimizers as s_optimizers
from tests.helpers import backends, lazy_module, numerical_gradient, rel_error

t_layers = lazy_module("tf_ref.layers")
t_models = lazy_module("tf_ref.models")
t_optimizers = lazy_module("tf_ref.optimizers")
t_training = lazy_module("tf_ref.training")

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
MOMENTUM = st.integers(0, 256).map(lambda k: k / 256)  # 0, 1/256, ..., 1: exact in float32
EPSILON = st.builds(lambda m, e: m * 2.0**-e, st.integers(1, 15), st.integers(4, 20))
EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
# Allowed rounding, in units of the dtype's epsilon times the scale of the numbers in play
# (``Scales``). The two backends order their operations differently (TF: x * inv + (beta - mu *
# inv); scratch: gamma * (x - mu) * inv + beta; different summation orders), so they agree to a
# few dozen ulps of the largest intermediate, never bit for bit. Measured worst over 3000 draws:
# under 2 (both dtypes); every planted mistake is off by more than 1e-3 relative.
ULPS = 16


class Scales:
    """The magnitude each compared quantity's rounding error is proportional to.

    ``r`` = max|x - mu| * inv_std + max|mu| * inv_std: how far the cancellations inside
    (x - mu) and x * inv - mu * inv magnify a relative rounding error of the inputs.
    """

    def __init__(self, x, gamma, beta, mu, var, epsilon, dout):
        x = np.asarray(x, np.float64)
        inv = float((1 / np.sqrt(np.asarray(var, np.float64) + epsilon)).max())
        g = 1.0 if gamma is None else max(1e-3, float(np.abs(gamma).max()))
        b = 0.0 if beta is None else float(np.abs(beta).max())
        mu_max = float(np.abs(mu).max())
        self.r = (float(np.abs(x - mu).max()) + mu_max) * inv + 1
        d, n = float(np.abs(dout).max()), x.shape[0]
        self.out = g * self.r + b
        self.dx = g * inv * d * self.r**2
        self.dgamma = n * d * self.r
        self.dbeta = n * d
        self.moving = float(np.abs(x).max()) ** 2 + 1


def assert_close(a, b, dtype: str, scale: float, what: str) -> None:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, what
    err = float(np.abs(a - b).max(initial=0.0))
    bound = ULPS * EPS[dtype] * scale
    assert err <= bound, f"{what}: max |diff| {err:.3g} > {bound:.3g}"


def draw_batch(rng: np.random.Generator, n: int, d: int, dtype: str) -> np.ndarray:
    """Features with their own offset and spread (offset within 3 spreads of 0)."""
    spread = rng.uniform(0.25, 4, d)
    offset = rng.uniform(-3, 3, d) * spread
    return (offset + spread * rng.standard_normal((n, d))).astype(dtype)


def draw_weights(rng: np.random.Generator, d: int, dtype: str) -> list[np.ndarray]:
    """gamma, beta, moving_mean, moving_variance, all different from the defaults, so that a
    layer that ignored one of them (or used the batch statistics at inference) would show."""
    return [
        rng.uniform(0.5, 2, d) * rng.choice([-1, 1], d),
        rng.standard_normal(d),
        rng.uniform(-3, 3, d),
        rng.uniform(0.25, 9, d),
    ]


def twin_bn(d, dtype, rng, *, momentum, epsilon, center=True, scale=True, trainable=True):
    """A scratch and a tf_ref BatchNormalization holding the same random weights and state."""
    kwargs = {"center": center, "scale": scale, "trainable": trainable}
    ours = s_layers.BatchNormalization(momentum, epsilon, **kwargs)
    theirs = t_layers.BatchNormalization(momentum, epsilon, **kwargs)
    ours.build(d, rng, dtype)
    theirs.build(d, rng, dtype)
    gamma, beta, mm, mv = draw_weights(rng, d, dtype)
    weights = ([gamma] if scale else []) + ([beta] if center else []) + [mm, mv]
    weights = [w.astype(dtype) for w in weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


# ------------------------------------------------------------------------- the functions


@pytest.mark.tf
@given(
    n=st.integers(2, 64),
    d=st.integers(1, 64),
    dtype=DTYPES,
    momentum=MOMENTUM,
    epsilon=EPSILON,
    training_mode=st.booleans(),
    center=st.booleans(),
    scale=st.booleans(),
    seed=SEEDS,
)
def test_functions_match_tf(
    n, d, dtype, momentum, epsilon, training_mode, center, scale, seed
) -> None:
    rng = np.random.default_rng(seed)
    x = draw_batch(rng, n, d, dtype)
    gamma, beta, mm, mv = (w.astype(dtype) for w in draw_weights(rng, d, dtype))
    gamma, beta = (gamma if scale else None), (beta if center else None)
    dout = rng.standard_normal((n, d)).astype(dtype)
    moving_s, moving_t = (mm.copy(), mv.copy()), (mm.copy(), mv.copy())
    kw = {"momentum": momentum, "epsilon": epsilon, "training": training_mode}
    out_s, cache_s = s_layers.batchnorm_forward(x, gamma, beta, *moving_s, **kw)
    out_t, cache_t = t_layers.batchnorm_forward(x, gamma, beta, *moving_t, **kw)
    mu, var = (x.mean(0), x.var(0)) if training_mode else (mm, mv)
    sc = Scales(x, gamma, beta, mu, var, epsilon, dout)
    assert out_s.dtype == out_t.dtype == np.dtype(dtype)
    assert_close(out_s, out_t, dtype, sc.out, "out")
    for name, a, b in zip(("moving_mean", "moving_variance"), moving_s, moving_t, strict=True):
        assert a.dtype == np.dtype(dtype)
        assert_close(a, b, dtype, sc.moving, name)
    if not training_mode:  # inference never touches the moving statistics
        assert np.array_equal(moving_s[0], mm) and np.array_equal(moving_s[1], mv)
    grads_s = s_layers.batchnorm_backward(dout, cache_s)
    grads_t = t_layers.batchnorm_backward(dout, cache_t)
    for name, a, b, s in zip(
        ("dx", "dgamma", "dbeta"), grads_s, grads_t, (sc.dx, sc.dgamma, sc.dbeta), strict=True
    ):
        assert a.dtype == b.dtype == np.dtype(dtype), name
        assert_close(a, b, dtype, s, name)


@pytest.mark.tf
def test_defaults_are_keras_and_match_tf_in_both_dtypes() -> None:
    """momentum 0.99 and epsilon 1e-3 are not float32-exact; Keras' BN still computes with the
    exact values in float64 (unlike SGD's momentum), so the defaults agree too."""
    import keras

    ref = keras.layers.BatchNormalization()
    for layer in (s_layers.BatchNormalization(), t_layers.BatchNormalization()):
        assert (layer.momentum, layer.epsilon) == (ref.momentum, ref.epsilon) == (0.99, 1e-3)
        assert layer.center and layer.scale
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(0)
        ours = s_layers.BatchNormalization()
        theirs = t_layers.BatchNormalization()
        ours.build(5, rng, dtype)
        theirs.build(5, rng, dtype)
        assert [w.tolist() for w in ours.get_weights()] == [
            [1.0] * 5,
            [0.0] * 5,
            [0.0] * 5,
            [1.0] * 5,
        ]
        for w_s, w_t in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            assert np.array_equal(w_s, w_t) and w_t.dtype == np.dtype(dtype)
        for _ in range(5):
            x = draw_batch(rng, 16, 5, dtype)
            assert_close(ours.forward(x, True), theirs.forward(x, True), dtype, 50, "out")
        for key in ("moving_mean", "moving_variance"):
            assert_close(ours.state[key], theirs.state[key], dtype, 50, key)
        x = draw_batch(rng, 16, 5, dtype)
        assert_close(ours.forward(x), theirs.forward(x), dtype, 50, "inference")


# ---------------------------------------------------------------------------- the layer


@pytest.mark.tf
@given(
    n=st.integers(2, 64),
    d=st.integers(1, 64),
    dtype=DTYPES,
    momentum=MOMENTUM,
    epsilon=EPSILON,
    mode=st.sampled_from(["train", "infer", "frozen"]),
    steps=st.integers(1, 4),
    seed=SEEDS,
)
def test_layer_matches_tf_over_several_steps(
    n, d, dtype, momentum, epsilon, mode, steps, seed
) -> None:
    """Forward, dx, dgamma, dbeta and the moving statistics after each of several steps; then
    inference with the statistics the steps left behind. ``frozen`` = trainable False and
    training True: Keras 3 then uses (and keeps) the moving statistics and gives no grads."""
    rng = np.random.default_rng(seed)
    ours, theirs = twin_bn(
        d, dtype, rng, momentum=momentum, epsilon=epsilon, trainable=mode != "frozen"
    )
    assert list(ours.params) == list(theirs.params) == ["gamma", "beta"]
    assert list(ours.state) == list(theirs.state) == ["moving_mean", "moving_variance"]
    assert list(ours.weights) == list(theirs.weights)
    start = ours.get_weights()
    for _ in range(steps):
        x = draw_batch(rng, n, d, dtype)
        dout = rng.standard_normal((n, d)).astype(dtype)
        batch = mode == "train"
        mm, mv = ours.state["moving_mean"].copy(), ours.state["moving_variance"].copy()
        mu, var = (x.mean(0), x.var(0)) if batch else (mm, mv)
        sc = Scales(x, ours.params["gamma"], ours.params["beta"], mu, var, epsilon, dout)
        train = mode != "infer"
        assert_close(ours.forward(x, train), theirs.forward(x, train), dtype, sc.out, "out")
        for key in ("moving_mean", "moving_variance"):
            assert_close(ours.state[key], theirs.state[key], dtype, sc.moving, key)
        assert_close(ours.backward(dout), theirs.backward(dout), dtype, sc.dx, "dx")
        for key, s in (("gamma", sc.dgamma), ("beta", sc.dbeta)):
            if mode == "frozen":  # no parameter gradients for a frozen layer
                assert not ours.grads[key].any() and not theirs.grads[key].any()
            else:
                assert_close(ours.grads[key], theirs.grads[key], dtype, s, key)
        if not batch:  # inference and a frozen layer leave the moving statistics alone
            assert np.array_equal(mm, ours.state["moving_mean"])
            assert np.array_equal(mv, ours.state["moving_variance"])
    for a, b in zip(start[:2], ours.get_weights()[:2], strict=True):
        assert np.array_equal(a, b)
    x = draw_batch(rng, n, d, dtype)
    mm, mv = ours.state["moving_mean"], ours.state["moving_variance"]
    sc = Scales(x, ours.params["gamma"], ours.params["beta"], mm, mv, epsilon, x)
    assert_close(ours.forward(x), theirs.forward(x), dtype, sc.out, "inference after steps")


@pytest.mark.tf
def test_moving_average_by_hand() -> None:
    """moving = moving * momentum + batch * (1 - momentum), with the BIASED batch variance, in
    numbers small enough to check by eye: x = [[0], [2]] has mean 1, variance 1 (unbiased: 2)."""
    for module in (s_layers, t_layers):
        layer = module.BatchNormalization(momentum=0.75)
        layer.build(1, np.random.default_rng(0), "float64")
        layer.forward(np.array([[0.0], [2.0]]), training=True)
        assert layer.state["moving_mean"].tolist() == [0.25]  # 0 * 0.75 + 1 * 0.25
        assert layer.state["moving_variance"].tolist() == [1.0]  # 1 * 0.75 + 1 * 0.25
        layer.forward(np.array([[0.0], [2.0]]), training=True)
        assert layer.state["moving_mean"].tolist() == [0.4375]  # 0.25 * 0.75 + 0.25
        out = layer.forward(np.array([[0.4375]]))  # inference: (x - 0.4375) / sqrt(1 + eps)
        assert out.tolist() == [[0.0]]


# -------------------------------------------------------------------- gradient checks


@settings(max_examples=20)
def array_rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """CS231n's relative error with one denominator for the whole array:
    max|a - n| / max(|a| + |n|).

    Centred differences (h = 1e-5, float64) carry an absolute error of ~1e-11 times the
    gradient's scale on every entry alike, so an entry 1000 times smaller than the largest can
    not be resolved to 1e-8 of ITSELF (elementwise, the project's ``gradient_error`` reached 7e-8
    on correct code in 1500 draws); against the array's scale it can. Measured worst on correct
    code over 1500 draws: 3.8e-9. A real mistake (a missing path, a wrong factor) is off by far
    more than 1e-8 of the largest entry.
    """
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    return float(np.abs(a - n).max() / max(1e-8, float((np.abs(a) + np.abs(n)).max())))


# N >= 3: with two rows the training output is +-sqrt(var / (var + eps)) whatever x is, so dx is
# of order eps / var (~1e-5 here), below what centred differences resolve to 1e-8 relative.
@given(n=st.integers(3, 8), d=st.integers(1, 4), training_mode=st.booleans(), seed=SEEDS)
def test_backward_gradient_check(n, d, training_mode, seed) -> None:
    """scratch's closed-form backward against centred differences, float64, RANDOM upstream.

    A random dout matters: with dout all ones the loss is sum(out) = N * sum(beta), which does
    not depend on x at all (the normalised columns sum to zero), so the true dx is exactly 0 and
    any backward that returns ~0 for dx passes, e.g. one that forgets the paths through the batch
    mean and variance (next test). A random dout weighs every output differently.
    """
    rng = np.random.default_rng(seed)
    x = draw_batch(rng, n, d, "float64")
    gamma, beta, mm, mv = draw_weights(rng, d, "float64")
    dout = rng.standard_normal((n, d))
    kw = {"momentum": 0.5, "epsilon": 1e-3, "training": training_mode}
    _, cache = s_layers.batchnorm_forward(x, gamma, beta, mm.copy(), mv.copy(), **kw)
    grads = s_layers.batchnorm_backward(dout, cache)
    analytic = dict(zip(("x", "gamma", "beta"), grads, strict=True))
    args = {"x": x, "gamma": gamma, "beta": beta}
    for name, value in args.items():

        def f(v, name=name):
            # fresh copies of the moving statistics: they must not drift between evaluations
            a = {**args, name: v.copy()}
            return s_layers.batchnorm_forward(
                a["x"], a["gamma"], a["beta"], mm.copy(), mv.copy(), **kw
            )[0]

        numeric = numerical_gradient(f, value.copy(), dout)
        assert array_rel_error(analytic[name], numeric) <= 1e-8, name


def test_all_ones_upstream_cannot_see_a_missing_variance_path() -> None:
    """Why the check above draws dout: a backward that treats the batch statistics as constants
    (dx = gamma * inv_std * dout) is wrong in training mode, and a random dout shows it, but with
    dout = 1 the true dx is 0 and the finite differences are ~0 too, so only the size of the
    wrong answer gives it away, and the 'right' one has no size at all to compare."""
    rng = np.random.default_rng(4)
    x = draw_batch(rng, 5, 3, "float64")
    gamma, beta, mm, mv = draw_weights(rng, 3, "float64")

    def f(v):
        return s_layers.batchnorm_forward(v, gamma, beta, mm.copy(), mv.copy(), training=True)[0]

    ones = np.ones_like(x)
    _, cache = s_layers.batchnorm_forward(x, gamma, beta, mm.copy(), mv.copy(), training=True)
    assert np.abs(numerical_gradient(f, x.copy(), ones)).max() < 1e-9  # the truth is zero
    assert np.abs(s_layers.batchnorm_backward(ones, cache)[0]).max() < 1e-12
    dout = rng.standard_normal(x.shape)
    _, _, inv_std, _ = cache
    wrong = gamma * inv_std * dout  # the inference-mode formula used in training
    right = s_layers.batchnorm_backward(dout, cache)[0]
    numeric = numerical_gradient(f, x.copy(), dout)
    assert rel_error(right, numeric) < 1e-7 and rel_error(wrong, numeric) > 1e-2


# ----------------------------------------------------------------- CS231n-style statistics


@pytest.mark.tf
@given(n=st.integers(2, 64), d=st.integers(1, 64), dtype=DTYPES, seed=SEEDS)
def test_training_output_is_normalised(n, d, dtype, seed) -> None:
    """With gamma = 1, beta = 0 each feature of the training-mode output has batch mean 0 and
    (biased) standard deviation sqrt(var / (var + epsilon)): just below 1, by at most
    epsilon / (2 var). With the unbiased variance it would be sqrt((N-1)/N) times that, at least
    1/(2N) >= 0.8% lower for N <= 64, far beyond the rounding allowed here."""
    rng = np.random.default_rng(seed)
    x = draw_batch(rng, n, d, dtype)
    for module in (s_layers, t_layers):
        layer = module.BatchNormalization()
        layer.build(d, rng, dtype)
        out = layer.forward(x, training=True).astype(np.float64)
        var = x.astype(np.float64).var(axis=0)
        expected_std = np.sqrt(var / (var + layer.epsilon))
        assert np.all(expected_std <= 1) and np.all(1 - expected_std <= 1e-3 / (2 * var))
        tol = 1e-4 if dtype == "float32" else 1e-12
        assert np.abs(out.mean(axis=0)).max() <= tol, module.__name__
        assert np.abs(out.std(axis=0) - expected_std).max() <= tol, module.__name__


# ---------------------------------------------------- the book's stack, training, checkpoints


def book_stack(layers_mod, models_mod, dtype, seed, *, frozen_bn=False, momentum=0.875):
    """Dense(use_bias=False) -> BatchNormalization -> ELU, twice, then a linear output layer."""
    layers = []
    for units in (6, 5):
        layers += [
            layers_mod.Dense(units, use_bias=False),
            layers_mod.BatchNormalization(momentum, trainable=not frozen_bn),
            layers_mod.Activation("elu"),
        ]
    layers.append(layers_mod.Dense(3))
    return models_mod.Sequential(layers, 4, rng=np.random.default_rng(seed), dtype=dtype)


@pytest.fixture
def stacks():
    """make(dtype, frozen_bn): the book stack in both backends with the same random weights and
    moving statistics (moved away from their defaults, so that none of them can hide)."""

    def make(dtype="float64", frozen_bn=False):
        ours = book_stack(s_layers, s_models, dtype, 0, frozen_bn=frozen_bn)
        theirs = book_stack(t_layers, t_models, dtype, 1, frozen_bn=frozen_bn)
        rng = np.random.default_rng(2)
        weights = []
        for name, w in ours.named_weights().items():
            if name.endswith("moving_variance"):
                weights.append(rng.uniform(0.5, 2, w.shape).astype(dtype))
            else:
                weights.append((w + 0.3 * rng.standard_normal(w.shape)).astype(dtype))
        ours.set_weights(weights)
        theirs.set_weights(weights)
        return ours, theirs

    return make


@pytest.mark.tf
def test_book_stack_names_weights_and_optimizer_view(stacks) -> None:
    ours, theirs = stacks()
    names = list(ours.named_weights())
    assert names == list(theirs.named_weights())
    assert names[:5] == [
        "dense/kernel",
        "batch_normalization/gamma",
        "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
    ]
    # Keras' own model.get_weights() has the same order and shapes
    keras_weights = theirs.keras_model.get_weights()
    for a, b in zip(theirs.get_weights(), keras_weights, strict=True):
        assert np.array_equal(a, b)
    # the optimizer sees kernels, gammas and betas, never the moving statistics
    trainable = [f"{layer.name}/{k}" for layer in ours.trainable_layers() for k in layer.params]
    assert [v.path for v in theirs.trainable_variables] == trainable
    assert not any("moving" in name for name in trainable)
    assert len(ours.trainable_params()) == len(ours.trainable_grads()) == len(trainable) == 8
    assert ours.summary() == theirs.summary()
    assert "total parameters: 116" in ours.summary()  # Keras counts the moving statistics too


@pytest.mark.tf
@pytest.mark.parametrize("frozen_bn", [False, True])
def test_book_stack_trains_in_lockstep(stacks, frozen_bn) -> None:
    """Forward, backward and train_step in float64 through both backends, step by step: the
    weights AND the moving statistics agree after every step; a frozen BN keeps its gamma, beta
    and moving statistics and the optimizer never sees them."""
    ours, theirs = stacks("float64", frozen_bn)
    before = ours.named_weights()
    before = {k: v.copy() for k, v in before.items()}
    rng = np.random.default_rng(3)
    x = draw_batch(rng, 40, 4, "float64")
    y = rng.integers(0, 3, 40)
    out_s, out_t = ours.forward(x, training=True), theirs.forward(x, training=True)
    assert_close(out_s, out_t, "float64", 1e3, "forward")
    dout = rng.standard_normal(out_s.shape)
    assert_close(ours.backward(dout), theirs.backward(dout), "float64", 1e3, "dx")
    for a, b in zip(ours.trainable_grads(), theirs.trainable_grads(), strict=True):
        assert_close(a, b, "float64", 1e3, "grad")
    opt_s = s_optimizers.get("nesterov", learning_rate=0.0625, momentum=0.875)
    opt_t = t_optimizers.get("nesterov", learning_rate=0.0625, momentum=0.875)
    loss_fn = losses.UNCHECKED["sparse_softmax_cross_entropy"]
    ours.set_weights(list(before.values()))
    theirs.set_weights(list(before.values()))
    for step in range(4):
        batch = slice(10 * step, 10 * step + 10)
        v_s = training.train_step(ours, opt_s, loss_fn, x[batch], y[batch])
        v_t = t_training.train_step(
            theirs, opt_t, "sparse_softmax_cross_entropy", x[batch], y[batch]
        )
        assert abs(v_s - v_t) <= 1e-12 * abs(v_s), step
        for key, w in ours.named_weights().items():
            assert_close(w, theirs.named_weights()[key], "float64", 1e3, f"{key} step {step}")
    after = ours.named_weights()
    for key in before:
        if "batch_normalization" in key:
            assert np.array_equal(before[key], after[key]) == frozen_bn, key
    assert_close(ours.predict(x), theirs.predict(x), "float64", 1e3, "predict after training")


@pytest.mark.tf
def test_book_stack_fit_in_lockstep(stacks) -> None:
    """The whole compiled TF loop (tf.function epochs) updates the moving statistics exactly as
    scratch's loop does; then the inference-mode scores agree."""
    ours, theirs = stacks("float64")
    rng = np.random.default_rng(5)
    x = draw_batch(rng, 120, 4, "float64")
    y = rng.integers(0, 3, 120)
    kwargs = {"epochs": 2, "batch_size": 16, "verbose": False, "validation_data": (x[:30], y[:30])}
    h_s = training.fit(
        ours, x, y, optimizer=s_optimizers.SGD(0.0625), rng=np.random.default_rng(7), **kwargs
    )
    h_t = t_training.fit(
        theirs, x, y, optimizer=t_optimizers.SGD(0.0625), rng=np.random.default_rng(7), **kwargs
    )
    np.testing.assert_allclose(h_s.history["loss"], h_t.history["loss"], rtol=1e-11)
    np.testing.assert_allclose(h_s.history["val_loss"], h_t.history["val_loss"], rtol=1e-11)
    for key, w in ours.named_weights().items():
        np.testing.assert_allclose(w, theirs.named_weights()[key], rtol=1e-9, atol=1e-12)


@pytest.mark.tf
def test_checkpoint_carries_moving_statistics_between_backends(stacks, tmp_path) -> None:
    ours, theirs = stacks("float32")
    rng = np.random.default_rng(6)
    for _ in range(3):  # move the statistics away from the shared starting values
        ours.forward(draw_batch(rng, 16, 4, "float32"), training=True)
    path = training.save_checkpoint(tmp_path / "bn.npz", ours)
    training.load_checkpoint(path, theirs)
    for key, w in ours.named_weights().items():
        assert np.array_equal(theirs.named_weights()[key], w), key
    x = draw_batch(rng, 8, 4, "float32")
    assert_close(ours.predict(x), theirs.predict(x), "float32", 1e3, "inference after load")
    # and back into a fresh scratch model
    fresh, _ = stacks("float32")
    training.load_checkpoint(training.save_checkpoint(tmp_path / "tf.npz", theirs), fresh)
    for key, w in theirs.named_weights().items():
        assert np.array_equal(fresh.named_weights()[key], w), key


# ------------------------------------------------------------------------- bad input


@backends(s_layers, "tf_ref.layers", "module")
def test_bad_arguments_are_refused(module) -> None:
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\], got 1.5"):
        module.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon: expected a finite value > 0, got 0"):
        module.BatchNormalization(epsilon=0)
    with pytest.raises(TypeError, match="momentum: expected a number, got 'high'"):
        module.BatchNormalization(momentum="high")
    layer = module.BatchNormalization(name="bn")
    with pytest.raises(RuntimeError, match="bn: layer is not built"):
        layer.forward(np.zeros((4, 3), np.float32))
    layer.build(3, np.random.default_rng(0), "float32")
    with pytest.raises(ValueError, match=r"x: expected last dimension 3, got shape \(4, 5\)"):
        layer.forward(np.zeros((4, 5), np.float32), training=True)
    with pytest.raises(ValueError, match=r"x: expected a 2-D array, got shape \(3,\)"):
        layer.forward(np.zeros(3, np.float32))
    with pytest.raises(RuntimeError, match=r"bn: backward\(\) called before forward\(\)"):
        module.BatchNormalization(name="bn").backward(np.zeros((2, 3)))

    x, ones, zeros = np.zeros((4, 3)), np.ones(3), np.zeros(3)
    bn = module.batchnorm_forward
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN"):
        bn(np.where(np.arange(12).reshape(4, 3) == 5, np.nan, x), ones, zeros, zeros, ones)
    with pytest.raises(ValueError, match=r"gamma: expected last dimension 3, got shape \(2,\)"):
        bn(x, np.ones(2), zeros, zeros.copy(), ones.copy())
    with pytest.raises(ValueError, match=r"moving_variance: expected last dimension 3"):
        bn(x, ones, zeros, zeros.copy(), np.ones(4))
    with pytest.raises(TypeError, match=r"moving_mean: expected a float64 ndarray .* float32"):
        bn(x, ones, zeros, np.zeros(3, np.float32), ones.copy())
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\], got -0.5"):
        bn(x, ones, zeros, zeros.copy(), ones.copy(), momentum=-0.5)
    with pytest.raises(ValueError, match="epsilon: expected a finite value > 0, got nan"):
        bn(x, ones, zeros, zeros.copy(), ones.copy(), epsilon=float("nan"))


@pytest.mark.tf
def test_sequential_with_bn_refuses_nan_and_wrong_width(stacks) -> None:
    ours, theirs = stacks("float32")
    for model in (ours, theirs):
        with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN"):
            model.forward(np.array([[0, np.nan, 0, 0]], np.float32))
        with pytest.raises(ValueError, match=r"x: expected last dimension 4, got shape \(2, 3\)"):
            model.forward(np.zeros((2, 3), np.float32), training=True)
        with pytest.raises(ValueError, match="weights: expected 12 arrays, got 11"):
            model.set_weights(model.get_weights()[:-1])
