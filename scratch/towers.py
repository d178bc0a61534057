"""``Towers``: two image inputs through two towers, their outputs side by side (exercise 10).

The book's exercise 10 builds "DNN A" and "DNN B" (5 x 100 ELU each), feeds image A to one and
image B to the other, concatenates their outputs and puts a 10-unit hidden layer and one
logistic unit on top. Here the two inputs travel as one row, [image A | image B] (N, 2 D), so
the whole model is an ordinary ``Sequential``:
``Sequential([Towers(tower_a, tower_b), Dense(10, "elu"), Dense(1)], 2 * 784)`` trained with
``fit(..., loss="sigmoid_binary_cross_entropy")``.

Forward:   out = [tower_a(x[:, :D]) | tower_b(x[:, D:])]          (N, out_a + out_b)
Shared (``tower_b=None``, one tower on both halves, a siamese net):
           h = tower_a([x[:, :D] ; x[:, D:]]) (rows stacked, 2 N), out = [h[:N] | h[N:]]
Backward:  the upstream gradient is split the same way; with shared weights the stacked pass
           makes each parameter's gradient the sum of its two uses (dW = dW_A + dW_B).

The towers' layers stay real layers (built, named, freezable, shareable): part 4 of the
exercise puts tower A's layers into a new ``Sequential``, frozen, and they keep their weights.
Their parameters appear as "a/<layer>/<key>" (and "b/..." for a separate tower B) in
``params``, ``grads``, ``weights`` and so "towers/a/hidden1/kernel" in a model's
``named_weights``; ``params`` holds only the trainable layers' (what the optimizer sees), and
``weights`` every array, tower A's layers first, each layer's in Keras order.
``trainable`` is True while any inner layer is; setting it to the other value sets every inner
layer (as a Keras layer sets its sub-layers), setting it to its current value changes nothing
(so cloning keeps a partly frozen tower as it is).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch import layers as layers_mod
from scratch.checks import as_dtype, check_bool, check_config
from scratch.layers import Layer, check_input

TOWER_KEYS = ("a", "b")


# ------------------------------------------------------------------ checks (plumbing, shared)


def check_tower(tower: Any, name: str, layer_class: type, backend: str) -> list[Any]:
    """A tower: a non-empty list (or tuple) of distinct ``layer_class`` instances. Plumbing
    shared with tf_ref.towers."""
    if not isinstance(tower, (list, tuple)):
        raise TypeError(
            f"{name}: expected a list of {backend} layers (the tower), got {type(tower).__name__}"
        )
    tower = list(tower)
    if not tower:
        raise ValueError(f"{name}: expected at least one layer, got an empty list")
    seen: dict[int, int] = {}
    for i, layer in enumerate(tower):
        if not isinstance(layer, layer_class):
            raise TypeError(f"{name}[{i}]: expected a {backend} Layer, got {type(layer).__name__}")
        if getattr(layer, "kind", None) in ("dense_transpose", "towers"):
            raise ValueError(
                f"{name}[{i}]: {layer.name!r} is a {type(layer).__name__}, which a tower cannot "
                "hold (a tied decoder's tie, or a nested pair of towers, is resolved by a "
                "Sequential, not inside a tower); use Dense, Activation, BatchNormalization, "
                "Dropout or noise layers"
            )
        j = seen.setdefault(id(layer), i)
        if j != i:
            raise ValueError(
                f"{name}[{i}]: the same layer object as {name}[{j}] ({layer.name!r}); a layer "
                "sits once in a tower"
            )
    return tower


def check_towers(tower_a: list[Any], tower_b: list[Any] | None) -> None:
    """No layer object in both towers (shared weights are ``tower_b=None``)."""
    if tower_b is None:
        return
    ids = {id(layer) for layer in tower_a}
    for i, layer in enumerate(tower_b):
        if id(layer) in ids:
            raise ValueError(
                f"tower_b[{i}]: {layer.name!r} is also in tower_a; for one tower with shared "
                "weights on both images pass tower_b=None"
            )


def half_width(input_dim: int, name: str) -> int:
    """The width D of one image in an input row [image A | image B] of width 2 D."""
    if int(input_dim) % 2:
        raise ValueError(
            f"{name}: expected inputs of even width 2 D ([image A | image B]), got width "
            f"{input_dim}"
        )
    return int(input_dim) // 2


def tower_output_dim(tower: list[Any], width: int) -> int:
    """The width a tower outputs for inputs of ``width`` (without building it)."""
    for layer in tower:
        width = layer.compute_output_dim(width)
    return width


def towers_config(layer: Any, serialize: Any) -> dict[str, Any]:
    """{"tower_a": [serialized layers], "tower_b": None or [...], "name": ...}: the same plain
    JSON in both backends. Plumbing shared with tf_ref.towers."""
    return {
        "tower_a": [serialize(x) for x in layer.tower_a],
        "tower_b": None if layer.tower_b is None else [serialize(x) for x in layer.tower_b],
        "name": layer.name,
    }


def towers_kwargs(config: Any, cls: type, deserialize: Any) -> dict[str, Any]:
    """``towers_config``'s dict turned back into constructor arguments (new, unbuilt layers)."""
    config = check_config(config, cls)
    out = dict(config)
    for key in ("tower_a", "tower_b"):
        specs = config.get(key)
        if specs is None and key == "tower_b":
            continue
        if not isinstance(specs, list):
            raise TypeError(
                f"Towers config[{key!r}]: expected a list of layer configs, got "
                f"{type(specs).__name__}"
            )
        out[key] = [deserialize(spec) for spec in specs]
    return out


def inner_layers(layer: Any) -> list[tuple[str, Any]]:
    """[("a", layer), ..., ("b", layer), ...]: every layer of the towers with its tower key."""
    out = [("a", x) for x in layer.tower_a]
    if layer.tower_b is not None:
        out += [("b", x) for x in layer.tower_b]
    return out


def _prefixed(layer: Any, attribute: str, trainable_only: bool) -> dict[str, Any]:
    """{"a/<layer>/<key>": value} of every inner layer's dict ``attribute`` (params, state,
    weights, regularizers, constraints), only the trainable layers' with ``trainable_only``."""
    return {
        f"{tower}/{inner.name}/{key}": value
        for tower, inner in inner_layers(layer)
        if inner.trainable or not trainable_only
        for key, value in getattr(inner, attribute).items()
    }


# ---------------------------------------------------------------------------------- the layer


class TowersPlumbing:
    """What both backends' ``Towers`` share, whatever their maths (plumbing; tf_ref.towers
    inherits it): the width rule, the configs and what ``fit(cache_frozen=True)`` asks. A
    subclass sets ``layers_module`` (its backend's ``layers``, for serialize/deserialize)."""

    layers_module: Any
    name: Any
    tower_a: list[Any]
    tower_b: list[Any] | None

    @property
    def rate(self) -> float:
        """The largest ``rate`` of the inner layers (dropout, noise), 0.0 if none: what
        ``fit(cache_frozen=True)`` asks before caching a frozen Towers."""
        rates = [getattr(x, "rate", 0.0) for _, x in inner_layers(self)]
        return float(max([r for r in rates if isinstance(r, (int, float))], default=0.0))

    @property
    def _mask(self) -> Any:
        for _, inner in inner_layers(self):
            if getattr(inner, "_mask", None) is not None:
                return inner._mask
        return None

    _trainable: bool

    def _set_towers(
        self, tower_a: Any, tower_b: Any, layer_class: type, backend: str, name_layers: Any
    ) -> None:
        """Check and keep the towers (``check_tower``, ``check_towers``), their layers named
        by the backend's ``name_layers``."""
        tower_a = check_tower(tower_a, "tower_a", layer_class, backend)
        tower_b = None if tower_b is None else check_tower(tower_b, "tower_b", layer_class, backend)
        check_towers(tower_a, tower_b)
        name_layers(tower_a)
        if tower_b is not None:
            name_layers(tower_b)
        self.tower_a, self.tower_b = tower_a, tower_b

    @property
    def trainable(self) -> bool:
        """True while any inner layer is (see the module docstring)."""
        layers = [inner for _, inner in inner_layers(self)]
        return any(x.trainable for x in layers) if layers else self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = check_bool(value, "trainable")
        self._trainable = value
        if inner_layers(self) and value != self.trainable:
            for _, inner in inner_layers(self):
                inner.trainable = value

    @property
    def nonnegative_weights(self) -> tuple[str, ...]:
        return tuple(
            f"{tower}/{inner.name}/{key}"
            for tower, inner in inner_layers(self)
            for key in inner.nonnegative_weights
        )

    def __repr__(self) -> str:
        b = "shared" if self.tower_b is None else f"{len(self.tower_b)} layers"
        return f"Towers(name={self.name!r}, tower_a={len(self.tower_a)} layers, tower_b={b})"

    def get_config(self) -> dict[str, Any]:
        """tower_a and tower_b as lists of layer configs (None: shared weights), name."""
        return towers_config(self, self.layers_module.serialize)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """A new, unbuilt Towers with new inner layers from ``get_config()``'s dict."""
        return cls(**towers_kwargs(config, cls, cls.layers_module.deserialize))

    def compute_output_dim(self, input_dim: int) -> int:
        width = half_width(input_dim, str(self.name))
        out = tower_output_dim(self.tower_a, width)
        other = self.tower_a if self.tower_b is None else self.tower_b
        return out + tower_output_dim(other, width)


class Towers(TowersPlumbing, Layer):
    """Two towers side by side: [tower_a(left half) | tower_b(right half)]; one tower on both
    halves (shared weights) when ``tower_b`` is None. See the module docstring."""

    kind = "towers"
    layers_module = layers_mod

    def __init__(
        self, tower_a: list[Layer], tower_b: list[Layer] | None = None, *, name: str | None = None
    ) -> None:
        from scratch.models import name_layers  # models imports this module

        self.tower_a: list[Layer] = []
        self.tower_b: list[Layer] | None = None
        super().__init__(name=name, trainable=True)
        self._set_towers(tower_a, tower_b, Layer, "scratch", name_layers)
        self._n: int | None = None
        self._out: np.ndarray | None = None

    # the towers' layers hold every array: these views are assembled from them
    @property
    def params(self) -> dict[str, np.ndarray]:
        """The trainable inner layers' parameters, "a/<layer>/<key>" (the arrays themselves)."""
        return _prefixed(self, "params", trainable_only=True)

    @params.setter
    def params(self, value: dict[str, np.ndarray]) -> None:
        if value:
            raise AttributeError("Towers.params: the towers' layers hold the parameters")

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The inner layers' non-trainable state (batch norm's moving statistics)."""
        return _prefixed(self, "state", trainable_only=False)

    @state.setter
    def state(self, value: dict[str, np.ndarray]) -> None:
        if value:
            raise AttributeError("Towers.state: the towers' layers hold their state")

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Every inner array, trainable or frozen, layer by layer (tower A's first)."""
        return _prefixed(self, "weights", trainable_only=False)

    @property
    def regularizers(self) -> dict[str, Any]:
        return _prefixed(self, "regularizers", trainable_only=True)

    @regularizers.setter
    def regularizers(self, value: dict[str, Any]) -> None:
        if value:
            raise AttributeError("Towers.regularizers: set them on the towers' layers")

    @property
    def constraints(self) -> dict[str, Any]:
        return _prefixed(self, "constraints", trainable_only=True)

    @constraints.setter
    def constraints(self, value: dict[str, Any]) -> None:
        if value:
            raise AttributeError("Towers.constraints: set them on the towers' layers")

    def build(self, input_dim: int, rng: Any, dtype: Any = "float32") -> int:
        """Build both towers for images of width input_dim / 2 (drawing from ``rng``, tower A
        first); built inner layers keep their weights (their width and dtype checked first)."""
        from scratch.models import check_build_plan

        if not self.built:
            width = half_width(input_dim, str(self.name))
            for _, tower in self._towers():
                check_build_plan(tower, width, as_dtype(dtype))
        return super().build(input_dim, rng, dtype)

    def _towers(self) -> list[tuple[str, list[Layer]]]:
        return [("a", self.tower_a)] + ([] if self.tower_b is None else [("b", self.tower_b)])

    def _create(self, rng: np.random.Generator) -> None:
        width = half_width(self.input_dim, str(self.name))
        for _, tower in self._towers():
            w = width
            for layer in tower:
                w = layer.build(w, rng, self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, 2 D) = [A | B] -> [tower_a(A) | tower_b(B)] (N, out_a + out_b)."""
        from scratch.models import forward_layers

        self._require_built()
        training = check_bool(training, "training")
        x = check_input(x, self, finite=False)
        d, n = self.input_dim // 2, x.shape[0]
        if self.tower_b is None:
            h = forward_layers(self.tower_a, np.concatenate([x[:, :d], x[:, d:]]), training)
            out = np.concatenate([h[:n], h[n:]], axis=1)
        else:
            out = np.concatenate(
                [
                    forward_layers(self.tower_a, x[:, :d], training),
                    forward_layers(self.tower_b, x[:, d:], training),
                ],
                axis=1,
            )
        self._n, self._out = n, out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dout (N, out_a + out_b) -> dL/dx (N, 2 D); fills the trainable inner layers'
        grads (and ``grads``); shared weights collect the sum over both images."""
        from scratch.models import backward_layers

        dout = self._check_dout(dout, self._out)
        n, split = self._n, self.tower_a[-1].output_dim
        if self.tower_b is None:
            dh = np.concatenate([dout[:, :split], dout[:, split:]])
            dx = backward_layers(self.tower_a, dh)
            dx = np.concatenate([dx[:n], dx[n:]], axis=1)
        else:
            dx = np.concatenate(
                [
                    backward_layers(self.tower_a, dout[:, :split]),
                    backward_layers(self.tower_b, dout[:, split:]),
                ],
                axis=1,
            )
        self.grads = _prefixed(self, "grads", trainable_only=True)
        return dx


layers_mod.CLASSES["Towers"] = Towers  # so that layers.deserialize (and models) know it
