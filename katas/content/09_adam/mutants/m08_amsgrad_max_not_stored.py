"""AMSGrad takes max(v_hat, v) into a new array: the v_hat slot never remembers the maximum."""

import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    if v_hat is not None:
        v_hat = np.maximum(v_hat, v)
        v = v_hat
    param -= alpha * m / (np.sqrt(v) + epsilon)
