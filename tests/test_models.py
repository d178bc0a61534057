"""Sequential: scratch against the TensorFlow oracle (forward, backward, frozen layers), a gradient
check of a whole net, bad input, and checkpoints that move between the two backends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import activations, losses, training
from scratch import layers as s_layers
from scratch import models as s_models
from scratch import optimizers as s_optimizers
from tests.helpers import numerical_gradient
from tests.test_layers import KINKED, assert_close, assert_grad_check, scratch_activation
from tf_ref import layers as t_layers
from tf_ref import models as t_models
from tf_ref import optimizers as t_optimizers
from tf_ref import training as t_training

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)


def twin_models(spec, input_dim, dtype, seed, frozen=()):
    """A scratch and a tf_ref Sequential with the same layers (spec: (units, activation) pairs)
    and the same weights (scratch's copied into tf_ref); layers listed in ``frozen`` frozen."""
    ours = s_models.Sequential(
        [
            s_layers.Dense(u, scratch_activation(a, dtype), trainable=i not in frozen)
            for i, (u, a) in enumerate(spec)
        ],
        input_dim,
        rng=np.random.default_rng(seed),
        dtype=dtype,
    )
    theirs = t_models.Sequential(
        [t_layers.Dense(u, a, trainable=i not in frozen) for i, (u, a) in enumerate(spec)],
        input_dim,
        rng=np.random.default_rng(seed + 1),
        dtype=dtype,
    )
    rng = np.random.default_rng(seed + 2)
    # random biases too (scratch builds them at 0), so that a dropped bias would show
    ours.set_weights(
        [w + rng.standard_normal(w.shape).astype(dtype) * 0.1 for w in ours.get_weights()]
    )
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def kink_free_dout(model: s_models.Sequential, x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Zero the upstream gradient of rows whose pre-activations come within a rounding error of a
    kink in any layer: there the two backends may legitimately take different branches."""
    dtype = model.dtype
    near = np.zeros(x.shape[0], bool)
    h = x.astype(dtype)
    for layer in model.layers:
        z = h @ layer.params["kernel"] + layer.params["bias"]
        if layer.activation.name in KINKED:
            near |= (np.abs(z) < (1e-3 if dtype == np.float32 else 1e-9)).any(axis=1)
        h = layer.activation(z)
    dout = dout.copy()
    dout[near] = 0
    return dout


@given(
    n=st.integers(1, 64),
    widths=st.lists(st.integers(1, 64), min_size=4, max_size=4),
    acts=st.lists(st.sampled_from(activations.NAMES), min_size=3, max_size=3),
    frozen=st.sets(st.integers(0, 2), max_size=2),
    dtype=DTYPES,
    seed=st.integers(0, 2**31),
)
def test_sequential_matches_scratch(n, widths, acts, frozen, dtype, seed) -> None:
    spec = list(zip(widths[1:], acts, strict=True))
    ours, theirs = twin_models(spec, widths[0], dtype, seed, frozen)
    assert [layer.name for layer in theirs.layers] == ["dense", "dense_1", "dense_2"]
    assert list(theirs.named_weights()) == list(ours.named_weights())
    rng = np.random.default_rng(seed + 3)
    x = rng.standard_normal((n, widths[0])).astype(dtype)
    out_s, out_t = ours.forward(x, training=True), theirs.forward(x, training=True)
    assert out_t.dtype == np.dtype(dtype)
    assert_close(out_s, out_t, dtype, "forward")
    assert_close(out_s, theirs.predict(x, batch_size=7), dtype, "predict")
    dout = kink_free_dout(ours, x, rng.standard_normal(out_s.shape).astype(dtype))
    assert_close(ours.backward(dout), theirs.backward(dout), dtype, "dx")
    assert len(theirs.trainable_grads()) == len(ours.trainable_grads()) == 2 * (3 - len(frozen))
    for i, (a, b) in enumerate(zip(ours.trainable_grads(), theirs.trainable_grads(), strict=True)):
        assert_close(a, b, dtype, f"grad {i}")
    for i in frozen:  # frozen layers get no gradients, yet dx above went through them
        assert not any(g.any() for g in theirs.layers[i].grads.values())
    # input_grad=False: same parameter gradients, no dx
    before = [g.copy() for g in theirs.trainable_grads()]
    for g in theirs.trainable_grads():
        g[...] = np.nan  # a stale list must not be what we read back
    assert theirs.backward(dout, input_grad=False) is None
    for a, b in zip(before, theirs.trainable_grads(), strict=True):
        assert np.array_equal(a, b)


def test_backward_input_grad_false_with_everything_frozen_returns_none() -> None:
    ours, theirs = twin_models([(3, "elu"), (2, None)], 4, "float64", 0, frozen={0, 1})
    x = np.ones((2, 4))
    theirs.forward(x)
    ours.forward(x)
    assert theirs.trainable_variables == [] and theirs.trainable_params() == []
    assert theirs.backward(np.ones((2, 2)), input_grad=False) is None
    assert_close(ours.backward(np.ones((2, 2))), theirs.backward(np.ones((2, 2))), "float64", "dx")


def test_trainable_variables_follow_the_trainable_flags() -> None:
    _, model = twin_models([(3, "elu"), (4, "tanh"), (2, None)], 5, "float32", 1)
    assert [v.path for v in model.trainable_variables] == [
        f"{name}/{p}" for name in ("dense", "dense_1", "dense_2") for p in ("kernel", "bias")
    ]
    model.layers[1].trainable = False
    assert len(model.trainable_variables) == 4
    assert len(model.keras_model.trainable_variables) == 4
    params = model.trainable_params()
    assert [p.shape for p in params] == [(5, 3), (3,), (4, 2), (2,)]
    for p, v in zip(params, model.trainable_variables, strict=True):
        assert np.array_equal(p, v.numpy())
    params[0][...] = 7  # copies: the model is untouched
    assert not np.any(model.trainable_params()[0] == 7)


@settings(max_examples=8)
@given(
    acts=st.lists(st.sampled_from(["elu", "selu", "tanh", "sigmoid"]), min_size=2, max_size=2),
    widths=st.lists(st.integers(1, 4), min_size=4, max_size=4),
    n=st.integers(1, 3),
    seed=st.integers(0, 2**31),
)
def test_sequential_gradient_check(acts, widths, n, seed) -> None:
    """Finite differences in float64, random upstream gradient: dL/dx and every parameter."""
    spec = [(widths[1], acts[0]), (widths[2], acts[1]), (widths[3], None)]
    _, model = twin_models(spec, widths[0], "float64", seed)
    rng = np.random.default_rng(seed + 4)
    x = rng.standard_normal((n, widths[0]))
    dout = rng.standard_normal((n, widths[3]))
    model.forward(x)
    dx = model.backward(dout)
    grads = [g.copy() for g in model.trainable_grads()]

    def f_x(v):
        return model.forward(v.copy())

    assert_grad_check(dx, numerical_gradient(f_x, x.copy(), dout), "dx")
    weights = model.get_weights()
    for i, (w, g) in enumerate(zip(weights, grads, strict=True)):

        def f_w(v, i=i):
            model.set_weights([v.copy() if j == i else u for j, u in enumerate(weights)])
            return model.forward(x)

        assert_grad_check(g, numerical_gradient(f_w, w.copy(), dout), f"weight {i}")


def test_predict_chunks_and_summary() -> None:
    ours, theirs = twin_models([(6, "relu"), (3, None)], 4, "float32", 2)
    x = np.random.default_rng(0).standard_normal((2500, 4)).astype(np.float32)
    assert_close(theirs.predict(x), theirs.predict(x, batch_size=999), "float32")
    assert_close(ours.predict(x), theirs.predict(x), "float32")
    assert theirs.summary() == ours.summary()
    assert theirs.input_dim == 4 and theirs.output_dim == 3 and theirs.built
    assert theirs.keras_model.layers[0].name == "dense"


def test_build_later_and_dtype() -> None:
    model = t_models.Sequential([t_layers.Dense(3, "elu"), t_layers.Dense(2)], dtype="float64")
    assert not model.built and model.keras_model is None
    with pytest.raises(RuntimeError, match="model is not built"):
        model.forward(np.zeros((1, 4)))
    model.build(4, np.random.default_rng(0))
    out = model(np.zeros((2, 4), np.float32))  # float32 input is cast to the model's dtype
    assert out.dtype == np.float64 and out.shape == (2, 2)
    assert model.get_weights()[0].dtype == np.float64


# ------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def small_model() -> t_models.Sequential:
    return t_models.Sequential(
        [t_layers.Dense(3, "elu"), t_layers.Dense(2)], 4, rng=np.random.default_rng(0)
    )


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (
            np.zeros((2, 5), np.float32),
            ValueError,
            r"x: expected last dimension 4, got shape \(2, 5\)",
        ),
        (
            np.zeros((2, 4), np.uint8),
            TypeError,
            r"got dtype uint8 \(scale uint8 pixels with x / 255",
        ),
        (
            np.zeros((2, 4), np.int64),
            TypeError,
            "x: expected a floating-point array, got dtype int64",
        ),
        (np.full((2, 4), np.nan, np.float32), ValueError, "x: expected finite values, got 8 NaN"),
        (
            np.zeros((0, 4), np.float32),
            ValueError,
            r"x: expected a non-empty array, got shape \(0, 4\)",
        ),
        (np.zeros(4, np.float32), ValueError, r"x: expected a 2-D array, got shape \(4,\)"),
        ("pixels", TypeError, "x: expected a floating-point array"),
    ],
)
def test_bad_input_is_refused(small_model, x, error, match) -> None:
    for call in (small_model.forward, small_model.predict, small_model.check_input):
        with pytest.raises(error, match=match):
            call(x)


def test_bad_weights_dout_and_layers_are_refused(small_model) -> None:
    with pytest.raises(ValueError, match="weights: expected 4 arrays, got 3"):
        small_model.set_weights(small_model.get_weights()[:3])
    bad = small_model.get_weights()
    bad[2] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"dense_1.kernel: expected shape \(3, 2\), got \(2, 3\)"):
        small_model.set_weights(bad)
    fresh = t_models.Sequential([t_layers.Dense(2)], 3, rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match=r"model: backward\(\) called before forward\(\)"):
        fresh.backward(np.zeros((1, 2), np.float32))
    fresh.forward(np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match=r"dout: expected shape \(5, 2\).*got \(5, 3\)"):
        fresh.backward(np.zeros((5, 3), np.float32))
    with pytest.raises(ValueError, match="layers: expected at least one layer"):
        t_models.Sequential([])
    with pytest.raises(TypeError, match=r"layers\[0\]: expected a tf_ref Layer, got Dense"):
        t_models.Sequential([s_layers.Dense(2)])
    with pytest.raises(ValueError, match=r"layers: names must be unique, got \['a', 'a'\]"):
        t_models.Sequential([t_layers.Dense(2, name="a"), t_layers.Dense(2, name="a")])
    with pytest.raises(ValueError, match="batch_size: expected a finite value > 0"):
        small_model.predict(np.zeros((1, 4), np.float32), batch_size=0)


# ------------------------------------------------------------------ checkpoint interop


def _train_scratch(model, optimizer, x, y, steps):
    loss_fn = losses.UNCHECKED["sparse_softmax_cross_entropy"]
    for i in range(steps):
        training.train_step(model, optimizer, loss_fn, x[i::steps], y[i::steps])


@pytest.mark.parametrize("optimizer", ["nesterov", "rmsprop", "adam"])
def test_checkpoint_moves_between_backends(tmp_path, optimizer) -> None:
    """scratch -> file -> tf_ref gives the same weights, outputs and optimizer state; training
    then continues in lockstep (tf_ref.training binds the restored state to the model's own
    variables); and tf_ref -> file -> scratch gives everything back."""
    dtype = "float64"
    spec = [(8, "elu"), (3, None)]
    ours, theirs = twin_models(spec, 5, dtype, 3)
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    # hyperparameters exact in float32: Keras rounds momentum and Adam's betas through float32
    kwargs = {"learning_rate": 0.0625}
    if optimizer == "nesterov":
        kwargs["momentum"] = 0.875
    if optimizer == "adam":
        kwargs.update(beta_1=0.875, beta_2=0.9990234375)
    opt_s = s_optimizers.get(optimizer, **kwargs)
    opt_t = t_optimizers.get(optimizer, **kwargs)
    _train_scratch(ours, opt_s, x, y, 4)

    path = training.save_checkpoint(tmp_path / "scratch.npz", ours, opt_s, {"epoch": 3})
    meta = training.load_checkpoint(path, theirs, opt_t)
    assert meta["epoch"] == 3
    for key, w in ours.named_weights().items():
        assert np.array_equal(theirs.named_weights()[key], w), key
    assert_close(ours.forward(x), theirs.forward(x), dtype, "forward after load")
    state_s, state_t = opt_s.variables(), opt_t.variables()
    assert state_s.keys() == state_t.keys() and opt_t.iterations == 4
    for key in state_s:
        assert np.array_equal(state_s[key], state_t[key]), key

    # one more step in each backend, from the restored state
    loss_fn = losses.UNCHECKED["sparse_softmax_cross_entropy"]
    v_s = training.train_step(ours, opt_s, loss_fn, x, y)
    v_t = t_training.train_step(theirs, opt_t, "sparse_softmax_cross_entropy", x, y)
    assert abs(v_s - v_t) <= 1e-12 * abs(v_s)
    assert opt_t.iterations == 5
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        assert_close(a, b, dtype, "weights after resumed step")

    # and back: tf_ref -> file -> a fresh scratch model and optimizer
    path = training.save_checkpoint(tmp_path / "tf.npz", theirs, opt_t)
    back = s_models.Sequential(
        [s_layers.Dense(u, a) for u, a in spec], 5, rng=np.random.default_rng(0), dtype=dtype
    )
    opt_back = s_optimizers.get(optimizer, **kwargs)
    training.load_checkpoint(path, back, opt_back)
    for key, w in theirs.named_weights().items():
        assert np.array_equal(back.named_weights()[key], w), key
    assert_close(back.forward(x), theirs.forward(x), dtype, "forward after loading back")
    state_t = opt_t.variables()
    for key, value in opt_back.variables().items():
        assert np.array_equal(value, state_t[key]), key


def test_checkpoint_into_wrong_tf_model_is_refused(tmp_path) -> None:
    ours, _ = twin_models([(8, "elu"), (3, None)], 5, "float32", 0)
    path = training.save_checkpoint(tmp_path / "c.npz", ours)
    other = t_models.Sequential(
        [t_layers.Dense(7, "elu"), t_layers.Dense(3)], 5, rng=np.random.default_rng(0)
    )
    with pytest.raises(
        ValueError, match=r"c\.npz: weights/dense/kernel: expected shape \(5, 7\), got \(5, 8\)"
    ):
        training.load_checkpoint(path, other)
