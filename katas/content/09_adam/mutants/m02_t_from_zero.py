"""Counts steps from 0 (corrects with beta^(t - 1)): the first call computes 0 / 0."""

import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    alpha = learning_rate * np.sqrt(1 - beta_2 ** (t - 1)) / (1 - beta_1 ** (t - 1))
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    param -= alpha * m / (np.sqrt(v) + epsilon)
