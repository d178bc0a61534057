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

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratch.checks import check_choice, check_float_array, check_number

# SELU's constants (Klambauer et al. 2017), as in Keras. The book's 1st-edition fallback
# implementation swapped the two defaults; the names make that mistake visible.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def check_z(z: Any) -> np.ndarray:
    """An activation's input: a float32/float64 array of any shape (NaN passes through: an
    activation of NaN is NaN, and a diverging network must reach the loss)."""
    return check_float_array(z, "z", finite=False, allow_empty=True)


def check_coefficient(value: Any, name: str) -> float:
    """An activation's keyword argument (``alpha``, ``negative_slope``): a finite number."""
    number = check_number(value, name)
    if not np.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return number


def linear(z: np.ndarray) -> np.ndarray:
    """Identity: f(z) = z."""
    z = check_z(z)
    return z


def linear_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1."""
    z = check_z(z)
    return np.ones_like(z)


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU: f(z) = max(0, z)."""
    z = check_z(z)
    return np.maximum(z, 0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 if z > 0 else 0 (0 at the kink, as TF's ReluGrad)."""
    z = check_z(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """Leaky ReLU: f(z) = z if z > 0 else negative_slope * z.

    Keras' function default slope is 0.2; its ``LeakyReLU`` layer uses 0.3 and the book 0.01.
    """
    z = check_z(z)
    negative_slope = check_coefficient(negative_slope, "negative_slope")
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_grad(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """f'(z) = 1 if z > 0 else negative_slope (the slope at exactly 0, as TF's LeakyReluGrad)."""
    z = check_z(z)
    negative_slope = check_coefficient(negative_slope, "negative_slope")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU (book Eq. 11-2): f(z) = z if z > 0 else alpha * (exp(z) - 1).

    ``expm1`` keeps precision for small |z|; ``minimum(z, 0)`` stops exp overflowing on the
    branch that ``where`` discards.
    """
    z = check_z(z)
    alpha = check_coefficient(alpha, "alpha")
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """f'(z) = 1 if z > 0 else alpha * exp(z) = f(z) + alpha. At z = 0 this is alpha."""
    z = check_z(z)
    alpha = check_coefficient(alpha, "alpha")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))


def selu(z: np.ndarray) -> np.ndarray:
    """SELU: f(z) = scale * elu(z, alpha) with the self-normalising constants above."""
    z = check_z(z)
    return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = scale if z >= 0 else scale * alpha * exp(z) (scale at 0, as TF's SeluGrad)."""
    z = check_z(z)
    scale, alpha = z.dtype.type(SELU_SCALE), z.dtype.type(SELU_ALPHA)
    return np.where(z < 0, scale * alpha * np.exp(np.minimum(z, 0)), scale)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-z)), evaluated without overflow for large |z|."""
    z = check_z(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = s (1 - s) with s = sigmoid(z)."""
    z = check_z(z)
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent."""
    z = check_z(z)
    return np.tanh(z)


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 - tanh(z)^2."""
    z = check_z(z)
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


def check_activation_kwargs(name: str, kwargs: Any, where: str = "") -> dict[str, float]:
    """The keyword arguments of activation ``name`` (a known name): a dict whose keys are
    parameters of scratch's ``name(z, ...)`` (elu: alpha; leaky_relu: negative_slope; the others
    none) and whose values are finite numbers. ``where`` prefixes the argument names in
    messages (e.g. "activation_kwargs"). Plumbing shared with tf_ref.activations."""
    label = where or "kwargs"
    if not isinstance(kwargs, dict):
        raise TypeError(
            f"{label}: expected a dict of keyword arguments, got {type(kwargs).__name__}"
        )
    allowed = [p for p in inspect.signature(_TABLE[name][0]).parameters if p != "z"]
    out = {}
    for key, value in kwargs.items():
        if key not in allowed:
            takes = ", ".join(allowed) if allowed else "no keyword arguments"
            raise TypeError(f"{label}: {name} takes {takes}, got {key!r}")
        out[key] = check_coefficient(value, f"{where}[{key!r}]" if where else key)
    return out


@dataclass(frozen=True)
class ActivationFunction:
    """An activation by name with its keyword arguments: ``f(z)`` and ``f.grad(z)``.

    Both are checked at construction (``check_activation_kwargs``), so a bad argument fails
    here rather than in the middle of training."""

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


def check_activation_spec(spec: Any) -> tuple[Any, dict[str, Any]]:
    """A config's activation as (name, kwargs): "elu" -> ("elu", {}), {"name": "leaky_relu",
    "kwargs": {...}} -> ("leaky_relu", {...}); the name itself is left to ``get``. Plumbing
    shared with tf_ref.activations."""
    if not isinstance(spec, dict):
        return spec, {}
    if "name" not in spec or set(spec) - {"name", "kwargs"}:
        raise ValueError(
            f"activation: expected a name or {{'name': ..., 'kwargs': {{...}}}}, got {spec!r}"
        )
    kwargs = spec.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise TypeError(f"activation['kwargs']: expected a dict, got {kwargs!r}")
    return spec["name"], kwargs


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
