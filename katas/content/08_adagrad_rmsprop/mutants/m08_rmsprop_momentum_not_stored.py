"""RMSProp computes mom = momentum * mom + step into a new array: the slot stays zero."""

import numpy as np

from scratch.optimizers import adagrad_update  # noqa: F401


def rmsprop_update(
    param, grad, v, learning_rate, rho, epsilon, *, momentum=0.0, mom=None, average_grad=None
):
    v *= rho
    v += (1 - rho) * grad * grad
    if average_grad is not None:
        average_grad *= rho
        average_grad += (1 - rho) * grad
        denom = v - average_grad * average_grad + epsilon
    else:
        denom = v + epsilon
    step = learning_rate * grad / np.sqrt(denom)
    if momentum > 0:
        mom = momentum * mom + step
        param -= mom
    else:
        param -= step
