"""The practical-guidelines configuration, and weight penalties and constraints wired into
Dense and the training step, in both backends (scratch vs Keras)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import layers as sl
from scratch import losses as slosses
from scratch import networks as sn
from scratch import regularizers as sr
from scratch import schedules as ss
from scratch import training as strain
from tests.helpers import lazy_module, numerical_gradient

tl = lazy_module("tf_ref.layers")
tn = lazy_module("tf_ref.networks")
tr = lazy_module("tf_ref.regularizers")
ttrain = lazy_module("tf_ref.training")

XENT = slosses.UNCHECKED["sparse_softmax_cross_entropy"]


def _data(n: int = 48, d: int = 12, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


# ------------------------------------------------------------------ the configuration


@pytest.mark.tf
def test_guidelines_are_the_books_defaults() -> None:
    g = sn.GUIDELINES
    assert (g.kernel_initializer, g.activation, g.batch_norm, g.optimizer) == (
        "he_normal",
        "elu",
        True,
        "nesterov",
    )
    assert g.dropout_rate > 0 and g.lr_schedule is None
    assert tn.GUIDELINES is g  # one object, shared by both backends


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"activation": "elu2"}, "activation"),
        ({"kernel_initializer": "he"}, "he"),
        ({"optimizer": "adamw"}, "optimizer"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
        ({"units": 0}, "units"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"lr_schedule": "cosine"}, "lr_schedule"),
        ({"max_norm": -1.0}, "max_norm"),
        ({"dropout_placement": "everywhere"}, "dropout_placement"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_config_rejects_bad_values(change, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        sn.GUIDELINES.replace(**change)


def test_config_is_plain_data() -> None:
    import json

    cfg = sn.GUIDELINES.replace(l1=1e-5, lr_schedule="exponential")
    assert sn.NetworkConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.tf
@pytest.mark.parametrize("placement", ["book", "hidden"])
@pytest.mark.parametrize("batch_norm", [True, False])
def test_layer_recipe(placement: str, batch_norm: bool) -> None:
    cfg = sn.GUIDELINES.replace(hidden_layers=3, dropout_placement=placement, batch_norm=batch_norm)
    kinds = [
        layer.kind for layer in sn.build_network(cfg, 8, 4, rng=np.random.default_rng(0)).layers
    ]
    block = ["dense", "batch_normalization", "activation"] if batch_norm else ["dense"]
    if placement == "book":  # dropout on the inputs of every hidden layer, not before logits
        expected = (["dropout", *block] * 3) + ["dense"]
    else:  # after every hidden layer, so also just before the logits
        expected = ([*block, "dropout"] * 3) + ["dense"]
    assert kinds == expected
    assert "dropout" not in kinds[-1:]  # never after the output layer
    tf_kinds = [
        layer.kind for layer in tn.build_network(cfg, 8, 4, rng=np.random.default_rng(0)).layers
    ]
    assert tf_kinds == kinds


def test_batch_norm_dense_has_no_bias_and_no_dropout_means_none() -> None:
    model = sn.build_network(
        sn.GUIDELINES.replace(hidden_layers=2, dropout_rate=0.0), 8, 4, rng=np.random.default_rng(0)
    )
    assert "dropout" not in [layer.kind for layer in model.layers]
    hidden = [layer for layer in model.layers if layer.kind == "dense"][:-1]
    assert all(not layer.use_bias for layer in hidden)


@pytest.mark.tf
def test_build_optimizer_follows_the_config() -> None:
    opt = sn.build_optimizer(sn.GUIDELINES)
    assert (opt.momentum, opt.nesterov) == (0.9, True)
    sched = sn.build_optimizer(
        sn.GUIDELINES.replace(lr_schedule="exponential", decay_steps=10, decay_rate=0.5)
    )
    assert sched.current_learning_rate() == pytest.approx(0.01)
    sched.iterations = 10
    assert sched.current_learning_rate() == pytest.approx(0.005)
    tf_opt = tn.build_optimizer(sn.GUIDELINES.replace(optimizer="adam", clipnorm=1.0))
    assert tf_opt.keras_optimizer.clipnorm == 1.0


@pytest.mark.tf
def test_same_config_same_layout_in_both_backends() -> None:
    """Same names and shapes, so weights move across (each backend draws its own init)."""
    cfg = sn.GUIDELINES.replace(hidden_layers=2, units=6)
    a = sn.build_network(cfg, 5, 3, rng=np.random.default_rng(7), dtype="float64")
    b = tn.build_network(cfg, 5, 3, rng=np.random.default_rng(7), dtype="float64")
    assert {k: v.shape for k, v in a.named_weights().items()} == {
        k: v.shape for k, v in b.named_weights().items()
    }
    b.set_weights(a.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 5))
    np.testing.assert_allclose(a.predict(x), b.predict(x), rtol=1e-12)


# ------------------------------------------------------- penalties and constraints in Dense


@pytest.mark.tf
def test_dense_rejects_bad_regularizers_and_constraints() -> None:
    for layers in (sl, tl):
        with pytest.raises(TypeError, match="kernel_regularizer"):
            layers.Dense(3, kernel_regularizer="l2")
        with pytest.raises(TypeError, match="kernel_constraint"):
            layers.Dense(3, kernel_constraint=2.0)
        with pytest.raises(ValueError, match="use_bias"):
            layers.Dense(3, use_bias=False, bias_regularizer=(sr if layers is sl else tr).L2(0.1))


def test_regularized_gradient_matches_finite_differences() -> None:
    """d(data loss + penalties)/dW = backprop + penalty gradients (float64, random points)."""
    x, y = _data()
    cfg = sn.GUIDELINES.replace(hidden_layers=2, units=7, dropout_rate=0.0, l1=0.03, l2=0.02)
    model = sn.build_network(cfg, x.shape[1], 3, rng=np.random.default_rng(1), dtype="float64")

    def total_loss() -> float:
        return XENT(model._forward(x, training=False), y)[0] + model.regularization_loss()

    # inference mode: BN uses its moving statistics, so the loss is smooth in the kernels
    model._forward(x, training=False)
    dlogits = XENT(model._forward(x, training=False), y)[1]
    model.backward(dlogits, input_grad=False)
    model.add_regularization_grads()
    # |w| > 1e-3 everywhere (He init in 7-12 wide layers), so h = 1e-6 never crosses the l1 kink
    for param, grad in zip(model.trainable_params(), model.trainable_grads(), strict=True):
        num = numerical_gradient(lambda _: total_loss(), param, np.array(1.0), h=1e-6)
        # central differences in float64: truncation O(h^2) ~ 1e-12, round-off ~ 1e-16 / h =
        # 1e-10 absolute; relative to the whole array's scale (entries near 0 would make an
        # elementwise ratio meaningless) that is far below 1e-7
        assert np.max(np.abs(grad - num)) / np.max(np.abs(grad) + np.abs(num)) < 1e-7


@pytest.mark.tf
def test_penalties_count_only_for_trainable_layers() -> None:
    x, _ = _data()
    cfg = sn.GUIDELINES.replace(hidden_layers=1, dropout_rate=0.0, l2=0.5)
    for nets in (sn, tn):
        model = nets.build_network(
            cfg, x.shape[1], 3, rng=np.random.default_rng(0), dtype="float64"
        )
        dense = [layer for layer in model.layers if layer.kind == "dense"]
        full = model.regularization_loss()
        expected = sum(0.5 * np.sum(layer.params["kernel"] ** 2) for layer in dense)
        assert full == pytest.approx(expected, rel=1e-12)
        dense[0].trainable = False  # Keras: model.losses covers trainable weights only
        frozen = 0.5 * np.sum(dense[0].params["kernel"] ** 2)
        assert model.regularization_loss() == pytest.approx(expected - frozen, rel=1e-12)


@pytest.mark.tf
@settings(max_examples=5, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    l1=st.sampled_from([0.0, 2**-8, 2**-5]),
    l2=st.sampled_from([0.0, 2**-9, 2**-4]),
    max_norm=st.sampled_from([None, 0.5, 2.0]),
)
def test_regularized_fit_matches_keras_in_float64(seed, l1, l2, max_norm) -> None:
    """Whole fits with l1/l2 penalties, max-norm and clipnorm agree with Keras' (float64).

    Factors are powers of two: Keras rounds L1's factor through float32 (docs/FACTS.md), which
    would otherwise put a 1e-9 relative gap between two correct implementations.
    """
    x, y = _data(seed=seed)
    cfg = sn.GUIDELINES.replace(
        hidden_layers=2,
        units=8,
        dropout_rate=0.0,
        l1=l1,
        l2=l2,
        max_norm=max_norm,
        clipnorm=1.0,
        learning_rate=2**-5,
        momentum=0.875,
    )
    runs = []
    start = None
    for nets, training in ((sn, strain), (tn, ttrain)):
        model = nets.build_network(
            cfg, x.shape[1], 3, rng=np.random.default_rng(seed), dtype="float64"
        )
        if start is None:
            start = model.get_weights()
        model.set_weights(start)  # each backend draws its own initial weights
        hist = training.fit(
            model,
            x,
            y,
            optimizer=nets.build_optimizer(cfg),
            epochs=3,
            batch_size=16,
            validation_data=(x, y),
            rng=np.random.default_rng(seed + 1),
            verbose=False,
        )
        runs.append((hist.history, model.get_weights(), model))
    (ha, wa, ma), (hb, wb, _) = runs
    # float64 round-off accumulated over 9 steps of a 3-layer net: ~1e-15; 1e-11 leaves room
    np.testing.assert_allclose(ha["loss"], hb["loss"], rtol=1e-11)
    np.testing.assert_allclose(ha["val_loss"], hb["val_loss"], rtol=1e-11)
    for u, v in zip(wa, wb, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-12)
    if max_norm is not None:
        hidden = [layer for layer in ma.layers if layer.kind == "dense"][:-1]
        for layer in hidden:  # Keras' MaxNorm: norm * clip(norm)/(norm + 1e-7) <= max_norm
            assert np.linalg.norm(layer.params["kernel"], axis=0).max() <= max_norm


@pytest.mark.tf
def test_plateau_schedule_in_fit_matches_keras_in_float64() -> None:
    """lr_schedule="plateau": fit cuts the rate after ``plateau_patience`` epochs without a
    better val_loss, in both backends alike. Noise labels make validation loss rise (the net
    memorizes), so cuts must happen; rates are powers of two, exact in Keras' float32."""
    x, y = _data(n=64, seed=3)
    xv, yv = _data(n=32, seed=4)
    cfg = sn.GUIDELINES.replace(
        hidden_layers=2,
        units=16,
        dropout_rate=0.0,
        lr_schedule="plateau",
        learning_rate=2**-3,
        decay_rate=0.5,
        plateau_patience=2,
        momentum=0.875,
    )
    runs = []
    for nets, training in ((sn, strain), (tn, ttrain)):
        model = nets.build_network(
            cfg, x.shape[1], 3, rng=np.random.default_rng(0), dtype="float64"
        )
        if not runs:
            start = model.get_weights()
        model.set_weights(start)
        hist = training.fit(
            model,
            x,
            y,
            optimizer=nets.build_optimizer(cfg),
            epochs=12,
            batch_size=16,
            validation_data=(xv, yv),
            rng=np.random.default_rng(1),
            verbose=False,
        )
        runs.append(hist.history)
        with pytest.raises(ValueError, match="ReduceLROnPlateau schedule watches val_loss"):
            training.fit(model, x, y, optimizer=nets.build_optimizer(cfg), verbose=False)
    ours, theirs = runs
    assert ours["learning_rate"] == theirs["learning_rate"]
    # The rate each epoch, replayed from the recorded val_losses with Keras' rule.
    state, expected = ss.PlateauState(2**-3), []
    for value in ours["val_loss"]:
        expected.append(state.learning_rate)
        state = ss.plateau_step(state, value, factor=0.5, patience=2, min_delta=1e-4)
    assert ours["learning_rate"] == expected and min(expected) < 2**-3, expected
    # 12 epochs x 4 steps of float64 round-off, as in the test above: 1e-11
    np.testing.assert_allclose(ours["val_loss"], theirs["val_loss"], rtol=1e-11)


def test_train_step_reports_the_penalized_loss() -> None:
    x, y = _data()
    cfg = sn.GUIDELINES.replace(hidden_layers=1, dropout_rate=0.0, batch_norm=False, l2=0.25)
    model = sn.build_network(cfg, x.shape[1], 3, rng=np.random.default_rng(0), dtype="float64")
    data_loss = XENT(model._forward(x, training=True), y)[0]
    penalty = model.regularization_loss()
    value = strain.train_step(model, sn.build_optimizer(cfg), XENT, x, y)
    assert value == pytest.approx(data_loss + penalty, rel=1e-14)
    assert strain.evaluate(model, x, y)["loss"] > XENT(model.predict(x), y)[0]


@pytest.mark.tf
@pytest.mark.parametrize("nets", [sn, tn], ids=["scratch", "tf_ref"])
def test_max_norm_holds_after_every_fit_step(nets) -> None:
    x, y = _data(n=64)
    x = x * 20  # large inputs and a large step push the weights past the bound every step
    cfg = sn.GUIDELINES.replace(
        hidden_layers=2, units=8, dropout_rate=0.0, max_norm=0.25, learning_rate=0.5
    )
    model = nets.build_network(cfg, x.shape[1], 3, rng=np.random.default_rng(0), dtype="float64")
    training = strain if nets is sn else ttrain
    training.fit(
        model,
        x,
        y,
        optimizer=nets.build_optimizer(cfg),
        epochs=2,
        batch_size=16,
        rng=np.random.default_rng(1),
        verbose=False,
    )
    hidden = [layer for layer in model.layers if layer.kind == "dense"][:-1]
    for layer in hidden:  # each column (one unit's incoming weights) within the bound
        assert np.linalg.norm(layer.params["kernel"], axis=0).max() <= 0.25 + 1e-12
    logits_norm = np.linalg.norm(model.layers[-1].params["kernel"], axis=0).max()
    assert logits_norm > 0.25  # the output layer is left free, and the step was big enough
