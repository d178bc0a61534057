"""Bad input to the Python API of both backends: a battery over every public function and
constructor of scratch and tf_ref (wrong types, shapes, dtypes, NaN/inf, unknown names,
out-of-range hyperparameters, corrupt checkpoints), each case run against both backends where
the function exists in both.

The contract: a TypeError or ValueError whose message names the argument, never another
exception type, never a silent result; where a friendly reading exists (an int seed for
``rng``, float16 data for a layer of known dtype) it is accepted and gives the right answer.
A refused call changes nothing: no half-loaded model, no half-restored optimizer.

tf_ref cases are marked ``tf`` and import TensorFlow inside the test, so ``pytest -m "not tf"``
runs the scratch half without it.
"""

from __future__ import annotations

import importlib
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

MODULES = (
    "activations",
    "augment",
    "autoencoders",
    "constraints",
    "initializers",
    "layers",
    "losses",
    "models",
    "networks",
    "noise",
    "optimizers",
    "regularizers",
    "schedules",
    "training",
)
BACKENDS = ["scratch", pytest.param("tf_ref", marks=pytest.mark.tf)]


class Env:
    """One backend's modules (``e.layers``, ``e.models``, ...) and small built objects, made
    once per backend and reused by every case (a refused call must leave them unchanged)."""

    def __init__(self, backend: str) -> None:
        self.name = backend
        for mod in MODULES:
            setattr(self, mod, importlib.import_module(f"{backend}.{mod}"))
        L = self.layers
        self.x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
        self.y = np.array([0, 1, 0, 1, 1])
        self.model = self.models.Sequential(
            [L.Dense(3, "elu"), L.BatchNormalization(), L.Dropout(0.5), L.Dense(2)],
            4,
            rng=np.random.default_rng(0),
        )
        self.dense = L.Dense(3, name="d")
        self.dense.build(4, np.random.default_rng(0))
        self.act = L.Activation("relu", name="a")
        self.act.build(4, np.random.default_rng(0))
        self.bn = L.BatchNormalization(name="bn")
        self.bn.build(4, np.random.default_rng(0))
        self.drop = L.Dropout(0.5, name="drop")
        self.drop.build(4, np.random.default_rng(0))
        self.kernel = np.ones((4, 3))
        self.bias = np.zeros(3)

    def fresh_model(self, **kwargs: Any) -> Any:
        return self.models.Sequential(
            [self.layers.Dense(2)], 4, rng=np.random.default_rng(0), **kwargs
        )


_ENVS: dict[str, Env] = {}


def env(backend: str) -> Env:
    if backend not in _ENVS:
        _ENVS[backend] = Env(backend)
    return _ENVS[backend]


def assert_refused(call: Callable[[], Any], name: str) -> BaseException:
    """``call()`` raises a TypeError or ValueError whose message contains ``name``."""
    try:
        result = call()
    except (TypeError, ValueError) as err:
        assert name in str(err), f"the message does not name {name!r}: {err}"
        return err
    except Exception as err:  # any other type is the failure looked for
        pytest.fail(f"raised {type(err).__name__} instead of TypeError/ValueError: {err}")
    pytest.fail(f"accepted silently, returned {str(result)[:200]}")


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[Env], Any]  # the bad call, given a backend's Env
    name: str  # what the error message must name
    only: str | None = None  # "scratch" when the function exists in scratch only


CASES: list[Case] = []


def case(id: str, name: str, only: str | None = None):
    """Register ``call`` (a function of the Env) as a bad-input case."""

    def register(call: Callable[[Env], Any]) -> Callable[[Env], Any]:
        CASES.append(Case(id, call, name, only))
        return call

    return register


def add(id: str, call: Callable[[Env], Any], name: str, only: str | None = None) -> None:
    # Test ids must not depend on memory addresses ("<function <lambda> at 0x7f...>"): parallel
    # workers (pytest-xdist) must collect the very same ids.
    CASES.append(Case(re.sub(r" at 0x[0-9a-fA-F]+", "", id), call, name, only))


# ------------------------------------------------------------------ bad values, by family

NOT_NUMBERS = [
    ("str", "0.01"),  # np.isscalar('0.01') is True: the old check let it through
    ("none", None),
    ("bool", True),
    ("list", [0.1]),
    ("array", np.array([0.1])),
    ("complex", 1j),
    ("dict", {}),
]
OUT_OF_RANGE = {
    "pos": [-1.0, 0.0, float("nan"), float("inf")],  # finite > 0
    "nonneg": [-1.0, float("nan"), float("inf")],  # finite >= 0
    "unit_open": [-0.1, 1.0, float("nan")],  # [0, 1)
    "unit_closed": [-0.1, 1.5, float("nan")],  # [0, 1]
    "open01": [0.0, 1.0, float("nan")],  # (0, 1)
    "int_pos": [0, -1, 1.5],  # integer >= 1 (1.5: not an integer)
    "int_nonneg": [-1, 1.5],  # integer >= 0
}

# (module.class, base keyword arguments, parameter, kind, None allowed)
HYPERPARAMETERS = [
    ("optimizers.SGD", {}, "learning_rate", "pos", False),
    ("optimizers.SGD", {}, "momentum", "unit_closed", False),
    ("optimizers.SGD", {}, "clipvalue", "pos", True),
    ("optimizers.Adagrad", {}, "learning_rate", "pos", False),
    ("optimizers.Adagrad", {}, "initial_accumulator_value", "nonneg", False),
    ("optimizers.Adagrad", {}, "epsilon", "nonneg", False),
    ("optimizers.Adagrad", {}, "global_clipnorm", "pos", True),
    ("optimizers.RMSprop", {}, "learning_rate", "pos", False),
    ("optimizers.RMSprop", {}, "rho", "unit_open", False),
    ("optimizers.RMSprop", {}, "momentum", "unit_closed", False),
    ("optimizers.RMSprop", {}, "epsilon", "nonneg", False),
    ("optimizers.Adam", {}, "learning_rate", "pos", False),
    ("optimizers.Adam", {}, "beta_1", "unit_open", False),
    ("optimizers.Adam", {}, "beta_2", "unit_open", False),
    ("optimizers.Adam", {}, "epsilon", "nonneg", False),
    ("optimizers.Adam", {}, "clipnorm", "pos", True),
    (
        "schedules.ExponentialDecay",
        {"decay_steps": 10, "decay_rate": 0.5},
        "initial_learning_rate",
        "pos",
        False,
    ),
    (
        "schedules.ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_rate": 0.5},
        "decay_steps",
        "pos",
        False,
    ),
    (
        "schedules.ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 10},
        "decay_rate",
        "pos",
        False,
    ),
    ("schedules.PowerScheduling", {"decay_steps": 10}, "initial_learning_rate", "pos", False),
    ("schedules.PowerScheduling", {"initial_learning_rate": 0.1}, "decay_steps", "pos", False),
    (
        "schedules.PowerScheduling",
        {"initial_learning_rate": 0.1, "decay_steps": 10},
        "power",
        "nonneg",
        False,
    ),
    ("schedules.ReduceLROnPlateau", {}, "initial_learning_rate", "pos", False),
    ("schedules.ReduceLROnPlateau", {"initial_learning_rate": 0.1}, "factor", "open01", False),
    (
        "schedules.ReduceLROnPlateau",
        {"initial_learning_rate": 0.1},
        "patience",
        "int_nonneg",
        False,
    ),
    ("schedules.ReduceLROnPlateau", {"initial_learning_rate": 0.1}, "min_delta", "nonneg", False),
    (
        "schedules.ReduceLROnPlateau",
        {"initial_learning_rate": 0.1},
        "cooldown",
        "int_nonneg",
        False,
    ),
    ("schedules.ReduceLROnPlateau", {"initial_learning_rate": 0.1}, "min_lr", "nonneg", False),
    ("layers.Dense", {}, "units", "int_pos", False),
    ("layers.BatchNormalization", {}, "momentum", "unit_closed", False),
    ("layers.BatchNormalization", {}, "epsilon", "pos", False),
    ("layers.Dropout", {}, "rate", "unit_open", False),
    ("layers.GaussianNoise", {}, "stddev", "nonneg", False),
    ("layers.MaskingNoise", {}, "rate", "unit_open", False),
    ("regularizers.L1", {}, "l1", "nonneg", False),
    ("regularizers.L2", {}, "l2", "nonneg", False),
    ("regularizers.L1L2", {}, "l1", "nonneg", False),
    ("regularizers.L1L2", {}, "l2", "nonneg", False),
    ("constraints.MaxNorm", {}, "max_value", "nonneg", False),
    ("training.EarlyStopping", {}, "patience", "int_nonneg", False),
    ("training.EarlyStopping", {}, "min_delta", "nonneg", False),
]


def construct(path: str, kwargs: dict[str, Any]) -> Callable[[Env], Any]:
    module, cls = path.split(".")
    return lambda e: getattr(getattr(e, module), cls)(**kwargs)


for path, base, param, kind, optional in HYPERPARAMETERS:
    for label, bad in NOT_NUMBERS:
        if bad is None and optional:
            continue
        add(f"{path}({param}={label})", construct(path, {**base, param: bad}), param)
    for bad in OUT_OF_RANGE[kind]:
        add(f"{path}({param}={bad!r})", construct(path, {**base, param: bad}), param)

# flags: True/False only (bool("False") is True)
FLAGS = [
    ("optimizers.SGD", {}, "nesterov"),
    ("optimizers.Adam", {}, "amsgrad"),
    ("optimizers.RMSprop", {}, "centered"),
    ("layers.Dense", {"units": 2}, "use_bias"),
    ("layers.Dense", {"units": 2}, "trainable"),
    ("layers.DenseTranspose", {"tied_to": "enc"}, "use_bias"),
    ("layers.DenseTranspose", {"tied_to": "enc"}, "trainable"),
    ("layers.BatchNormalization", {}, "center"),
    ("layers.BatchNormalization", {}, "scale"),
    (
        "schedules.ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
        "staircase",
    ),
    ("training.EarlyStopping", {}, "restore_best_weights"),
]
for path, base, flag in FLAGS:
    for bad in ("False", 1, None, np.array([True])):
        add(f"{path}({flag}={bad!r})", construct(path, {**base, flag: bad}), flag)

# unknown names and names that are not strings
for label, call, name in [
    ("activations.get('swish')", lambda e: e.activations.get("swish"), "activation"),
    ("activations.get(3)", lambda e: e.activations.get(3), "activation"),
    ("initializers.get('he')", lambda e: e.initializers.get("he"), "initializer"),
    ("initializers.get(3)", lambda e: e.initializers.get(3), "initializer"),
    ("losses.get('mse')", lambda e: e.losses.get("mse"), "loss"),
    ("losses.get(None)", lambda e: e.losses.get(None), "loss"),
    ("optimizers.get('adamw')", lambda e: e.optimizers.get("adamw"), "optimizer"),
    ("optimizers.get(3)", lambda e: e.optimizers.get(3), "optimizer"),
    ("Dense(activation='swish')", lambda e: e.layers.Dense(2, "swish"), "activation"),
    (
        "Dense(kernel_initializer='he')",
        lambda e: e.layers.Dense(2, kernel_initializer="he"),
        "kernel_initializer",
    ),
    (
        "Dense(bias_initializer='he')",
        lambda e: e.layers.Dense(2, bias_initializer="he"),
        "bias_initializer",
    ),
    (
        "Dense(kernel_initializer=3)",
        lambda e: e.layers.Dense(2, kernel_initializer=3),
        "initializer",
    ),
    ("Activation('nope')", lambda e: e.layers.Activation("nope"), "activation"),
    ("Activation('elu', beta=1)", lambda e: e.layers.Activation("elu", beta=1.0), "beta"),
    ("Activation('relu', alpha=1)", lambda e: e.layers.Activation("relu", alpha=1.0), "alpha"),
    ("Activation('elu', alpha=nan)", lambda e: e.layers.Activation("elu", alpha=np.nan), "alpha"),
    ("Activation('elu', alpha='x')", lambda e: e.layers.Activation("elu", alpha="x"), "alpha"),
    (
        "ActivationFunction('nope')",
        lambda e: e.activations.ActivationFunction("nope"),
        "activation",
    ),
    (
        "ActivationFunction(kwargs=list)",
        lambda e: e.activations.ActivationFunction("elu", [1.0]),
        "kwargs",
    ),
    (
        "variance_scaling(mode='fan_sum')",
        lambda e: e.initializers.variance_scaling((3, 3), mode="fan_sum"),
        "mode",
    ),
    (
        "variance_scaling(distribution=1)",
        lambda e: e.initializers.variance_scaling((3, 3), distribution=1),
        "distribution",
    ),
    (
        "ReduceLROnPlateau(mode='auto')",
        lambda e: e.schedules.ReduceLROnPlateau(0.1, mode="auto"),
        "mode",
    ),
    (
        "EarlyStopping(monitor='val_acc')",
        lambda e: e.training.EarlyStopping(monitor="val_acc"),
        "monitor",
    ),
    ("layer name 'a/b'", lambda e: e.layers.Dense(2, name="a/b"), "name"),
    ("layer name 3", lambda e: e.layers.Dropout(0.5, name=3), "name"),
    ("layer name ''", lambda e: e.layers.BatchNormalization(name=""), "name"),
    ("Dropout(noise_shape=5)", lambda e: e.layers.Dropout(0.5, noise_shape=5), "noise_shape"),
    (
        "Dense(kernel_regularizer='l2')",
        lambda e: e.layers.Dense(2, kernel_regularizer="l2"),
        "kernel_regularizer",
    ),
    ("MaxNorm(axis='0')", lambda e: e.constraints.MaxNorm(2.0, axis="0"), "axis"),
    (
        "PiecewiseConstantDecay(boundaries=5)",
        lambda e: e.schedules.PiecewiseConstantDecay(5, [0.1, 0.2]),
        "boundaries",
    ),
    (
        "PiecewiseConstantDecay(values='ab')",
        lambda e: e.schedules.PiecewiseConstantDecay([5], "ab"),
        "values",
    ),
    (
        "PiecewiseConstantDecay(boundaries=['a'])",
        lambda e: e.schedules.PiecewiseConstantDecay(["a"], [0.1, 0.2]),
        "boundaries[0]",
    ),
    (
        "PiecewiseConstantDecay(values=[0.1, 'x'])",
        lambda e: e.schedules.PiecewiseConstantDecay([5], [0.1, "x"]),
        "values[1]",
    ),
]:
    add(label, call, name)


# ------------------------------------------------------------------ arrays, by family


def bad_arrays(shape: tuple[int, ...], *, float16: bool = True) -> list[tuple[str, Any]]:
    """Wrong types and dtypes for an array argument of ``shape`` (float16 only where no target
    dtype is known: with one, float16 is cast exactly and accepted)."""
    out = [
        ("str", "abc"),
        ("none", None),
        ("dict", {}),
        ("list-of-str", [["a"] * shape[-1]] if len(shape) == 2 else ["a"]),
        ("ragged-list", [[1.0, 2.0], [3.0]]),
        ("int", np.ones(shape, np.int64)),
        ("bool", np.ones(shape, bool)),
        ("complex", np.ones(shape, complex)),
        ("object-None", np.full(shape, None, dtype=object)),
        ("strings", np.full(shape, "1")),
    ]
    if float16:
        out.append(("float16", np.ones(shape, np.float16)))
    return out


def bad_shapes_2d(rows: int, width: int) -> list[tuple[str, Any]]:
    """Wrong shapes for an (N, width) float batch."""
    return [
        ("0-D", np.float64(1.0)),
        ("1-D", np.ones(width)),
        ("3-D", np.ones((rows, width, 1))),
        ("empty", np.ones((0, width))),
        ("width", np.ones((rows, width + 1))),
    ]


NON_FINITE = [("nan", np.nan), ("inf", np.inf)]


def with_entry(shape: tuple[int, ...], value: float) -> np.ndarray:
    a = np.ones(shape)
    a.flat[0] = value
    return a


# x of a batch into a built layer or model (float16 is cast to the layer's dtype: accepted)
X_BAD = [*bad_arrays((5, 4), float16=False), *bad_shapes_2d(5, 4)]
for label, bad in X_BAD:
    add(f"Sequential.forward(x={label})", lambda e, b=bad: e.model.forward(b), "x")
    add(f"Sequential.predict(x={label})", lambda e, b=bad: e.model.predict(b), "x")
    add(f"Dense.forward(x={label})", lambda e, b=bad: e.dense.forward(b), "x")
    add(f"Activation.forward(x={label})", lambda e, b=bad: e.act.forward(b), "x")
    add(f"BatchNormalization.forward(x={label})", lambda e, b=bad: e.bn.forward(b), "x")
    add(f"Dropout.forward(x={label})", lambda e, b=bad: e.drop.forward(b), "x")
for label, v in NON_FINITE:
    add(
        f"Sequential.forward(x={label})", lambda e, v=v: e.model.forward(with_entry((5, 4), v)), "x"
    )

# dense_forward: every argument, every mismatch
for label, bad in [*bad_arrays((5, 4), float16=False), *bad_shapes_2d(5, 4)]:
    add(
        f"dense_forward(x={label})",
        lambda e, b=bad: e.layers.dense_forward(b, e.kernel, e.bias),
        "x",
    )
for label, bad in [
    *bad_arrays((4, 3)),
    ("1-D", np.ones(4)),
    ("3-D", np.ones((4, 3, 1))),
    ("rows", np.ones((5, 3))),
    ("nan", with_entry((4, 3), np.nan)),
]:
    name = "x" if label == "rows" else "kernel"  # a row mismatch is x's width against kernel's
    add(
        f"dense_forward(kernel={label})",
        lambda e, b=bad: e.layers.dense_forward(e.x, b, e.bias),
        name,
    )
for label, bad in [
    *[(lb, b) for lb, b in bad_arrays((3,)) if lb != "none"],  # None: no bias
    ("2-D", np.ones((1, 3))),
    ("length", np.ones(2)),
    ("dtype-not-kernel's", np.ones(3, np.float32)),
    ("nan", with_entry((3,), np.nan)),
]:
    add(
        f"dense_forward(bias={label})",
        lambda e, b=bad: e.layers.dense_forward(e.x, e.kernel, b),
        "bias",
    )
for label, bad in [
    *bad_arrays((5, 3), float16=False),
    ("1-D", np.ones(3)),
    ("shape", np.ones((5, 2))),
]:
    add(
        f"dense_backward(dout={label})",
        lambda e, b=bad: e.layers.dense_backward(
            b, e.layers.dense_forward(e.x, e.kernel, e.bias)[1]
        ),
        "dout",
    )
add("dense_backward(cache=None)", lambda e: e.layers.dense_backward(np.ones((5, 3)), None), "cache")
add(
    "batchnorm_backward(cache=())",
    lambda e: e.layers.batchnorm_backward(np.ones((5, 4)), ()),
    "cache",
)
add(
    "dropout_backward(cache='x')",
    lambda e: e.layers.dropout_backward(np.ones((5, 4)), "x"),
    "cache",
)
add(
    "dropout_forward(training='yes')",
    lambda e: e.layers.dropout_forward(e.x, 0.5, np.ones((5, 4)), "yes"),
    "training",
)
add(
    "batchnorm_forward(training=1)",
    lambda e: e.layers.batchnorm_forward(
        e.x, None, None, np.zeros(4, np.float32), np.ones(4, np.float32), training=1
    ),
    "training",
)
add("Sequential.forward(training='no')", lambda e: e.model.forward(e.x, training="no"), "training")


# layer backward before forward / with a wrong dout
@case("Dense.backward(dout of the wrong shape)", "dout")
def _(e):
    e.dense.forward(e.x)
    return e.dense.backward(np.ones((5, 2), np.float32))


@case("Activation.backward(dout='x')", "dout")
def _(e):
    e.act.forward(e.x)
    return e.act.backward("x")


@case("Dropout.backward(dout of the wrong width)", "dout")
def _(e):
    e.drop.forward(e.x, training=True)
    return e.drop.backward(np.ones((5, 3), np.float32))


@case("BatchNormalization.backward(dout=None)", "dout")
def _(e):
    e.bn.forward(e.x, training=True)
    return e.bn.backward(None)


add(
    "Dense.backward before forward",
    lambda e: e.layers.Dense(2, name="fresh").backward(np.ones((1, 2))),
    "backward",
)
add("Dense.forward before build", lambda e: e.layers.Dense(2, name="nb").forward(e.x), "build")
add(
    "Activation.forward before build",
    lambda e: e.layers.Activation("relu", name="nb").forward(e.x),
    "build",
)

# activations: z must be a float32/float64 array (NaN passes through)
ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh")
for fn in ACTIVATIONS:
    for suffix in ("", "_grad"):
        for label, bad in bad_arrays((2, 3)):
            add(
                f"{fn}{suffix}(z={label})",
                lambda e, f=fn + suffix, b=bad: getattr(e.activations, f)(b),
                "z",
            )
for fn, kw in (("leaky_relu", "negative_slope"), ("elu", "alpha")):
    for bad in ("x", np.nan, np.inf, None, True):
        add(
            f"{fn}({kw}={bad!r})",
            lambda e, f=fn, k=kw, b=bad: getattr(e.activations, f)(np.ones(2), **{k: b}),
            kw,
        )

# losses
for fn in (
    "sparse_softmax_cross_entropy",
    "sparse_softmax_cross_entropy_grad",
    "sparse_softmax_cross_entropy_value_and_grad",
):
    for label, bad in bad_arrays((2, 3)):
        add(
            f"{fn}(logits={label})",
            lambda e, f=fn, b=bad: getattr(e.losses, f)(b, np.array([0, 1])),
            "logits",
        )
    for label, bad in [
        ("str", "ab"),
        ("none", None),
        ("dict", {}),
        ("float", np.array([0.0, 1.0])),
        ("bool", np.array([True, False])),
        ("complex", np.array([0j, 1j])),
        ("object", np.array([None, 1])),
        ("2-D", np.array([[0], [1]])),
        ("length", np.array([0, 1, 2])),
        ("range", np.array([0, 3])),
        ("negative", np.array([0, -1])),
    ]:
        add(
            f"{fn}(labels={label})",
            lambda e, f=fn, b=bad: getattr(e.losses, f)(np.zeros((2, 3)), b),
            "labels",
        )
for fn in (
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_grad",
    "sigmoid_binary_cross_entropy_value_and_grad",
):
    for label, bad in [
        ("str", "ab"),
        ("none", None),
        ("dict", {}),
        ("complex", np.ones(3) * 1j),
        ("object", np.array([None, 1, 0])),
        ("strings", np.array(["1", "0", "1"])),
        ("nan", np.array([np.nan, 0, 1])),
        ("shape", np.ones(2)),
        ("above-1", np.full(3, 2.0)),
    ]:
        add(
            f"{fn}(targets={label})",
            lambda e, f=fn, b=bad: getattr(e.losses, f)(np.zeros(3), b),
            "targets",
        )

# penalties and constraints on weights
for label, call in [
    ("l1_l2_penalty", lambda e, w: e.regularizers.l1_l2_penalty(w, 0.1, 0.1)),
    ("l1_l2_penalty_grad", lambda e, w: e.regularizers.l1_l2_penalty_grad(w, 0.1, 0.1)),
    ("L2()(w)", lambda e, w: e.regularizers.L2(0.1)(w)),
    ("L1().grad(w)", lambda e, w: e.regularizers.L1(0.1).grad(w)),
    ("sparsify", lambda e, w: e.regularizers.sparsify(w, 0.1)),
    ("max_norm", lambda e, w: e.constraints.max_norm(w, 2.0)),
    ("MaxNorm()(w)", lambda e, w: e.constraints.MaxNorm(2.0)(w)),
    ("book_max_norm", lambda e, w: e.constraints.book_max_norm(w, 2.0)),
]:
    for wl, bad in [*bad_arrays((2, 3)), ("nan", with_entry((2, 3), np.nan))]:
        add(f"{label}(w={wl})", lambda e, c=call, b=bad: c(e, b), "w")
for bad in ("1", 0.5, 5, None):
    add(
        f"max_norm(axis={bad!r})",
        lambda e, b=bad: e.constraints.max_norm(np.ones((2, 2)), 2.0, axis=b),
        "axis",
    )

# gradient clipping
for fn, arg in (("clip_by_value", 1.0), ("clip_by_norm", 1.0), ("clip_by_global_norm", 1.0)):
    for label, bad in [("ndarray", np.ones(3)), ("str", "abc"), ("none", None)]:
        add(
            f"{fn}(grads={label})",
            lambda e, f=fn, a=arg, b=bad: getattr(e.optimizers, f)(b, a),
            "grads",
        )
    for label, bad in bad_arrays((3,)):
        add(
            f"{fn}(grads=[ok, {label}])",
            lambda e, f=fn, a=arg, b=bad: getattr(e.optimizers, f)([np.ones(3), b], a),
            "grads[1]",
        )
    for label, bad in NOT_NUMBERS:
        name = {"clip_by_value": "clipvalue", "clip_by_norm": "clipnorm"}.get(fn, "global_clipnorm")
        add(
            f"{fn}({name}={label})",
            lambda e, f=fn, b=bad: getattr(e.optimizers, f)([np.ones(3)], b),
            name,
        )


# update rules (kata functions): arrays updated in place, hyperparameters
def sgd(e, param=None, grad=None, m=None, lr=0.1, momentum=0.9, nesterov=False):
    p = np.ones(3) if param is None else param
    g = np.ones(3) if grad is None else grad
    return e.optimizers.sgd_update(p, g, np.zeros(3) if m is None else m, lr, momentum, nesterov)


def read_only() -> np.ndarray:
    a = np.ones(3)
    a.flags.writeable = False
    return a


for label, kwargs, name in [
    ("param=list", {"param": [1.0, 2.0, 3.0]}, "param"),
    ("param=int", {"param": np.ones(3, int)}, "param"),
    ("param=read-only", {"param": read_only()}, "param"),
    ("param=float16", {"param": np.ones(3, np.float16)}, "param"),
    ("grad=str", {"grad": np.full(3, "1")}, "grad"),
    ("grad=complex", {"grad": np.ones(3, complex)}, "grad"),
    ("grad=shape", {"grad": np.ones(4)}, "grad"),
    ("m=shape", {"m": np.zeros(2)}, "m"),
    ("m=int", {"m": np.zeros(3, int)}, "m"),
    ("lr='0.1'", {"lr": "0.1"}, "learning_rate"),
    ("lr=-1", {"lr": -1.0}, "learning_rate"),
    ("momentum=2", {"momentum": 2.0}, "momentum"),
    ("momentum=nan", {"momentum": np.nan}, "momentum"),
    ("nesterov='yes'", {"nesterov": "yes"}, "nesterov"),
]:
    add(f"sgd_update({label})", lambda e, k=kwargs: sgd(e, **k), name)
add(
    "sgd_update(m=None with momentum)",
    lambda e: e.optimizers.sgd_update(np.ones(3), np.ones(3), None, 0.1, 0.9),
    "m",
)
add(
    "adagrad_update(acc=None)",
    lambda e: e.optimizers.adagrad_update(np.ones(3), np.ones(3), None, 0.1, 1e-7),
    "acc",
)
add(
    "adagrad_update(epsilon=-1)",
    lambda e: e.optimizers.adagrad_update(np.ones(3), np.ones(3), np.zeros(3), 0.1, -1.0),
    "epsilon",
)
add(
    "rmsprop_update(rho=1.5)",
    lambda e: e.optimizers.rmsprop_update(np.ones(3), np.ones(3), np.zeros(3), 0.1, 1.5, 1e-7),
    "rho",
)
add(
    "rmsprop_update(mom=None with momentum)",
    lambda e: e.optimizers.rmsprop_update(
        np.ones(3), np.ones(3), np.zeros(3), 0.1, 0.9, 1e-7, momentum=0.5
    ),
    "mom",
)
add(
    "rmsprop_update(average_grad=shape)",
    lambda e: e.optimizers.rmsprop_update(
        np.ones(3), np.ones(3), np.zeros(3), 0.1, 0.9, 1e-7, average_grad=np.zeros(2)
    ),
    "average_grad",
)
add(
    "adam_update(t=0)",
    lambda e: e.optimizers.adam_update(np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), 0.1, 0),
    "t",
)
add(
    "adam_update(beta_2=1)",
    lambda e: e.optimizers.adam_update(
        np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), 0.1, 1, beta_2=1.0
    ),
    "beta_2",
)
add(
    "adam_update(v=list)",
    lambda e: e.optimizers.adam_update(np.ones(3), np.ones(3), np.zeros(3), [0.0] * 3, 0.1, 1),
    "v",
)
add(
    "nesterov_sutskever_step(grad_fn=3)",
    lambda e: e.optimizers.nesterov_sutskever_step(np.ones(2), np.zeros(2), 3, 0.1, 0.9),
    "grad_fn",
)
add(
    "nesterov_sutskever_step(grad_fn -> wrong shape)",
    lambda e: e.optimizers.nesterov_sutskever_step(
        np.ones(2), np.zeros(2), lambda t: np.ones(3), 0.1, 0.9
    ),
    "grad_fn",
)
add(
    "nesterov_sutskever_step(velocity=shape)",
    lambda e: e.optimizers.nesterov_sutskever_step(
        np.ones(2), np.zeros(3), lambda t: 2 * t, 0.1, 0.9
    ),
    "velocity",
)
add(
    "nesterov_tf1_step(grad=str)",
    lambda e: e.optimizers.nesterov_tf1_step(np.ones(2), np.zeros(2), "ab", 0.1, 0.9),
    "grad",
)
add(
    "nesterov_tf1_step(learning_rate=None)",
    lambda e: e.optimizers.nesterov_tf1_step(np.ones(2), np.zeros(2), np.ones(2), None, 0.9),
    "learning_rate",
)

# Optimizer.apply and its state
for label, params, grads, name in [
    ("params=ndarray", np.ones(3), [np.ones(3)], "params"),
    ("params=[list]", [[1.0, 2.0]], [np.ones(2)], "params[0]"),
    ("params=[int]", [np.ones(2, int)], [np.ones(2)], "params[0]"),
    ("grads=[str]", [np.ones(2)], [np.full(2, "a")], "grads[0]"),
    ("grads=[complex]", [np.ones(2)], [np.ones(2, complex)], "grads[0]"),
    ("grads=None", [np.ones(2)], None, "grads"),
    ("grads=[shape]", [np.ones(2)], [np.ones(3)], "grads[0]"),
    ("grads=count", [np.ones(2)], [np.ones(2), np.ones(2)], "grads"),
]:
    add(
        f"Adam().apply({label})", lambda e, p=params, g=grads: e.optimizers.Adam().apply(p, g), name
    )
add(
    "Adam().apply(constraints=[3])",
    lambda e: e.optimizers.Adam().apply([np.ones(2)], [np.ones(2)], constraints=[3]),
    "constraints[0]",
)
add("SGD(learning_rate='fast')", lambda e: e.optimizers.SGD("fast"), "learning_rate")
add(
    "SGD(learning_rate=a schedule giving -1).apply",
    lambda e: e.optimizers.SGD(lambda step: -1.0).apply([np.ones(2)], [np.ones(2)]),
    "learning_rate",
    only="scratch",  # tf_ref optimizers take tf_ref schedule objects only
)

# schedules as functions and their calls
for label, bad in [
    ("str", "1"),
    ("none", None),
    ("negative", -1),
    ("nan", np.nan),
    ("array", np.array([1, 2])),
    ("bool", True),
]:
    add(
        f"ExponentialDecay(...)(step={label})",
        lambda e, b=bad: e.schedules.ExponentialDecay(0.1, 10, 0.5)(b),
        "step",
    )
    add(
        f"exponential_decay(step={label})",
        lambda e, b=bad: e.schedules.exponential_decay(b, 0.1, 10, 0.5),
        "step",
    )
    add(
        f"power_schedule(step={label})",
        lambda e, b=bad: e.schedules.power_schedule(b, 0.1, 10),
        "step",
    )
    add(
        f"piecewise_constant(step={label})",
        lambda e, b=bad: e.schedules.piecewise_constant(b, [5], [0.1, 0.2]),
        "step",
    )
add(
    "exponential_decay(staircase='yes')",
    lambda e: e.schedules.exponential_decay(1, 0.1, 10, 0.5, "yes"),
    "staircase",
)
for label, state, name in [
    ("not a tuple", 0.1, "state"),
    ("rate 'x'", ("x", None, 0, 0), "state.learning_rate"),
    ("best 'x'", (0.1, "x", 0, 0), "state.best"),
    ("wait -1", (0.1, None, -1, 0), "state.wait"),
    ("cooldown 1.5", (0.1, None, 0, 1.5), "state.cooldown_counter"),
]:
    add(f"plateau_step(state={label})", lambda e, s=state: e.schedules.plateau_step(s, 1.0), name)
for bad in ("1.0", None, [1.0], True):
    add(
        f"plateau_step(value={bad!r})",
        lambda e, b=bad: e.schedules.plateau_step(e.schedules.PlateauState(0.1), b),
        "value",
    )
    add(
        f"ReduceLROnPlateau.update({bad!r})",
        lambda e, b=bad: e.schedules.ReduceLROnPlateau(0.1).update(b),
        "value",
    )
    add(
        f"EarlyStopping.update(value={bad!r})",
        lambda e, b=bad: e.training.EarlyStopping().update(0, b, list),
        "value",
    )

# initializers: shape, dtype, rng and their own hyperparameters
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "tf1_variance_scaling",
    "tf1_contrib_variance_scaling",
    "zeros",
    "ones",
)
for fn in INITIALIZERS:
    for label, bad in [
        ("str", "3"),
        ("none", None),
        ("float-dim", (3.5, 2)),
        ("negative", (-1, 2)),
        ("bool-dim", (True, 2)),
        ("array", np.ones(2)),
    ]:
        add(f"{fn}(shape={label})", lambda e, f=fn, b=bad: getattr(e.initializers, f)(b), "shape")
    for bad in ("int32", None, "float16", "nope", 3):
        add(
            f"{fn}(dtype={bad!r})",
            lambda e, f=fn, b=bad: getattr(e.initializers, f)((2, 2), dtype=b),
            "dtype",
        )
for fn in INITIALIZERS[:8]:
    for label, bad in [
        ("RandomState", np.random.RandomState(0)),
        ("float", 1.5),
        ("str", "seed"),
        ("negative", -1),
        ("bool", True),
    ]:
        add(
            f"{fn}(rng={label})",
            lambda e, f=fn, b=bad: getattr(e.initializers, f)((2, 2), rng=b),
            "rng",
        )
for label, bad in [("str", "2"), ("zero", 0), ("nan", np.nan), ("bool", True)]:
    add(
        f"variance_scaling(scale={label})",
        lambda e, b=bad: e.initializers.variance_scaling((2, 2), scale=b),
        "scale",
    )
    add(
        f"tf1_contrib_variance_scaling(factor={label})",
        lambda e, b=bad: e.initializers.tf1_contrib_variance_scaling((2, 2), factor=b),
        "factor",
    )
for label, bad in [("str", "1"), ("negative", -1.0), ("nan", np.nan)]:
    add(
        f"truncated_normal(stddev={label})",
        lambda e, b=bad: e.initializers.truncated_normal((2, 2), b, np.random.default_rng(0)),
        "stddev",
    )
add("compute_fans(shape='ab')", lambda e: e.initializers.compute_fans("ab"), "shape")


# a user's initializer that returns the wrong thing is caught when the layer is built
@case("Dense(kernel_initializer=returns the wrong shape).build", "kernel_initializer")
def _(e):
    layer = e.layers.Dense(2, kernel_initializer=lambda shape, rng=None, dtype=None: np.ones(3))
    return layer.build(4, np.random.default_rng(0))


# Layer.build and Sequential
for label, bad in [("zero", 0), ("str", "4"), ("float", 4.0), ("bool", True), ("none", None)]:
    add(
        f"Dense.build(input_dim={label})",
        lambda e, b=bad: e.layers.Dense(2).build(b, np.random.default_rng(0)),
        "input_dim",
    )
    add(
        f"Sequential(input_dim={label})",
        lambda e, b=bad: (
            e.models.Sequential([e.layers.Dense(2)], b)
            if b is not None
            else e.models.Sequential([e.layers.Dense(2)]).build(b)
        ),
        "input_dim",
    )
for label, bad in [
    ("RandomState", np.random.RandomState(0)),
    ("float", 0.5),
    ("str", "42"),
    ("negative", -3),
    ("SeedSequence", np.random.SeedSequence(1)),
]:
    add(f"Dense.build(rng={label})", lambda e, b=bad: e.layers.Dense(2).build(4, b), "rng")
    add(f"Dropout.build(rng={label})", lambda e, b=bad: e.layers.Dropout(0.1).build(4, b), "rng")
    add(
        f"Sequential(rng={label})",
        lambda e, b=bad: e.models.Sequential([e.layers.Dense(2)], 4, rng=b),
        "rng",
    )
    add(
        f"Sequential(rng={label}) unbuilt",
        lambda e, b=bad: e.models.Sequential([e.layers.Dense(2)], rng=b),
        "rng",
    )
for bad in ("int32", None, "float16", np.float16, "nope"):
    add(
        f"Sequential(dtype={bad!r})",
        lambda e, b=bad: e.models.Sequential([e.layers.Dense(2)], 4, dtype=b),
        "dtype",
    )
    add(
        f"Dense.build(dtype={bad!r})",
        lambda e, b=bad: e.layers.Dense(2).build(4, np.random.default_rng(0), b),
        "dtype",
    )
for label, bad in [("a layer", "Dense"), ("[]", []), ("[3]", [3]), ("None", None)]:

    def make(e, b=bad):
        return e.models.Sequential(e.layers.Dense(2) if b == "Dense" else b, 4)

    add(f"Sequential(layers={label})", make, "layers")
add(
    "Sequential.predict(batch_size='8')",
    lambda e: e.model.predict(e.x, batch_size="8"),
    "batch_size",
)
add(
    "Sequential.backward(input_grad='no')",
    lambda e: e.model.backward(np.ones((5, 2), np.float32), input_grad="no"),
    "input_grad",
)


@case("Sequential.backward(dout of the wrong shape)", "dout")
def _(e):
    e.model.forward(e.x)
    return e.model.backward(np.ones((5, 3), np.float32))


add(
    "unbuilt Sequential.predict",
    lambda e: e.models.Sequential([e.layers.Dense(2)]).predict(e.x),
    "build",
)

# set_weights: the whole family, on a layer and on a model
for label, bad in [
    *bad_arrays((4, 3), float16=False),
    ("wrong shape", np.ones((3, 4))),
    ("nan", with_entry((4, 3), np.nan)),
    ("inf", with_entry((4, 3), np.inf)),
    ("overflows float32", with_entry((4, 3), 1e300)),
]:
    add(
        f"Dense.set_weights(kernel={label})",
        lambda e, b=bad: e.dense.set_weights([b, np.zeros(3)]),
        "d.kernel",
    )
    add(
        f"Sequential.set_weights(first kernel={label})",
        lambda e, b=bad: e.model.set_weights([b, *e.model.get_weights()[1:]]),
        "kernel",
    )
add(
    "Dense.set_weights(one array)",
    lambda e: e.dense.set_weights([np.ones((4, 3))]),
    "d: expected 2 weight arrays",
)
add("Dense.set_weights(ndarray)", lambda e: e.dense.set_weights(np.ones((4, 3))), "weights")
add(
    "Sequential.set_weights(count)",
    lambda e: e.model.set_weights(e.model.get_weights()[:-1]),
    "weights",
)
add("Sequential.set_weights(None)", lambda e: e.model.set_weights(None), "weights")
add(
    "BatchNormalization.set_weights(moving_variance < 0)",
    lambda e: e.bn.set_weights([np.ones(4), np.zeros(4), np.zeros(4), -np.ones(4)]),
    "bn.moving_variance",
)
add("unbuilt Dense.set_weights", lambda e: e.layers.Dense(2).set_weights([]), "build")


# Dropout masks
add("Dense.trainable = 'no'", lambda e: setattr(e.layers.Dense(2), "trainable", "no"), "trainable")
add("Dropout.set_mask('ab')", lambda e: e.drop.set_mask("ab"), "mask")
add(
    "Dropout.forward(mask=0.5s)",
    lambda e: e.drop.forward(e.x, training=True, mask=np.full((5, 4), 0.5)),
    "mask",
)

# augment
IMAGES = np.zeros((3, 28, 28), np.float32)
for label, bad in [
    ("list", [[0.0]]),
    ("int32", IMAGES.astype(np.int32)),
    ("complex", IMAGES.astype(complex)),
    ("float16", IMAGES.astype(np.float16)),
    ("1-D", np.zeros(784, np.float32)),
    ("(3, 100)", np.zeros((3, 100), np.float32)),
    ("empty", np.zeros((0, 28, 28), np.float32)),
    ("nan", np.full((1, 28, 28), np.nan, np.float32)),
]:
    add(f"shift_images(images={label})", lambda e, b=bad: e.augment.shift_images(b, 1, 1), "images")
    add(
        f"rotate_images(images={label})", lambda e, b=bad: e.augment.rotate_images(b, 5.0), "images"
    )
for label, bad in [
    ("float", 1.5),
    ("str", "1"),
    ("bool", True),
    ("shape", np.array([1, 2])),
    ("none", None),
]:
    add(f"shift_images(dx={label})", lambda e, b=bad: e.augment.shift_images(IMAGES, b, 0), "dx")
for label, bad in [
    ("str", "5"),
    ("nan", np.nan),
    ("complex", 1j),
    ("shape", np.ones(2)),
    ("none", None),
]:
    add(
        f"rotate_images(degrees={label})",
        lambda e, b=bad: e.augment.rotate_images(IMAGES, b),
        "degrees",
    )
for label, bad in [("RandomState", np.random.RandomState(0)), ("float", 1.5), ("str", "7")]:
    add(f"random_shifts(rng={label})", lambda e, b=bad: e.augment.random_shifts(IMAGES, b), "rng")
    add(
        f"random_rotations(rng={label})",
        lambda e, b=bad: e.augment.random_rotations(IMAGES, b),
        "rng",
    )
    add(f"augment(rng={label})", lambda e, b=bad: e.augment.augment(IMAGES, np.arange(3), b), "rng")
for label, kwargs, name in [
    ("copies=-1", {"copies": -1}, "copies"),
    ("copies=1.5", {"copies": 1.5}, "copies"),
    ("max_shift='2'", {"max_shift": "2"}, "max_shift"),
    ("max_degrees=nan", {"max_degrees": np.nan}, "max_degrees"),
]:
    add(
        f"augment({label})",
        lambda e, k=kwargs: e.augment.augment(IMAGES, np.arange(3), np.random.default_rng(0), **k),
        name,
    )
add(
    "augment(y of the wrong length)",
    lambda e: e.augment.augment(IMAGES, np.arange(4), np.random.default_rng(0)),
    "y",
)


# ------------------------------------------------------------------ training


DEFAULT = object()  # "use the Env's", where None is itself a bad value under test


def fit(e, model=None, x=DEFAULT, y=DEFAULT, **kwargs):
    """e.training.fit on small data, 1 epoch, silent, with a fresh model by default."""
    model = e.fresh_model() if model is None else model
    x = e.x if x is DEFAULT else x
    y = e.y if y is DEFAULT else y
    return e.training.fit(model, x, y, **{"epochs": 1, "verbose": False, **kwargs})


for label, kwargs, name in [
    ("validation_data=(x,)", {"validation_data": "ONE"}, "validation_data"),
    ("validation_data=(x, y, w)", {"validation_data": "THREE"}, "validation_data"),
    ("validation_data=x", {"validation_data": np.ones((5, 4))}, "validation_data"),
    ("validation_data=(x of width 3, y)", {"validation_data": "WIDTH"}, "x_valid"),
    ("validation_data=(x, y too short)", {"validation_data": "SHORT"}, "y_valid"),
    ("validation_data=(x, y out of range)", {"validation_data": "RANGE"}, "y_valid"),
    ("epochs=0", {"epochs": 0}, "epochs"),
    ("epochs='2'", {"epochs": "2"}, "epochs"),
    ("epochs=2.0", {"epochs": 2.0}, "epochs"),
    ("batch_size=0", {"batch_size": 0}, "batch_size"),
    ("batch_size=None", {"batch_size": None}, "batch_size"),
    ("rng=RandomState", {"rng": np.random.RandomState(0)}, "rng"),
    ("rng=0.5", {"rng": 0.5}, "rng"),
    ("rng='42'", {"rng": "42"}, "rng"),
    ("optimizer='adamw'", {"optimizer": "adamw"}, "optimizer"),
    ("optimizer=3", {"optimizer": 3}, "optimizer"),
    ("loss='mse'", {"loss": "mse"}, "loss"),
    ("loss=None", {"loss": None}, "loss"),
    ("early_stopping=5", {"early_stopping": 5}, "early_stopping"),
    ("checkpoint_path=3", {"checkpoint_path": 3}, "checkpoint_path"),
    # refused before training (fit writes the file only after an epoch with validation data)
    ("checkpoint_path=''", {"checkpoint_path": ""}, "checkpoint_path"),
    ("checkpoint_path=NUL", {"checkpoint_path": "best\0.npz"}, "checkpoint_path"),
    ("checkpoint_path=folder", {"checkpoint_path": "."}, "checkpoint_path"),
    # a checkpoint keeps the best epoch by val_loss: without validation data it would never be
    # written, silently
    ("checkpoint_path without validation_data", {"checkpoint_path": "best.npz"}, "checkpoint"),
    ("verbose='no'", {"verbose": "no"}, "verbose"),
    ("stream=3", {"stream": 3}, "stream"),
]:

    def call(e, k=kwargs):
        k = dict(k)
        v = k.get("validation_data")
        if isinstance(v, str):
            k["validation_data"] = {
                "ONE": (e.x,),
                "THREE": (e.x, e.y, e.y),
                "WIDTH": (e.x[:, :3], e.y),
                "SHORT": (e.x, e.y[:-1]),
                "RANGE": (e.x, e.y + 5),
            }[v]
        return fit(e, **k)

    add(f"fit({label})", call, name)
for label, bad in [
    *bad_arrays((5, 4), float16=False),
    *bad_shapes_2d(5, 4),
    ("nan", with_entry((5, 4), np.nan)),
]:
    add(f"fit(x={label})", lambda e, b=bad: fit(e, x=b), "x")
for label, bad in [
    ("str", "ab"),
    ("none", None),
    ("float", np.zeros(5)),
    ("2-D", np.zeros((5, 1), int)),
    ("length", np.zeros(4, int)),
    ("range", np.full(5, 2)),
    ("negative", np.full(5, -1)),
]:
    add(f"fit(y={label})", lambda e, b=bad: fit(e, y=b), "y")
add(
    "fit(unbuilt model, 1-D x)",
    lambda e: fit(e, model=e.models.Sequential([e.layers.Dense(2)]), x=np.ones(5)),
    "x",
)
add(
    "fit(unbuilt model, x with 0 rows)",
    lambda e: fit(
        e, model=e.models.Sequential([e.layers.Dense(2)]), x=np.ones((0, 4)), y=np.zeros(0, int)
    ),
    "x",
)
add(
    "fit(model with nothing to train)",
    lambda e: fit(
        e,
        model=e.models.Sequential(
            [e.layers.Dense(2, trainable=False)], 4, rng=np.random.default_rng(0)
        ),
    ),
    "trainable",
)
add("fit(model=list)", lambda e: fit(e, model=[1]), "model")
add("fit(a scratch model)", lambda e: fit(e, model=_scratch_model()), "model", only="tf_ref")
add(
    "fit(early_stopping without validation_data)",
    lambda e: fit(e, early_stopping=e.training.EarlyStopping()),
    "validation_data",
)


def _scratch_model():
    from scratch import layers, models

    return models.Sequential([layers.Dense(2)], 4, rng=np.random.default_rng(0))


def train_step(e, x=None, y=None):
    model, opt = e.fresh_model(), e.optimizers.SGD()
    x = e.x if x is None else x
    y = e.y if y is None else y
    if e.name == "scratch":
        loss = e.losses.UNCHECKED["sparse_softmax_cross_entropy"]
        return e.training.train_step(model, opt, loss, x, y)
    return e.training.train_step(model, opt, "sparse_softmax_cross_entropy", x, y)


add("train_step(x_batch of the wrong width)", lambda e: train_step(e, x=np.ones((5, 3))), "x_batch")
add("train_step(x_batch=int)", lambda e: train_step(e, x=np.ones((5, 4), int)), "x_batch")
add("train_step(y_batch out of range)", lambda e: train_step(e, y=np.full(5, 7)), "y_batch")
add("train_step(y_batch too short)", lambda e: train_step(e, y=np.zeros(4, int)), "y_batch")
for label, kwargs, name in [
    ("n=0", {"n": 0}, "n"),
    ("n='5'", {"n": "5"}, "n"),
    ("batch_size=-1", {"batch_size": -1}, "batch_size"),
    ("rng=RandomState", {"rng": np.random.RandomState(0)}, "rng"),
    ("shuffle='no'", {"shuffle": "no"}, "shuffle"),
]:
    add(
        f"minibatches({label})",
        lambda e, k=kwargs: e.training.minibatches(**{"n": 5, "batch_size": 2, **k}),
        name,
    )


add(
    "forward_layers(layers='abc')",
    lambda e: e.models.forward_layers("abc", e.x),
    "layers",
    only="scratch",
)
add(
    "forward_layers(layers=[3])",
    lambda e: e.models.forward_layers([3], e.x),
    "layers[0]",
    only="scratch",
)
add(
    "forward_layers(training='no')",
    lambda e: e.models.forward_layers([e.dense], e.x, "no"),
    "training",
    only="scratch",
)
add(
    "backward_layers(layers=None)",
    lambda e: e.models.backward_layers(None, e.x),
    "layers",
    only="scratch",
)
add("History.append(loss='x')", lambda e: e.training.History().append(loss="x"), "loss")
add("ProgressBar(total='10')", lambda e: e.training.ProgressBar("10"), "total")
add("ProgressBar(prefix=3)", lambda e: e.training.ProgressBar(10, 3), "prefix")
add("ProgressBar(stream=3)", lambda e: e.training.ProgressBar(10, stream=3), "stream")

# NetworkConfig: every field (one class, shared by both backends)
for field_name, bads in [
    ("hidden_layers", ["5", -1, 1.5, True]),
    ("units", ["100", 0, 10.5, None]),
    ("kernel_initializer", ["he", 3, None, lambda shape, rng=None, dtype=None: np.ones(shape)]),
    ("activation", ["elu2", None, 3]),
    (
        "activation_kwargs",
        [
            [1],
            "alpha=1",
            {"alpha": np.nan},
            {"alpha": "x"},
            {"alpha": None},
            {"beta": 1.0},
            {"alpha": np.inf},
        ],
    ),
    ("batch_norm", ["yes", 1, None]),
    ("batch_norm_momentum", [1.0, -0.1, "0.9", np.nan]),
    ("dropout_rate", [1.0, -0.5, "0.5", None]),
    ("dropout_placement", ["everywhere", None, 1]),
    ("optimizer", ["adamw", None, 1]),
    ("learning_rate", [0, -0.1, "0.01", np.nan, True]),
    ("momentum", [1.0, -0.1, "0.9"]),
    ("lr_schedule", ["cosine", 1, np.array([1])]),
    ("decay_steps", [0, "10", np.inf]),
    ("decay_rate", [0, -1, "0.1"]),
    ("plateau_patience", [0, 2.5, "5"]),
    ("l1", [-1e-5, "0", np.nan]),
    ("l2", [-1e-5, None]),
    ("max_norm", [0, -1.0, "2"]),
    ("clipnorm", [0, "1", np.inf]),
]:
    for bad in bads:
        add(
            f"NetworkConfig({field_name}={bad!r})",
            lambda e, f=field_name, b=bad: e.networks.GUIDELINES.replace(**{f: b}),
            field_name,
            only="scratch",
        )


add(
    "NetworkConfig(unknown field)",
    lambda e: e.networks.GUIDELINES.replace(colour="red"),
    "unknown field",
    only="scratch",
)
add(
    "NetworkConfig(plateau with decay_rate 2)",
    lambda e: e.networks.GUIDELINES.replace(lr_schedule="plateau", decay_rate=2.0),
    "decay_rate",
    only="scratch",
)
SMALL = {"hidden_layers": 1, "units": 3}
for label, call, name in [
    ("config='guidelines'", lambda e: e.networks.build_network("guidelines", 4, 2), "config"),
    (
        "input_dim=0",
        lambda e: e.networks.build_network(e.networks.GUIDELINES.replace(**SMALL), 0, 2),
        "input_dim",
    ),
    (
        "n_outputs='2'",
        lambda e: e.networks.build_network(e.networks.GUIDELINES.replace(**SMALL), 4, "2"),
        "n_outputs",
    ),
    (
        "rng=RandomState",
        lambda e: e.networks.build_network(
            e.networks.GUIDELINES.replace(**SMALL), 4, 2, rng=np.random.RandomState(0)
        ),
        "rng",
    ),
    (
        "dtype=None",
        lambda e: e.networks.build_network(
            e.networks.GUIDELINES.replace(**SMALL), 4, 2, dtype=None
        ),
        "dtype",
    ),
]:
    add(f"build_network({label})", call, name)
add("build_optimizer(config=dict)", lambda e: e.networks.build_optimizer({}), "config")


# ------------------------------------------------------------------ issue 11: targets, tied, noise
# Every loss's targets through the functions, fit, evaluate and validation data; the tied and noise
# layers' arguments and batches; the noise functions; the Autoencoder estimator.
for fn in ("mean_squared_error", "mean_squared_error_grad", "mean_squared_error_value_and_grad"):
    for label, bad in bad_arrays((2, 3)):
        add(
            f"{fn}(outputs={label})",
            lambda e, f=fn, b=bad: getattr(e.losses, f)(b, np.zeros((2, 3))),
            "outputs",
        )
    for label, bad in [
        ("str", "ab"),
        ("none", None),
        ("dict", {}),
        ("complex", np.ones((2, 3)) * 1j),
        ("object", np.full((2, 3), None, dtype=object)),
        ("strings", np.full((2, 3), "1")),
        ("nan", with_entry((2, 3), np.nan)),
        ("inf", with_entry((2, 3), np.inf)),
        ("shape", np.ones((2, 2))),
        ("rows", np.ones((3, 3))),
    ]:
        add(
            f"{fn}(targets={label})",
            lambda e, f=fn, b=bad: getattr(e.losses, f)(np.zeros((2, 3)), b),
            "targets",
        )
for label, bad in [("above-1", np.full(3, 1.5)), ("negative", np.full(3, -0.5))]:
    add(
        f"losses.get('sigmoid_cross_entropy')(targets={label})",
        lambda e, b=bad: e.losses.get("sigmoid_cross_entropy")(np.zeros(3), b),
        "targets",
    )

# the targets of each loss, for a model of 2 outputs and 5 rows: fit(y=), the validation y and
# evaluate(y=) answer alike (one spec, one check)
TARGETS_BAD = {
    "sigmoid_binary_cross_entropy": [
        ("soft", np.full((5, 2), 0.5)),
        ("2", np.full((5, 2), 2)),
        ("1-D for 2 outputs", np.zeros(5, int)),
    ],
    "sigmoid_cross_entropy": [
        ("above-1", np.full((5, 2), 1.5)),
        ("negative", np.full((5, 2), -0.1)),
        ("labels", np.array([0, 1, 0, 1, 1])),
    ],
    "mean_squared_error": [
        ("nan", with_entry((5, 2), np.nan)),
        ("inf", with_entry((5, 2), np.inf)),
        ("overflows float32", np.full((5, 2), 1e300)),
    ],
}
for loss, cases in TARGETS_BAD.items():
    for label, bad in [
        *cases,
        ("str", "ab"),
        ("none", None),
        ("strings", np.full((5, 2), "1")),
        ("object", np.full((5, 2), None, dtype=object)),
        ("complex", np.zeros((5, 2), complex)),
        ("ragged", [[0.0, 1.0], [1.0]]),
        ("3-D", np.zeros((5, 2, 1))),
        ("width", np.zeros((5, 3))),
        ("rows", np.zeros((4, 2))),
    ]:
        add(f"fit(loss={loss}, y={label})", lambda e, lo=loss, b=bad: fit(e, y=b, loss=lo), "y")
        add(
            f"fit(loss={loss}, y_valid={label})",
            lambda e, lo=loss, b=bad: fit(e, y=np.zeros((5, 2)), loss=lo, validation_data=(e.x, b)),
            "y_valid",
        )
        add(
            f"evaluate(loss={loss}, y={label})",
            lambda e, lo=loss, b=bad: e.training.evaluate(e.fresh_model(), e.x, b, loss=lo),
            "y",
        )


def built(e: Env, layer: Any) -> Any:
    """``layer`` built for inputs of width 4 (noise layers) or after a Dense(3) "enc" of width
    4 (a DenseTranspose tied to it): what a Sequential does."""
    enc = e.layers.Dense(3, name="enc")
    enc.build(4, np.random.default_rng(0))
    if isinstance(layer, str):
        layer = e.layers.DenseTranspose(enc, name="dec")
        layer.build(3, np.random.default_rng(0))
    else:
        layer.build(4, np.random.default_rng(0))
    return layer


for label, bad in X_BAD:
    for cls, arg in (("GaussianNoise", 0.1), ("MaskingNoise", 0.5)):
        for training in (False, True):
            add(
                f"{cls}.forward(x={label}, training={training})",
                lambda e, c=cls, a=arg, b=bad, t=training: built(
                    e, getattr(e.layers, c)(a)
                ).forward(b, training=t),
                "x",
            )
for label, bad in [*bad_arrays((5, 3), float16=False), *bad_shapes_2d(5, 3)]:
    add(
        f"DenseTranspose.forward(x={label})",
        lambda e, b=bad: built(e, "tied").forward(b),
        "x",
    )
for label, bad in [  # None is no mistake: it switches back to drawing
    *[(lb, b) for lb, b in bad_arrays((5, 4), float16=False) if b is not None],
    ("1-D", np.ones(4)),
    ("width", np.ones((5, 5))),
    ("nan", with_entry((5, 4), np.nan)),
]:
    add(
        f"GaussianNoise.set_noise({label})",
        lambda e, b=bad: built(e, e.layers.GaussianNoise(0.1)).set_noise(b),
        "noise",
    )
for label, bad in [
    ("str", "abc"),
    ("1-D", np.ones(4, bool)),
    ("width", np.ones((5, 5), bool)),
    ("floats", np.full((5, 4), 0.5)),
]:
    add(
        f"MaskingNoise.set_mask({label})",
        lambda e, b=bad: built(e, e.layers.MaskingNoise(0.5)).set_mask(b),
        "mask",
    )
add(
    "GaussianNoise.forward(training, injected noise of other rows)",
    lambda e: (lambda g: (g.set_noise(np.ones((2, 4))), g.forward(e.x, training=True)))(
        built(e, e.layers.GaussianNoise(0.1))
    ),
    "noise",
)
add(
    "MaskingNoise.forward(training, injected mask of other rows)",
    lambda e: (lambda m: (m.set_mask(np.ones((2, 4), bool)), m.forward(e.x, training=True)))(
        built(e, e.layers.MaskingNoise(0.5))
    ),
    "mask",
)
for label, bad, name in [
    ("tied_to=3", 3, "tied_to"),
    ("tied_to=None", None, "tied_to"),
    ("tied_to=''", "", "tied_to"),
    ("tied_to=Activation", "ACT", "tied_to"),
]:
    add(
        f"DenseTranspose({label})",
        lambda e, b=bad: e.layers.DenseTranspose(e.act if b == "ACT" else b),
        name,
    )
for label, kwargs, name in [
    ("activation='swish'", {"activation": "swish"}, "activation"),
    ("bias_initializer='he'", {"bias_initializer": "he"}, "bias_initializer"),
    ("name='a/b'", {"name": "a/b"}, "name"),
]:
    add(f"DenseTranspose({label})", lambda e, k=kwargs: e.layers.DenseTranspose("enc", **k), name)
add(
    "Sequential(DenseTranspose tied to a name of no layer)",
    lambda e: e.models.Sequential(
        [e.layers.Dense(3, name="h"), e.layers.DenseTranspose("nope")], 4
    ),
    "tied_to",
)

# the noise functions (kata 26)
for fn, level, draw in (
    ("gaussian_noise", 0.1, np.zeros((5, 4))),
    ("masking_noise", 0.5, np.full((5, 4), 0.5)),
):
    for label, bad in [*bad_arrays((5, 4)), ("nan", with_entry((5, 4), np.nan))]:
        add(
            f"{fn}(x={label})",
            lambda e, f=fn, lv=level, d=draw, b=bad: getattr(e.noise, f)(b, lv, d),
            "x",
        )
    draw_name = "normals" if fn == "gaussian_noise" else "uniforms"
    for label, bad in [*bad_arrays((5, 4)), ("shape", np.zeros((5, 3)))]:
        add(
            f"{fn}({draw_name}={label})",
            lambda e, f=fn, lv=level, b=bad: getattr(e.noise, f)(e.x, lv, b),
            draw_name,
        )
level_name = {"gaussian_noise": "stddev", "masking_noise": "rate"}
for fn, bads in (
    ("gaussian_noise", ["0.1", None, -0.1, float("nan")]),
    ("masking_noise", ["0.5", None, -0.1, 1.0]),
):
    for bad in bads:
        add(
            f"{fn}({level_name[fn]}={bad!r})",
            lambda e, f=fn, b=bad: getattr(e.noise, f)(e.x, b, np.full((5, 4), 0.5)),
            level_name[fn],
        )
for label, args, name in [
    ("kind='salt'", ("salt", 0.1), "kind"),
    ("kind=None", (None, 0.1), "kind"),
    ("masking level=1", ("masking", 1.0), "rate"),
    ("gaussian level=-1", ("gaussian", -1.0), "stddev"),
]:
    add(
        f"denoising_batch({label})",
        lambda e, a=args: e.noise.denoising_batch(e.x, a[0], a[1], np.full((5, 4), 0.5)),
        name,
    )

# the Autoencoder estimator: every constructor argument is checked at fit, before training
PIXELS = np.random.default_rng(1).random((6, 4))
for param, bads in {
    "hidden": [3, (), (0,), (2.5,), "3", None],
    "activation": ["swish", 3],
    "tied": ["yes", None],
    "noise": ["salt", 3],
    "noise_level": [-0.1, "0.1", float("nan")],
    "l2": [-1.0, "0.1", None],
    "loss": ["mse", "sparse_softmax_cross_entropy", None],
    "training": ["layerwise", None],
    "optimizer": ["adamw", 3],
    "learning_rate": [0, -1.0, "0.1"],
    "batch_size": [0, 1.5, None],
    "epochs": [0, 2.0, None],
    "dtype": ["float16", "int32", None],
    "random_state": ["42", 0.5, np.random.RandomState(0)],
    "verbose": ["no", None],
}.items():
    for bad in bads:
        add(
            f"Autoencoder({param}={bad!r}).fit",
            lambda e, p=param, b=bad: e.autoencoders.Autoencoder(
                hidden=(2,), epochs=1, **{p: b}
            ).fit(PIXELS),
            param,
        )
add(
    "Autoencoder(noise_level without noise).fit",
    lambda e: e.autoencoders.Autoencoder(hidden=(2,), noise_level=0.1).fit(PIXELS),
    "noise_level",
)
add(
    "Autoencoder(masking noise_level=1).fit",
    lambda e: e.autoencoders.Autoencoder(hidden=(2,), noise="masking", noise_level=1.0).fit(PIXELS),
    "noise_level",
)
for label, bad in [
    *bad_arrays((6, 4), float16=False)[:5],
    *bad_shapes_2d(6, 4)[:4],
    ("nan", with_entry((6, 4), np.nan)),
    ("above-1", np.full((6, 4), 2.0)),
]:
    add(
        f"Autoencoder.fit(X={label})",
        lambda e, b=bad: e.autoencoders.Autoencoder(hidden=(2,), epochs=1).fit(b),
        "X",
    )
    if bad is not None:  # X_valid=None: no validation
        add(
            f"Autoencoder.fit(X_valid={label})",
            lambda e, b=bad: e.autoencoders.Autoencoder(hidden=(2,), epochs=1).fit(
                PIXELS, X_valid=b
            ),
            "X_valid",
        )
add(
    "Autoencoder.fit(X_valid of another width)",
    lambda e: e.autoencoders.Autoencoder(hidden=(2,), epochs=1).fit(PIXELS, X_valid=PIXELS[:, :3]),
    "X_valid",
)
add(
    "Autoencoder.fit(epoch_callback=3)",
    lambda e: e.autoencoders.Autoencoder(hidden=(2,), epochs=1).fit(PIXELS, epoch_callback=3),
    "epoch_callback",
)
for method in ("transform", "inverse_transform", "reconstruct", "score"):
    add(
        f"Autoencoder.{method} before fit",
        lambda e, m=method: getattr(e.autoencoders.Autoencoder(), m)(PIXELS),
        "fit",
    )
add(
    "Autoencoder.set_params(unknown)",
    lambda e: e.autoencoders.Autoencoder().set_params(hiden=(3,)),
    "hiden",
)


def backend_cases() -> list[Any]:
    """(backend, case) for every case and every backend that has the function checked (a
    scratch-only case, e.g. a check of a config both backends share, is not run twice)."""
    return [
        pytest.param(
            name,
            bad,
            id=f"{bad.id}-{name}",
            marks=(pytest.mark.tf,) if name == "tf_ref" else (),
        )
        for bad in CASES
        for name in ("scratch", "tf_ref")
        if bad.only in (None, name)
    ]


@pytest.mark.parametrize(("backend", "bad"), backend_cases())
def test_bad_input_is_refused_by_name(backend: str, bad: Case) -> None:
    """A TypeError or ValueError naming the argument, never a raw error or a silent result."""
    assert_refused(lambda: bad.call(env(backend)), bad.name)


def test_the_battery_is_broad() -> None:
    """The battery holds hundreds of cases, and unique ids (a typo must not hide a case)."""
    assert len(CASES) > 600
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})


# ------------------------------------------------------------------ nothing half-done


@pytest.mark.parametrize("backend", BACKENDS)
def test_refused_set_weights_changes_nothing(backend: str) -> None:
    """A list whose last array is bad leaves every earlier layer's weights as they were."""
    e = env(backend)
    model = e.models.Sequential([e.layers.Dense(3), e.layers.Dense(2)], 4, rng=1)
    before = model.get_weights()
    new = [w + 1 for w in before]
    new[-1] = new[-1].astype(complex)
    with pytest.raises(TypeError, match=r"dense_1\.bias: expected a floating-point array"):
        model.set_weights(new)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_refused_optimizer_state_changes_nothing(backend: str) -> None:
    """set_variables with one bad slot leaves iterations and every slot as they were."""
    e = env(backend)
    opt = e.optimizers.Adam(0.1)
    params = [np.ones((2, 3)), np.ones(3)]
    opt.apply(params, [np.ones((2, 3)), np.ones(3)])
    before = {k: np.array(v) for k, v in opt.variables().items()}
    state = {k: v + 1 for k, v in before.items()}
    state["velocity/1"] = np.full(3, np.nan)
    with pytest.raises(ValueError, match="optimizer state 'velocity/1': expected finite"):
        opt.set_variables(state, params)
    for key, value in opt.variables().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"iterations": None}, "missing 'iterations'"),
        ({"iterations": np.array(2.5)}, "'iterations': expected an integer"),
        ({"iterations": np.array(-1)}, "'iterations': expected a finite value >= 0"),
        ({"momentum/0": np.ones((2, 3), complex)}, "'momentum/0': expected a floating-point"),
        ({"momentum/0": np.ones(6)}, r"'momentum/0': expected shape \(2, 3\)"),
        ({"velocity/1": None}, "missing 'velocity/1'"),
        (
            {"velocity_hat/0": np.ones((2, 3))},
            r"optimizer state has \[.*'velocity_hat/0'\], this Adam on 2 trainable arrays expects",
        ),
    ],
    ids=[
        "no-iterations",
        "float-iterations",
        "negative-iterations",
        "complex-slot",
        "slot-shape",
        "missing-slot",
        "extra-slot",
    ],
)
def test_optimizer_state_is_checked_entry_by_entry(backend, change, match) -> None:
    """Every entry kind of an optimizer state is checked: iterations, each slot, extras."""
    e = env(backend)
    opt = e.optimizers.Adam(0.1)
    params = [np.ones((2, 3)), np.ones(3)]
    opt.apply(params, [np.ones((2, 3)), np.ones(3)])
    state = opt.variables()
    for key, value in change.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    with pytest.raises((TypeError, ValueError), match=match):
        opt.set_variables(state, params)
    assert opt.iterations == 1


# ------------------------------------------------------------------ checkpoints


def stepped(e: Env, seed: int):
    """A Dense-BN-Dense model and an Adam optimizer that has taken one step on it."""
    model = e.models.Sequential(
        [e.layers.Dense(3), e.layers.BatchNormalization(), e.layers.Dense(2)],
        4,
        rng=np.random.default_rng(seed),
    )
    opt = e.optimizers.Adam(0.01)
    params = model.trainable_params()
    opt.apply(params, [np.full(p.shape, 0.5, p.dtype) for p in params])
    return model, opt


_SAVED: dict[str, bytes] = {}


def checkpoint_fixture(e: Env, tmp_path):
    """A saved checkpoint (model + Adam state), and another model and optimizer to load into."""
    path = tmp_path / "ck.npz"
    if e.name not in _SAVED:
        e.training.save_checkpoint(path, *stepped(e, 2), {"epoch": 1})
        _SAVED[e.name] = path.read_bytes()
    path.write_bytes(_SAVED[e.name])
    return (path, *stepped(e, 3))


def rewrite(path, tmp_path, change: Callable[[dict[str, np.ndarray]], None]):
    """A copy of the checkpoint at ``path`` with its arrays changed by ``change``."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    out = tmp_path / "bad.npz"
    np.savez(out, **arrays)
    return out


def set_meta(arrays: dict, meta: Any) -> None:
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)


def read_meta(arrays: dict) -> dict:
    return json.loads(arrays["meta"].tobytes().decode())


def edit_meta(**changes):
    def change(arrays):
        meta = read_meta(arrays)
        for k, v in changes.items():
            if v is None:
                meta.pop(k)
            else:
                meta[k] = v
        set_meta(arrays, meta)

    return change


def put(key, value):
    def change(arrays):
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value

    return change


CHECKPOINT_DAMAGE = [
    # weights entries
    (
        "weights-complex",
        put("weights/dense/kernel", np.ones((4, 3), complex)),
        "weights/dense/kernel: expected a floating-point array",
    ),
    (
        "weights-strings",
        put("weights/dense/kernel", np.full((4, 3), "1")),
        "weights/dense/kernel: expected a floating-point array",
    ),
    (
        "weights-int",
        put("weights/dense_1/bias", np.zeros(2, int)),
        "weights/dense_1/bias: expected a floating-point array",
    ),
    (
        "weights-nan",
        put("weights/dense/kernel", np.full((4, 3), np.nan)),
        "weights/dense/kernel: expected finite values",
    ),
    (
        "weights-shape",
        put("weights/dense/kernel", np.ones((3, 4))),
        r"weights/dense/kernel: expected shape \(4, 3\)",
    ),
    (
        "weights-negative-variance",
        put("weights/batch_normalization/moving_variance", -np.ones(3)),
        "batch_normalization.moving_variance: expected values >= 0",
    ),
    (
        "weights-missing",
        lambda a: (
            a.pop("weights/dense_1/bias"),
            edit_meta(weights=[k[8:] for k in a if k.startswith("weights/")])(a),
        ),
        r"no weights for \['dense_1/bias'\]",
    ),
    (
        "weights-extra",
        lambda a: (
            a.update({"weights/dense_9/kernel": np.ones(2)}),
            edit_meta(weights=[k[8:] for k in a if k.startswith("weights/")])(a),
        ),
        r"holds weights the model does not have, \['dense_9/kernel'\]",
    ),
    # optimizer entries
    (
        "slot-complex",
        put("optimizer/momentum/0", np.ones((4, 3), complex)),
        "optimizer state 'momentum/0': expected a floating-point array",
    ),
    (
        "slot-nan",
        put("optimizer/velocity/1", np.full(3, np.nan)),
        "optimizer state 'velocity/1': expected finite values",
    ),
    (
        "slot-shape",
        put("optimizer/velocity/1", np.ones(4)),
        r"optimizer state 'velocity/1': expected shape \(3,\)",
    ),
    ("slot-missing", put("optimizer/velocity/0", None), "missing 'velocity/0'"),
    (
        "slot-extra",
        put("optimizer/velocity_hat/0", np.ones((4, 3))),
        r"optimizer state has \[.*'velocity_hat/0'\], this Adam on 6 trainable arrays",
    ),
    ("iterations-missing", put("optimizer/iterations", None), "missing 'iterations'"),
    (
        "iterations-float",
        put("optimizer/iterations", np.array(1.5)),
        "'iterations': expected an integer",
    ),
    ("optimizer-kind", edit_meta(optimizer="SGD"), "of class SGD, this optimizer is of class Adam"),
    # meta
    ("meta-missing", put("meta", None), "no 'meta' entry"),
    ("meta-not-bytes", put("meta", np.ones(3)), "entry 'meta': expected JSON bytes"),
    (
        "meta-not-utf8",
        put("meta", np.frombuffer(b"\xff\xfe{", np.uint8)),
        "entry 'meta': expected UTF-8",
    ),
    (
        "meta-not-json",
        put("meta", np.frombuffer(b"{weights", np.uint8)),
        "entry 'meta': expected JSON",
    ),
    ("meta-not-object", lambda a: set_meta(a, [1, 2]), "entry 'meta': expected a JSON object"),
    ("meta-format", edit_meta(format="other-1"), "entry 'meta': expected format"),
    ("meta-no-weights-list", edit_meta(weights=None), "expected a 'weights' list"),
    ("meta-weights-not-names", edit_meta(weights=[1, 2]), "expected a 'weights' list"),
    ("meta-weights-mismatch", edit_meta(weights=["dense/kernel"]), "does not match"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("damage", "match"), [pytest.param(d, m, id=i) for i, d, m in CHECKPOINT_DAMAGE]
)
def test_damaged_checkpoint_is_refused_and_changes_nothing(backend, damage, match, tmp_path):
    """Each entry kind (weights, optimizer slots and iterations, meta) is checked, the error
    names the file and the entry, and neither the model nor the optimizer is half-loaded."""
    e = env(backend)
    path, model, opt = checkpoint_fixture(e, tmp_path)
    bad = rewrite(path, tmp_path, damage)
    weights, state = model.get_weights(), opt.variables()
    with pytest.raises((TypeError, ValueError), match=match) as err:
        e.training.load_checkpoint(bad, model, opt)
    assert "bad.npz" in str(err.value)
    for a, b in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)
    after = opt.variables()
    assert after.keys() == state.keys()
    for key in state:
        np.testing.assert_array_equal(after[key], state[key], err_msg=key)


@pytest.mark.parametrize("backend", BACKENDS)
def test_checkpoint_arguments_are_checked(backend, tmp_path) -> None:
    """save/load_checkpoint refuse a bad path, model, optimizer or meta by name, and a failed
    save leaves no temporary file behind."""
    e = env(backend)
    model = e.fresh_model()
    for call, name in [
        (lambda: e.training.save_checkpoint(None, model), "path"),
        (lambda: e.training.save_checkpoint(tmp_path / "a.npz", "model"), "model"),
        (lambda: e.training.save_checkpoint(tmp_path / "a.npz", model, "adam"), "optimizer"),
        (lambda: e.training.save_checkpoint(tmp_path / "a.npz", model, meta=[1]), "meta"),
        (
            lambda: e.training.save_checkpoint(tmp_path / "a.npz", model, meta={"weights": 1}),
            "meta",
        ),
        (
            lambda: e.training.save_checkpoint(tmp_path / "a.npz", model, meta={"x": object()}),
            "meta",
        ),
        (lambda: e.training.save_checkpoint(tmp_path / "a.npz", model, meta={1: 2}), "meta"),
        (lambda: e.training.save_checkpoint(tmp_path, model), "path"),
        (
            lambda: e.training.save_checkpoint(
                tmp_path / "a.npz", e.models.Sequential([e.layers.Dense(2)])
            ),
            "model",
        ),
        (lambda: e.training.load_checkpoint(3, model), "path"),
        (lambda: e.training.save_checkpoint("", model), "path"),
        (lambda: e.training.save_checkpoint(str(tmp_path / "a\0.npz"), model), "path"),
        (lambda: e.training.load_checkpoint("", model), "path"),
        (lambda: e.training.load_checkpoint(str(tmp_path / "a\0.npz"), model), "path"),
        (lambda: e.training.load_checkpoint(tmp_path / "a.npz", None), "model"),
    ]:
        assert_refused(call, name)
    assert not list(tmp_path.iterdir())
    # NumPy scalars in meta are written as plain numbers
    path = e.training.save_checkpoint(tmp_path / "b.npz", model, meta={"acc": np.float32(0.5)})
    assert e.training.load_checkpoint(path, model)["acc"] == 0.5
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == [
            "meta.npy",
            "weights/dense/bias.npy",
            "weights/dense/kernel.npy",
        ]


# ------------------------------------------------------------------ friendly readings


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_int_seed_is_default_rng_of_it_everywhere(backend: str) -> None:
    """rng=7 means np.random.default_rng(7) for every rng parameter, in both backends."""
    e = env(backend)
    g = np.random.default_rng
    L = e.layers

    def weights(rng):
        return e.models.Sequential(
            [L.Dense(3), L.Dropout(0.2), L.Dense(2)], 4, rng=rng
        ).get_weights()

    for a, b in zip(weights(7), weights(g(7)), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        e.initializers.he_normal((3, 2), rng=7), e.initializers.he_normal((3, 2), rng=g(7))
    )
    np.testing.assert_array_equal(
        e.initializers.truncated_normal((3, 2), 1.0, 7),
        e.initializers.truncated_normal((3, 2), 1.0, g(7)),
    )
    d1, d2 = L.Dense(2), L.Dense(2)
    d1.build(3, 7)
    d2.build(3, g(7))
    np.testing.assert_array_equal(d1.get_weights()[0], d2.get_weights()[0])
    np.testing.assert_array_equal(
        np.concatenate(list(e.training.minibatches(9, 4, 7))),
        np.concatenate(list(e.training.minibatches(9, 4, g(7)))),
    )
    x = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(
        e.augment.augment(x, np.arange(3), 7, max_degrees=5)[0],
        e.augment.augment(x, np.arange(3), g(7), max_degrees=5)[0],
    )
    np.testing.assert_array_equal(e.augment.random_shifts(x, 7), e.augment.random_shifts(x, g(7)))
    cfg = e.networks.GUIDELINES.replace(hidden_layers=1, units=3, dropout_rate=0.0)
    for a, b in zip(
        e.networks.build_network(cfg, 4, 2, rng=7).get_weights(),
        e.networks.build_network(cfg, 4, 2, rng=g(7)).get_weights(),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    h1 = fit(e, model=e.fresh_model(), rng=7, epochs=2, batch_size=2)
    h2 = fit(e, model=e.fresh_model(), rng=g(7), epochs=2, batch_size=2)
    assert h1.history["loss"] == h2.history["loss"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_builds_an_unbuilt_model_from_x(backend: str) -> None:
    """An unbuilt model takes its input width from a 2-D x (and is not built by a refused fit)."""
    e = env(backend)
    model = e.models.Sequential([e.layers.Dense(2)])
    with pytest.raises(ValueError, match="epochs"):
        fit(e, model=model, epochs=0)
    assert not model.built
    fit(e, model=model)
    assert model.built and model.input_dim == 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_dense_forward_computes_in_the_kernels_dtype(backend: str) -> None:
    """One rule in both backends: x is cast to the kernel's dtype (as a Keras layer casts its
    inputs), so float32 x with a float64 kernel gives float64, float64 x with float32 gives
    float32; the bias must share the kernel's dtype."""
    e = env(backend)
    rng = np.random.default_rng(0)
    x, k, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    out, _ = e.layers.dense_forward(x.astype(np.float32), k, b)
    assert out.dtype == np.float64
    # float32 x is exact in float64, so this is the float64 product (rtol: matmul's rounding)
    np.testing.assert_allclose(out, x.astype(np.float32).astype(np.float64) @ k + b, rtol=1e-12)
    out, _ = e.layers.dense_forward(x, k.astype(np.float32), b.astype(np.float32))
    assert out.dtype == np.float32
    with pytest.raises(TypeError, match=r"bias: expected dtype float32 \(as kernel\), got float64"):
        e.layers.dense_forward(x, k.astype(np.float32), b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_float16_is_cast_where_the_dtype_is_known(backend: str) -> None:
    """float16 data into a float32 model, and float16 weights, are cast exactly (every float16
    is a float32) and give the float32 answer; where no dtype is known float16 is refused."""
    e = env(backend)
    x16 = e.x.astype(np.float16)
    np.testing.assert_array_equal(e.model.predict(x16), e.model.predict(x16.astype(np.float32)))
    model = e.fresh_model()
    w16 = [w.astype(np.float16) for w in model.get_weights()]
    model.set_weights(w16)
    for got, want in zip(model.get_weights(), w16, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want.astype(np.float32))
    with pytest.raises(
        TypeError, match="z: expected a float32 or float64 array, got dtype float16"
    ):
        e.activations.relu(np.ones(2, np.float16))


@pytest.mark.parametrize("backend", BACKENDS)
def test_activation_kwargs_merge_into_an_activation_object(backend: str) -> None:
    """get(ActivationFunction, **kwargs) uses the kwargs (it used to drop them silently)."""
    e = env(backend)
    elu = e.activations.get("elu")
    assert e.activations.get(elu, alpha=0.5).kwargs == {"alpha": 0.5}
    assert e.activations.get(elu) is elu


def test_network_config_normalises_numpy_scalars() -> None:
    """NumPy scalars in a NetworkConfig become plain numbers, so to_dict stays JSON-able."""
    from scratch.networks import GUIDELINES

    cfg = GUIDELINES.replace(units=np.int64(7), learning_rate=np.float32(0.5))
    assert type(cfg.units) is int and type(cfg.learning_rate) is float
    json.dumps(cfg.to_dict())


def test_order_errors_are_runtime_and_value_errors() -> None:
    """Calling forward before build is refused with an error both RuntimeError (as before) and
    ValueError (as every other refusal), so `except ValueError` catches all bad use."""
    from scratch import layers

    with pytest.raises(RuntimeError) as err:
        layers.Dense(2, name="d").forward(np.ones((1, 2)))
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_early_stopping_reused_by_a_second_fit_starts_afresh(backend: str) -> None:
    """A stopper handed to a second fit forgets the first run (Keras resets its callback), so it
    never restores the first model's best weights into the second model."""
    e = env(backend)
    x, y = e.x, (e.x[:, 0] > 0).astype(int)
    stopper = e.training.EarlyStopping(patience=0)
    first = e.fresh_model()
    fit(
        e,
        model=first,
        x=x,
        y=y,
        optimizer=e.optimizers.Adam(0.1),
        epochs=20,
        validation_data=(x, y),
        early_stopping=stopper,
    )
    second = e.fresh_model()
    history = fit(
        e,
        model=second,
        x=x,
        y=y,
        optimizer=e.optimizers.SGD(1e-6),
        validation_data=(x, y),
        early_stopping=stopper,
    )
    assert stopper.best_epoch == 0 and stopper.best == history.history["val_loss"][0]
    assert not np.array_equal(second.get_weights()[0], first.get_weights()[0])
