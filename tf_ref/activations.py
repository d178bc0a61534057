"""Activation functions and their derivatives computed by Keras 3 and TensorFlow: the oracle for
``scratch.activations`` (book section "Nonsaturating Activation Functions").

``f(z)`` is ``keras.activations.f``; ``f_grad(z)`` is the elementwise derivative f'(z) that
``tf.GradientTape`` returns for sum(f(z)), i.e. what TensorFlow's gradient kernels (ReluGrad,
LeakyReluGrad, EluGrad, SeluGrad, ...) compute with an upstream gradient of ones. NumPy in,
NumPy out, same shape and dtype.

What the kernels do at the kinks and near them (TF 2.21, measured):
- relu'(0) = 0; leaky_relu'(0) = negative_slope; elu'(0) = alpha; selu'(0) = scale.
- ``negative_slope`` is a float32 attribute of the LeakyRelu op, so in float64 TF multiplies by
  float32(negative_slope).
- Elu and Selu compute exp(z) - 1 (not expm1), and their gradients reuse the output y:
  elu' = y + 1, selu' = y + scale * alpha when y < 0, else the z >= 0 branch. So near 0 they carry
  an absolute error of about one ulp of 1, and for -eps/2 < z < 0, where exp(z) - 1 rounds to 0,
  SeluGrad returns scale instead of scale * alpha.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.activations import (
    check_activation_kwargs,
    check_activation_spec,
    check_coefficient,
    check_z,
)
from scratch.checks import check_choice

# SELU's constants read back from TensorFlow's Selu kernel rather than copied:
# selu(1) = scale and selu(-inf) = -scale * alpha (in float64, exp(-1000) is exactly 0).
SELU_SCALE = float(tf.nn.selu(tf.constant(1.0, tf.float64)))
SELU_ALPHA = -float(tf.nn.selu(tf.constant(-1000.0, tf.float64))) / SELU_SCALE


def _derivative(f: Callable[[tf.Tensor], tf.Tensor], z: np.ndarray) -> np.ndarray:
    """f'(z) elementwise: d sum(f(z)) / dz, by ``tf.GradientTape``."""
    z = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        total = tf.reduce_sum(f(z))
    return tape.gradient(total, z).numpy()


def linear(z: np.ndarray) -> np.ndarray:
    """``keras.activations.linear``: f(z) = z."""
    z = check_z(z)
    return np.asarray(keras.activations.linear(z))


def linear_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1, by GradientTape."""
    z = check_z(z)
    return _derivative(keras.activations.linear, z)


def relu(z: np.ndarray) -> np.ndarray:
    """``keras.activations.relu`` (``tf.nn.relu``): f(z) = max(0, z)."""
    z = check_z(z)
    return keras.activations.relu(z).numpy()


def relu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) by GradientTape (ReluGrad: 1 if z > 0 else 0)."""
    z = check_z(z)
    return _derivative(keras.activations.relu, z)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """``keras.activations.leaky_relu`` (``tf.nn.leaky_relu``): z if z > 0 else slope * z."""
    z = check_z(z)
    negative_slope = check_coefficient(negative_slope, "negative_slope")
    return keras.activations.leaky_relu(z, negative_slope=negative_slope).numpy()


def leaky_relu_grad(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """f'(z) by GradientTape (LeakyReluGrad: 1 if z > 0 else negative_slope)."""
    z = check_z(z)
    negative_slope = check_coefficient(negative_slope, "negative_slope")
    return _derivative(lambda t: keras.activations.leaky_relu(t, negative_slope=negative_slope), z)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``keras.activations.elu``: z if z > 0 else alpha * (exp(z) - 1).

    Keras calls ``tf.nn.elu`` (alpha = 1) and, for other alphas, ``where(z > 0, elu, alpha * elu)``.
    """
    z = check_z(z)
    alpha = check_coefficient(alpha, "alpha")
    return keras.activations.elu(z, alpha=alpha).numpy()


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """f'(z) by GradientTape: 1 if z > 0 else alpha * exp(z); alpha at 0 (EluGrad, then where)."""
    z = check_z(z)
    alpha = check_coefficient(alpha, "alpha")
    return _derivative(lambda t: keras.activations.elu(t, alpha=alpha), z)


def selu(z: np.ndarray) -> np.ndarray:
    """``keras.activations.selu`` (``tf.nn.selu``): scale * elu(z, alpha), constants above."""
    z = check_z(z)
    return keras.activations.selu(z).numpy()


def selu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) by GradientTape (SeluGrad: scale if y >= 0 else y + scale * alpha)."""
    z = check_z(z)
    return _derivative(keras.activations.selu, z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``keras.activations.sigmoid`` (``tf.nn.sigmoid``): 1 / (1 + exp(-z))."""
    z = check_z(z)
    return keras.activations.sigmoid(z).numpy()


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) by GradientTape (SigmoidGrad: y * (1 - y))."""
    z = check_z(z)
    return _derivative(keras.activations.sigmoid, z)


def tanh(z: np.ndarray) -> np.ndarray:
    """``keras.activations.tanh`` (``tf.nn.tanh``)."""
    z = check_z(z)
    return keras.activations.tanh(z).numpy()


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) by GradientTape (TanhGrad: 1 - y^2)."""
    z = check_z(z)
    return _derivative(keras.activations.tanh, z)


_TABLE: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "linear": (linear, linear_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "selu": (selu, selu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}


@dataclass(frozen=True)
class ActivationFunction:
    """An activation by name with its keyword arguments: ``f(z)`` and ``f.grad(z)``, both
    checked at construction as in scratch (``check_activation_kwargs``)."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_choice(self.name, "activation", _TABLE)
        object.__setattr__(self, "kwargs", check_activation_kwargs(self.name, self.kwargs))

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return _TABLE[self.name][0](z, **self.kwargs)

    def grad(self, z: np.ndarray) -> np.ndarray:
        return _TABLE[self.name][1](z, **self.kwargs)


def get(name: str | ActivationFunction | None, **kwargs: Any) -> ActivationFunction:
    """Look an activation up by name (``None`` means linear), e.g. ``get("elu", alpha=0.5)``.

    An ``ActivationFunction`` comes back as is, or with ``kwargs`` merged into its own."""
    if isinstance(name, ActivationFunction):
        return ActivationFunction(name.name, {**name.kwargs, **kwargs}) if kwargs else name
    name = "linear" if name is None else name
    if not isinstance(name, str):
        raise TypeError(f"activation: expected a name such as 'elu', got {type(name).__name__}")
    check_choice(name, "activation", _TABLE)
    return ActivationFunction(name, dict(kwargs))


def serialize(activation: str | ActivationFunction | None) -> str | dict[str, Any]:
    """An activation as config data: its name ("elu"), or {"name": "leaky_relu", "kwargs":
    {"negative_slope": 0.1}} when it has keyword arguments."""
    fn = get(activation)
    return fn.name if not fn.kwargs else {"name": fn.name, "kwargs": dict(fn.kwargs)}


def deserialize(spec: Any) -> ActivationFunction:
    """The inverse of ``serialize`` (None also means linear)."""
    name, kwargs = check_activation_spec(spec)
    return get(name, **kwargs)


NAMES = tuple(_TABLE)
