"""Configs: get_config/from_config/serialize/deserialize for layers, models, optimizers,
schedules, regularizers and constraints; plain JSON, identical between the two backends, and bad
configs refused with errors that name what is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratch import activations, constraints, initializers, regularizers, schedules
from scratch import layers as s_layers
from scratch import models as s_models
from scratch import optimizers as s_optimizers
from scratch.networks import NetworkConfig, build_network, build_optimizer

PLAIN = (str, int, float, bool, type(None))


def assert_plain(value) -> None:
    """Only str/int/float/bool/None/list/dict (what json writes and reads back unchanged)."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            assert_plain(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain(v)
    else:
        assert isinstance(value, PLAIN), f"{value!r} is {type(value).__name__}"


NETWORKS = st.builds(
    NetworkConfig,
    hidden_layers=st.integers(0, 3),
    units=st.integers(1, 6),
    kernel_initializer=st.sampled_from(sorted(initializers.INITIALIZERS)),
    activation=st.sampled_from(["elu", "relu", "selu", "tanh", "leaky_relu"]),
    batch_norm=st.booleans(),
    batch_norm_momentum=st.floats(0.5, 0.999),
    dropout_rate=st.sampled_from([0.0, 0.2, 0.5]),
    dropout_placement=st.sampled_from(["book", "hidden"]),
    optimizer=st.sampled_from(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]),
    learning_rate=st.floats(1e-4, 0.5),
    lr_schedule=st.sampled_from([None, "exponential", "power", "plateau"]),
    decay_rate=st.floats(0.1, 0.9),
    l1=st.sampled_from([0.0, 1e-4]),
    l2=st.sampled_from([0.0, 1e-3]),
    max_norm=st.sampled_from([None, 1.0, 2.5]),
    clipnorm=st.sampled_from([None, 1.0]),
)


def full_dense() -> s_layers.Dense:
    """A Dense with every config key away from its default."""
    return s_layers.Dense(
        4,
        activations.get("leaky_relu", negative_slope=0.1),
        use_bias=True,
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer=regularizers.L1L2(0.01, 0.02),
        bias_regularizer=regularizers.L2(0.5),
        kernel_constraint=constraints.MaxNorm(2.5, axis=[0]),
        bias_constraint=constraints.MaxNorm(1.0),
        name="hidden1",
        trainable=False,
    )


# ----------------------------------------------------------------------- TF-free round trips


def test_dense_config_has_the_documented_keys_and_round_trips_through_json() -> None:
    """Dense's config: the documented keys, plain JSON; from_config(json) gives it back."""
    layer = full_dense()
    config = layer.get_config()
    assert list(config) == [
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "name",
        "trainable",
    ]
    assert config["activation"] == {"name": "leaky_relu", "kwargs": {"negative_slope": 0.1}}
    assert config["kernel_regularizer"] == {
        "class_name": "L1L2",
        "config": {"l1": 0.01, "l2": 0.02},
    }
    assert config["bias_regularizer"] == {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.5}}
    assert config["kernel_constraint"] == {
        "class_name": "MaxNorm",
        "config": {"max_value": 2.5, "axis": [0]},
    }
    assert_plain(config)
    again = s_layers.Dense.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config
    assert not again.built and again.trainable is False


@pytest.mark.parametrize(
    "layer",
    [
        s_layers.Activation("elu", alpha=0.5, name="act"),
        s_layers.Activation("relu"),
        s_layers.BatchNormalization(0.9, 1e-5, center=False, name="bn", trainable=False),
        s_layers.Dropout(0.3, (None, 1), name="drop"),
        s_layers.Dropout(0.0),
    ],
    ids=repr,
)
def test_other_layers_round_trip(layer) -> None:
    """Activation, BatchNormalization and Dropout: serialize -> JSON -> deserialize is equal."""
    spec = s_layers.serialize(layer)
    assert spec["class_name"] == type(layer).__name__
    assert_plain(spec)
    again = s_layers.deserialize(json.loads(json.dumps(spec)))
    assert type(again) is type(layer) and s_layers.serialize(again) == spec


def test_model_config_round_trip_builds_fresh_weights() -> None:
    """Sequential.from_config(get_config()) has the same config, new layer objects and weights
    drawn from its rng (not the original's)."""
    model = build_network(NetworkConfig(hidden_layers=2, units=5), 7, 3, rng=0, dtype="float64")
    config = model.get_config()
    assert config["input_dim"] == 7 and config["dtype"] == "float64"
    assert_plain(config)
    again = s_models.Sequential.from_config(json.loads(json.dumps(config)), rng=1)
    assert again.get_config() == config
    assert all(a is not b for a, b in zip(again.layers, model.layers, strict=True))
    key = next(k for k in model.named_weights() if k.endswith("/kernel"))
    assert not np.array_equal(again.named_weights()[key], model.named_weights()[key])
    unbuilt = s_models.Sequential.from_config({**config, "input_dim": None})
    assert not unbuilt.built


@given(NETWORKS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_optimizer_config_round_trips(net: NetworkConfig) -> None:
    """Every optimizer/schedule NetworkConfig can make: serialize -> JSON -> deserialize equal."""
    spec = s_optimizers.serialize(build_optimizer(net))
    assert_plain(spec)
    again = s_optimizers.deserialize(json.loads(json.dumps(spec)))
    assert s_optimizers.serialize(again) == spec


def test_schedule_configs_round_trip() -> None:
    """Each schedule class: get_config -> from_config gives the same config."""
    for schedule in (
        schedules.ExponentialDecay(0.1, 100, 0.5, staircase=True),
        schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.05, 0.01]),
        schedules.PowerScheduling(0.1, 50, 2.0),
        schedules.ReduceLROnPlateau(0.1, factor=0.5, patience=3),
    ):
        spec = schedules.serialize(schedule)
        assert_plain(spec)
        assert schedules.serialize(schedules.deserialize(json.loads(json.dumps(spec)))) == spec


def test_clone_model_copies_weights_and_shares_nothing() -> None:
    """clone_model: equal weights, no shared arrays, same trainable flags; training the clone
    leaves the original alone."""
    from scratch import training

    model = build_network(NetworkConfig(hidden_layers=2, units=5), 6, 3, rng=0, dtype="float64")
    model.layers[1].trainable = False
    clone = s_models.clone_model(model, rng=1)
    for (ka, a), (kb, b) in zip(
        model.named_weights().items(), clone.named_weights().items(), strict=True
    ):
        assert ka == kb
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)
    assert [la.trainable for la in clone.layers] == [la.trainable for la in model.layers]
    before = model.get_weights()
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((30, 6)), rng.integers(0, 3, 30)
    training.fit(clone, x, y, epochs=1, batch_size=10, rng=0, verbose=False)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ bad configs


BAD_LAYER_SPECS = [
    ({"class_name": "Conv2D", "config": {}}, ValueError, r"layer\['class_name'\]: unknown name"),
    ({"class_name": 3, "config": {}}, TypeError, "class_name"),
    ({"class_name": "Dense"}, ValueError, "expected {'class_name'"),
    ("Dense", ValueError, "expected {'class_name'"),
    ({"class_name": "Dense", "config": []}, TypeError, r"layer\['config'\]"),
    ({"class_name": "Dense", "config": {"units": 3, "unitz": 4}}, ValueError, "'unitz'"),
    ({"class_name": "Dense", "config": {"activation": "elu"}}, ValueError, "missing key 'units'"),
    ({"class_name": "Dense", "config": {"units": "3"}}, TypeError, "units"),
    ({"class_name": "Dense", "config": {"units": 0}}, ValueError, "units"),
    ({"class_name": "Dense", "config": {"units": 3, "activation": "swish"}}, ValueError, "swish"),
    (
        {"class_name": "Dense", "config": {"units": 3, "activation": {"name": "elu", "x": 1}}},
        ValueError,
        "activation",
    ),
    (
        {
            "class_name": "Dense",
            "config": {"units": 3, "activation": {"name": "elu", "kwargs": {"beta": 1}}},
        },
        TypeError,
        "beta",
    ),
    (
        {"class_name": "Dense", "config": {"units": 3, "kernel_initializer": "he"}},
        ValueError,
        "kernel_initializer",
    ),
    (
        {"class_name": "Dense", "config": {"units": 3, "kernel_regularizer": {"l2": 0.1}}},
        ValueError,
        "regularizer",
    ),
    (
        {
            "class_name": "Dense",
            "config": {
                "units": 3,
                "kernel_regularizer": {"class_name": "L1L2", "config": {"l2": -1}},
            },
        },
        ValueError,
        "l2",
    ),
    (
        {
            "class_name": "Dense",
            "config": {
                "units": 3,
                "kernel_constraint": {"class_name": "MinMax", "config": {}},
            },
        },
        ValueError,
        "constraint",
    ),
    ({"class_name": "Dense", "config": {"units": 3, "trainable": "no"}}, TypeError, "trainable"),
    ({"class_name": "Dropout", "config": {"rate": 1.5}}, ValueError, "rate"),
    ({"class_name": "Dropout", "config": {"rate": 0.1, "trainable": True}}, ValueError, "key"),
    ({"class_name": "BatchNormalization", "config": {"momentum": "x"}}, TypeError, "momentum"),
]


@pytest.mark.parametrize(("spec", "error", "match"), BAD_LAYER_SPECS, ids=repr)
@pytest.mark.parametrize("backend", ["scratch", pytest.param("tf_ref", marks=pytest.mark.tf)])
def test_bad_layer_configs_are_refused_by_name(backend, spec, error, match) -> None:
    """Unknown class names, unknown or missing keys and wrong values: a TypeError/ValueError
    that names the culprit, the same in both backends."""
    import importlib

    layers_mod = importlib.import_module(f"{backend}.layers")
    with pytest.raises(error, match=match):
        layers_mod.deserialize(spec)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ([], "model config: expected a dict"),
        ({"input_dim": 3}, "missing key 'layers'"),
        ({"layers": [], "inputs": 3}, "unknown key 'inputs'"),
        ({"layers": {}}, r"config\['layers'\]: expected a list"),
        ({"layers": []}, "at least one layer"),
        ({"input_dim": 0, "layers": [{"class_name": "Dense", "config": {"units": 2}}]}, "input"),
        (
            {"dtype": "int8", "layers": [{"class_name": "Dense", "config": {"units": 2}}]},
            "dtype",
        ),
    ],
)
def test_bad_model_configs_are_refused(config, match) -> None:
    """Sequential.from_config refuses a malformed model config with a clear message."""
    with pytest.raises((TypeError, ValueError), match=match):
        s_models.Sequential.from_config(config)


def test_custom_callables_are_refused_by_get_config() -> None:
    """A custom initializer (no name) cannot be described: get_config says which argument."""

    def mine(shape, rng=None, dtype="float32"):
        return np.zeros(shape, dtype)

    with pytest.raises(TypeError, match=r"kernel_initializer: .* custom callable"):
        s_layers.Dense(3, kernel_initializer=mine).get_config()
    with pytest.raises(TypeError, match="learning_rate"):
        s_optimizers.SGD(lambda step: 0.1).get_config()


def test_bad_optimizer_and_schedule_specs() -> None:
    """Unknown optimizer/schedule class names and keys are refused by name."""
    with pytest.raises(ValueError, match="unknown name 'Nadam'"):
        s_optimizers.deserialize({"class_name": "Nadam", "config": {}})
    with pytest.raises(ValueError, match="unknown key 'lr'"):
        s_optimizers.deserialize({"class_name": "SGD", "config": {"lr": 0.1}})
    with pytest.raises(ValueError, match="missing key 'decay_rate'"):
        schedules.deserialize(
            {
                "class_name": "ExponentialDecay",
                "config": {"initial_learning_rate": 0.1, "decay_steps": 10},
            }
        )


# ---------------------------------------------------------------------------- both backends


@pytest.mark.tf
@given(
    net=NETWORKS, input_dim=st.integers(1, 8), n_outputs=st.integers(2, 5), seed=st.integers(0, 9)
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_configs_identical_between_backends(net, input_dim, n_outputs, seed) -> None:
    """Random NetworkConfig -> scratch build_network -> get_config -> tf_ref
    Sequential.from_config -> get_config: equal; and back to scratch; optimizers too."""
    from tf_ref import models as t_models
    from tf_ref import optimizers as t_optimizers

    model = build_network(net, input_dim, n_outputs, rng=seed)
    config = json.loads(json.dumps(model.get_config()))
    theirs = t_models.Sequential.from_config(config, rng=seed)
    assert theirs.get_config() == config
    assert s_models.Sequential.from_config(theirs.get_config()).get_config() == config
    spec = s_optimizers.serialize(build_optimizer(net))
    assert t_optimizers.serialize(t_optimizers.deserialize(spec)) == spec


@pytest.mark.tf
def test_tf_layer_built_from_keras_regularizer_and_constraint_serializes_like_scratch() -> None:
    """tf_ref's Dense keeps Keras regularizer/constraint objects; its config equals scratch's."""
    from tf_ref import constraints as t_constraints
    from tf_ref import layers as t_layers
    from tf_ref import regularizers as t_regularizers

    theirs = t_layers.Dense(
        4,
        "leaky_relu",
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer=t_regularizers.L1L2(0.01, 0.02),
        bias_regularizer=t_regularizers.L2(0.5),
        kernel_constraint=t_constraints.MaxNorm(2.5, axis=[0]),
        bias_constraint=t_constraints.MaxNorm(1.0),
        name="hidden1",
        trainable=False,
    )
    expected = {**full_dense().get_config(), "activation": "leaky_relu"}
    assert theirs.get_config() == expected
    # and a tf_ref clone shares no variable with its original
    from tf_ref import models as t_models

    model = t_models.Sequential([theirs, t_layers.Dense(2)], 3, rng=0)
    clone = t_models.clone_model(model)
    assert not {id(v) for v in clone.keras_model.weights} & {
        id(v) for v in model.keras_model.weights
    }
    for a, b in zip(clone.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_custom_layer_subclass_is_allowed_but_has_no_config() -> None:
    """A user's Layer subclass still instantiates (get_config is not abstract); asking for its
    config, or serializing it, is a clear TypeError."""

    class Scale(s_layers.Layer):
        def forward(self, x, training=False):
            return 2 * x

        def backward(self, dout):
            return 2 * dout

    layer = Scale()
    with pytest.raises(TypeError, match="Scale: get_config describes Dense"):
        layer.get_config()
    with pytest.raises(TypeError, match="serialize describes"):
        s_layers.serialize(layer)
