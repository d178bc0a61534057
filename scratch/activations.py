"""Activation functions and their derivatives, side by side (book section "Nonsaturating
Activation Functions"; Clevert et al. 2015 for ELU, Klambauer et al. 2017 for SELU).

For each activation ``f`` there is ``f(z)`` and ``f_grad(z)``, the elementwise derivative
f'(z) evaluated at the pre-activation z (same shape as z). Backprop through an activation is then
``dz = dout * f_grad(z)``.

At kinks we return what TensorFlow's gradient kernels return, so that the two backends agree
bit for bit on inputs that are exactly 0: relu'(0) = 0, leaky_relu'(0) = negative_slope,
elu'(0) = alpha (Keras' ``where(z > 0, ...)``), selu'(0) = scale (TF's SeluGrad tests y < 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratch.checks import check_choice

# SELU's constants (Klambauer et al. 2017), as in Keras. The book's 1st-edition fallback
# implementation swapped the two defaults; the names make that mistake visible.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def linear(z: np.ndarray) -> np.ndarray:
    """Identity: f(z) = z."""
    return z


def linear_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1."""
    return np.ones_like(z)


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU: f(z) = max(0, z)."""
    return np.maximum(z, 0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 if z > 0 else 0 (0 at the kink, as TF's ReluGrad)."""
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """Leaky ReLU: f(z) = z if z > 0 else negative_slope * z.

    Keras' function default slope is 0.2; its ``LeakyReLU`` layer uses 0.3 and the book 0.01.
    """
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_grad(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """f'(z) = 1 if z > 0 else negative_slope (the slope at exactly 0, as TF's LeakyReluGrad)."""
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU (book Eq. 11-2): f(z) = z if z > 0 else alpha * (exp(z) - 1).

    ``expm1`` keeps precision for small |z|; ``minimum(z, 0)`` stops exp overflowing on the
    branch that ``where`` discards.
    """
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """f'(z) = 1 if z > 0 else alpha * exp(z) = f(z) + alpha. At z = 0 this is alpha."""
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))


def selu(z: np.ndarray) -> np.ndarray:
    """SELU: f(z) = scale * elu(z, alpha) with the self-normalising constants above."""
    return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = scale if z >= 0 else scale * alpha * exp(z) (scale at 0, as TF's SeluGrad)."""
    scale, alpha = z.dtype.type(SELU_SCALE), z.dtype.type(SELU_ALPHA)
    return np.where(z < 0, scale * alpha * np.exp(np.minimum(z, 0)), scale)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-z)), evaluated without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = s (1 - s) with s = sigmoid(z)."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent."""
    return np.tanh(z)


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 - tanh(z)^2."""
    t = np.tanh(z)
    return 1 - t * t


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
    """An activation by name with its keyword arguments: ``f(z)`` and ``f.grad(z)``."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return _TABLE[self.name][0](z, **self.kwargs)

    def grad(self, z: np.ndarray) -> np.ndarray:
        return _TABLE[self.name][1](z, **self.kwargs)


def get(name: str | ActivationFunction | None, **kwargs: Any) -> ActivationFunction:
    """Look an activation up by name (``None`` means linear), e.g. ``get("elu", alpha=0.5)``."""
    if isinstance(name, ActivationFunction):
        return name
    name = "linear" if name is None else name
    if not isinstance(name, str):
        raise TypeError(f"activation: expected a name such as 'elu', got {type(name).__name__}")
    check_choice(name, "activation", _TABLE)
    return ActivationFunction(name, dict(kwargs))


NAMES = tuple(_TABLE)
