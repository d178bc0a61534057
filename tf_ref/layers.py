"""Layers in TensorFlow: the oracle for ``scratch.layers``, NumPy in and NumPy out.

The maths is TensorFlow's: ``dense_forward`` uses TF ops and ``dense_backward`` asks
``tf.GradientTape`` for the gradients (never the closed form that scratch writes by hand), and the
layer classes wrap ``keras.layers.Dense`` / ``keras.layers.Activation``. A layer's weights live in
its Keras variables; ``params`` hands out NumPy *copies* of them.

A Keras layer's name and dtype are fixed when it is created, and ``Sequential`` names unnamed
layers ("dense", "dense_1", ...) only after they were constructed, so the Keras layer is created
in ``build`` (``keras_layer`` is None before that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import as_dtype, check_float_array
from tf_ref import activations as tf_activations
from tf_ref import initializers as tf_initializers

# ----------------------------------------------------------------------- name look-ups
# Initializers and activations by name come from tf_ref's own modules (Keras' functions behind
# scratch's names). A scratch ``ActivationFunction`` is accepted too and read by its name and
# kwargs, so the same layer spec builds either backend.

NumpyInitializer = Callable[..., np.ndarray]  # f(shape, rng=None, dtype="float32") -> ndarray


def _activation(spec: Any, **kwargs: Any) -> tf_activations.ActivationFunction:
    """A tf_ref ``ActivationFunction`` (name + kwargs) for a name, None or an activation object."""
    if spec is not None and not isinstance(spec, (str, tf_activations.ActivationFunction)):
        if hasattr(spec, "name") and hasattr(spec, "kwargs"):
            # scratch.activations.ActivationFunction(name, kwargs), read by duck typing
            return tf_activations.get(spec.name, **{**spec.kwargs, **kwargs})
    return tf_activations.get(spec, **kwargs)


def _keras_activation(activation: tf_activations.ActivationFunction) -> Callable[..., tf.Tensor]:
    """The Keras function for an activation, its keyword arguments bound.

    E.g. elu(alpha=0.5) -> x -> keras.activations.elu(x, alpha=0.5): Keras' functions take the
    same keyword names as scratch's (``alpha``, ``negative_slope``).
    """
    fn = keras.activations.get(activation.name)
    kwargs = dict(activation.kwargs)
    if not kwargs:
        return fn

    def bound(x: tf.Tensor) -> tf.Tensor:
        return fn(x, **kwargs)

    bound.__name__ = activation.name
    return bound


# --------------------------------------------------------------------- the Dense maths


def dense_forward(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, tuple[tf.Tensor, tf.Tensor, tf.Tensor | None]]:
    """Affine map with TF ops: out = x @ kernel + bias (CS231n ``affine_forward``, Keras Dense).

    x (N, D), kernel (D, M), bias (M,) or None -> out (N, M); cache = (x, kernel, bias) as tensors.
    """
    x_t, kernel_t = tf.convert_to_tensor(x), tf.convert_to_tensor(kernel)
    bias_t = None if bias is None else tf.convert_to_tensor(bias)
    out = tf.linalg.matmul(x_t, kernel_t)
    if bias_t is not None:
        out = tf.math.add(out, bias_t)
    return out.numpy(), (x_t, kernel_t, bias_t)


def dense_backward(
    dout: np.ndarray, cache: tuple[tf.Tensor, tf.Tensor, tf.Tensor | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dkernel, dbias) of the affine map, by ``tf.GradientTape`` with dout = dL/dout (N, M).

    The tape replays the forward and back-propagates ``output_gradients=dout``; no closed form.
    Without a bias, dbias is the gradient a zero bias would get (as scratch returns it).
    """
    x, kernel, bias = cache
    if bias is None:
        bias = tf.zeros((kernel.shape[1],), dtype=kernel.dtype)
    dout_t = tf.convert_to_tensor(dout, dtype=x.dtype)
    with tf.GradientTape() as tape:
        tape.watch([x, kernel, bias])
        out = tf.math.add(tf.linalg.matmul(x, kernel), bias)
    dx, dkernel, dbias = tape.gradient(out, [x, kernel, bias], output_gradients=dout_t)
    return dx.numpy(), dkernel.numpy(), dbias.numpy()


def _tape_gradients(
    record: tuple[tf.GradientTape, tf.Tensor, tf.Tensor] | None,
    dout: Any,
    sources: list[Any],
    owner: str,
) -> list[np.ndarray]:
    """dL/dsource for every source, from a tape recorded by ``forward`` and dL/dout."""
    if record is None:
        raise RuntimeError(f"{owner}: backward() called before forward()")
    tape, _, out = record
    dout = check_float_array(dout, "dout", ndim=2, dtype=np.dtype(out.dtype.as_numpy_dtype))
    if dout.shape != tuple(out.shape):
        raise ValueError(
            f"dout: expected shape {tuple(out.shape)} (the last output), got {dout.shape}"
        )
    grads = tape.gradient(out, sources, output_gradients=tf.convert_to_tensor(dout))
    return [
        np.zeros(tuple(s.shape), dtype=dout.dtype) if g is None else g.numpy()
        for g, s in zip(grads, sources, strict=True)
    ]


# ------------------------------------------------------------------------------ layers


class Layer:
    """Base class: a Keras layer (``keras_layer``) plus scratch's bookkeeping.

    ``params`` gives NumPy copies of the Keras variables; ``grads`` (same keys) is filled by the
    last backward pass. ``trainable=False`` freezes the layer (and its Keras layer): no parameter
    gradients, but it still back-propagates to the layers below.
    """

    kind = "layer"

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        self.name = name
        self._trainable = bool(trainable)
        self.keras_layer: keras.layers.Layer | None = None
        self.grads: dict[str, np.ndarray] = {}
        self.input_dim: int | None = None
        self.dtype: np.dtype = np.dtype("float32")
        self._record: tuple[tf.GradientTape, tf.Tensor, tf.Tensor] | None = None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        if self.keras_layer is not None:
            self.keras_layer.trainable = self._trainable

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    def _make_keras_layer(self) -> keras.layers.Layer:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {}

    def build(self, input_dim: int, rng: np.random.Generator, dtype: Any = "float32") -> int:
        """Create the Keras layer for inputs of width ``input_dim``; return the output width."""
        self.input_dim = int(input_dim)
        self.dtype = as_dtype(dtype)
        self.keras_layer = self._make_keras_layer()
        self.keras_layer.build((None, self.input_dim))
        self.keras_layer.trainable = self._trainable
        for key, value in self._initial_values(rng).items():
            self._variables()[key].assign(value)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._record = None
        return self.output_dim

    @property
    def output_dim(self) -> int:
        raise NotImplementedError  # pragma: no cover

    def _variables(self) -> dict[str, keras.Variable]:
        """The Keras variables behind ``params``, in Keras order (kernel, bias)."""
        return {}

    @property
    def params(self) -> dict[str, np.ndarray]:
        """NumPy copies of the current parameter values ({} before build)."""
        return {k: np.array(v.numpy()) for k, v in self._variables().items()}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> outputs, recorded on a tape for ``backward``."""
        if self.keras_layer is None:
            raise RuntimeError(f"{self.name}: layer is not built; call build() first")
        x_t = tf.convert_to_tensor(np.asarray(x, dtype=self.dtype))
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x_t)
            out = self.keras_layer(x_t, training=training)
        self._record = (tape, x_t, out)
        return out.numpy()

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/doutputs -> dL/dx; fills ``grads`` if trainable (TF's tape does the maths)."""
        variables = self._variables() if self.trainable else {}
        x = None if self._record is None else self._record[1]
        grads = _tape_gradients(self._record, dout, [x, *variables.values()], str(self.name))
        for key, g in zip(variables, grads[1:], strict=True):
            self.grads[key] = g
        return grads[0]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in Keras order (kernel, bias)."""
        return list(self.params.values())

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Overwrite the parameters; shapes must match exactly (values cast to the layer dtype)."""
        variables = self._variables()
        if len(weights) != len(variables):
            raise ValueError(
                f"{self.name}: expected {len(variables)} weight arrays, got {len(weights)}"
            )
        arrays = []
        for (key, v), w in zip(variables.items(), weights, strict=True):
            w = np.asarray(w)
            if w.shape != tuple(v.shape):
                raise ValueError(
                    f"{self.name}.{key}: expected shape {tuple(v.shape)}, got {w.shape}"
                )
            arrays.append(w.astype(self.dtype, copy=False))
        for v, w in zip(variables.values(), arrays, strict=True):
            v.assign(w)

    def __repr__(self) -> str:
        frozen = "" if self.trainable else ", trainable=False"
        return f"{type(self).__name__}(name={self.name!r}{frozen})"


class Dense(Layer):
    """``keras.layers.Dense``: a = f(x @ kernel + bias), scratch's constructor arguments.

    The initial weights are drawn by the named initializer seeded from the NumPy ``rng`` passed
    to ``build`` (Glorot uniform kernel and zero bias by default, as in Keras).
    """

    kind = "dense"

    def __init__(
        self,
        units: int,
        activation: str | tf_activations.ActivationFunction | None = None,
        *,
        use_bias: bool = True,
        kernel_initializer: str | NumpyInitializer = "glorot_uniform",
        bias_initializer: str | NumpyInitializer = "zeros",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units: expected a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = _activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = tf_initializers.get(kernel_initializer)
        self.bias_initializer = tf_initializers.get(bias_initializer)

    @property
    def output_dim(self) -> int:
        return self.units

    def _make_keras_layer(self) -> keras.layers.Dense:
        # Keras' own initializers are not used: the weights are assigned in build() from draws
        # seeded by the NumPy rng, so "zeros" only avoids a wasted random draw.
        return keras.layers.Dense(
            self.units,
            activation=_keras_activation(self.activation),
            use_bias=self.use_bias,
            kernel_initializer="zeros",
            bias_initializer="zeros",
            name=self.name,
            dtype=self.dtype.name,
        )

    def _initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        assert self.input_dim is not None
        values = {
            "kernel": self.kernel_initializer(
                (self.input_dim, self.units), rng=rng, dtype=self.dtype
            )
        }
        if self.use_bias:
            values["bias"] = self.bias_initializer((self.units,), rng=rng, dtype=self.dtype)
        return values

    def _variables(self) -> dict[str, keras.Variable]:
        layer = self.keras_layer
        if layer is None:
            return {}
        out = {"kernel": layer.kernel}
        if self.use_bias:
            out["bias"] = layer.bias
        return out


class Activation(Layer):
    """``keras.layers.Activation``: a stand-alone activation (when batch norm sits before f)."""

    kind = "activation"

    def __init__(self, activation: Any, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=True)
        self.activation = _activation(activation, **kwargs)

    @property
    def output_dim(self) -> int:
        assert self.input_dim is not None
        return self.input_dim

    def _make_keras_layer(self) -> keras.layers.Activation:
        return keras.layers.Activation(
            _keras_activation(self.activation), name=self.name, dtype=self.dtype.name
        )


def check_input(x: Any, layer: Layer) -> np.ndarray:
    """Validate a batch for ``layer``: 2-D floating, finite, width = input_dim, layer's dtype."""
    return check_float_array(x, "x", ndim=2, width=layer.input_dim, dtype=layer.dtype)
