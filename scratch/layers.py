"""Layers: each keeps its forward and backward next to each other (CS231n ``layers.py`` style).

The maths lives in small pure functions, ``*_forward(x, ...) -> (out, cache)`` and
``*_backward(dout, cache) -> grads``; the classes only hold parameters, their gradients, any
non-trainable state (batch norm's moving statistics) and the ``trainable`` flag, so that a frozen
layer still passes gradients down but never changes.

Each public ``*_forward`` checks its arguments; the layers call the unchecked twin (``_...``)
after a cheap shape check, because the model has validated the data once, and a NaN born inside
a diverging network must reach the loss (where ``fit`` stops cleanly) rather than raise mid-step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratch import activations, constraints, fast, initializers, noise, regularizers
from scratch.checks import (
    OrderError,
    as_dtype,
    check_bool,
    check_config,
    check_float_array,
    check_fraction,
    check_name,
    check_number,
    check_positive,
    check_rng,
    check_weight,
    deserialize_object,
    plain,
    serialize_object,
)
from scratch.regularizers import Regularizer

# ----------------------------------------------------------------- argument checks (plumbing)
# tf_ref.layers imports these, so that both backends refuse bad arguments with the same words.


def check_regularizer(regularizer: Any, name: str) -> Any:
    """None, or an object with ``__call__(w) -> penalty`` and ``grad(w) -> dpenalty/dw``."""
    if regularizer is not None and not (callable(regularizer) and hasattr(regularizer, "grad")):
        raise TypeError(
            f"{name}: expected a regularizer such as L2(1e-4) (callable with a .grad), "
            f"or None, got {regularizer!r}"
        )
    return regularizer


def check_constraint(constraint: Any, name: str) -> Any:
    """None, or a callable w -> projected w (e.g. ``MaxNorm(2.0)``)."""
    if constraint is not None and not callable(constraint):
        raise TypeError(f"{name}: expected a constraint such as MaxNorm(2), got {constraint!r}")
    return constraint


def check_rebuild(layer: Any, input_dim: int, dtype: np.dtype) -> None:
    """``build`` on an already built ``layer``: it keeps its weights, so the width and dtype
    asked for must be the ones it was built for ("hidden3: built for inputs of width 300, got
    784")."""
    if input_dim != layer.input_dim:
        raise ValueError(
            f"{layer.name}: built for inputs of width {layer.input_dim}, got {input_dim} (a built "
            "layer keeps its weights; reuse it where its input has that width)"
        )
    if np.dtype(dtype) != layer.dtype:
        raise ValueError(
            f"{layer.name}: built for dtype {layer.dtype.name}, got {np.dtype(dtype).name} (a "
            "built layer keeps its weights; build the model in the layer's dtype)"
        )


def check_units(units: Any) -> int:
    """A Dense layer's width: an integer >= 1."""
    check_number(units, "units", integer=True)
    if units < 1:
        raise ValueError(f"units: expected a positive integer, got {units!r}")
    return int(units)


def check_keep_mask(mask: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A dropout keep mask: 1 (keep) or 0 (drop) everywhere, broadcastable to ``shape``."""
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ and mask.dtype.kind not in "iuf":
        raise TypeError(f"mask: expected a boolean or 0/1 array, got dtype {mask.dtype}")
    try:
        fits = np.broadcast_shapes(mask.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"mask: expected a shape broadcastable to {tuple(shape)}, got {mask.shape}"
        )
    if mask.dtype != np.bool_ and not ((mask == 0) | (mask == 1)).all():
        raise ValueError("mask: expected only 0 (drop) and 1 (keep), got other values")
    return mask


def check_noise_shape(noise_shape: Any) -> tuple[int | None, int | None] | None:
    """Keras' ``noise_shape`` for 2-D inputs: None, or (rows, width), each None or >= 1."""
    if noise_shape is None:
        return None
    if not isinstance(noise_shape, (tuple, list)):
        raise TypeError(
            f"noise_shape: expected (rows, width), each None or a positive integer, "
            f"got {noise_shape!r}"
        )
    shape = tuple(noise_shape)
    ok = len(shape) == 2 and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1)
        for d in shape
    )
    if not ok:
        raise ValueError(
            f"noise_shape: expected (rows, width), each None or a positive integer, got {shape!r}"
        )
    return tuple(None if d is None else int(d) for d in shape)


def noise_shape_for(
    noise_shape: tuple[int | None, int | None] | None, shape: tuple[int, ...]
) -> tuple[int, ...]:
    """The concrete mask shape for an input of ``shape`` (None takes the input's size); it must
    broadcast to ``shape``."""
    if noise_shape is None:
        return tuple(shape)
    out = tuple(d if n is None else n for n, d in zip(noise_shape, shape, strict=True))
    if any(o not in (1, d) for o, d in zip(out, shape, strict=True)):
        raise ValueError(
            f"noise_shape: {noise_shape!r} gives masks of shape {out}, which do not broadcast "
            f"to the input's {tuple(shape)}"
        )
    return out


def check_batchnorm_args(
    x: Any,
    gamma: Any,
    beta: Any,
    moving_mean: Any,
    moving_variance: Any,
    momentum: Any,
    epsilon: Any,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, float, float]:
    """``batchnorm_forward``'s arguments: x (N, D) finite float; gamma, beta (D,) or None (cast
    to x's dtype); the moving statistics (D,) ndarrays of x's dtype (they are updated in place);
    momentum in [0, 1]; epsilon > 0. Returns (x, gamma, beta, momentum, epsilon)."""
    x = check_float_array(x, "x", ndim=2)
    width = x.shape[1]
    gamma, beta = (
        None if a is None else check_float_array(a, name, ndim=1, width=width, dtype=x.dtype)
        for name, a in (("gamma", gamma), ("beta", beta))
    )
    for name, arr in (("moving_mean", moving_mean), ("moving_variance", moving_variance)):
        if not isinstance(arr, np.ndarray) or arr.dtype != x.dtype:
            got = f"dtype {arr.dtype}" if isinstance(arr, np.ndarray) else type(arr).__name__
            raise TypeError(f"{name}: expected a {x.dtype} ndarray (updated in place), got {got}")
        check_float_array(arr, name, ndim=1, width=width)
    check_positive(epsilon, "epsilon")
    return x, gamma, beta, check_fraction(momentum, "momentum", one=True), float(epsilon)


def check_dropout_dout(dout: Any, mask_shape: tuple[int, ...] | None, training: bool) -> np.ndarray:
    """``dropout_backward``'s dL/dout: a 2-D floating array the keep mask (of ``mask_shape``)
    broadcasts to when training."""
    dout = check_float_array(dout, "dout", ndim=2, finite=False)
    if training:
        try:
            fits = np.broadcast_shapes(tuple(mask_shape), dout.shape) == dout.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"dout: expected a shape the mask {tuple(mask_shape)} broadcasts to, "
                f"got {dout.shape}"
            )
    return dout


def check_dense_args(
    x: Any, kernel: Any, bias: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``dense_forward``'s arguments: kernel (D, M) float32/float64, bias (M,) of the kernel's
    dtype or None, x (N, D) floating, finite. The kernel's dtype is the layer's: x is cast to it,
    as a Keras layer casts its inputs (so float32 x and a float64 kernel compute in float64,
    float64 x and a float32 kernel in float32, in both backends). Returns (x, kernel, bias)."""
    kernel = check_float_array(kernel, "kernel", ndim=2)
    d, m = kernel.shape
    if bias is not None:
        bias = check_float_array(bias, "bias", ndim=1)
        if bias.shape != (m,):
            raise ValueError(f"bias: expected shape ({m},) (one per unit), got {bias.shape}")
        if bias.dtype != kernel.dtype:
            raise TypeError(f"bias: expected dtype {kernel.dtype} (as kernel), got {bias.dtype}")
    x = check_float_array(x, "x", ndim=2, dtype=kernel.dtype)
    if x.shape[1] != d:
        raise ValueError(f"x: expected {d} columns (kernel is {kernel.shape}), got shape {x.shape}")
    return x, kernel, bias


def check_dout(dout: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An upstream gradient dL/dout of the last forward's output ``shape``, cast to ``dtype``.

    NaN is let through: a NaN born in a diverging network must reach the loss, where ``fit``
    stops cleanly, rather than raise mid-step."""
    dout = check_float_array(dout, "dout", ndim=len(shape), dtype=dtype, finite=False)
    if dout.shape != tuple(shape):
        raise ValueError(f"dout: expected shape {tuple(shape)} (the last output), got {dout.shape}")
    return dout


def check_cache(cache: Any, length: int, forward: str) -> tuple[Any, ...]:
    """The ``cache`` a ``*_forward`` returned: a tuple of ``length`` items."""
    if not isinstance(cache, tuple) or len(cache) != length:
        raise TypeError(
            f"cache: expected the cache that {forward} returned, got {type(cache).__name__}"
        )
    return cache


def check_layer_weights(
    layer: str,
    expected: dict[str, tuple[int, ...]],
    weights: Any,
    dtype: Any,
    nonnegative: tuple[str, ...] = (),
) -> list[np.ndarray]:
    """A layer's ``set_weights`` argument, all of it checked before anything is assigned: a
    list of ``len(expected)`` arrays in ``expected``'s order, each ``check_weight``-ed as
    "<layer>.<key>" (real floating, that shape, finite; >= 0 for the keys in ``nonnegative``)
    and cast to ``dtype``. Plumbing shared with tf_ref.layers."""
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"weights: expected a list of arrays, got {type(weights).__name__}")
    if len(weights) != len(expected):
        raise ValueError(f"{layer}: expected {len(expected)} weight arrays, got {len(weights)}")
    return [
        check_weight(w, f"{layer}.{key}", shape, dtype, nonnegative=key in nonnegative)
        for (key, shape), w in zip(expected.items(), weights, strict=True)
    ]


def check_dropout_args(
    x: Any, rate: Any, mask: Any, training: bool
) -> tuple[np.ndarray, float, np.ndarray | None]:
    """``dropout_forward``'s arguments: x (N, D) finite float, rate in [0, 1), and when training a
    keep mask broadcastable to x. Returns (x, rate, mask)."""
    x = check_float_array(x, "x", ndim=2)
    rate = check_fraction(rate, "rate")
    if check_bool(training, "training"):
        if mask is None:
            raise ValueError("mask: expected a keep mask (1 keep, 0 drop) when training, got None")
        mask = check_keep_mask(mask, x.shape)
    return x, rate, mask


def decode_config(config: dict[str, Any], *modules: Any) -> dict[str, Any]:
    """A layer config's nested values turned back into objects by the backend's ``modules``
    (activations, initializers, regularizers, constraints, each with ``deserialize``):
    "activation", "*_initializer", "*_regularizer", "*_constraint". Plumbing shared with
    tf_ref.layers (each backend passes its own modules)."""
    act, init, reg, con = modules
    out = dict(config)
    for key, value in config.items():
        if key == "activation":
            out[key] = act.deserialize(value)
        elif key.endswith("_initializer"):
            out[key] = init.deserialize(value, key)
        elif key.endswith("_regularizer"):
            out[key] = reg.deserialize(value)
        elif key.endswith("_constraint"):
            out[key] = con.deserialize(value)
    return out


# ------------------------------------------------------------------------------- dense


def _fast_activation(fn: activations.ActivationFunction, dtype: np.dtype) -> tuple[Any, ...] | None:
    """The Numba twin's constants for ``fn`` in ``dtype`` when the Numba path is on
    (``scratch.fast``) and ``fn`` has a twin; None: run the NumPy definitions."""
    if not fast.enabled():
        return None
    return fast.module("activations").constants(fn, dtype)


def _fast_layers() -> Any:
    return fast.module("layers")


def dense_forward(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Affine map: out = x @ kernel + bias.

    x (N, D), kernel (D, M), bias (M,) or None -> out (N, M); cache = (x, kernel). The kernel's
    dtype is the computation's: x is cast to it, as a Keras layer casts its inputs (bias must
    have it too; ``check_dense_args``).
    """
    return _dense_forward(*check_dense_args(x, kernel, bias))


def _dense_forward(x, kernel, bias):
    # The maths of dense_forward without the argument checks.
    out = x @ kernel
    if bias is not None:
        out += bias
    return out, (x, kernel)


def dense_backward(
    dout: np.ndarray, cache: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the affine map, given dout = dL/dout (N, M).

    dx = dout @ kernel.T (N, D); dkernel = x.T @ dout (D, M); dbias = sum over the batch (M,).
    No 1/N here: the loss already averaged over the batch.
    """
    x, kernel = check_cache(cache, 2, "dense_forward")
    dout = check_dout(dout, (x.shape[0], kernel.shape[1]), kernel.dtype)
    return _dense_backward(dout, x, kernel)


def _dense_backward(dout, x, kernel):
    # The maths of dense_backward without the argument checks.
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)


class Layer(ABC):
    """Base class: parameters in ``params``, their gradients in ``grads`` (same keys).

    ``state`` holds non-trainable arrays (batch norm's moving statistics): learned by the forward
    pass, not by gradients, so no optimizer ever sees them, yet ``get_weights``/``set_weights``
    and checkpoints carry them, after the parameters, as Keras does.

    ``trainable=False`` freezes the layer: the optimizer skips it and its parameter gradients
    are not computed, but it still back-propagates to the layers below.

    ``regularizers`` and ``constraints`` map a parameter's key to its penalty (added to the loss
    by the training step, as Keras adds ``model.losses``) and to its projection (applied by the
    optimizer after the update); both only act while the layer is trainable.
    """

    kind = "layer"
    nonnegative_weights: tuple[str, ...] = ()  # weights that must be >= 0 (a variance)

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        self.name = check_name(name)
        self.trainable = trainable
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.regularizers: dict[str, Regularizer] = {}
        self.constraints: dict[str, Any] = {}
        self.input_dim: int | None = None
        self.dtype: np.dtype = np.dtype("float32")

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = check_bool(value, "trainable")  # bool("no") would be True

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    def build(self, input_dim: int, rng: Any, dtype: Any = "float32") -> int:
        """Create parameters for inputs of width ``input_dim``; return the output width.

        ``rng``: a ``numpy.random.Generator``, an int seed or None (``check_rng``). An already
        built layer keeps its weights and draws nothing (``check_rebuild``: same width and
        dtype, else ValueError), so a layer placed in a second model is shared, as a Keras
        layer is (``keras.Sequential(model_a.layers[:-1] + [...])``)."""
        check_positive(input_dim, "input_dim", integer=True)
        rng = check_rng(rng)
        dtype = as_dtype(dtype)
        if self.built:
            check_rebuild(self, int(input_dim), dtype)
            return self.output_dim
        self.dtype, self.input_dim = dtype, int(input_dim)
        try:
            self._create(rng)
        except BaseException:
            self.input_dim = None  # a failed build leaves the layer unbuilt, not half-built
            raise
        return self.output_dim

    def _create(self, rng: np.random.Generator) -> None:  # noqa: B027 (an optional hook)
        """Draw the weights of a layer that is being built (input_dim and dtype are set)."""

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
        if not self.built:
            raise OrderError(f"{self.name}: layer is not built; call build() first")

    def _check_dout(self, dout: Any, out: np.ndarray | None) -> np.ndarray:
        """``dout`` against the output of the last forward (``out``; None: no forward yet)."""
        if out is None:
            raise OrderError(f"{self.name}: backward() called before forward()")
        return check_dout(dout, out.shape, out.dtype)

    @abstractmethod
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Defined by every subclass."""

    @abstractmethod
    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Defined by every subclass."""

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Every array the layer holds, in Keras order: ``params`` first, then ``state``."""
        return {**self.params, **self.state}

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights, in Keras order (kernel, bias; gamma, beta, moving stats)."""
        return [p.copy() for p in self.weights.values()]

    def check_weights(self, weights: list[np.ndarray]) -> list[np.ndarray]:
        """``weights`` checked against this layer (``check_layer_weights``) without assigning
        anything; returns them cast to the layer's dtype."""
        self._require_built()
        expected = {k: v.shape for k, v in self.weights.items()}
        return check_layer_weights(
            str(self.name), expected, weights, self.dtype, self.nonnegative_weights
        )

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Overwrite the weights in place, in ``get_weights()`` order: real floating arrays
        (float16/32/64, cast to the layer's dtype; integer and complex arrays are refused) of
        exactly the current shapes, finite. All are checked before any is assigned."""
        self._assign_weights(self.check_weights(weights))

    def _assign_weights(self, checked: list[np.ndarray]) -> None:
        for p, w in zip(self.weights.values(), checked, strict=True):
            p[...] = w

    def __repr__(self) -> str:
        frozen = "" if self.trainable else ", trainable=False"
        return f"{type(self).__name__}(name={self.name!r}{frozen})"

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as plain JSON data (``from_config`` takes them back)."""
        raise TypeError(
            f"{type(self).__name__}: get_config describes {', '.join(CLASSES)} layers; a "
            "custom layer class has no config"
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A new, unbuilt layer from ``get_config()``'s dict: unknown or missing keys are refused
        (``check_config``), the values by the constructor's own checks."""
        kwargs = decode_config(
            check_config(config, cls), activations, initializers, regularizers, constraints
        )
        return cls(**kwargs)


class Dense(Layer):
    """Fully connected layer with an optional activation: a = f(x @ kernel + bias).

    Mirrors ``keras.layers.Dense(units, activation, use_bias, kernel_initializer,
    bias_initializer, kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint)``;
    the default kernel initializer is Glorot uniform, as in Keras. A regularizer adds its
    penalty to the training loss (``Sequential.regularization_loss``); a constraint projects the
    weights after every optimizer step (max-norm: ``MaxNorm(2.0)``, Keras' axis 0 = per unit).
    """

    kind = "dense"

    def __init__(
        self,
        units: int,
        activation: str | activations.ActivationFunction | None = None,
        *,
        use_bias: bool = True,
        kernel_initializer: str | initializers.Initializer = "glorot_uniform",
        bias_initializer: str | initializers.Initializer = "zeros",
        kernel_regularizer: Regularizer | None = None,
        bias_regularizer: Regularizer | None = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.units = check_units(units)
        self.activation = activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer, "kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer, "bias_initializer")
        regularizers = {"kernel": kernel_regularizer, "bias": bias_regularizer}
        constraints = {"kernel": kernel_constraint, "bias": bias_constraint}
        self.regularizers = {
            k: check_regularizer(r, f"{k}_regularizer")
            for k, r in regularizers.items()
            if r is not None
        }
        self.constraints = {
            k: check_constraint(c, f"{k}_constraint")
            for k, c in constraints.items()
            if c is not None
        }
        if not self.use_bias and ("bias" in self.regularizers or "bias" in self.constraints):
            raise ValueError("bias_regularizer/bias_constraint: the layer has use_bias=False")
        self._cache: tuple[Any, ...] | None = None

    def get_config(self) -> dict[str, Any]:
        """units, activation (a name, or {"name", "kwargs"}), use_bias, the initializers by name,
        regularizers and constraints (None or {"class_name", "config"}), name, trainable."""
        config: dict[str, Any] = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        for key in ("kernel", "bias"):
            init = getattr(self, f"{key}_initializer")
            config[f"{key}_initializer"] = initializers.serialize(init, f"{key}_initializer")
        for key in ("kernel", "bias"):
            config[f"{key}_regularizer"] = regularizers.serialize(self.regularizers.get(key))
        for key in ("kernel", "bias"):
            config[f"{key}_constraint"] = constraints.serialize(self.constraints.get(key))
        return {**config, "name": self.name, "trainable": self.trainable}

    def compute_output_dim(self, input_dim: int) -> int:
        return self.units

    def _create(self, rng: np.random.Generator) -> None:
        shape = (self.input_dim, self.units)
        kernel = self.kernel_initializer(shape, rng=rng, dtype=self.dtype)
        self.params = {
            "kernel": initializers.check_initial(kernel, "kernel_initializer", shape, self.dtype)
        }
        if self.use_bias:
            bias = self.bias_initializer((self.units,), rng=rng, dtype=self.dtype)
            self.params["bias"] = initializers.check_initial(
                bias, "bias_initializer", (self.units,), self.dtype
            )
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> a (N, units); keeps what backward needs."""
        self._require_built()
        check_bool(training, "training")
        x = check_input(x, self, finite=False)
        kernel, bias = self.params["kernel"], self.params.get("bias")
        twin = _fast_activation(self.activation, kernel.dtype)
        if twin is None:
            z, cache = _dense_forward(x, kernel, bias)
            self._cache = (cache, z)
            return self.activation(z)
        # the Numba path (scratch.fast.layers): the same maths, bias and f in one pass
        z = x @ kernel
        self._cache = ((x, kernel), z)
        return _fast_layers().bias_activation(z, bias, twin)

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dout = dL/da (N, units) -> dL/dx (N, input_dim); fills ``grads`` if trainable.
        ``input_grad=False`` (the model's lowest layer): dL/dx is not needed; None may come
        back instead (the Numba path skips that product)."""
        cache, z = self._cache if self._cache is not None else (None, None)
        dout = self._check_dout(dout, z)
        # a dout in another order (an F-ordered array of your own) is summed pairwise by NumPy
        twin = _fast_activation(self.activation, z.dtype) if dout.flags.c_contiguous else None
        if twin is None:
            dz = dout if self.activation.name == "linear" else dout * self.activation.grad(z)
            if not self.trainable:
                return dz @ cache[1].T
            dx, dkernel, dbias = _dense_backward(dz, *cache)
        else:  # the Numba path: f'(z), the product with dout and the bias sum in one pass
            x, kernel = cache
            dz, dbias = _fast_layers().activation_grad(
                dout, z, twin, self.use_bias and self.trainable
            )
            dx = dz @ kernel.T if input_grad or not self.trainable else None
            if not self.trainable:
                return dx
            dkernel = x.T @ dz
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dbias
        return dx


class Activation(Layer):
    """A stand-alone activation layer (used when batch norm sits between Dense and f)."""

    kind = "activation"

    def __init__(
        self,
        activation: str | activations.ActivationFunction,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, trainable=True)
        self.activation = activations.get(activation, **kwargs)
        self._z: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        """activation (a name, or {"name", "kwargs"}) and name."""
        return {"activation": activations.serialize(self.activation), "name": self.name}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> f(x) (N, D)."""
        self._require_built()
        check_bool(training, "training")
        self._z = z = check_input(x, self, finite=False)
        twin = _fast_activation(self.activation, z.dtype)
        if twin is None or z.ndim != 2:
            return self.activation(z)
        return _fast_layers().bias_activation(z, None, twin)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dout (N, D) -> dL/dx = dout * f'(x)."""
        dout = self._check_dout(dout, self._z)
        twin = _fast_activation(self.activation, self._z.dtype)
        if twin is None or dout.ndim != 2 or not dout.flags.c_contiguous:
            return dout * self.activation.grad(self._z)
        return _fast_layers().activation_grad(dout, self._z, twin, False)[0]


# --------------------------------------------------------------------- batch normalization


def _fast_normalization() -> Any:
    """``scratch.fast.normalization``: the Numba twins of batch norm and dropout."""
    return fast.module("normalization")


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
    """Batch normalization, feature by feature (Ioffe & Szegedy 2015; book ch. 11, Keras 3).

    training=True:   mu = mean_n x;  var = mean_n (x - mu)^2      (biased: 1/N, not 1/(N-1))
                     moving_mean     <- moving_mean * momentum + mu * (1 - momentum)
                     moving_variance <- moving_variance * momentum + var * (1 - momentum)
    training=False:  mu, var = moving_mean, moving_variance       (statistics of the training set)
    then             xhat = (x - mu) / sqrt(var + epsilon);  out = gamma * xhat + beta

    x (N, D); gamma, beta (D,) or None (no scale: 1; no center: 0); moving_mean and
    moving_variance (D,) arrays of x's dtype, updated IN PLACE when training (as CS231n's
    ``bn_param`` and Keras' ``assign``). Returns out (N, D) and cache = (xhat, gamma, inv_std,
    training) for ``batchnorm_backward``.
    """
    x, gamma, beta, momentum, epsilon = check_batchnorm_args(
        x, gamma, beta, moving_mean, moving_variance, momentum, epsilon
    )
    training = check_bool(training, "training")
    return _batchnorm_forward(
        x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training
    )


def _batchnorm_forward(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training):
    # The maths of batchnorm_forward without the argument checks.
    if training:
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)  # 1/N: the batch's own spread, as Keras uses it
        moving_mean[...] = moving_mean * momentum + mu * (1 - momentum)
        moving_variance[...] = moving_variance * momentum + var * (1 - momentum)
    else:
        mu, var = moving_mean, moving_variance
    inv_std = 1 / np.sqrt(var + epsilon)
    xhat = (x - mu) * inv_std
    out = xhat if gamma is None else gamma * xhat
    if beta is not None:
        out = out + beta
    return out, (xhat, gamma, inv_std, training)


def batchnorm_backward(
    dout: np.ndarray, cache: tuple[Any, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of batch normalization, given dout = dL/dout (N, D).

    dbeta = sum_n dout;  dgamma = sum_n dout * xhat;  dxhat = gamma * dout.
    Training: mu and var depend on x, so x reaches out along three paths (through xhat directly,
    through mu and through var); adding them up and simplifying gives the compact form
        dx = (1/N) * inv_std * (N * dxhat - sum_n dxhat - xhat * sum_n (dxhat * xhat))
           = (gamma * inv_std / N) * (N * dout - dbeta - xhat * dgamma)
    Inference (or a frozen layer): mu and var are constants, so dx = gamma * inv_std * dout.
    Returns dx (N, D), dgamma (D,), dbeta (D,) (the last two even when scale/center are off).
    """
    xhat = check_cache(cache, 4, "batchnorm_forward")[0]
    return _batchnorm_backward(check_dout(dout, xhat.shape, xhat.dtype), cache)


def _batchnorm_backward(dout, cache):
    # The maths of batchnorm_backward without the argument checks.
    xhat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    scale = inv_std if gamma is None else gamma * inv_std
    if not training:
        return dout * scale, dgamma, dbeta
    n = dout.shape[0]
    return (scale / n) * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta


class BatchNormalization(Layer):
    """``keras.layers.BatchNormalization`` on (N, D) inputs: out = gamma * xhat + beta.

    gamma (``scale``) starts at 1 and beta (``center``) at 0: trainable parameters. The moving
    mean (0) and variance (1) are ``state``: updated by every training-mode forward pass, used at
    inference. A frozen layer (``trainable=False``) uses the moving statistics even when
    ``training=True`` and leaves them alone, as Keras 3 does (what fine-tuning wants). The book
    puts it before the activation: Dense(use_bias=False) -> BatchNormalization -> Activation
    (beta makes the Dense bias redundant).
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
        self._cache: tuple[Any, ...] | None = None
        self._out: np.ndarray | None = None
        self._buffers: dict[Any, tuple] = {}  # the Numba path's workspaces, per batch shape

    def get_config(self) -> dict[str, Any]:
        """momentum, epsilon, center, scale, name, trainable."""
        keys = ("momentum", "epsilon", "center", "scale", "name", "trainable")
        return {key: getattr(self, key) for key in keys}

    def _create(self, rng: np.random.Generator) -> None:
        d, dt = self.input_dim, self.dtype
        self.params = {}
        if self.scale:
            self.params["gamma"] = np.ones(d, dt)
        if self.center:
            self.params["beta"] = np.zeros(d, dt)
        self.state = {"moving_mean": np.zeros(d, dt), "moving_variance": np.ones(d, dt)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> (N, D); training (and not frozen) also moves the moving statistics."""
        self._require_built()
        check_bool(training, "training")
        x = check_input(x, self, finite=False)
        args = (
            x,
            self.params.get("gamma"),
            self.params.get("beta"),
            self.state["moving_mean"],
            self.state["moving_variance"],
            self.momentum,
            self.epsilon,
            bool(training) and self.trainable,
        )
        if fast.enabled():  # the same maths in three loops (scratch.fast.normalization)
            out, self._cache = _fast_normalization().batchnorm_forward(*args, self._buffers)
        else:
            out, self._cache = _batchnorm_forward(*args)
        self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/dout (N, D) -> dL/dx; fills ``grads`` (gamma, beta) if trainable."""
        dout = self._check_dout(dout, self._out)
        if fast.enabled():
            dx, dgamma, dbeta = _fast_normalization().batchnorm_backward(dout, self._cache)
        else:
            dx, dgamma, dbeta = _batchnorm_backward(dout, self._cache)
        if self.trainable:
            for key, g in (("gamma", dgamma), ("beta", dbeta)):
                if key in self.params:
                    self.grads[key] = g
        return dx


# -------------------------------------------------------------------------------- dropout


def dropout_forward(
    x: np.ndarray, rate: float, mask: np.ndarray | None = None, training: bool = False
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Inverted dropout (Hinton et al. 2012, Srivastava et al. 2014; book ch. 11; Keras).

    training=True:  out = x * mask / (1 - rate);   training=False: out = x.
    ``rate`` is the DROP probability (Keras); CS231n's ``p`` is the KEEP probability, a classic
    confusion. ``mask`` is the keep mask, 1 = keep, 0 = drop, broadcastable to x; draw it as
    ``rng.random(x.shape) >= rate`` (TF keeps a unit where its uniform is >= rate). Dividing the
    kept units by the keep probability 1 - rate keeps E[out] = x, so inference needs no rescaling.

    x (N, D), mask broadcastable to (N, D) (needed when training) -> out (N, D);
    cache = (mask, rate, training).
    """
    x, rate, mask = check_dropout_args(x, rate, mask, training)
    return _dropout_forward(x, rate, mask, bool(training))


def _dropout_forward(x, rate, mask, training):
    # The maths of dropout_forward without the argument checks.
    if not training:
        return x, (None, rate, False)
    keep = mask.astype(x.dtype, copy=False)
    return x * keep / (1 - rate), (keep, rate, True)


def dropout_backward(dout: np.ndarray, cache: tuple[Any, ...]) -> np.ndarray:
    """dx = dout * mask / (1 - rate) when training (the same mask, the same scale); else dout."""
    keep, _, training = check_cache(cache, 3, "dropout_forward")
    dout = check_dropout_dout(dout, None if keep is None else keep.shape, training)
    return _dropout_backward(dout, cache)


def _dropout_backward(dout, cache):
    # The maths of dropout_backward without the argument checks.
    keep, rate, training = cache
    return dout * keep / (1 - rate) if training else dout


class Dropout(Layer):
    """``keras.layers.Dropout(rate, noise_shape)``: inverted dropout, identity at inference.

    The keep mask is drawn from a child of the ``rng`` given to ``build`` (spawned, so adding a
    dropout layer does not shift the other layers' initial weights), unless one is injected:
    ``forward(x, training=True, mask=m)`` for one call, or ``set_mask(m)`` until
    ``set_mask(None)``. The mask last used is kept in ``last_mask``, so the very same mask can be
    handed to the other backend. ``noise_shape`` is Keras': e.g. (None, 1) drops whole rows
    (None = the input's size on that axis).
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
        self.rng: np.random.Generator | None = None
        self.last_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._cache: tuple[Any, ...] | None = None
        self._out: np.ndarray | None = None
        self._buffers: dict[Any, tuple] = {}  # the Numba path's workspaces, per batch shape

    def get_config(self) -> dict[str, Any]:
        """rate, noise_shape (None or a list), name."""
        return {"rate": self.rate, "noise_shape": plain(self.noise_shape), "name": self.name}

    def _create(self, rng: np.random.Generator) -> None:
        self.rng = rng.spawn(1)[0]

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Use this keep mask (1 keep, 0 drop) in every training-mode call until set_mask(None)."""
        if mask is not None:
            self._require_built()
            mask = np.asarray(mask)
            if mask.ndim != 2:
                raise ValueError(f"mask: expected a 2-D array, got shape {mask.shape}")
            mask = check_keep_mask(mask, (mask.shape[0], self.input_dim))
        self._mask = mask

    def forward(
        self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """x (N, D) -> (N, D): x * mask / (1 - rate) when training, x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training"):
            if mask is not None:
                mask = check_keep_mask(mask, x.shape)
            elif self._mask is not None:
                mask = check_keep_mask(self._mask, x.shape)
            elif fast.enabled():  # the same draws, compared and applied in one loop
                shape = noise_shape_for(self.noise_shape, x.shape)
                out, mask, self._cache = _fast_normalization().dropout_forward(
                    x, self.rate, self.rng, shape, self._buffers
                )
                self.last_mask, self._out = mask, out
                return out
            else:
                mask = self.rng.random(noise_shape_for(self.noise_shape, x.shape)) >= self.rate
        self.last_mask = mask if training else None
        out, self._cache = _dropout_forward(x, self.rate, mask, bool(training))
        self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dout (N, D) -> dL/dx: the same mask and scale as the last forward."""
        dout = self._check_dout(dout, self._out)
        if fast.enabled():
            return _fast_normalization().dropout_backward(dout, self._cache)
        return _dropout_backward(dout, self._cache)


# ------------------------------------------------------------------------ tied weights


def check_tied_to(tied_to: Any, dense_class: type, backend: str) -> Any:
    """A ``DenseTranspose``'s ``tied_to``: a ``dense_class`` layer (the backend's Dense), or its
    name (a str, resolved by the Sequential holding both, as ``from_config`` leaves it). Plumbing
    shared with tf_ref.layers."""
    if isinstance(tied_to, str):
        return check_name(tied_to, "tied_to")
    if type(tied_to) is not dense_class:
        got = type(tied_to).__module__.split(".")[0] + "." + type(tied_to).__name__
        raise TypeError(
            f"tied_to: expected a {backend} Dense layer (or its name), got {got}; the decoder "
            "reuses that layer's kernel, transposed"
        )
    return tied_to


def check_tied_width(layer: Any, input_dim: int, dtype: Any = None) -> int:
    """A ``DenseTranspose`` fed inputs of width ``input_dim`` (and ``dtype``): its tied layer must
    be resolved (not a bare name) and built, ``input_dim`` must be the tied layer's ``units``
    and the dtype its dtype. Returns the output width, the tied layer's input width. Plumbing
    shared with tf_ref.layers and both backends' ``check_build_plan``."""
    tied = layer.tied_to
    if isinstance(tied, str):
        raise OrderError(
            f"{layer.name}: tied_to is the name {tied!r}, not resolved yet: put this layer in a "
            "Sequential after the Dense of that name, or pass the Dense itself"
        )
    if not tied.built:
        raise OrderError(
            f"{layer.name}: its tied layer {tied.name!r} is not built; build it first (a "
            "Sequential does, when the Dense sits earlier in the same model)"
        )
    if int(input_dim) != tied.units:
        raise ValueError(
            f"{layer.name}: tied to {tied.name!r} (kernel {tied.input_dim} x {tied.units}), so "
            f"it takes inputs of width {tied.units}, got {input_dim}"
        )
    if dtype is not None and np.dtype(dtype) != tied.dtype:
        raise ValueError(
            f"{layer.name}: tied to {tied.name!r} of dtype {tied.dtype.name}, got "
            f"{np.dtype(dtype).name} (build the model in the tied layer's dtype)"
        )
    return int(tied.input_dim)


class TiedTo:
    """What both backends' ``DenseTranspose`` share about its tie (plumbing, imported by
    tf_ref.layers): ``tied_to`` (a Dense of the backend, ``_dense``, or its name until a
    Sequential resolves it), its name for the config, and re-tying a name to the layer."""

    _dense: type
    _backend: str

    @property
    def tied_name(self) -> str | None:
        """The tied layer's name (what the config stores)."""
        return self.tied_to if isinstance(self.tied_to, str) else self.tied_to.name

    def tie_to(self, layer: Any) -> None:
        """Resolve ``tied_to`` to ``layer`` (a Dense of this backend), e.g. a name from a config."""
        if self.built and layer is not self.tied_to:
            raise ValueError(f"{self.name}: already built, tied to {self.tied_name!r}")
        self.tied_to = check_tied_to(layer, self._dense, self._backend)
        if isinstance(self.tied_to, str):
            raise TypeError("layer: expected a Dense layer to tie to, got a name")


class DenseTranspose(TiedTo, Layer):
    """A decoder tied to an encoder (book ch. 15, "Tying Weights"): a = f(x @ W.T + bias), W the
    kernel (D, M) of the Dense ``tied_to``; x (N, M) -> a (N, D).

    ``params`` hold the bias (D,) only: the kernel stays the tied layer's (one array, listed once
    by ``trainable_params``, regularized once by the encoder's own regularizer). ``backward``
    leaves the kernel's share of the gradient, dz.T @ x (D, M), in ``kernel_grad`` (None when the
    tied layer is frozen); ``Sequential.backward`` adds it to ``tied_to.grads["kernel"]`` once
    the whole pass is done, whatever this layer's own ``trainable`` flag (that flag freezes the
    bias only), as TF's tape sums both uses of the variable. ``tied_to`` may be the Dense or its
    name (resolved by the Sequential, which must hold the Dense earlier in the same model).
    """

    kind = "dense_transpose"
    _dense, _backend = Dense, "scratch"

    def __init__(
        self,
        tied_to: Any,
        activation: str | activations.ActivationFunction | None = None,
        *,
        use_bias: bool = True,
        bias_initializer: str | initializers.Initializer = "zeros",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.tied_to = check_tied_to(tied_to, Dense, "scratch")
        self.activation = activations.get(activation)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.bias_initializer = initializers.get(bias_initializer, "bias_initializer")
        self.kernel_grad: np.ndarray | None = None
        self._cache: tuple[Any, ...] | None = None

    def get_config(self) -> dict[str, Any]:
        """tied_to (the tied layer's name), activation, use_bias, bias_initializer, name,
        trainable."""
        return {
            "tied_to": self.tied_name,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer, "bias_initializer"),
            "name": self.name,
            "trainable": self.trainable,
        }

    @property
    def kernel(self) -> np.ndarray:
        """The tied layer's kernel (D, M), the very array (not a copy)."""
        return self.tied_to.params["kernel"]

    def compute_output_dim(self, input_dim: int) -> int:
        return check_tied_width(self, input_dim)

    def _create(self, rng: np.random.Generator) -> None:
        d = check_tied_width(self, self.input_dim, self.dtype)
        self.params = {}
        if self.use_bias:
            bias = self.bias_initializer((d,), rng=rng, dtype=self.dtype)
            self.params["bias"] = initializers.check_initial(
                bias, "bias_initializer", (d,), self.dtype
            )
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.kernel_grad = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, M) -> a = f(x @ W.T + bias) (N, D); keeps what backward needs."""
        self._require_built()
        check_bool(training, "training")
        x = check_input(x, self, finite=False)
        z = x @ self.kernel.T
        if self.use_bias:
            z += self.params["bias"]
        self._cache = (x, z)
        return self.activation(z)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/da (N, D) -> dL/dx = dz @ W (N, M), dz = dout * f'(z); the bias gradient
        (sum over the batch) when trainable, the kernel's share dz.T @ x in ``kernel_grad``
        when the tied layer is trainable."""
        x, z = self._cache if self._cache is not None else (None, None)
        dout = self._check_dout(dout, z)
        dz = dout if self.activation.name == "linear" else dout * self.activation.grad(z)
        self.kernel_grad = dz.T @ x if self.tied_to.trainable else None
        if self.trainable and self.use_bias:
            self.grads["bias"] = dz.sum(axis=0)
        return dz @ self.kernel


# ------------------------------------------------------------------------ input noise


def check_noise_array(noise: Any, layer: Layer, name: str) -> np.ndarray:
    """An injected draw for a noise layer: 2-D finite float (rows, input_dim), cast to the
    layer's dtype."""
    layer._require_built()
    return check_float_array(noise, name, ndim=2, width=layer.input_dim, dtype=layer.dtype)


def check_draw_shape(draw: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """An injected draw against the batch it corrupts: exactly the batch's shape."""
    if draw.shape != tuple(shape):
        raise ValueError(
            f"{name}: the injected draw has shape {draw.shape}, the batch {tuple(shape)} "
            "(inject one of the batch's shape, or set it to None to draw)"
        )
    return draw


def check_injected_draws(layers: Sequence[Any], batch_rows: Sequence[int]) -> None:
    """Every draw injected into ``layers`` (``GaussianNoise.set_noise``, ``MaskingNoise`` and
    ``Dropout``'s ``set_mask``) fits every batch size in ``batch_rows`` (the rows of the
    batches a fit, a step or a forward pass will feed it): its rows equal the batch's (a
    Dropout mask of 1 row broadcasts). Checked before anything runs, so that a draw that fits
    the first batches but not the last one does not stop training half-way (scratch) or raise
    TF's InvalidArgumentError (tf_ref). Plumbing shared with tf_ref's fit and model."""
    sizes = sorted({int(n) for n in batch_rows})
    for layer in layers:
        for what in ("noise", "mask"):
            draw = getattr(layer, f"_{what}", None)
            if draw is None:
                continue
            rows = draw.shape[0]
            broadcasts = rows == 1 and layer.kind == "dropout"
            if not broadcasts and any(rows != n for n in sizes):
                raise ValueError(
                    f"{what}: layer {layer.name!r} has an injected {what} of {rows} rows, but "
                    f"it would be fed batches of {' and '.join(map(str, sizes))} rows; inject "
                    f"one that fits every batch (e.g. batch_size dividing the rows of x) or "
                    f"set it to None to draw"
                )


class GaussianNoise(Layer):
    """``keras.layers.GaussianNoise(stddev)``: training x + stddev * n, n ~ N(0, 1); inference x
    (``noise.gaussian_noise``). The input corruption of a denoising autoencoder. No parameters.

    The normals come from a child of the ``rng`` given to ``build`` (spawned, as Dropout's), or
    are injected with ``set_noise(n)`` until ``set_noise(None)``; ``last_noise`` keeps the last
    ones, to hand to the other backend. ``rate`` (= stddev) is what ``fit(cache_frozen=True)``
    reads to refuse a layer that draws at training time.
    """

    kind = "gaussian_noise"

    def __init__(self, stddev: float, *, name: str | None = None) -> None:
        super().__init__(name=name, trainable=True)
        self.stddev = float(check_positive(stddev, "stddev", zero=True))
        self.rng: np.random.Generator | None = None
        self.last_noise: np.ndarray | None = None
        self._noise: np.ndarray | None = None
        self._out: np.ndarray | None = None

    @property
    def rate(self) -> float:
        """The noise level (stddev): > 0 means training mode differs from inference."""
        return self.stddev

    def get_config(self) -> dict[str, Any]:
        """stddev, name."""
        return {"stddev": self.stddev, "name": self.name}

    def _create(self, rng: np.random.Generator) -> None:
        self.rng = rng.spawn(1)[0]

    def set_noise(self, noise: np.ndarray | None) -> None:
        """Use these standard normals (rows, input_dim) in every training-mode call until
        set_noise(None)."""
        self._noise = None if noise is None else check_noise_array(noise, self, "noise")

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> x + stddev * n when training, x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training"):
            if self._noise is not None:
                n = check_draw_shape(self._noise, x.shape, "noise")
            else:
                n = self.rng.standard_normal(x.shape, dtype=self.dtype)
            self.last_noise = n
            out = noise._gaussian_noise(x, self.stddev, n)
        else:
            self.last_noise, out = None, x
        self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dout -> dL/dx = dout (the noise is additive, in both modes)."""
        return self._check_dout(dout, self._out)


class MaskingNoise(Layer):
    """Masking noise (Vincent et al. 2008): training x * keep, keep = (u >= rate), u ~ U[0, 1)
    (TF's keep rule), NOT rescaled; inference x (``noise.masking_noise``). No parameters.

    Unlike ``Dropout`` (and Keras' Dropout, which the book's denoising example uses), the kept
    entries are not divided by 1 - rate: the corrupted input is x with a fraction ``rate`` of its
    entries set to 0, as a denoising autoencoder wants. The keep mask is drawn from a child of
    the ``rng`` given to ``build``, or injected with ``set_mask(keep)`` until ``set_mask(None)``;
    ``last_mask`` keeps the last one.
    """

    kind = "masking_noise"

    def __init__(self, rate: float, *, name: str | None = None) -> None:
        super().__init__(name=name, trainable=True)
        self.rate = check_fraction(rate, "rate")
        self.rng: np.random.Generator | None = None
        self.last_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._keep: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def get_config(self) -> dict[str, Any]:
        """rate, name."""
        return {"rate": self.rate, "name": self.name}

    def _create(self, rng: np.random.Generator) -> None:
        self.rng = rng.spawn(1)[0]

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

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, D) -> x * keep when training (no rescaling), x otherwise."""
        self._require_built()
        x = check_input(x, self, finite=False)
        if check_bool(training, "training"):
            if self._mask is not None:
                keep = check_draw_shape(self._mask, x.shape, "mask")
            else:
                keep = self.rng.random(x.shape) >= self.rate
            self.last_mask, self._keep = keep, keep.astype(x.dtype, copy=False)
            out = noise._apply_keep(x, self._keep)
        else:
            self.last_mask, self._keep, out = None, None, x
        self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dL/dout -> dL/dx = dout * keep when the last forward trained, dout otherwise."""
        dout = self._check_dout(dout, self._out)
        return dout if self._keep is None else dout * self._keep


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
    """{"class_name": "Dense", "config": layer.get_config()} (Keras' ``layers.serialize``)."""
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
