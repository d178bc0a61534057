"""AdaGrad adds epsilon after the square root (Adam's "epsilon hat" form), not inside it."""

import numpy as np

from scratch.optimizers import rmsprop_update  # noqa: F401


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc += grad * grad
    param -= learning_rate * grad / (np.sqrt(acc) + epsilon)
