"""Follows Eq. 11-8 literally: param -= lr * m_hat / sqrt(v_hat + eps), not Keras' epsilon hat."""

import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    bias_1, bias_2 = 1 - beta_1**t, 1 - beta_2**t
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    param -= learning_rate * (m / bias_1) / np.sqrt(v / bias_2 + epsilon)
