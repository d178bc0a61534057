"""``Towers`` in TensorFlow: the oracle for ``scratch.towers``, NumPy in and NumPy out.

The Keras layer is one of our own (``_KerasTowers``) that holds the towers' Keras layers and
calls them on the two halves of its input, [image A | image B] (N, 2 D):
out = [tower_a(x[:, :D]) | tower_b(x[:, D:])], or with shared weights (``tower_b=None``)
h = tower_a(concat([x[:, :D], x[:, D:]], axis=0)) and out = [h[:N] | h[N:]]. The gradients
are TF's tape (a shared variable used on both halves collects both contributions); Keras
tracks the inner layers, so their variables and weight penalties are the model's, once.

The argument checks, the config and the key layout ("a/<layer>/<key>") are scratch's plumbing;
the maths (the split, the stacked pass, the concatenation, every gradient) is TensorFlow's.
A model holding Towers trains on one device (``fit``'s ``devices > 1`` clones Keras layers by
their Keras config, which this layer does not have).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import as_dtype
from scratch.towers import (
    TowersPlumbing,
    check_tower,
    check_towers,
    half_width,
    inner_layers,
    tower_output_dim,
    towers_config,
    towers_kwargs,
)
from tf_ref import layers as layers_mod
from tf_ref.layers import Layer

# the plumbing shared with scratch.towers is part of this module's names too (the mirror)
__all__ = [
    "Towers",
    "TowersPlumbing",
    "check_tower",
    "check_towers",
    "half_width",
    "inner_layers",
    "tower_output_dim",
    "towers_config",
    "towers_kwargs",
]


def _prefixed_variables(layer: Any, method: str, trainable_only: bool) -> dict[str, Any]:
    """{"a/<layer>/<key>": variable} from every inner layer's ``method()`` (``_variables``,
    ``_state_variables``, ``_weight_variables``)."""
    return {
        f"{tower}/{inner.name}/{key}": v
        for tower, inner in inner_layers(layer)
        if inner.trainable or not trainable_only
        for key, v in getattr(inner, method)().items()
    }


class _KerasTowers(keras.layers.Layer):
    """The Keras layer: the inner Keras layers called on the halves of the input."""

    def __init__(
        self,
        tower_a: list[keras.layers.Layer],
        tower_b: list[keras.layers.Layer] | None,
        width: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.tower_a = list(tower_a)
        self.tower_b = None if tower_b is None else list(tower_b)
        self.width = int(width)

    # Keras' setter would set every inner layer; our Towers sets them one by one (a partly
    # frozen tower stays so), and this layer is trainable while any of them is.
    @property
    def trainable(self) -> bool:
        inner = [*getattr(self, "tower_a", []), *(getattr(self, "tower_b", None) or [])]
        return any(x.trainable for x in inner) if inner else True

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)

    def build(self, input_shape: Any) -> None:
        self.built = True

    def get_config(self) -> dict[str, Any]:
        # Keras' clone_model (fit's devices > 1 copy) rebuilds layers from their configs; this
        # one holds live layers, so say so instead of failing inside Keras.
        raise TypeError(
            f"{self.name}: a model holding Towers trains on one device (fit(..., devices=1)); "
            "the multi-device copy rebuilds Keras layers from their configs, which Towers has not"
        )

    @staticmethod
    def _run(tower: list[keras.layers.Layer], x: tf.Tensor, training: bool) -> tf.Tensor:
        for layer in tower:
            x = layer(x, training=training)
        return x

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        left, right = inputs[:, : self.width], inputs[:, self.width :]
        if self.tower_b is None:
            n = tf.shape(inputs)[0]
            h = self._run(self.tower_a, tf.concat([left, right], axis=0), training)
            return tf.concat([h[:n], h[n:]], axis=1)
        return tf.concat(
            [self._run(self.tower_a, left, training), self._run(self.tower_b, right, training)],
            axis=1,
        )


class Towers(TowersPlumbing, Layer):
    """Two towers side by side, [tower_a(left half) | tower_b(right half)]; one tower on both
    halves (shared weights) when ``tower_b`` is None. scratch's arguments and keys."""

    kind = "towers"
    layers_module = layers_mod

    def __init__(
        self, tower_a: list[Layer], tower_b: list[Layer] | None = None, *, name: str | None = None
    ) -> None:
        from tf_ref.models import name_layers  # models imports this module

        self.tower_a: list[Layer] = []
        self.tower_b: list[Layer] | None = None
        super().__init__(name=name, trainable=True)
        self._set_towers(tower_a, tower_b, Layer, "tf_ref", name_layers)

    def _towers(self) -> list[list[Layer]]:
        return [self.tower_a] + ([] if self.tower_b is None else [self.tower_b])

    def build(self, input_dim: int, rng: Any, dtype: Any = "float32") -> int:
        """Build both towers for images of width input_dim / 2 (drawing from ``rng``, tower A
        first), then the Keras layer that holds them; built inner layers keep their weights."""
        from tf_ref.models import check_build_plan

        if not self.built:
            width = half_width(input_dim, str(self.name))
            for tower in self._towers():
                check_build_plan(tower, width, as_dtype(dtype))
        return super().build(input_dim, rng, dtype)

    def _prepare(self, rng: np.random.Generator) -> None:
        width = half_width(self.input_dim, str(self.name))
        for tower in self._towers():
            w = width
            for layer in tower:
                w = layer.build(w, rng, self.dtype)

    def _make_keras_layer(self) -> keras.layers.Layer:
        return _KerasTowers(
            [x.keras_layer for x in self.tower_a],
            None if self.tower_b is None else [x.keras_layer for x in self.tower_b],
            self.input_dim // 2,
            name=self.name,
            dtype=self.dtype.name,
        )

    def _variables(self) -> dict[str, keras.Variable]:
        return _prefixed_variables(self, "_variables", trainable_only=True)

    def _state_variables(self) -> dict[str, keras.Variable]:
        return _prefixed_variables(self, "_state_variables", trainable_only=False)

    def _weight_variables(self) -> dict[str, keras.Variable]:
        return _prefixed_variables(self, "_weight_variables", trainable_only=False)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Copies of every inner weight, trainable or frozen, layer by layer (tower A first)."""
        return {k: np.array(v.numpy()) for k, v in self._weight_variables().items()}


layers_mod.CLASSES["Towers"] = Towers  # so that layers.deserialize (and models) know it
