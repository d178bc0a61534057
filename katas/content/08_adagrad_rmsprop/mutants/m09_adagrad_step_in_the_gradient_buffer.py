"""AdaGrad computes the step in the gradient's buffer (grad *= lr / sqrt(acc + eps)) to save an
array: the update is right, but the caller's gradient comes back as the step."""

import numpy as np

from scratch.optimizers import rmsprop_update  # noqa: F401


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc += grad * grad
    grad *= learning_rate / np.sqrt(acc + epsilon)
    param -= grad
