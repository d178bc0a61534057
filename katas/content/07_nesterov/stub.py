"""Kata 7: Nesterov accelerated gradient in three forms. Run `katas check nesterov`."""

from collections.abc import Callable

import numpy as np


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray | None,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> None:
    """One SGD step in place (Keras form), now with Nesterov; returns None.

    momentum == 0:  param -= learning_rate * grad           (``m`` unused, may be None)
    otherwise:      m = momentum * m - learning_rate * grad
                    nesterov:  param += momentum * m - learning_rate * grad
                    otherwise: param += m                   (kata 6)
    ``grad`` is the gradient at ``param``, which here holds the look-ahead point.
    """
    raise NotImplementedError("write sgd_update")


def nesterov_sutskever_step(
    theta: np.ndarray,
    velocity: np.ndarray,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    learning_rate: float,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov as the book and Sutskever et al. (2013) write it, one step:

        v = momentum * v - learning_rate * grad_fn(theta + momentum * v)
        theta = theta + v
    Call ``grad_fn`` once, at the look-ahead point. Returns new (theta, v) of theta's dtype;
    the arguments stay as they were.
    """
    raise NotImplementedError("write nesterov_sutskever_step")


def nesterov_tf1_step(
    w: np.ndarray, accumulation: np.ndarray, grad: np.ndarray, learning_rate: float, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov as TF1's ``MomentumOptimizer(use_nesterov=True)`` does it, one step:

        a = momentum * a + grad
        w = w - learning_rate * grad - learning_rate * momentum * a
    ``grad`` is the gradient at ``w``. Returns new (w, a) of w's dtype; the
    arguments stay as they were.
    """
    raise NotImplementedError("write nesterov_tf1_step")
