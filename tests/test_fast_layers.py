"""The Numba path (scratch.fast) against its definitions: the Dense and Activation twins give
the NumPy functions' numbers bit for bit, on every value (zeros, signed zeros, infinities,
NaN), and a whole fit on either path ends with the same weights. Exact equality is the right
tolerance: the twins do the same arithmetic in the same order and leave the exponentials to
the same NumPy functions (scratch/fast/layers.py says why)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.fast as fast
from scratch import activations, layers, models, networks, training
from scratch.fast import activations as fast_activations
from scratch.fast import layers as fast_layers

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 60.0, -60.0, 1e30, -1e30, np.inf, -np.inf, np.nan]
ACTIVATIONS = [
    ("linear", {}),
    ("relu", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.1}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("sigmoid", {}),
    ("tanh", {}),
]


def same(a, b):
    """Bit-for-bit equal values (NaN where NaN; -0.0 equals 0.0, as NumPy compares)."""
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@st.composite
def batches(draw):
    n, m = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, m)) * draw(st.sampled_from([0.1, 3.0, 100.0]))
    specials = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.3]))
    z[specials] = rng.choice(SPECIAL, size=int(specials.sum()))
    return z.astype(dtype), rng.standard_normal(m).astype(dtype), rng


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS)
@given(batch=batches())
def test_bias_activation_is_its_definition(name, kwargs, batch):
    """bias_activation(z, b) leaves z + b in z and returns f(z + b), exactly."""
    z, bias, _ = batch
    fn = activations.get(name, **kwargs)
    twin = fast_activations.constants(fn, z.dtype)
    expected_z = z + bias
    got_z = z.copy()
    got = fast_layers.bias_activation(got_z, bias, twin)
    assert same(got_z, expected_z)
    assert same(got, fn(expected_z))
    no_bias = z.copy()
    assert same(fast_layers.bias_activation(no_bias, None, twin), fn(z))
    assert same(no_bias, z)  # without a bias, z is not written


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS)
@given(batch=batches())
def test_activation_grad_is_its_definition(name, kwargs, batch):
    """activation_grad(dout, z) = (dout * f'(z), its sum over the rows), exactly."""
    z, _, rng = batch
    fn = activations.get(name, **kwargs)
    dout = rng.standard_normal(z.shape).astype(z.dtype)
    dz, dbias = fast_layers.activation_grad(dout, z, fast_activations.constants(fn, z.dtype), True)
    expected = dout * fn.grad(z)
    assert same(dz, expected)
    assert same(dbias, expected.sum(axis=0))
    assert (
        fast_layers.activation_grad(dout, z, fast_activations.constants(fn, z.dtype), False)[1]
        is None
    )


def test_constants_follow_the_activation_defaults():
    """The twin's alpha / slope is the scratch function's default unless given."""
    f32 = np.dtype(np.float32)
    assert fast_activations.constants(activations.get("elu"), f32)[1] == 1.0
    assert fast_activations.constants(activations.get("leaky_relu"), f32)[1] == np.float32(0.2)
    assert fast_activations.constants(activations.get("elu", alpha=0.25), f32)[1] == 0.25
    assert fast_activations.constants(activations.get("relu"), np.dtype(np.int32)) is None


def _layer_runs(layer_fn, x, dout, input_grad=True):
    """Forward, backward and gradients of a fresh layer on each path."""
    out = {}
    for kernels in fast.KERNELS:
        with fast.use(kernels):
            layer = layer_fn()
            layer.build(x.shape[1], np.random.default_rng(0), x.dtype)
            a = layer.forward(x, training=True)
            kw = {} if input_grad else {"input_grad": False}
            dx = layer.backward(dout, **kw)
            out[kernels] = (a, dx, {k: v.copy() for k, v in layer.grads.items()})
    return out["numpy"], out["numba"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("trainable", [True, False])
def test_dense_layer_is_the_same_on_both_paths(dtype, name, kwargs, use_bias, trainable):
    """Dense.forward/backward give the same outputs, dL/dx and gradients on both paths."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((13, 6)).astype(dtype)
    dout = rng.standard_normal((13, 4)).astype(dtype)
    fn = activations.get(name, **kwargs)

    def make():
        return layers.Dense(4, fn, use_bias=use_bias, trainable=trainable)

    (a0, dx0, g0), (a1, dx1, g1) = _layer_runs(make, x, dout)
    assert same(a0, a1) and same(dx0, dx1)
    assert g0.keys() == g1.keys() and all(same(g0[k], g1[k]) for k in g0)


def test_dense_skips_the_input_gradient_when_asked():
    """input_grad=False: the Numba path returns None for dL/dx; the gradients are the same."""
    rng = np.random.default_rng(2)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    (_, dx0, g0), (_, dx1, g1) = _layer_runs(lambda: layers.Dense(2, "elu"), x, dout, False)
    assert dx1 is None and dx0 is not None
    assert all(same(g0[k], g1[k]) for k in g0)


@pytest.mark.parametrize(("name", "kwargs"), ACTIVATIONS)
def test_activation_layer_is_the_same_on_both_paths(name, kwargs):
    """An Activation layer gives the same f(x) and dL/dx on both paths."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    dout = rng.standard_normal((7, 5)).astype(np.float32)
    (a0, dx0, _), (a1, dx1, _) = _layer_runs(lambda: layers.Activation(name, **kwargs), x, dout)
    assert same(a0, a1) and same(dx0, dx1)


def test_model_backward_without_input_grad_matches_with_it():
    """Sequential.backward(input_grad=False) fills the same gradients as with dL/dx."""
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((8, 6)), rng.standard_normal((8, 3))
    grads = []
    for input_grad in (True, False):
        model = models.Sequential([layers.Dense(5, "elu"), layers.Dense(3)], 6, rng=0)
        model.forward(x, training=True)
        dx = model.backward(dout, input_grad=input_grad)
        assert (dx is None) == (not input_grad)
        grads.append(model.trainable_grads())
    assert all(same(a, b) for a, b in zip(*grads, strict=True))


@pytest.mark.parametrize("optimizer", ["adam", "nesterov", "rmsprop", "adagrad"])
def test_fit_ends_with_the_same_weights_on_both_paths(optimizer):
    """Two epochs of the exercise-8 net (smaller) end with the same weights on both paths."""
    rng = np.random.default_rng(5)
    x = rng.random((300, 20)).astype(np.float32)
    y = rng.integers(0, 4, 300)
    config = networks.NetworkConfig(
        hidden_layers=3, units=16, batch_norm=False, dropout_rate=0.0, optimizer=optimizer
    )
    weights = {}
    for kernels in fast.KERNELS:
        with fast.use(kernels):
            model = networks.build_network(config, 20, 4, rng=0)
            training.fit(
                model, x, y, optimizer=networks.build_optimizer(config), epochs=2,
                batch_size=32, rng=1, verbose=False,
            )  # fmt: skip
            weights[kernels] = model.get_weights()
    assert all(same(a, b) for a, b in zip(weights["numpy"], weights["numba"], strict=True))


def test_the_switch():
    """use() restores the previous choice even after an error; a bad name is refused."""
    before = fast.active()
    with pytest.raises(RuntimeError), fast.use("numpy"):
        assert not fast.enabled()
        raise RuntimeError
    assert fast.active() == before
    with pytest.raises(ValueError, match="kernels: expected one of numba, numpy"):
        fast.set_kernels("cuda")


def test_a_bad_environment_variable_is_named(monkeypatch):
    """$DNN_KATAS_KERNELS=bad: a ValueError naming the variable, at first use."""
    monkeypatch.setattr(fast, "_active", None)
    monkeypatch.setenv(fast.ENV_VAR, "fastest")
    with pytest.raises(ValueError, match=r"\$DNN_KATAS_KERNELS: expected one of"):
        fast.active()
    monkeypatch.setenv(fast.ENV_VAR, "numpy")
    assert fast.active() == "numpy"


def test_changed_activation_kwargs_are_seen_on_both_paths():
    """An activation's kwargs changed after a first call: the twin uses the new value too."""
    x = -np.linspace(0.1, 2.0, 12, dtype=np.float32).reshape(4, 3)
    outs = {}
    for kernels in fast.KERNELS:
        with fast.use(kernels):
            layer = layers.Activation(activations.get("elu", alpha=1.0))
            layer.build(3, np.random.default_rng(0), np.float32)
            layer.forward(x)
            layer.activation.kwargs["alpha"] = 0.1
            outs[kernels] = layer.forward(x)
    assert same(outs["numpy"], outs["numba"])
    assert same(outs["numba"], activations.elu(x, alpha=0.1))


@pytest.mark.parametrize("activation", ["linear", "elu"])
def test_a_dout_in_another_order_gives_the_same_numbers(activation):
    """An F-ordered or strided dout (NumPy sums it pairwise): both paths agree exactly."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    base = rng.standard_normal((64, 40)).astype(np.float32)
    for dout in (np.asfortranarray(base[:, :20]), base[:, ::2]):
        (_, dx0, g0), (_, dx1, g1) = _layer_runs(lambda: layers.Dense(20, activation), x, dout)
        assert same(dx0, dx1) and all(same(g0[k], g1[k]) for k in g0)
        (_, dx0, _), (_, dx1, _) = _layer_runs(
            lambda: layers.Activation(activation), base[:, :20].copy(), dout
        )
        assert same(dx0, dx1)


def test_set_kernels_replaces_a_bad_environment(monkeypatch):
    """set_kernels / use override $DNN_KATAS_KERNELS without reading it; None reads it again."""
    monkeypatch.setattr(fast, "_active", None)
    monkeypatch.setenv(fast.ENV_VAR, "NumPy")
    with fast.use("numpy"):
        assert fast.active() == "numpy"
    assert fast.set_kernels("numba") is None
    assert fast.active() == "numba"
    fast.set_kernels(None)
    with pytest.raises(ValueError, match="DNN_KATAS_KERNELS"):
        fast.active()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_cli_refuses_a_bad_kernels_variable(monkeypatch, capsys, lang):
    """katas with DNN_KATAS_KERNELS=bogus: exit 2 and one paragraph naming the variable."""
    from katas import cli

    monkeypatch.setenv(fast.ENV_VAR, "bogus")
    assert cli.main(["--lang", lang, "status"]) == 2
    err = capsys.readouterr().err
    assert "$DNN_KATAS_KERNELS='bogus'" in err and "Traceback" not in err
    assert ("expected one of" in err) == (lang == "en")
