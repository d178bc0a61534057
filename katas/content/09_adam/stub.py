"""Kata 9: Adam. Run `katas check adam` after each change."""

import numpy as np


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    learning_rate: float,
    t: int,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    v_hat: np.ndarray | None = None,
) -> None:
    """One Adam step, in place (book Eq. 11-8, Keras form); ``t`` counts steps from 1:

        alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)    (both bias corrections)
        m += (g - m) * (1 - beta_1)          i.e. m = beta_1 m + (1 - beta_1) g
        v += (g * g - v) * (1 - beta_2)      i.e. v = beta_2 v + (1 - beta_2) g^2
        AMSGrad (v_hat given): v_hat = max(v_hat, v), used in place of v below
        param -= alpha * m / (sqrt(v) + epsilon)       (epsilon outside the root)

    param, grad, m, v (and v_hat): arrays of one shape; update param, m, v (and v_hat) in
    place and return None.
    """
    raise NotImplementedError("write adam_update")
