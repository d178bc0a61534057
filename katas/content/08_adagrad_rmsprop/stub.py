"""Kata 8: AdaGrad and RMSProp. Run `katas check adagrad_rmsprop` after each change."""

import numpy as np


def adagrad_update(
    param: np.ndarray, grad: np.ndarray, acc: np.ndarray, learning_rate: float, epsilon: float
) -> None:
    """One AdaGrad step, in place (book Eq. 11-6, Keras form):

        acc += g * g
        param -= learning_rate * g / sqrt(acc + epsilon)     (epsilon inside the root)

    param, grad, acc: arrays of one shape. Update ``param`` and ``acc`` in place; return None.
    The caller creates ``acc`` (Keras fills it with 0.1).
    """
    raise NotImplementedError("write adagrad_update")


def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    learning_rate: float,
    rho: float,
    epsilon: float,
    *,
    momentum: float = 0.0,
    mom: np.ndarray | None = None,
    average_grad: np.ndarray | None = None,
) -> None:
    """One RMSProp step, in place (book Eq. 11-7, Keras form):

        v = rho * v + (1 - rho) * g * g
        centered (average_grad given):  a = rho * a + (1 - rho) * g;  denom = v - a * a + epsilon
        otherwise:                       denom = v + epsilon
        step = learning_rate * g / sqrt(denom)
        momentum > 0:  mom = momentum * mom + step;  param -= mom
        otherwise:     param -= step

    All arrays have one shape; ``v``, ``mom`` and ``average_grad`` are slots the caller keeps
    between steps, so update them in place. Return None.
    """
    raise NotImplementedError("write rmsprop_update")
