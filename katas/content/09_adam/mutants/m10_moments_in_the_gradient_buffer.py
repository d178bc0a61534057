"""Adam works in the gradient's buffer (grad -= m; grad *= 1 - beta_1; m += grad) to save an
array: m, v and the step are right, but the caller's gradient is overwritten."""

import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    v += (grad * grad - v) * (1 - beta_2)
    grad -= m
    grad *= 1 - beta_1
    m += grad
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    param -= alpha * m / (np.sqrt(v) + epsilon)
