"""AdaGrad accumulates |g| instead of g^2 (so the step no longer scales out the gradient)."""

import numpy as np

from scratch.optimizers import rmsprop_update  # noqa: F401


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc += np.abs(grad)
    param -= learning_rate * grad / np.sqrt(acc + epsilon)
