"""Layers in TensorFlow: the oracle for ``scratch.layers``, NumPy in and NumPy out.

The maths is TensorFlow's: the ``*_forward`` functions use TF ops and the ``*_backward`` ones ask
``tf.GradientTape`` for the gradients (never the closed forms that scratch writes by hand), and
the layer classes wrap ``keras.layers.Dense`` / ``Activation`` / ``BatchNormalization`` /
``Dropout``. A layer's weights live in its Keras variables; ``params`` (trainable) and ``state``
(non-trainable, BN's moving statistics) hand out NumPy *copies* of them.

A Keras layer's name and dtype are fixed when it is created, and ``Sequential`` names unnamed
layers ("dense", "dense_1", ...) only after they were constructed, so the Keras layer is created
in ``build`` (``keras_layer`` is None before that).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import (
    OrderError,
    as_dtype,
    check_bool,
    check_config,
    check_float_array,
    check_name,
    check_positive,
    check_rng,
    deserialize_object,
    plain,
    serialize_object,
)

# Argument checks are plumbing shared with scratch (same words for the same mistake); none of
# scratch's maths is imported.
from scratch.initializers import check_initial
from scratch.layers import (
    TiedTo,
    check_batchnorm_args,
    check_cache,
    check_dense_args,
    check_dout,
    check_draw_shape,
    check_dropout_args,
    check_dropout_dout,
    check_fraction,
    check_keep_mask,
    check_layer_weights,
    check_noise_array,
    check_noise_shape,
    check_rebuild,
    check_tied_to,
    check_tied_width,
    check_units,
    decode_config,
    noise_shape_for,
)
from tf_ref import activations as tf_activations
from tf_ref import constraints as tf_constraints
from tf_ref import initializers as tf_initializers
from tf_ref import regularizers as tf_regularizers
from tf_ref.noise import _gaussian_tf, _keep_tf

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


def _keras_regularizer(spec: Any, name: str) -> keras.regularizers.Regularizer | None:
    """The Keras regularizer behind a tf_ref one (``tf_ref.regularizers.L2(1e-4)``), or None."""
    if spec is None or isinstance(spec, keras.regularizers.Regularizer):
        return spec
    if isinstance(getattr(spec, "keras_regularizer", None), keras.regularizers.Regularizer):
        return spec.keras_regularizer
    raise TypeError(
        f"{name}: expected a tf_ref regularizer such as L2(1e-4), or None, got {spec!r}"
    )


def _keras_constraint(spec: Any, name: str) -> keras.constraints.Constraint | None:
    """The Keras constraint behind a tf_ref one (``tf_ref.constraints.MaxNorm(2)``), or None."""
    if spec is None or isinstance(spec, keras.constraints.Constraint):
        return spec
    if isinstance(getattr(spec, "keras_constraint", None), keras.constraints.Constraint):
        return spec.keras_constraint
    raise TypeError(f"{name}: expected a tf_ref constraint such as MaxNorm(2), got {spec!r}")


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
    x is cast to the kernel's dtype, as a Keras layer casts its inputs (``check_dense_args``).
    """
    x, kernel, bias = check_dense_args(x, kernel, bias)
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
    x, kernel, bias = check_cache(cache, 3, "dense_forward")
    dtype = np.dtype(kernel.dtype.as_numpy_dtype)
    dout = check_dout(dout, (x.shape[0], kernel.shape[1]), dtype)
    if bias is None:
        bias = tf.zeros((kernel.shape[1],), dtype=kernel.dtype)
    dout_t = tf.convert_to_tensor(dout)
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
        raise OrderError(f"{owner}: backward() called before forward()")
    tape, _, out = record
    dout = check_dout(dout, tuple(out.shape), np.dtype(out.dtype.as_numpy_dtype))
    grads = tape.gradient(out, sources, output_gradients=tf.convert_to_tensor(dout))
    return [
        np.zeros(tuple(s.shape), dtype=dout.dtype) if g is None else g.numpy()
        for g, s in zip(grads, sources, strict=True)
    ]


# ------------------------------------------------------------------------------ layers


class Layer(ABC):
    """Base class: a Keras layer (``keras_layer``) plus scratch's bookkeeping.

    ``params`` gives NumPy copies of the trainable Keras variables; ``grads`` (same keys) is filled
    by the last backward pass. ``state`` gives copies of the non-trainable ones (BN's moving
    statistics), which ``get_weights``/``set_weights`` carry after the parameters, as Keras does.

    ``trainable=False`` freezes the layer (and its Keras layer): no parameter gradients, but it
    still back-propagates to the layers below.
    """

    kind = "layer"
    nonnegative_weights: tuple[str, ...] = ()  # weights that must be >= 0 (a variance)

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        self.name = check_name(name)
        self._trainable = check_bool(trainable, "trainable")
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
        self._trainable = check_bool(value, "trainable")
        if self.keras_layer is not None:
            self.keras_layer.trainable = self._trainable

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    @abstractmethod
    def _make_keras_layer(self) -> keras.layers.Layer:
        """Defined by every subclass."""

    def _initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {}

    def build(self, input_dim: int, rng: Any, dtype: Any = "float32") -> int:
        """Create the Keras layer for inputs of width ``input_dim``; return the output width.

        ``rng``: a ``numpy.random.Generator``, an int seed or None (``check_rng``). An already
        built layer keeps its Keras layer and variables and draws nothing (``check_rebuild``:
        same width and dtype, else ValueError), so a second ``Sequential`` holding it shares
        them, as Keras shares a layer placed in a second ``keras.Sequential``."""
        check_positive(input_dim, "input_dim", integer=True)
        rng = check_rng(rng)
        dtype = as_dtype(dtype)
        if self.built:
            check_rebuild(self, int(input_dim), dtype)
            return self.output_dim
        self.dtype, self.input_dim = dtype, int(input_dim)
        try:
            self._prepare(rng)
            self.keras_layer = self._make_keras_layer()
            self.keras_layer.build((None, self.input_dim))
            self.keras_layer.trainable = self._trainable
            for key, value in self._initial_values(rng).items():
                self._variables()[key].assign(value)
        except BaseException:
            self.input_dim, self.keras_layer = None, None  # unbuilt, not half-built
            raise
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._record = None
        return self.output_dim

    def _prepare(self, rng: np.random.Generator) -> None:  # noqa: B027 (an optional hook)
        """Draws a layer needs before its Keras layer is made (Dropout's seed)."""

    def compute_output_dim(self, input_dim: int) -> int:
        """The output width for inputs of width ``input_dim`` (without building)."""
        return int(input_dim)

    @property
    def output_dim(self) -> int:
        """Width of the output; by default the input's (activations, batch norm, dropout)."""
        if self.input_dim is None:
            raise OrderError(f"{self.name}: not built yet, so its output width is unknown")
        return self.compute_output_dim(self.input_dim)

    def _require_built(self) -> None:
        if self.keras_layer is None:
            raise OrderError(f"{self.name}: layer is not built; call build() first")

    def _variables(self) -> dict[str, keras.Variable]:
        """The Keras variables behind ``params``, in Keras order (kernel, bias)."""
        return {}

    def _state_variables(self) -> dict[str, keras.Variable]:
        """The non-trainable Keras variables behind ``state`` (BN's moving statistics)."""
        return {}

    def _weight_variables(self) -> dict[str, keras.Variable]:
        """All of them, in Keras' ``layer.weights`` order: parameters, then state."""
        return {**self._variables(), **self._state_variables()}

    @property
    def params(self) -> dict[str, np.ndarray]:
        """NumPy copies of the current parameter values ({} before build)."""
        return {k: np.array(v.numpy()) for k, v in self._variables().items()}

    @property
    def state(self) -> dict[str, np.ndarray]:
        """NumPy copies of the non-trainable state ({} for most layers)."""
        return {k: np.array(v.numpy()) for k, v in self._state_variables().items()}

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Copies of every weight, in Keras order: ``params`` first, then ``state``."""
        return {**self.params, **self.state}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> outputs, recorded on a tape for ``backward``."""
        self._require_built()
        check_bool(training, "training")
        x_t = tf.convert_to_tensor(check_input(x, self, finite=False))
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
        """Copies of the weights, in Keras order (kernel, bias; gamma, beta, moving stats)."""
        return list(self.weights.values())

    def check_weights(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        """``weights`` checked against this layer (``check_layer_weights``) without assigning
        anything; returns them cast to the layer's dtype."""
        self._require_built()
        expected = {k: tuple(v.shape) for k, v in self._weight_variables().items()}
        return check_layer_weights(
            str(self.name), expected, weights, self.dtype, self.nonnegative_weights
        )

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Overwrite the weights, in ``get_weights()`` order: real floating arrays (float16/32/64,
        cast to the layer's dtype; integer and complex arrays are refused) of exactly the
        current shapes, finite. All are checked before any is assigned."""
        self._assign_weights(self.check_weights(weights))

    def _assign_weights(self, checked: list[np.ndarray]) -> None:
        for v, w in zip(self._weight_variables().values(), checked, strict=True):
            v.assign(w)

    def __repr__(self) -> str:
        frozen = "" if self.trainable else ", trainable=False"
        return f"{type(self).__name__}(name={self.name!r}{frozen})"

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as plain JSON data, the same dict as scratch's."""
        raise TypeError(
            f"{type(self).__name__}: get_config describes {', '.join(CLASSES)} layers; a "
            "custom layer class has no config"
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A new, unbuilt layer from ``get_config()``'s dict: unknown or missing keys are refused
        (``check_config``), the values by the constructor's own checks."""
        modules = (tf_activations, tf_initializers, tf_regularizers, tf_constraints)
        return cls(**decode_config(check_config(config, cls), *modules))


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
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.units = check_units(units)
        self.activation = _activation(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = tf_initializers.get(kernel_initializer, "kernel_initializer")
        self.bias_initializer = tf_initializers.get(bias_initializer, "bias_initializer")
        self.kernel_regularizer = _keras_regularizer(kernel_regularizer, "kernel_regularizer")
        self.bias_regularizer = _keras_regularizer(bias_regularizer, "bias_regularizer")
        self.kernel_constraint = _keras_constraint(kernel_constraint, "kernel_constraint")
        self.bias_constraint = _keras_constraint(bias_constraint, "bias_constraint")
        if not self.use_bias and (self.bias_regularizer or self.bias_constraint):
            raise ValueError("bias_regularizer/bias_constraint: the layer has use_bias=False")

    def get_config(self) -> dict[str, Any]:
        """units, activation (a name, or {"name", "kwargs"}), use_bias, the initializers by name,
        regularizers and constraints (None or {"class_name", "config"}), name, trainable."""
        config: dict[str, Any] = {
            "units": self.units,
            "activation": tf_activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        for key in ("kernel", "bias"):
            init = getattr(self, f"{key}_initializer")
            config[f"{key}_initializer"] = tf_initializers.serialize(init, f"{key}_initializer")
        for key in ("kernel", "bias"):
            reg = getattr(self, f"{key}_regularizer")
            config[f"{key}_regularizer"] = tf_regularizers.serialize(reg)
        for key in ("kernel", "bias"):
            con = getattr(self, f"{key}_constraint")
            config[f"{key}_constraint"] = tf_constraints.serialize(con)
        return {**config, "name": self.name, "trainable": self.trainable}

    def compute_output_dim(self, input_dim: int) -> int:
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
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            name=self.name,
            dtype=self.dtype.name,
        )

    def _initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        assert self.input_dim is not None
        shape = (self.input_dim, self.units)
        kernel = self.kernel_initializer(shape, rng=rng, dtype=self.dtype)
        values = {"kernel": check_initial(kernel, "kernel_initializer", shape, self.dtype)}
        if self.use_bias:
            bias = self.bias_initializer((self.units,), rng=rng, dtype=self.dtype)
            values["bias"] = check_initial(bias, "bias_initializer", (self.units,), self.dtype)
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

    def get_config(self) -> dict[str, Any]:
        """activation (a name, or {"name", "kwargs"}) and name."""
        return {"activation": tf_activations.serialize(self.activation), "name": self.name}

    def _make_keras_layer(self) -> keras.layers.Activation:
        return keras.layers.Activation(
            _keras_activation(self.activation), name=self.name, dtype=self.dtype.name
        )


# --------------------------------------------------------------------- batch normalization


def _batchnorm_tf(
    x: tf.Tensor,
    gamma: tf.Tensor | None,
    beta: tf.Tensor | None,
    mean: tf.Tensor,
    variance: tf.Tensor,
    epsilon: float,
    training: bool,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(out, mean, variance) with the ops Keras 3's layer runs: ``tf.nn.moments`` (biased
    variance) when training, ``tf.nn.batch_normalization`` for the normalisation."""
    if training:
        mean, variance = tf.nn.moments(x, axes=[0])
    out = tf.nn.batch_normalization(
        x, mean, variance, offset=beta, scale=gamma, variance_epsilon=epsilon
    )
    return out, mean, variance


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    training: bool = False,
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Batch normalization with TF ops (``tf.nn.moments``, ``tf.nn.batch_normalization``).

    out = gamma * (x - mu) / sqrt(var + epsilon) + beta, with the batch's mean and biased
    variance when training (and then moving <- moving * momentum + batch * (1 - momentum), written
    back into the NumPy ``moving_mean``/``moving_variance`` in place), the moving statistics
    otherwise. x (N, D); gamma, beta (D,) or None -> out (N, D); cache = the input tensors.
    """
    x, gamma, beta, momentum, epsilon = check_batchnorm_args(
        x, gamma, beta, moving_mean, moving_variance, momentum, epsilon
    )
    x_t = tf.convert_to_tensor(x)
    gamma_t = None if gamma is None else tf.convert_to_tensor(gamma)
    beta_t = None if beta is None else tf.convert_to_tensor(beta)
    mm_t = tf.convert_to_tensor(moving_mean.copy())
    mv_t = tf.convert_to_tensor(moving_variance.copy())
    training = check_bool(training, "training")
    out, mean, variance = _batchnorm_tf(x_t, gamma_t, beta_t, mm_t, mv_t, epsilon, training)
    if training:
        # the very expression of Keras 3's BatchNormalization.call
        moving_mean[...] = (mm_t * momentum + mean * (1.0 - momentum)).numpy()
        moving_variance[...] = (mv_t * momentum + variance * (1.0 - momentum)).numpy()
    return out.numpy(), (x_t, gamma_t, beta_t, mm_t, mv_t, epsilon, training)


def batchnorm_backward(
    dout: np.ndarray, cache: tuple[Any, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) by ``tf.GradientTape`` replaying the forward, dout = dL/dout (N, D).

    When training, the tape sees x flow through ``tf.nn.moments`` too, so dx includes the paths
    through the batch mean and variance; no closed form. A missing gamma or beta gets the
    gradient that a gamma of ones or a beta of zeros would (as scratch returns it).
    """
    x, gamma, beta, mm, mv, epsilon, training = check_cache(cache, 7, "batchnorm_forward")
    dout = check_dout(dout, tuple(x.shape), np.dtype(x.dtype.as_numpy_dtype))
    width = x.shape[1]
    gamma = tf.ones((width,), x.dtype) if gamma is None else gamma
    beta = tf.zeros((width,), x.dtype) if beta is None else beta
    dout_t = tf.convert_to_tensor(dout, dtype=x.dtype)
    with tf.GradientTape() as tape:
        tape.watch([x, gamma, beta])
        out, _, _ = _batchnorm_tf(x, gamma, beta, mm, mv, epsilon, training)
    dx, dgamma, dbeta = tape.gradient(out, [x, gamma, beta], output_gradients=dout_t)
    return dx.numpy(), dgamma.numpy(), dbeta.numpy()


class BatchNormalization(Layer):
    """``keras.layers.BatchNormalization(momentum, epsilon, center, scale)``, scratch's arguments.

    gamma and beta are the trainable ``params``; the moving mean and variance are ``state``
    (Keras' non-trainable variables). Keras 3 runs a frozen layer (``trainable=False``) in
    inference mode even when called with ``training=True``.
    """

    kind = "batch_normalization"
    nonnegative_weights = ("moving_variance",)

    def __init__(
        self,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        *,
        center: bool = True,
        scale: bool = True,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.momentum = check_fraction(momentum, "momentum", one=True)
        check_positive(epsilon, "epsilon")
        self.epsilon = float(epsilon)
        self.center = check_bool(center, "center")
        self.scale = check_bool(scale, "scale")

    def get_config(self) -> dict[str, Any]:
        """momentum, epsilon, center, scale, name, trainable."""
        keys = ("momentum", "epsilon", "center", "scale", "name", "trainable")
        return {key: getattr(self, key) for key in keys}

    def _make_keras_layer(self) -> keras.layers.BatchNormalization:
        return keras.layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            name=self.name,
            dtype=self.dtype.name,
        )

    def _variables(self) -> dict[str, keras.Variable]:
        layer = self.keras_layer
        if layer is None:
            return {}
        out = {}
        if self.scale:
            out["gamma"] = layer.gamma
        if self.center:
            out["beta"] = layer.beta
        return out

    def _state_variables(self) -> dict[str, keras.Variable]:
        layer = self.keras_layer
        if layer is None:
            return {}
        return {"moving_mean": layer.moving_mean, "moving_variance": layer.moving_variance}


# -------------------------------------------------------------------------------- dropout


def _dropout_tf(x: tf.Tensor, keep: tf.Tensor, rate: float) -> tf.Tensor:
    """x * keep / (1 - rate) with TF ops; keep is 0/1 in x's dtype."""
    return tf.math.divide(tf.math.multiply(x, keep), tf.constant(1.0 - rate, x.dtype))


def dropout_forward(
    x: np.ndarray, rate: float, mask: np.ndarray | None = None, training: bool = False
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Inverted dropout with TF ops: out = x * mask / (1 - rate) when training, x otherwise.

    ``rate`` is the drop probability; ``mask`` the keep mask (1 keep, 0 drop) broadcastable to
    x, needed when training. x (N, D) -> out (N, D); cache = (x, mask, rate, training) tensors.
    """
    x, rate, mask = check_dropout_args(x, rate, mask, training)
    x_t = tf.convert_to_tensor(x)
    if not training:
        return x, (x_t, None, rate, False)
    keep = tf.cast(tf.convert_to_tensor(mask), x_t.dtype)
    return _dropout_tf(x_t, keep, rate).numpy(), (x_t, keep, rate, True)


def dropout_backward(dout: np.ndarray, cache: tuple[Any, ...]) -> np.ndarray:
    """dx by ``tf.GradientTape`` replaying the forward (identity at inference)."""
    x, keep, rate, training = check_cache(cache, 4, "dropout_forward")
    dout = check_dropout_dout(dout, None if keep is None else tuple(keep.shape), training)
    # the same words as scratch first; the tape also needs dout of exactly x's shape
    dout_t = tf.convert_to_tensor(
        check_dout(dout, tuple(x.shape), np.dtype(x.dtype.as_numpy_dtype))
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = _dropout_tf(x, keep, rate) if training else tf.identity(x)
    return tape.gradient(out, x, output_gradients=dout_t).numpy()


class _KeepMaskDropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` that, given a keep mask, applies it instead of drawing one.

    The mask is read when the call runs (or is traced, under ``tf.function``): meant for eager
    lockstep comparisons with scratch, one mask per step.
    """

    keep_mask: np.ndarray | None = None

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        if training and self.keep_mask is not None:
            keep = tf.cast(tf.convert_to_tensor(self.keep_mask), inputs.dtype)
            return _dropout_tf(inputs, keep, self.rate)
        return super().call(inputs, training=training)


class Dropout(Layer):
    """``keras.layers.Dropout(rate, noise_shape)``, seeded from the ``rng`` given to ``build``.

    Without a mask, Keras draws one (TF keeps a unit where its uniform is >= rate) from a seed
    taken from a child of ``rng``; scratch draws its own from the same kind of child, so the two
    masks differ. To run both backends on the SAME mask, inject it: ``forward(x, training=True,
    mask=m)`` for one call, or ``set_mask(m)`` until ``set_mask(None)`` (this one also reaches
    the layer inside ``Sequential``'s Keras model), e.g. ``m = scratch_layer.last_mask``.
    ``last_mask`` is the mask last injected, None when Keras drew it.
    """

    kind = "dropout"

    def __init__(
        self,
        rate: float,
        noise_shape: tuple[int | None, int | None] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, trainable=True)
        self.rate = check_fraction(rate, "rate")
        self.noise_shape = check_noise_shape(noise_shape)
        self.seed: int | None = None
        self.last_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        """rate, noise_shape (None or a list), name."""
        return {"rate": self.rate, "noise_shape": plain(self.noise_shape), "name": self.name}

    def _prepare(self, rng: np.random.Generator) -> None:
        self.seed = int(rng.spawn(1)[0].integers(2**31 - 1))

    def build(self, input_dim: int, rng: Any, dtype: Any = "float32") -> int:
        out = super().build(input_dim, rng, dtype)
        self.keras_layer.keep_mask = self._mask
        return out

    def _make_keras_layer(self) -> keras.layers.Dropout:
        return _KeepMaskDropout(
            self.rate,
            noise_shape=self.noise_shape,
            seed=self.seed,
            name=self.name,
            dtype=self.dtype.name,
        )

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Use this keep mask (1 keep, 0 drop) in every training-mode call until set_mask(None)."""
        if mask is not None:
            self._require_built()
            mask = np.asarray(mask)
            if mask.ndim != 2:
                raise ValueError(f"mask: expected a 2-D array, got shape {mask.shape}")
            mask = check_keep_mask(mask, (mask.shape[0], self.input_dim))
        self._mask = mask
        if self.keras_layer is not None:
            self.keras_layer.keep_mask = mask

    def forward(
        self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """x (N, D) -> (N, D): x * mask / (1 - rate) when training, x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training"):
            mask = self._mask if mask is None else mask
            if mask is not None:
                mask = check_keep_mask(mask, x.shape)
            else:
                noise_shape_for(self.noise_shape, x.shape)  # Keras' own error is cryptic
        self.keras_layer.keep_mask = mask if training else None
        try:
            out = super().forward(x, training)
        finally:
            self.keras_layer.keep_mask = self._mask
        self.last_mask = mask if training else None
        return out


# ------------------------------------------------------------------------ tied weights


class _TiedDense(keras.layers.Layer):
    """A Keras layer a = f(x @ W.T + bias) that reads W, another layer's kernel variable, when
    it is called. W comes from a function, not an attribute: Keras tracks a layer attribute as a
    sublayer, which would list the encoder's kernel among this layer's weights and add its
    penalty to ``model.losses`` a second time. The tape sees both reads of the one variable and
    sums their gradients."""

    def __init__(
        self,
        kernel: Callable[[], keras.Variable],
        units: int,
        activation: Any,
        use_bias: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._kernel = kernel
        self.units = units
        self.activation = activation
        self.use_bias = use_bias
        self.bias = None

    def build(self, input_shape: Any) -> None:
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        kernel = self._kernel()
        z = tf.linalg.matmul(inputs, tf.cast(kernel.value, inputs.dtype), transpose_b=True)
        if self.bias is not None:
            z = tf.math.add(z, self.bias.value)
        return self.activation(z)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (*input_shape[:-1], self.units)


class DenseTranspose(TiedTo, Layer):
    """A decoder tied to an encoder: a = f(x @ W.T + bias), W the kernel (D, M) of the tf_ref
    Dense ``tied_to`` (``tf.matmul(x, kernel, transpose_b=True)`` on its very variable); x (N, M)
    -> a (N, D). ``params`` hold the bias only; the kernel is listed, regularized and updated
    once, as the encoder's. In ``Sequential.backward`` the tape sums the kernel's two uses; a
    layer-level ``backward`` leaves the decoder's share in ``kernel_grad`` (None when the tied
    layer is frozen). ``tied_to`` may be the Dense or its name (resolved by the Sequential).
    """

    kind = "dense_transpose"
    _dense, _backend = Dense, "tf_ref"

    def __init__(
        self,
        tied_to: Any,
        activation: str | tf_activations.ActivationFunction | None = None,
        *,
        use_bias: bool = True,
        bias_initializer: str | NumpyInitializer = "zeros",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.tied_to = check_tied_to(tied_to, Dense, "tf_ref")
        self.activation = _activation(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.bias_initializer = tf_initializers.get(bias_initializer, "bias_initializer")
        self.kernel_grad: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        """tied_to (the tied layer's name), activation, use_bias, bias_initializer, name,
        trainable: the same dict as scratch's."""
        return {
            "tied_to": self.tied_name,
            "activation": tf_activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": tf_initializers.serialize(
                self.bias_initializer, "bias_initializer"
            ),
            "name": self.name,
            "trainable": self.trainable,
        }

    @property
    def kernel(self) -> np.ndarray:
        """A NumPy copy of the tied layer's kernel (D, M)."""
        return self.tied_to.params["kernel"]

    def compute_output_dim(self, input_dim: int) -> int:
        return check_tied_width(self, input_dim)

    def _prepare(self, rng: np.random.Generator) -> None:
        check_tied_width(self, self.input_dim, self.dtype)

    def _make_keras_layer(self) -> keras.layers.Layer:
        tied = self.tied_to
        return _TiedDense(
            lambda: tied.keras_layer.kernel,
            tied.input_dim,
            _keras_activation(self.activation),
            self.use_bias,
            name=self.name,
            dtype=self.dtype.name,
        )

    def _initial_values(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        if not self.use_bias:
            return {}
        d = (self.tied_to.input_dim,)
        bias = self.bias_initializer(d, rng=rng, dtype=self.dtype)
        return {"bias": check_initial(bias, "bias_initializer", d, self.dtype)}

    def _variables(self) -> dict[str, keras.Variable]:
        layer = self.keras_layer
        return {} if layer is None or not self.use_bias else {"bias": layer.bias}

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/da (N, D) -> dL/dx (N, M) by the tape; the bias gradient when trainable,
        the kernel's share of its gradient in ``kernel_grad`` when the tied layer is trainable."""
        variables = self._variables() if self.trainable else {}
        tied = self.tied_to.trainable
        x = None if self._record is None else self._record[1]
        sources = [x, *variables.values()]
        if tied:
            sources.append(self.tied_to.keras_layer.kernel)
        grads = _tape_gradients(self._record, dout, sources, str(self.name))
        for key, g in zip(variables, grads[1 : 1 + len(variables)], strict=True):
            self.grads[key] = g
        self.kernel_grad = grads[-1] if tied else None
        return grads[0]


# ------------------------------------------------------------------------ input noise


class _GaussianNoiseKeras(keras.layers.Layer):
    """x + stddev * n in training mode, n the injected ``normals`` or a seeded Keras draw.
    Keras' own GaussianNoise refuses stddev > 1, which unscaled inputs may need."""

    def __init__(self, stddev: float, seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.normals: np.ndarray | None = None

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        if not training:
            return inputs
        if self.normals is not None:
            n = tf.convert_to_tensor(self.normals, inputs.dtype)
        else:
            n = keras.random.normal(tf.shape(inputs), seed=self.seed_generator, dtype=inputs.dtype)
        return _gaussian_tf(inputs, self.stddev, n)


class _MaskingNoiseKeras(keras.layers.Layer):
    """x * keep in training mode, keep the injected ``keep_mask`` or (u >= rate) for a seeded
    Keras uniform draw u; no rescaling."""

    def __init__(self, rate: float, seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.keep_mask: np.ndarray | None = None

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        if not training:
            return inputs
        if self.keep_mask is not None:
            keep = tf.convert_to_tensor(self.keep_mask)
        else:
            u = keras.random.uniform(tf.shape(inputs), seed=self.seed_generator, dtype=inputs.dtype)
            keep = tf.math.greater_equal(u, tf.constant(self.rate, inputs.dtype))
        return _keep_tf(inputs, keep)


class GaussianNoise(Layer):
    """``keras.layers.GaussianNoise(stddev)``: training x + stddev * n, n ~ N(0, 1); inference
    x. No parameters. The normals are a Keras draw seeded from a child of the ``rng`` given to
    ``build`` (so they differ from scratch's), unless injected with ``set_noise(n)`` until
    ``set_noise(None)`` (it reaches the layer inside ``Sequential``'s Keras model too), e.g.
    ``scratch_layer.last_noise``. ``last_noise`` is the draw last injected, None when Keras drew.
    ``rate`` (= stddev) is what ``fit(cache_frozen=True)`` reads.
    """

    kind = "gaussian_noise"

    def __init__(self, stddev: float, *, name: str | None = None) -> None:
        super().__init__(name=name, trainable=True)
        self.stddev = float(check_positive(stddev, "stddev", zero=True))
        self.seed: int | None = None
        self.last_noise: np.ndarray | None = None
        self._noise: np.ndarray | None = None

    @property
    def rate(self) -> float:
        """The noise level (stddev): > 0 means training mode differs from inference."""
        return self.stddev

    def get_config(self) -> dict[str, Any]:
        """stddev, name."""
        return {"stddev": self.stddev, "name": self.name}

    def _prepare(self, rng: np.random.Generator) -> None:
        self.seed = int(rng.spawn(1)[0].integers(2**31 - 1))

    def _make_keras_layer(self) -> keras.layers.Layer:
        return _GaussianNoiseKeras(self.stddev, self.seed, name=self.name, dtype=self.dtype.name)

    def set_noise(self, noise: np.ndarray | None) -> None:
        """Use these standard normals (rows, input_dim) in every training-mode call until
        set_noise(None)."""
        self._noise = None if noise is None else check_noise_array(noise, self, "noise")
        self.keras_layer.normals = self._noise

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> x + stddev * n when training, x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training") and self._noise is not None:
            check_draw_shape(self._noise, x.shape, "noise")
        out = super().forward(x, training)
        self.last_noise = self._noise if training else None
        return out


class MaskingNoise(Layer):
    """Masking noise: training x * keep, keep = (u >= rate), u ~ U[0, 1), NOT rescaled (Keras'
    Dropout and the book's dropout-based denoising example divide by 1 - rate); inference x.
    No parameters. The mask is a Keras draw seeded from a child of the ``rng`` given to
    ``build``, unless injected with ``set_mask(keep)`` until ``set_mask(None)``; ``last_mask``
    is the mask last injected, None when Keras drew.
    """

    kind = "masking_noise"

    def __init__(self, rate: float, *, name: str | None = None) -> None:
        super().__init__(name=name, trainable=True)
        self.rate = check_fraction(rate, "rate")
        self.seed: int | None = None
        self.last_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        """rate, name."""
        return {"rate": self.rate, "name": self.name}

    def _prepare(self, rng: np.random.Generator) -> None:
        self.seed = int(rng.spawn(1)[0].integers(2**31 - 1))

    def _make_keras_layer(self) -> keras.layers.Layer:
        return _MaskingNoiseKeras(self.rate, self.seed, name=self.name, dtype=self.dtype.name)

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Use this keep mask (rows, input_dim), 1 keep, 0 mask, in every training-mode call
        until set_mask(None)."""
        if mask is not None:
            self._require_built()
            mask = np.asarray(mask)
            if mask.ndim != 2:
                raise ValueError(f"mask: expected a 2-D array, got shape {mask.shape}")
            mask = check_keep_mask(mask, (mask.shape[0], self.input_dim))
        self._mask = mask
        self.keras_layer.keep_mask = mask

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> x * keep when training (no rescaling), x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training") and self._mask is not None:
            check_draw_shape(self._mask, x.shape, "mask")
        out = super().forward(x, training)
        self.last_mask = self._mask if training else None
        return out


CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Dense,
        Activation,
        BatchNormalization,
        Dropout,
        DenseTranspose,
        GaussianNoise,
        MaskingNoise,
    )
}


def serialize(layer: Layer) -> dict[str, Any]:
    """{"class_name": "Dense", "config": layer.get_config()}, the same dict as scratch's."""
    return serialize_object(layer, "layer", CLASSES)


def deserialize(spec: Any) -> Layer:
    """A new, unbuilt layer from ``serialize``'s dict (an unknown class_name is refused)."""
    return deserialize_object(spec, "layer", CLASSES)


def check_input(x: Any, layer: Layer, *, finite: bool = True) -> np.ndarray:
    """Validate a batch for ``layer``: 2-D floating, finite, width = input_dim, layer's dtype.

    ``finite=False`` skips the O(N*D) NaN scan (what a layer's own forward does).
    """
    return check_float_array(
        x, "x", ndim=2, width=layer.input_dim, dtype=layer.dtype, finite=finite
    )
