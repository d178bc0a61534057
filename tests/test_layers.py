"""Dense and Activation layers: scratch against the TensorFlow oracle, and gradient checks.

Weights are copied from scratch into tf_ref (``set_weights``), so both compute with identical
numbers; the comparison tolerance is a few ulps of the dtype, relative to the largest value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import activations
from scratch import layers as s_layers
from tests.helpers import numerical_gradient, rel_error
from tf_ref import layers as t_layers

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
# Per dtype: a comparison bound relative to the largest magnitude in play (rounding only).
TOL = {"float32": 2e-5, "float64": 1e-12}
# Activations whose derivative jumps at 0; their pre-activations near 0 get no upstream gradient
# in comparisons, because the two backends may round z ~ 0 to opposite signs.
KINKED = {"relu", "leaky_relu", "elu", "selu"}


def assert_close(a: np.ndarray, b: np.ndarray, dtype: str, what: str = "") -> None:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, what
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    err = float(np.abs(a - b).max(initial=0.0))
    assert err <= TOL[dtype] * scale, f"{what}: max |diff| {err:.3g} (scale {scale:.3g})"


def scratch_activation(name: str, dtype: str) -> activations.ActivationFunction:
    """scratch's activation as Keras computes it in ``dtype``.

    TF's LeakyRelu op keeps its slope in a float32 attribute, so in float64 Keras multiplies by
    float32(0.2), not 0.2 (docs/FACTS.md, "Keras rounds some hyperparameters through float32").
    The lockstep gives scratch the same rounded slope instead of loosening the float64
    tolerance.
    """
    if name == "leaky_relu" and dtype == "float64":
        return activations.get(name, negative_slope=float(np.float32(0.2)))
    return activations.get(name)


def assert_grad_check(analytic: np.ndarray, numeric: np.ndarray, what: str) -> None:
    """CS231n's check, rel_error <= 1e-7, on the entries big enough for it to mean something.

    A centred difference carries ~eps * |f| / h ~ 1e-11 of round-off, so an entry whose true
    value is ~1e-4 cannot reach a relative error of 1e-7; such entries must agree absolutely.
    """
    big = np.abs(analytic) + np.abs(numeric) >= 1e-3
    if big.any():
        assert rel_error(analytic[big], numeric[big]) <= 1e-7, what
    assert np.abs(analytic[~big] - numeric[~big]).max(initial=0.0) <= 1e-9, what


def twin_dense(units, activation, input_dim, dtype, rng, use_bias=True, dtype_name=None):
    """A scratch Dense and a tf_ref Dense holding the same (random, nonzero-bias) weights."""
    ours = s_layers.Dense(units, scratch_activation(activation, dtype), use_bias=use_bias)
    ours.build(input_dim, rng, dtype)
    theirs = t_layers.Dense(units, activation, use_bias=use_bias)
    theirs.build(input_dim, rng, dtype)
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


# ------------------------------------------------------------------ the Dense functions


@given(
    n=st.integers(1, 64),
    d=st.integers(1, 128),
    m=st.integers(1, 128),
    dtype=DTYPES,
    use_bias=st.booleans(),
    seed=SEEDS,
)
def test_dense_functions_match_scratch(n, d, m, dtype, use_bias, seed) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(dtype)
    kernel = rng.standard_normal((d, m)).astype(dtype)
    bias = rng.standard_normal(m).astype(dtype) if use_bias else None
    dout = rng.standard_normal((n, m)).astype(dtype)
    out_s, cache_s = s_layers.dense_forward(x, kernel, bias)
    out_t, cache_t = t_layers.dense_forward(x, kernel, bias)
    assert out_t.dtype == np.dtype(dtype)
    assert_close(out_s, out_t, dtype, "out")
    for name, a, b in zip(
        ("dx", "dkernel", "dbias"),
        s_layers.dense_backward(dout, cache_s),
        t_layers.dense_backward(dout, cache_t),
        strict=True,
    ):
        assert b.dtype == np.dtype(dtype)
        assert_close(a, b, dtype, name)


@settings(max_examples=10)
@given(n=st.integers(1, 4), d=st.integers(1, 5), m=st.integers(1, 5), seed=SEEDS)
def test_dense_backward_gradient_check(n, d, m, seed) -> None:
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((n, d)), rng.standard_normal((d, m))
    bias, dout = rng.standard_normal(m), rng.standard_normal((n, m))
    _, cache = t_layers.dense_forward(x, kernel, bias)
    dx, dkernel, dbias = t_layers.dense_backward(dout, cache)
    for name, arr, grad in (("x", x, dx), ("kernel", kernel, dkernel), ("bias", bias, dbias)):
        args = {"x": x, "kernel": kernel, "bias": bias}

        def f(v, name=name, args=args):
            return t_layers.dense_forward(**{**args, name: v.copy()})[0]

        assert_grad_check(grad, numerical_gradient(f, arr.copy(), dout), name)


# --------------------------------------------------------------------------- the layers


@given(
    n=st.integers(1, 64),
    d=st.integers(1, 128),
    m=st.integers(1, 128),
    activation=st.sampled_from(activations.NAMES),
    dtype=DTYPES,
    use_bias=st.booleans(),
    seed=SEEDS,
)
def test_dense_layer_matches_scratch(n, d, m, activation, dtype, use_bias, seed) -> None:
    rng = np.random.default_rng(seed)
    ours, theirs = twin_dense(m, activation, d, dtype, rng, use_bias)
    assert theirs.keras_layer.dtype == dtype
    x = rng.standard_normal((n, d)).astype(dtype)
    out_s, out_t = ours.forward(x), theirs.forward(x)
    assert out_t.dtype == np.dtype(dtype)
    assert_close(out_s, out_t, dtype, "forward")
    dout = rng.standard_normal((n, m)).astype(dtype)
    if activation in KINKED:
        z = x @ ours.params["kernel"] + (ours.params["bias"] if use_bias else 0)
        dout[np.abs(z) < (1e-3 if dtype == "float32" else 1e-9)] = 0
    assert_close(ours.backward(dout), theirs.backward(dout), dtype, "dx")
    assert set(theirs.grads) == set(ours.grads) == ({"kernel", "bias"} if use_bias else {"kernel"})
    for key in ours.grads:
        assert_close(ours.grads[key], theirs.grads[key], dtype, key)


def test_activation_kwargs_reach_keras() -> None:
    """elu(alpha) and leaky_relu(negative_slope), by name + kwargs or as a scratch object."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4))
    for name, kwargs in (("elu", {"alpha": 0.5}), ("leaky_relu", {"negative_slope": 0.25})):
        ours = s_layers.Activation(name, **kwargs)
        ours.build(4, rng, "float64")
        for theirs in (
            t_layers.Activation(name, **kwargs),
            t_layers.Activation(activations.get(name, **kwargs)),
        ):
            theirs.build(4, rng, "float64")
            assert_close(ours.forward(x), theirs.forward(x), "float64", name)
            dout = rng.standard_normal(x.shape)
            assert_close(ours.backward(dout), theirs.backward(dout), "float64", name)
            assert theirs.params == {} and theirs.grads == {}
        dense = t_layers.Dense(3, activations.get(name, **kwargs))
        assert dense.activation.name == name and dense.activation.kwargs == kwargs


@settings(max_examples=10)
@given(
    activation=st.sampled_from(["elu", "selu", "tanh", "sigmoid", "relu", "leaky_relu"]),
    n=st.integers(1, 4),
    d=st.integers(1, 5),
    m=st.integers(1, 5),
    seed=SEEDS,
)
def test_dense_layer_gradient_check(activation, n, d, m, seed) -> None:
    """Finite differences in float64 with a random upstream gradient, for x, kernel and bias.

    Kinks (ReLU, leaky ReLU, and SELU/ELU at 0) are kept away: each unit's bias puts all of its
    pre-activations at least 0.2 from 0, on a side drawn at random, far beyond the step h = 1e-5.
    """
    rng = np.random.default_rng(seed)
    layer = t_layers.Dense(m, activation)
    layer.build(d, rng, "float64")
    kernel, x = rng.standard_normal((d, m)), rng.standard_normal((n, d))
    xk = x @ kernel
    positive = rng.random(m) < 0.5
    bias = np.where(positive, 0.2 - xk.min(axis=0), -0.2 - xk.max(axis=0)) + rng.random(m)
    layer.set_weights([kernel, bias])
    dout = rng.standard_normal((n, m))
    layer.forward(x)
    dx = layer.backward(dout)

    def f_x(v):
        return layer.forward(v.copy())

    assert_grad_check(dx, numerical_gradient(f_x, x.copy(), dout), "dx")
    layer.forward(x)
    layer.backward(dout)
    grads = dict(layer.grads)
    for i, key in enumerate(("kernel", "bias")):

        def f_w(v, i=i):
            weights = [kernel, bias]
            weights[i] = v.copy()
            layer.set_weights(weights)
            return layer.forward(x)

        arr = (kernel, bias)[i]
        assert_grad_check(grads[key], numerical_gradient(f_w, arr.copy(), dout), key)


def test_frozen_dense_passes_dx_but_keeps_no_grads() -> None:
    rng = np.random.default_rng(5)
    ours, theirs = twin_dense(4, "tanh", 3, "float64", rng)
    ours.trainable = theirs.trainable = False
    assert theirs.keras_layer.trainable is False
    assert theirs.keras_layer.trainable_weights == []
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    ours.forward(x)
    theirs.forward(x)
    assert_close(ours.backward(dout), theirs.backward(dout), "float64", "dx")
    for key in ("kernel", "bias"):
        assert not theirs.grads[key].any() and not ours.grads[key].any()
    theirs.trainable = True  # unfreezing reaches the Keras layer too
    assert len(theirs.keras_layer.trainable_weights) == 2


def test_initializers_by_name_are_seeded_from_rng() -> None:
    """Same rng seed -> same Keras draw; He normal has variance ~2 / fan_in."""

    def kernel(seed):
        layer = t_layers.Dense(300, kernel_initializer="he_normal")
        layer.build(400, np.random.default_rng(seed), "float32")
        return layer.params["kernel"]

    a, b, c = kernel(0), kernel(0), kernel(1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert abs(a.var() * 400 / 2 - 1) < 0.02
    layer = t_layers.Dense(3)
    layer.build(2, np.random.default_rng(0), "float64")
    assert layer.params["kernel"].dtype == np.float64 and not layer.params["bias"].any()


# ------------------------------------------------------------------------- bad input


def test_unknown_activation_and_initializer_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"activation: unknown name 'swishy'; expected one of"):
        t_layers.Dense(3, "swishy")
    with pytest.raises(ValueError, match=r"activation: unknown name 'nope'.*relu"):
        t_layers.Activation("nope")
    with pytest.raises(TypeError, match="activation: expected a name"):
        t_layers.Dense(3, 42)
    with pytest.raises(ValueError, match=r"initializer: unknown name 'he'; expected one of"):
        t_layers.Dense(3, kernel_initializer="he")
    with pytest.raises(ValueError, match="units: expected a positive integer, got 0"):
        t_layers.Dense(0)


def test_set_weights_checks_count_and_shapes() -> None:
    layer = t_layers.Dense(3, name="d")
    layer.build(2, np.random.default_rng(0), "float32")
    with pytest.raises(ValueError, match="d: expected 2 weight arrays, got 1"):
        layer.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"d.kernel: expected shape \(2, 3\), got \(3, 2\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match=r"d.bias: expected shape \(3,\), got \(4,\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(4)])
    before = layer.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights(), strict=True))


def test_backward_before_forward_and_bad_dout() -> None:
    layer = t_layers.Dense(3, name="d")
    with pytest.raises(RuntimeError, match="d: layer is not built"):
        layer.forward(np.zeros((1, 2)))
    layer.build(2, np.random.default_rng(0), "float32")
    with pytest.raises(RuntimeError, match=r"d: backward\(\) called before forward\(\)"):
        layer.backward(np.zeros((1, 3)))
    layer.forward(np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match=r"dout: expected shape \(4, 3\).*got \(4, 2\)"):
        layer.backward(np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="x: expected last dimension 2"):
        t_layers.check_input(np.zeros((4, 5), np.float32), layer)
