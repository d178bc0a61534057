"""Dropout: scratch against the TensorFlow oracle on the SAME keep mask (functions, layers,
a training step through a whole model), a gradient check with a fixed mask, CS231n-style
statistics of the masks each backend draws for itself, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import gradient_error
from scratch import layers as s_layers
from scratch import losses, training
from scratch import models as s_models
from scratch import optimizers as s_optimizers
from tests.helpers import backends, lazy_module, numerical_gradient

t_layers = lazy_module("tf_ref.layers")
t_models = lazy_module("tf_ref.models")
t_optimizers = lazy_module("tf_ref.optimizers")
t_training = lazy_module("tf_ref.training")

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
RATES = st.floats(0, 0.95)
BACKENDS = backends(s_layers, "tf_ref.layers", "module")


def draw_mask(rng: np.random.Generator, shape: tuple[int, int], rate: float, kind: str):
    """A keep mask as TF draws one (keep where uniform >= rate): per unit, per row or per column."""
    n, d = shape
    mask_shape = {"unit": (n, d), "row": (n, 1), "column": (1, d)}[kind]
    return rng.random(mask_shape) >= rate


def positive_batch(rng: np.random.Generator, n: int, d: int, dtype: str) -> np.ndarray:
    """Strictly positive activations (so a dropped unit is exactly the zeros of the output)."""
    return (1 + np.abs(rng.standard_normal((n, d)))).astype(dtype)


# ------------------------------------------------------------------------- the functions


@pytest.mark.tf
@given(
    n=st.integers(1, 64),
    d=st.integers(1, 64),
    dtype=DTYPES,
    rate=RATES,
    kind=st.sampled_from(["unit", "row", "column"]),
    as_float=st.booleans(),
    training_mode=st.booleans(),
    seed=SEEDS,
)
def test_functions_match_tf(n, d, dtype, rate, kind, as_float, training_mode, seed) -> None:
    """Same mask, same numbers: both compute x * mask / (1 - rate) with 1 - rate rounded to the
    dtype once, so they agree bit for bit."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(dtype)
    mask = draw_mask(rng, (n, d), rate, kind)
    mask = mask.astype(dtype) if as_float else mask
    dout = rng.standard_normal((n, d)).astype(dtype)
    out_s, cache_s = s_layers.dropout_forward(x, rate, mask, training_mode)
    out_t, cache_t = t_layers.dropout_forward(x, rate, mask, training_mode)
    assert out_s.dtype == out_t.dtype == np.dtype(dtype)
    assert np.array_equal(out_s, out_t)
    if training_mode:
        expected = np.where(np.broadcast_to(mask, x.shape) != 0, x / x.dtype.type(1 - rate), 0)
        np.testing.assert_allclose(out_s, expected, rtol=4 * np.finfo(dtype).eps)
    else:
        assert np.array_equal(out_s, x)
    dx_s = s_layers.dropout_backward(dout, cache_s)
    dx_t = t_layers.dropout_backward(dout, cache_t)
    assert dx_s.dtype == dx_t.dtype == np.dtype(dtype)
    assert np.array_equal(dx_s, dx_t)


@given(n=st.integers(1, 5), d=st.integers(1, 5), rate=st.floats(0, 0.9), seed=SEEDS)
def test_backward_gradient_check_with_a_fixed_mask(n, d, rate, seed) -> None:
    """Centred differences in float64 with a random upstream gradient; the mask is fixed, since a
    fresh mask per evaluation would make the function itself random."""
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    mask = rng.random((n, d)) >= rate
    _, cache = s_layers.dropout_forward(x, rate, mask, True)

    def f(v):
        return s_layers.dropout_forward(v.copy(), rate, mask, True)[0]

    numeric = numerical_gradient(f, x.copy(), dout)
    assert gradient_error(s_layers.dropout_backward(dout, cache), numeric) <= 1e-7


# ---------------------------------------------------------------------------- the layers


@pytest.mark.tf
@given(
    n=st.integers(1, 64),
    d=st.integers(1, 64),
    dtype=DTYPES,
    rate=RATES,
    noise_shape=st.sampled_from([None, (None, 1), (1, None), (None, None)]),
    seed=SEEDS,
)
def test_layers_agree_on_the_mask_scratch_drew(n, d, dtype, rate, noise_shape, seed) -> None:
    """scratch draws the mask (``last_mask``); tf_ref is handed it, per call and by set_mask."""
    rng = np.random.default_rng(seed)
    ours = s_layers.Dropout(rate, noise_shape)
    theirs = t_layers.Dropout(rate, noise_shape)
    ours.build(d, rng, dtype)
    theirs.build(d, rng, dtype)
    x = rng.standard_normal((n, d)).astype(dtype)
    dout = rng.standard_normal((n, d)).astype(dtype)
    out = ours.forward(x, training=True)
    mask = ours.last_mask
    expected_shape = tuple(n if s is None else s for s in (noise_shape or (None, None)))
    expected_shape = (expected_shape[0], d if (noise_shape or (0, None))[1] is None else 1)
    assert mask.shape == expected_shape
    assert np.array_equal(out, theirs.forward(x, training=True, mask=mask))
    assert np.array_equal(theirs.last_mask, mask)
    assert np.array_equal(ours.backward(dout), theirs.backward(dout))
    full = np.broadcast_to(mask, (n, d)).copy()
    theirs.set_mask(full)
    ours.set_mask(full)
    for _ in range(2):  # a set mask stays until set_mask(None)
        assert np.array_equal(ours.forward(x, training=True), theirs.forward(x, training=True))
        assert np.array_equal(ours.backward(dout), theirs.backward(dout))
    for layer in (ours, theirs):  # inference: identity, and no mask
        assert np.array_equal(layer.forward(x), x) and layer.last_mask is None
        assert np.array_equal(layer.backward(dout), dout)
    theirs.set_mask(None)
    theirs.forward(x, training=True)  # Keras draws its own mask now
    assert theirs.last_mask is None


@pytest.mark.tf
def test_sequential_trains_in_lockstep_with_shared_masks() -> None:
    """Dense -> Dropout -> Dense -> Dropout -> Dense in both backends, float64: each step scratch
    draws the masks, tf_ref is given them with set_mask (reaching the layer inside the Keras
    model), and train_step leaves the same weights behind."""

    def net(layers_mod, models_mod, seed):
        return models_mod.Sequential(
            [
                layers_mod.Dense(8, "elu"),
                layers_mod.Dropout(0.25),
                layers_mod.Dense(6, "tanh"),
                layers_mod.Dropout(0.5, noise_shape=(None, 1)),
                layers_mod.Dense(3),
            ],
            5,
            rng=np.random.default_rng(seed),
            dtype="float64",
        )

    ours, theirs = net(s_layers, s_models, 0), net(t_layers, t_models, 1)
    theirs.set_weights(ours.get_weights())
    assert [layer.name for layer in theirs.layers] == [
        "dense",
        "dropout",
        "dense_1",
        "dropout_1",
        "dense_2",
    ]
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((24, 5)), rng.integers(0, 3, 24)
    opt_s = s_optimizers.get("nesterov", learning_rate=0.0625, momentum=0.875)
    opt_t = t_optimizers.get("nesterov", learning_rate=0.0625, momentum=0.875)
    loss_fn = losses.UNCHECKED["sparse_softmax_cross_entropy"]
    dropouts = [
        (a, b) for a, b in zip(ours.layers, theirs.layers, strict=True) if a.kind == "dropout"
    ]
    for step in range(3):
        batch = slice(8 * step, 8 * step + 8)
        v_s = training.train_step(ours, opt_s, loss_fn, x[batch], y[batch])
        for a, b in dropouts:
            b.set_mask(a.last_mask)
        v_t = t_training.train_step(
            theirs, opt_t, "sparse_softmax_cross_entropy", x[batch], y[batch]
        )
        assert abs(v_s - v_t) <= 1e-12 * abs(v_s), step
        for w_s, w_t in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(w_s, w_t, rtol=1e-12, atol=1e-14)
    for _, b in dropouts:
        b.set_mask(None)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x), rtol=1e-12, atol=1e-14)


def test_dropout_layer_does_not_shift_the_other_initial_weights() -> None:
    """The mask generator is spawned from the build rng, not drawn from it: adding a Dropout
    layer leaves every other layer's initial weights unchanged."""
    plain = s_models.Sequential(
        [s_layers.Dense(4), s_layers.Dense(2)], 3, rng=np.random.default_rng(9)
    )
    with_dropout = s_models.Sequential(
        [s_layers.Dense(4), s_layers.Dropout(0.5), s_layers.Dense(2)],
        3,
        rng=np.random.default_rng(9),
    )
    for a, b in zip(plain.get_weights(), with_dropout.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert with_dropout.summary().count("dropout") == 1


@BACKENDS
def test_masks_are_seeded_by_the_build_rng(module) -> None:
    """Same seed -> same masks, call after call; another seed or the next call -> new ones."""

    def masks(seed):
        layer = module.Dropout(0.5)
        layer.build(40, np.random.default_rng(seed), "float32")
        x = np.ones((30, 40), np.float32)
        return [layer.forward(x, training=True) != 0 for _ in range(2)]

    a, b, c = masks(0), masks(0), masks(1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[0], c[0])


# ----------------------------------------------------------------- CS231n-style statistics


@pytest.mark.tf
@given(rate=st.floats(0.05, 0.9), dtype=DTYPES, seed=SEEDS)
def test_drawn_masks_keep_one_minus_rate_and_preserve_the_mean(rate, dtype, seed) -> None:
    """On M = 20,000 units, for the mask each backend draws by itself:
    - the kept fraction is Binomial(M, 1 - rate) / M: within 5 sigma = 5 sqrt(rate(1-rate)/M)
      of 1 - rate (rate taken as the keep probability is off by |1 - 2 rate|);
    - kept units are x / (1 - rate), dropped ones 0;
    - E[out] = x, so mean(out) - mean(x) = sum_i x_i (m_i / (1-rate) - 1) / M has mean 0 and
      standard deviation sqrt(sum x_i^2 rate / (1 - rate)) / M: within 5 of those (without the
      1 / (1 - rate) the mean drops by rate * mean(x) >= 0.05, some 10 sigma or more);
    - at inference the layer is the identity."""
    n, d = 200, 100
    m = n * d
    rng = np.random.default_rng(seed)
    x = positive_batch(rng, n, d, dtype)
    for module in (s_layers, t_layers):
        layer = module.Dropout(rate)
        layer.build(d, rng, dtype)
        out = layer.forward(x, training=True).astype(np.float64)
        kept = out != 0
        assert abs(kept.mean() - (1 - rate)) <= 5 * np.sqrt(rate * (1 - rate) / m), module
        scale = x.dtype.type(1 - rate)
        np.testing.assert_allclose(out[kept], (x / scale)[kept], rtol=4 * np.finfo(dtype).eps)
        x64 = x.astype(np.float64)
        sigma = np.sqrt((x64**2).sum() * rate / (1 - rate)) / m
        assert abs(out.mean() - x64.mean()) <= 5 * sigma, module
        assert np.array_equal(layer.forward(x, training=False), x), module


@BACKENDS
def test_fixed_rate_statistics_and_identity_at_inference(module) -> None:
    """rate 0.2 on 20,000 units: about 80% kept (5 sigma = 0.014), kept units scaled by 1.25,
    the mean preserved; inference returns x untouched (no scaling there: that is what the
    1 / (1 - rate) at training time is for); rate 0 is the identity even when training."""
    rng = np.random.default_rng(1)
    x = positive_batch(rng, 200, 100, "float64")
    layer = module.Dropout(0.2)
    layer.build(100, rng, "float64")
    out = layer.forward(x, training=True)
    assert abs((out != 0).mean() - 0.8) <= 5 * np.sqrt(0.2 * 0.8 / x.size)
    np.testing.assert_allclose(out[out != 0], 1.25 * x[out != 0], rtol=1e-15)
    assert abs(out.mean() - x.mean()) <= 5 * np.sqrt((x**2).sum() * 0.25) / x.size
    assert np.array_equal(layer.forward(x), x)
    assert np.array_equal(layer.backward(x), x)
    identity = module.Dropout(0.0)
    identity.build(100, rng, "float64")
    assert np.array_equal(identity.forward(x, training=True), x)


@BACKENDS
def test_row_noise_shape_drops_whole_rows(module) -> None:
    rng = np.random.default_rng(2)
    x = positive_batch(rng, 400, 7, "float32")
    layer = module.Dropout(0.5, noise_shape=(None, 1))
    layer.build(7, rng, "float32")
    dropped = layer.forward(x, training=True) == 0
    assert np.all(dropped.all(axis=1) | ~dropped.any(axis=1))  # rows all dropped or all kept
    assert abs(dropped[:, 0].mean() - 0.5) <= 5 * np.sqrt(0.25 / 400)


# ------------------------------------------------------------------------- bad input


@BACKENDS
@pytest.mark.parametrize(
    ("rate", "error", "match"),
    [
        (-0.1, ValueError, r"rate: expected a number in \[0, 1\), got -0.1"),
        (1.0, ValueError, r"rate: expected a number in \[0, 1\), got 1.0"),
        (1.5, ValueError, r"rate: expected a number in \[0, 1\), got 1.5"),
        (float("nan"), ValueError, r"rate: expected a number in \[0, 1\), got nan"),
        (True, TypeError, "rate: expected a number, got True"),
        ("0.5", TypeError, "rate: expected a number, got '0.5'"),
    ],
)
def test_bad_rates_are_refused(module, rate, error, match) -> None:
    with pytest.raises(error, match=match):
        module.Dropout(rate)
    with pytest.raises(error, match=match):
        module.dropout_forward(np.ones((2, 2)), rate, np.ones((2, 2)), True)


@BACKENDS
def test_bad_masks_inputs_and_shapes_are_refused(module) -> None:
    x = np.ones((4, 3))
    fwd = module.dropout_forward
    with pytest.raises(ValueError, match=r"mask: expected a keep mask .* when training, got None"):
        fwd(x, 0.5, None, True)
    with pytest.raises(ValueError, match=r"mask: expected a shape broadcastable to \(4, 3\)"):
        fwd(x, 0.5, np.ones((4, 2)), True)
    with pytest.raises(ValueError, match=r"mask: expected only 0 \(drop\) and 1 \(keep\)"):
        fwd(x, 0.5, np.full((4, 3), 0.5), True)
    with pytest.raises(TypeError, match="mask: expected a boolean or 0/1 array, got dtype <U1"):
        fwd(x, 0.5, np.full((4, 3), "1"), True)
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN"):
        fwd(np.where(np.eye(4, 3) > 0, np.nan, 1.0)[:1], 0.5, np.ones((1, 3)), True)
    assert np.array_equal(fwd(x, 0.5, None, False)[0], x)  # no mask needed at inference
    with pytest.raises(ValueError, match="noise_shape: expected \\(rows, width\\)"):
        module.Dropout(0.5, noise_shape=(1, 0))
    with pytest.raises(ValueError, match="noise_shape: expected \\(rows, width\\)"):
        module.Dropout(0.5, noise_shape=(None,))

    layer = module.Dropout(0.5, name="drop")
    with pytest.raises(RuntimeError, match="drop: layer is not built"):
        layer.set_mask(np.ones((4, 3)))
    layer.build(3, np.random.default_rng(0), "float64")
    with pytest.raises(ValueError, match=r"x: expected last dimension 3, got shape \(4, 5\)"):
        layer.forward(np.ones((4, 5)), training=True)
    with pytest.raises(ValueError, match=r"mask: expected a 2-D array, got shape \(3,\)"):
        layer.set_mask(np.ones(3))
    with pytest.raises(ValueError, match=r"mask: expected a shape broadcastable to \(4, 3\)"):
        layer.forward(x, training=True, mask=np.ones((5, 3)))
    short = module.Dropout(0.5, noise_shape=(2, None))
    short.build(3, np.random.default_rng(0), "float64")
    with pytest.raises(ValueError, match=r"noise_shape: \(2, None\) gives masks of shape \(2, 3\)"):
        short.forward(x, training=True)


@pytest.mark.tf
def test_sequential_with_dropout_refuses_nan() -> None:
    for layers_mod, models_mod in ((s_layers, s_models), (t_layers, t_models)):
        model = models_mod.Sequential(
            [layers_mod.Dense(4), layers_mod.Dropout(0.5), layers_mod.Dense(2)],
            3,
            rng=np.random.default_rng(0),
        )
        with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN"):
            model.forward(np.array([[0, np.nan, 1]], np.float32), training=True)
