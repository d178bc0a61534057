"""Kata 3: activations and their derivatives. Run `katas check activations` after each change.

Every function is elementwise: z is an array of any shape, float32 or float64, and the result
has the same shape and dtype. ``f_grad(z)`` is the derivative f'(z) at the pre-activation z, so
that backprop through the activation is ``dz = dout * f_grad(z)``. Don't modify z in place.
"""

import numpy as np

# SELU's constants (Klambauer et al. 2017), as in Keras. Don't swap them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU: max(0, z)."""
    raise NotImplementedError("write relu")


def relu_grad(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (also 0 at exactly z = 0, as TensorFlow)."""
    raise NotImplementedError("write relu_grad")


def leaky_relu(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """z where z > 0, else negative_slope * z (0.2 is Keras' function default)."""
    raise NotImplementedError("write leaky_relu")


def leaky_relu_grad(z: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    """1 where z > 0, else negative_slope (also at exactly z = 0, as TensorFlow)."""
    raise NotImplementedError("write leaky_relu_grad")


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU (book Eq. 11-2): z where z > 0, else alpha * (exp(z) - 1). No overflow for large z."""
    raise NotImplementedError("write elu")


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """1 where z > 0, else alpha * exp(z) (so alpha at exactly z = 0, as Keras)."""
    raise NotImplementedError("write elu_grad")


def selu(z: np.ndarray) -> np.ndarray:
    """SELU: SELU_SCALE * elu(z, SELU_ALPHA)."""
    raise NotImplementedError("write selu")


def selu_grad(z: np.ndarray) -> np.ndarray:
    """SELU_SCALE where z >= 0 (scale at exactly 0, as TensorFlow), else
    SELU_SCALE * SELU_ALPHA * exp(z)."""
    raise NotImplementedError("write selu_grad")
