"""Kata 6: SGD with momentum, Keras form. Run `katas check momentum` after each change."""

import numpy as np


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray | None,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> None:
    """One SGD step, updating ``param`` (and ``m``) in place; returns None.

    momentum == 0:  param -= learning_rate * grad          (``m`` is unused and may be None)
    otherwise:      m = momentum * m - learning_rate * grad
                    param += m
    ``param``, ``grad`` and ``m`` have the same shape. ``nesterov=True`` is kata 7: you may
    ignore it here.
    """
    raise NotImplementedError("write sgd_update")
