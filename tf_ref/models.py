"""``Sequential`` in TensorFlow: the oracle for ``scratch.models``, NumPy in and NumPy out.

The layers are wrapped in a ``keras.Sequential`` (``keras_model``). ``forward`` runs it under a
persistent ``tf.GradientTape`` that watches the input, so that ``backward(dout)`` can ask TF for
dL/dx and every trainable parameter's gradient given dL/doutputs: the same contract as scratch's
layer-by-layer backward pass, computed by TF's autodiff instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import (
    OrderError,
    as_dtype,
    check_bool,
    check_float_array,
    check_positive,
    check_rng,
)
from scratch.layers import check_injected_draws
from scratch.models import (
    check_build_plan,
    check_layer_list,
    check_model_config,
    check_model_weights,
    check_tied_layers,
    clone_layers,
    model_config,
    model_from_file,
    name_layers,
    read_model_file,  # noqa: F401 (plumbing: the same file reader, named in the twin)
    summary_table,
    write_model_file,
)
from tf_ref.layers import Layer, _tape_gradients, deserialize, serialize


def add_penalties(value: tf.Tensor, keras_model: keras.Model) -> tf.Tensor:
    """value + sum(keras_model.losses), the trainable layers' weight penalties, as Keras'
    ``compute_loss`` adds them. Keras computes each penalty afresh from its variable, so inside
    a ``GradientTape`` the sum is differentiable; with no penalty ``value`` comes back as is."""
    losses = keras_model.losses
    return value if not losses else value + tf.cast(tf.add_n(losses), value.dtype)


class Sequential:
    """Layers applied one after another, as a ``keras.Sequential``: logits = layer_L(...(x)).

    ``Sequential(layers, input_dim=784, rng=rng)`` builds at once; without ``input_dim``,
    call ``build(input_dim, rng)`` before use. ``dtype`` is float32 or float64. Unnamed layers
    are named as in scratch (and Keras): "dense", "dense_1", ...
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        input_dim: int | None = None,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = "float32",
    ) -> None:
        layers = check_layer_list(layers, Layer, "tf_ref")
        name_layers(layers)
        check_tied_layers(layers)
        self.layers = layers
        self.dtype = as_dtype(dtype)
        self.input_dim: int | None = None
        self.keras_model: keras.Sequential | None = None
        self._record: tuple[tf.GradientTape, tf.Tensor, tf.Tensor] | None = None
        if input_dim is not None:
            self.build(input_dim, rng)
        else:
            check_rng(rng)  # refused now, not at the later build() that would not even use it

    def build(self, input_dim: int, rng: np.random.Generator | int | None = None) -> Sequential:
        """Create each unbuilt layer's weights (seeds drawn from ``rng``, a Generator, an int
        seed or None, in order), then the Keras model. Layers already built (taken from another
        model) keep their Keras layers: both Keras models hold the same layer objects and
        variables, as ``keras.Sequential(model_a.layers[:-1] + [...])`` shares them."""
        check_positive(input_dim, "input_dim", integer=True)
        rng = check_rng(rng)
        check_build_plan(self.layers, input_dim, self.dtype)
        width = int(input_dim)
        for layer in self.layers:
            width = layer.build(width, rng, self.dtype)
        self.keras_model = keras.Sequential(
            [
                keras.Input((int(input_dim),), dtype=self.dtype.name),
                *(layer.keras_layer for layer in self.layers),
            ]
        )
        self.input_dim = int(input_dim)
        self._record = None
        return self

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    @property
    def output_dim(self) -> int:
        return self.layers[-1].output_dim

    def _require_built(self) -> None:
        if not self.built:
            raise OrderError("model is not built: pass input_dim=... or call build() first")

    def check_input(self, x: Any, name: str = "x") -> np.ndarray:
        """A 2-D finite float batch of width ``input_dim``, cast to the model's dtype."""
        self._require_built()
        return check_float_array(x, name, ndim=2, width=self.input_dim, dtype=self.dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> outputs (N, output_dim), recorded on a tape for ``backward``."""
        x = self.check_input(x)
        if check_bool(training, "training"):  # a misfit draw: a ValueError, not TF's own error
            check_injected_draws(self.layers, [x.shape[0]])
        x_t = tf.convert_to_tensor(x)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x_t)
            out = self.keras_model(x_t, training=training)
        self._record = (tape, x_t, out)
        return out.numpy()

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate dL/doutputs (N, output_dim) through the last ``forward``'s tape.

        Fills every trainable layer's ``grads`` and returns dL/dx (N, input_dim). With
        ``input_grad=False`` dL/dx is not asked for, so TF back-propagates no further than the
        lowest trainable layer, and None is returned.
        """
        self._require_built()
        check_bool(input_grad, "input_grad")
        layers = self.trainable_layers()
        if not input_grad and not layers:
            return None
        variables = [(layer, key, v) for layer in layers for key, v in layer._variables().items()]
        sources = [v for _, _, v in variables]
        if input_grad:
            sources = [None if self._record is None else self._record[1], *sources]
        grads = _tape_gradients(self._record, dout, sources, "model")
        for (layer, key, _), g in zip(variables, grads[1:] if input_grad else grads, strict=True):
            layer.grads[key] = g
        return grads[0] if input_grad else None

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return self.forward(x, training)

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Inference-mode outputs in chunks of ``batch_size`` rows (no tape, no ``model.predict``).

        Calling the Keras model directly avoids ``model.predict``'s per-call set-up, which costs
        more than the maths for small inputs.
        """
        x = self.check_input(x)
        check_positive(batch_size, "batch_size", integer=True)
        chunks = [
            self.keras_model(tf.convert_to_tensor(x[i : i + batch_size]), training=False).numpy()
            for i in range(0, x.shape[0], batch_size)
        ]
        return np.concatenate(chunks, axis=0)

    def trainable_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.trainable and layer._variables()]

    def trainable_params(self) -> list[np.ndarray]:
        """NumPy *copies* of the trainable parameters, layer by layer (kernel, bias, gamma, ...);
        never a layer's ``state`` (BN's moving statistics).

        Parallel to scratch's list; updating these arrays does not change the model (write them
        back with ``set_weights``, or train ``trainable_variables`` directly).
        """
        return [p for layer in self.trainable_layers() for p in layer.params.values()]

    def trainable_grads(self) -> list[np.ndarray]:
        """Gradients parallel to ``trainable_params()``, filled by the last ``backward``."""
        return [layer.grads[k] for layer in self.trainable_layers() for k in layer._variables()]

    def regularization_loss(self) -> float:
        """Sum of Keras' ``model.losses``: the trainable layers' weight penalties."""
        self._require_built()
        return float(sum(float(p) for p in self.keras_model.losses))

    @property
    def trainable_variables(self) -> list[keras.Variable]:
        """The Keras variables behind ``trainable_params()``, in the same order (for TF loops)."""
        return [v for layer in self.trainable_layers() for v in layer._variables().values()]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights, parameters and state (BN's moving statistics), trainable or
        not, in Keras' ``model.get_weights()`` order."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def check_weights(self, weights: Sequence[np.ndarray]) -> list[list[np.ndarray]]:
        """Check a list shaped like ``get_weights()`` without assigning anything (each layer's
        ``check_weights``); returns the arrays cast to the model's dtype, one list per layer."""
        self._require_built()
        return check_model_weights(self.layers, weights)

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Overwrite all weights from a list shaped like ``get_weights()``: real floating arrays
        of the right shapes, finite (``Layer.set_weights``). Every array is checked before any
        is assigned, so a refused list leaves the model as it was."""
        for layer, checked in zip(self.layers, self.check_weights(weights), strict=True):
            layer._assign_weights(checked)

    def named_weights(self) -> dict[str, np.ndarray]:
        """{"layer/weight": array} copies of every parameter and state array (for checkpoints and
        comparisons): "dense/kernel", ..., "batch_normalization/moving_mean"."""
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.weights.items()}

    def get_config(self) -> dict[str, Any]:
        """{"input_dim": int | None, "dtype": "float32", "layers": [layers.serialize(l), ...]}:
        the same plain JSON as scratch's (``keras.Sequential.get_config``'s role)."""
        return model_config(self, serialize)

    @classmethod
    def from_config(
        cls, config: dict[str, Any], rng: np.random.Generator | int | None = None
    ) -> Sequential:
        """A new model from ``get_config()``'s dict (either backend's): new layers, built with
        fresh weights from ``rng`` when input_dim is set."""
        input_dim, dtype, specs = check_model_config(config)
        return cls([deserialize(spec) for spec in specs], input_dim, rng=rng, dtype=dtype)

    def summary(self) -> str:
        """One line per layer: name, output width, weight count, frozen or not.

        Counts include non-trainable state (BN's moving statistics), as Keras' summary does.
        """
        return summary_table(self.layers)


def clone_model(model: Sequential, rng: np.random.Generator | int | None = None) -> Sequential:
    """A copy that shares nothing: new layers (new Keras layers and variables) from the
    configs, same names and ``trainable`` flags, the weights copied. Keras'
    ``keras.models.clone_model`` re-initializes; this is it plus ``set_weights``."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected a tf_ref Sequential, got {type(model).__name__}")
    layers = clone_layers(model, serialize, deserialize)
    clone = Sequential(layers, model.input_dim, rng=rng, dtype=model.dtype)
    if model.built:
        clone.set_weights(model.get_weights())
    return clone


def save_model(model: Sequential, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` (built) to one ``.npz`` in scratch's format (``write_model_file``)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected a tf_ref Sequential, got {type(model).__name__}")
    model._require_built()
    return write_model_file(path, model.get_config(), model.named_weights())


def load_model(
    path: str | os.PathLike[str], rng: np.random.Generator | int | None = None
) -> Sequential:
    """The model ``save_model`` (of either backend) wrote to ``path``, every entry verified first:
    a corrupt, truncated, tampered or mismatched file is a ValueError naming it."""
    return model_from_file(path, rng, Sequential.from_config)


# Towers (two inputs side by side, exercise 10): importing it registers it in layers.CLASSES,
# so configs and saved files that hold one load through Sequential.from_config / load_model.
from tf_ref import towers as _towers  # noqa: E402, F401
