"""scratch.transfer (katas 17-19's references): against scratch's own layers and models (a frozen
``Dense`` / ``BatchNormalization`` and ``Sequential.backward``/``predict`` must agree with the pure
functions), against the TensorFlow oracle ``tf_ref.transfer`` (tf-marked), and bad input in both
backends with the same words."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scratch import initializers, transfer
from scratch import layers as s_layers
from scratch.models import Sequential
from scratch.training import minibatches
from tests.helpers import backends, lazy_module

t_transfer = lazy_module("tf_ref.transfer")
BACKENDS = backends(transfer, "tf_ref.transfer", "t")
ACTS = ["elu", "tanh", "sigmoid", None]
# float64, the same products and sums in another order (or TF's kernels): 1e-10 is ~1e6 ulps.
F64 = {"rtol": 1e-10, "atol": 1e-12}


def dense_weights(dims, seed, dtype="float64"):
    """Random (kernel, bias) pairs for widths dims[0] -> dims[1] -> ..."""
    rng = np.random.default_rng(seed)
    return [
        (
            (rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype),
            (0.5 * rng.standard_normal(b)).astype(dtype),
        )
        for a, b in itertools.pairwise(dims)
    ]


def built_stack(weights, acts, trainable):
    """Dense layers built in float64 holding ``weights``."""
    layers = []
    for (k, b), a, t in zip(weights, acts, trainable, strict=True):
        layer = s_layers.Dense(k.shape[1], a, trainable=t)
        layer.build(k.shape[0], 0, "float64")
        layer.set_weights([k, b])
        layers.append(layer)
    return layers


PATTERNS = [[True] * 4, [True, False, True, False], [False, True, False, True], [False] * 4]


@pytest.mark.parametrize("trainable", PATTERNS)
def test_frozen_stack_backward_agrees_with_frozen_dense_layers(trainable) -> None:
    """dx and grads equal those of scratch Dense layers with trainable flags (layers' backward)."""
    weights = dense_weights([5, 6, 4, 4, 3], seed=0)
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((7, 5)), rng.standard_normal((7, 3))
    dx, grads = transfer.frozen_stack_backward(x, weights, ACTS, trainable, dout)
    layers = built_stack(weights, ACTS, trainable)
    h = x
    for layer in layers:
        h = layer.forward(h, training=True)
    g = dout
    for layer in reversed(layers):
        g = layer.backward(g)
    np.testing.assert_allclose(dx, g, **F64)
    for layer, got, t in zip(layers, grads, trainable, strict=True):
        assert (got is None) == (not t)
        if t:
            np.testing.assert_allclose(got[0], layer.grads["kernel"], **F64)
            np.testing.assert_allclose(got[1], layer.grads["bias"], **F64)


@pytest.mark.parametrize("trainable", PATTERNS)
def test_without_input_grad_it_matches_sequential_backward(trainable) -> None:
    """input_grad=False: dx None, grads equal to the full pass's (Sequential.backward's rule)."""
    weights = dense_weights([5, 6, 4, 4, 3], seed=2)
    rng = np.random.default_rng(3)
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    full = transfer.frozen_stack_backward(x, weights, ACTS, trainable, dout)[1]
    dx, grads = transfer.frozen_stack_backward(x, weights, ACTS, trainable, dout, False)
    assert dx is None
    for a, b in zip(full, grads, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b[0], a[0], **F64)
            np.testing.assert_allclose(b[1], a[1], **F64)


@pytest.mark.parametrize(("trainable", "training"), itertools.product([True, False], repeat=2))
def test_frozen_batchnorm_agrees_with_the_layer(trainable, training) -> None:
    """out and the moving stats equal scratch's BatchNormalization(trainable=...) after one call."""
    rng = np.random.default_rng(4)
    x = 2 + 3 * rng.standard_normal((6, 4))
    gamma, beta = 1 + rng.random(4), rng.standard_normal(4)
    mean, var = rng.standard_normal(4), 1 + rng.random(4)
    layer = s_layers.BatchNormalization(momentum=0.9, trainable=trainable)
    layer.build(4, 0, "float64")
    layer.set_weights([gamma, beta, mean, var])
    expected = layer.forward(x, training=training)
    before = (mean.copy(), var.copy())
    out, new_mean, new_var = transfer.frozen_batchnorm_forward(
        x, gamma, beta, mean, var, trainable=trainable, training=training, momentum=0.9
    )
    np.testing.assert_allclose(out, expected, **F64)
    np.testing.assert_allclose(new_mean, layer.state["moving_mean"], **F64)
    np.testing.assert_allclose(new_var, layer.state["moving_variance"], **F64)
    assert np.array_equal(mean, before[0]) and np.array_equal(var, before[1])  # not in place


def bottom_specs(seed, dtype="float64"):
    """dense(no bias) -> batch norm -> elu -> dropout(0) -> dense(tanh), and its scratch twin."""
    rng = np.random.default_rng(seed)
    k1 = (rng.standard_normal((6, 5)) / 3).astype(dtype)
    bn = [(1 + rng.random(5)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    bn += [rng.standard_normal(5).astype(dtype), (1 + rng.random(5)).astype(dtype)]
    k2, b2 = (rng.standard_normal((5, 3)) / 2).astype(dtype), rng.standard_normal(3).astype(dtype)
    specs = [
        {"kind": "dense", "kernel": k1, "bias": None, "activation": None},
        dict(zip(("gamma", "beta", "moving_mean", "moving_variance"), bn, strict=True))
        | {"kind": "batch_norm"},
        {"kind": "activation", "activation": "elu"},
        {"kind": "dropout", "rate": 0.0},
        {"kind": "dense", "kernel": k2, "bias": b2, "activation": "tanh"},
    ]
    model = Sequential(
        [
            s_layers.Dense(5, use_bias=False),
            s_layers.BatchNormalization(),
            s_layers.Activation("elu"),
            s_layers.Dropout(0.0),
            s_layers.Dense(3, "tanh"),
        ]
    )
    model.build(6, rng=0)
    model.set_weights([k1, *bn, k2, b2])
    return specs, model


@pytest.mark.parametrize("chunk_size", [1, 4, 100])
def test_cache_equals_the_frozen_model_s_predictions(chunk_size) -> None:
    """The cache of a dense-BN-elu-dropout(0)-dense bottom equals Sequential.predict (inference)."""
    specs, model = bottom_specs(seed=5, dtype="float32")
    x = np.random.default_rng(6).standard_normal((10, 6)).astype(np.float32)
    got = transfer.cache_frozen_outputs(specs, x, chunk_size)
    assert got.dtype == np.float32 and got.shape == (10, 3)
    # float32, a handful of operations in another grouping: 1e-5 relative is ~100 ulps.
    np.testing.assert_allclose(got, model.predict(x), rtol=1e-5, atol=1e-6)


def test_cached_batches_are_minibatches_of_features_and_labels() -> None:
    """Batches index features and labels by the very arrays of minibatches(n, batch_size, rng)."""
    features = np.random.default_rng(7).standard_normal((11, 2))
    y = np.arange(11) % 3
    got = transfer.cached_batches(features, y, 4, np.random.default_rng(8))
    expected = list(minibatches(11, 4, np.random.default_rng(8)))
    assert len(got) == len(expected)
    for (xb, yb), idx in zip(got, expected, strict=True):
        assert np.array_equal(xb, features[idx]) and np.array_equal(yb, y[idx])


def test_replace_top_copies_and_draws_from_the_rng() -> None:
    """Reused arrays are equal copies; new kernels are the initializer's draws in order."""
    old = dense_weights([4, 6, 5, 3], seed=9)
    net = transfer.replace_top(old, 2, [7, 2], np.random.default_rng(10), "he_normal")
    rng = np.random.default_rng(10)
    for k in range(2):
        for i in range(2):
            assert np.array_equal(net[k][i], old[k][i])
            assert not np.shares_memory(net[k][i], old[k][i])
    for k, shape in ((2, (5, 7)), (3, (7, 2))):
        assert np.array_equal(net[k][0], initializers.he_normal(shape, rng, "float64"))
        assert np.array_equal(net[k][1], np.zeros(shape[1]))


# ------------------------------------------------------------------------- both backends


@pytest.mark.tf
@pytest.mark.parametrize("trainable", PATTERNS)
@pytest.mark.parametrize("input_grad", [True, False])
def test_frozen_stack_backward_matches_gradient_tape(trainable, input_grad) -> None:
    """scratch's hand-written chain rule equals tf.GradientTape's, frozen layers as constants."""
    weights = dense_weights([5, 6, 4, 4, 3], seed=11)
    rng = np.random.default_rng(12)
    x, dout = rng.standard_normal((7, 5)), rng.standard_normal((7, 3))
    ours = transfer.frozen_stack_backward(x, weights, ACTS, trainable, dout, input_grad)
    theirs = t_transfer.frozen_stack_backward(x, weights, ACTS, trainable, dout, input_grad)
    assert (ours[0] is None) == (theirs[0] is None) == (not input_grad)
    if input_grad:
        np.testing.assert_allclose(ours[0], theirs[0], **F64)
    for a, b in zip(ours[1], theirs[1], strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a[0], b[0], **F64)
            np.testing.assert_allclose(a[1], b[1], **F64)


@pytest.mark.tf
@pytest.mark.parametrize(("trainable", "training"), itertools.product([True, False], repeat=2))
def test_frozen_batchnorm_matches_keras(trainable, training) -> None:
    """Keras 3's BatchNormalization(trainable=...) gives the same out and moving statistics."""
    rng = np.random.default_rng(13)
    x = 2 + 3 * rng.standard_normal((8, 4))
    args = (x, 1 + rng.random(4), rng.standard_normal(4), rng.standard_normal(4), 1 + rng.random(4))
    kw = {"trainable": trainable, "training": training, "momentum": 0.9, "epsilon": 1e-3}
    for a, b in zip(
        transfer.frozen_batchnorm_forward(*args, **kw),
        t_transfer.frozen_batchnorm_forward(*args, **kw),
        strict=True,
    ):
        # float64; Keras normalizes with rsqrt and a different grouping: 1e-9 is still ~1e7 ulps
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.tf
def test_cache_and_batches_match_keras() -> None:
    """The cache (Keras layers, training=False, in chunks) and its batches match scratch's."""
    specs, _ = bottom_specs(seed=14, dtype="float32")
    x = np.random.default_rng(15).standard_normal((10, 6)).astype(np.float32)
    ours = transfer.cache_frozen_outputs(specs, x, 4)
    theirs = t_transfer.cache_frozen_outputs(specs, x, 4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)  # float32: ~100 ulps
    y = np.arange(10)
    a = transfer.cached_batches(ours, y, 3, np.random.default_rng(16))
    b = t_transfer.cached_batches(ours, y, 3, np.random.default_rng(16))
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)


@pytest.mark.tf
def test_replace_top_matches_keras() -> None:
    """Same reused copies and new shapes; Keras' Glorot draws stay inside sqrt(6 / fan sum)."""
    old = dense_weights([8, 30, 20, 10], seed=17, dtype="float32")
    ours = transfer.replace_top(old, 2, 5, np.random.default_rng(18))
    theirs = t_transfer.replace_top(old, 2, 5, np.random.default_rng(18))
    assert (
        [k.shape for k, _ in ours] == [k.shape for k, _ in theirs] == [(8, 30), (30, 20), (20, 5)]
    )
    for (ka, ba), (kb, bb) in zip(ours[:2], theirs[:2], strict=True):
        assert np.array_equal(ka, kb) and np.array_equal(ba, bb)
    for k, b in (ours[2], theirs[2]):
        assert k.dtype == b.dtype == np.float32
        assert np.all(np.abs(k) <= np.sqrt(6 / 25)) and np.any(k != 0)
        assert np.array_equal(b, np.zeros(5))
    for pair in theirs[:2]:
        assert not any(np.shares_memory(a, o) for a in pair for o in old[0] + old[1])


# --------------------------------------------------------------------------- bad input

W = dense_weights([3, 4, 2], seed=0)
X, DOUT = np.ones((2, 3)), np.ones((2, 2))

STACK_BAD = [
    ("not a list", dict(weights="w"), "weights"),
    ("empty", dict(weights=[]), "weights"),
    ("no pair", dict(weights=[W[0][0], W[1]]), r"weights\[0\]"),
    ("widths do not chain", dict(weights=[W[0], W[0]]), r"weights\[1\] kernel"),
    ("bias shape", dict(weights=[(W[0][0], np.ones(3)), W[1]]), r"weights\[0\] bias"),
    ("integer kernel", dict(weights=[(np.ones((3, 4), int), W[0][1]), W[1]]), "kernel"),
    ("NaN kernel", dict(weights=[(np.full((3, 4), np.nan), W[0][1]), W[1]]), "kernel"),
    ("unknown activation", dict(activations=["tanh", "swish"]), r"activations\[1\].*swish"),
    ("too few activations", dict(activations=["tanh"]), "activations"),
    ("trainable length", dict(trainable=[True]), "trainable"),
    ("trainable not bool", dict(trainable=[True, "no"]), r"trainable\[1\]"),
    ("x width", dict(x=np.ones((2, 4))), "x"),
    ("x NaN", dict(x=np.full((2, 3), np.nan)), "x"),
    ("dout shape", dict(dout=np.ones((2, 3))), "dout"),
    ("input_grad not bool", dict(input_grad=1), "input_grad"),
]


@BACKENDS
@pytest.mark.parametrize(("label", "change", "match"), STACK_BAD, ids=[c[0] for c in STACK_BAD])
def test_frozen_stack_backward_refuses_bad_input(t, label, change, match) -> None:
    """Each malformed argument is a TypeError/ValueError that names it."""
    kw = dict(x=X, weights=W, activations=["tanh", None], trainable=[True, False], dout=DOUT)
    with pytest.raises((TypeError, ValueError), match=match):
        t.frozen_stack_backward(**(kw | change))


BN_BAD = [
    ("trainable not bool", dict(trainable="yes"), "trainable"),
    ("training not bool", dict(training=None), "training"),
    ("gamma width", dict(gamma=np.ones(3)), "gamma"),
    ("moving mean width", dict(moving_mean=np.ones(3)), "moving_mean"),
    ("momentum", dict(momentum=1.5), "momentum"),
    ("epsilon", dict(epsilon=0.0), "epsilon"),
    ("x 1-D", dict(x=np.ones(2)), "x"),
]


@BACKENDS
@pytest.mark.parametrize(("label", "change", "match"), BN_BAD, ids=[c[0] for c in BN_BAD])
def test_frozen_batchnorm_refuses_bad_input(t, label, change, match) -> None:
    """Each malformed argument is a TypeError/ValueError that names it."""
    kw = dict(
        x=np.ones((3, 2)),
        gamma=np.ones(2),
        beta=np.zeros(2),
        moving_mean=np.zeros(2),
        moving_variance=np.ones(2),
        trainable=False,
        training=True,
    )
    with pytest.raises((TypeError, ValueError), match=match):
        t.frozen_batchnorm_forward(**(kw | change))


DENSE = {"kind": "dense", "kernel": np.ones((3, 2)), "bias": None, "activation": "relu"}
CACHE_BAD = [
    ("empty", dict(bottom=[]), "nothing to cache"),
    ("not a list", dict(bottom=DENSE), "bottom"),
    ("dropout", dict(bottom=[DENSE, {"kind": "dropout", "rate": 0.5}]), r"bottom\[1\].*dropout"),
    ("dropout rate", dict(bottom=[{"kind": "dropout", "rate": 1.0}]), r"bottom\[0\] rate"),
    ("unknown kind", dict(bottom=[{"kind": "conv"}]), r"bottom\[0\] kind"),
    ("no kind", dict(bottom=[{"kernel": np.ones((3, 2))}]), r"bottom\[0\]"),
    ("no kernel", dict(bottom=[{"kind": "dense"}]), r"bottom\[0\] kernel"),
    ("kernel rows", dict(bottom=[DENSE, DENSE]), r"bottom\[1\] kernel"),
    (
        "bn width",
        dict(
            bottom=[
                DENSE,
                {
                    "kind": "batch_norm",
                    **{k: np.ones(3) for k in ("gamma", "beta", "moving_mean", "moving_variance")},
                },
            ]
        ),
        r"bottom\[1\]",
    ),
    ("bad activation", dict(bottom=[DENSE | {"activation": "nope"}]), r"bottom\[0\] activation"),
    (  # a misspelt key would otherwise silently mean "linear" (or the default epsilon)
        "misspelt key",
        dict(bottom=[{"kind": "dense", "kernel": np.ones((3, 2)), "activaton": "relu"}]),
        r"bottom\[0\]: unknown key\(s\) 'activaton' for kind 'dense'",
    ),
    ("chunk size", dict(chunk_size=0), "chunk_size"),
    ("x width", dict(x=np.ones((4, 2))), r"bottom\[0\] kernel"),
    ("x integer", dict(x=np.ones((4, 3), int)), "x"),
]


@BACKENDS
@pytest.mark.parametrize(("label", "change", "match"), CACHE_BAD, ids=[c[0] for c in CACHE_BAD])
def test_cache_frozen_outputs_refuses_bad_input(t, label, change, match) -> None:
    """An uncacheable or malformed bottom, x or chunk size is refused by name, before any work."""
    kw = dict(bottom=[DENSE], x=np.ones((4, 3)), chunk_size=2)
    with pytest.raises((TypeError, ValueError), match=match):
        t.cache_frozen_outputs(**(kw | change))


BATCH_BAD = [
    ("labels length", dict(y=np.arange(3)), "y"),
    ("float labels", dict(y=np.ones(4)), "y"),
    ("features 1-D", dict(features=np.ones(4)), "features"),
    ("batch size", dict(batch_size=0), "batch_size"),
    ("rng", dict(rng="seed"), "rng"),
]


@BACKENDS
@pytest.mark.parametrize(("label", "change", "match"), BATCH_BAD, ids=[c[0] for c in BATCH_BAD])
def test_cached_batches_refuses_bad_input(t, label, change, match) -> None:
    """Each malformed argument is a TypeError/ValueError that names it."""
    kw = dict(features=np.ones((4, 2)), y=np.arange(4), batch_size=2, rng=0)
    with pytest.raises((TypeError, ValueError), match=match):
        t.cached_batches(**(kw | change))


TOP_BAD = [
    ("n_reuse too big", dict(n_reuse=3), "n_reuse"),
    ("n_reuse negative", dict(n_reuse=-1), "n_reuse"),
    ("n_reuse float", dict(n_reuse=1.5), "n_reuse"),
    ("no new layer", dict(new_units=[]), "new_units"),
    ("zero units", dict(new_units=0), "new_units"),
    ("unknown initializer", dict(initializer="glorot"), "initializer"),
    ("rng", dict(rng=np.random.RandomState(0)), "rng"),
    ("weights", dict(weights=[W[1], W[0]]), r"weights\[1\] kernel"),
]


@BACKENDS
@pytest.mark.parametrize(("label", "change", "match"), TOP_BAD, ids=[c[0] for c in TOP_BAD])
def test_replace_top_refuses_bad_input(t, label, change, match) -> None:
    """Each malformed argument is a TypeError/ValueError that names it."""
    kw = dict(weights=W, n_reuse=1, new_units=5, rng=0)
    with pytest.raises((TypeError, ValueError), match=match):
        t.replace_top(**(kw | change))
