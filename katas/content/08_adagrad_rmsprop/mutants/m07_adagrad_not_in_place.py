"""AdaGrad rebinds local names (acc = acc + g^2, param = param - ...): the caller sees nothing."""

import numpy as np

from scratch.optimizers import rmsprop_update  # noqa: F401


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc = acc + grad * grad
    param = param - learning_rate * grad / np.sqrt(acc + epsilon)
