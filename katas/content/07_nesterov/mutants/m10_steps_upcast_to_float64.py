"""The step forms "validate" their inputs with np.asarray(x, dtype=float): float32 weights come
back as float64 (a float32 model silently doubles its memory and no longer matches TensorFlow)."""

import numpy as np

from scratch.optimizers import sgd_update  # noqa: F401


def nesterov_sutskever_step(theta, velocity, grad_fn, learning_rate, momentum):
    theta, velocity = np.asarray(theta, dtype=float), np.asarray(velocity, dtype=float)
    g = grad_fn(theta + momentum * velocity)
    velocity = momentum * velocity - learning_rate * g
    return theta + velocity, velocity


def nesterov_tf1_step(w, accumulation, grad, learning_rate, momentum):
    w, accumulation = np.asarray(w, dtype=float), np.asarray(accumulation, dtype=float)
    accumulation = momentum * accumulation + grad
    return w - learning_rate * grad - learning_rate * momentum * accumulation, accumulation
