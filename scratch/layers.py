"""Layers: each keeps its forward and backward next to each other (CS231n ``layers.py`` style).

The maths lives in small pure functions, ``*_forward(x, ...) -> (out, cache)`` and
``*_backward(dout, cache) -> grads``; the classes only hold parameters, their gradients and the
``trainable`` flag, so that a frozen layer still passes gradients down but never changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch import activations, initializers
from scratch.checks import as_dtype, check_float_array


def dense_forward(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Affine map: out = x @ kernel + bias.

    x (N, D), kernel (D, M), bias (M,) or None -> out (N, M); cache = (x, kernel).
    """
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
    x, kernel = cache
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)


class Layer:
    """Base class: parameters in ``params``, their gradients in ``grads`` (same keys).

    ``trainable=False`` freezes the layer: the optimizer skips it and its parameter gradients
    are not computed, but it still back-propagates to the layers below.
    """

    kind = "layer"

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        self.name = name
        self.trainable = bool(trainable)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.input_dim: int | None = None
        self.dtype: np.dtype = np.dtype("float32")

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: Any = "float32") -> int:
        """Create parameters for inputs of width ``input_dim``; return the output width."""
        self.input_dim = int(input_dim)
        self.dtype = as_dtype(dtype)
        return self.output_dim

    @property
    def output_dim(self) -> int:
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in Keras order (kernel, bias)."""
        return [p.copy() for p in self.params.values()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Overwrite the parameters in place; shapes must match exactly."""
        if len(weights) != len(self.params):
            raise ValueError(
                f"{self.name}: expected {len(self.params)} weight arrays, got {len(weights)}"
            )
        for (key, p), w in zip(self.params.items(), weights, strict=True):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"{self.name}.{key}: expected shape {p.shape}, got {w.shape}")
            p[...] = w

    def __repr__(self) -> str:
        frozen = "" if self.trainable else ", trainable=False"
        return f"{type(self).__name__}(name={self.name!r}{frozen})"


class Dense(Layer):
    """Fully connected layer with an optional activation: a = f(x @ kernel + bias).

    Mirrors ``keras.layers.Dense(units, activation, use_bias, kernel_initializer,
    bias_initializer)``; the default kernel initializer is Glorot uniform, as in Keras.
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
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units: expected a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._cache: tuple[Any, ...] | None = None

    @property
    def output_dim(self) -> int:
        return self.units

    def build(self, input_dim: int, rng: np.random.Generator, dtype: Any = "float32") -> int:
        super().build(input_dim, rng, dtype)
        shape = (self.input_dim, self.units)
        self.params = {"kernel": self.kernel_initializer(shape, rng=rng, dtype=self.dtype)}
        if self.use_bias:
            self.params["bias"] = self.bias_initializer((self.units,), rng=rng, dtype=self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return self.units

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> a (N, units); keeps what backward needs."""
        z, cache = dense_forward(x, self.params["kernel"], self.params.get("bias"))
        self._cache = (cache, z)
        return self.activation(z)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout = dL/da (N, units) -> dL/dx (N, input_dim); fills ``grads`` if trainable."""
        if self._cache is None:
            raise RuntimeError(f"{self.name}: backward() called before forward()")
        cache, z = self._cache
        dz = dout if self.activation.name == "linear" else dout * self.activation.grad(z)
        if not self.trainable:
            return dz @ cache[1].T
        dx, dkernel, dbias = dense_backward(dz, cache)
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

    @property
    def output_dim(self) -> int:
        assert self.input_dim is not None
        return self.input_dim

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._z = x
        return self.activation(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self._z is None:
            raise RuntimeError(f"{self.name}: backward() called before forward()")
        return dout * self.activation.grad(self._z)


def check_input(x: Any, layer: Layer) -> np.ndarray:
    """Validate a batch for ``layer``: 2-D floating, finite, width = input_dim, layer's dtype."""
    return check_float_array(x, "x", ndim=2, width=layer.input_dim, dtype=layer.dtype)
