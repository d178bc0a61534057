"""No bias correction (alpha = lr): the first step is (1 - beta_1) / sqrt(1 - beta_2) = 3.16 lr."""

import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    alpha = learning_rate
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    param -= alpha * m / (np.sqrt(v) + epsilon)
