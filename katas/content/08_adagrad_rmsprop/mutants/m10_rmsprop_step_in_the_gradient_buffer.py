"""RMSProp computes the step in the gradient's buffer (grad *= lr / sqrt(denom)): the update is
right, but the caller's gradient comes back as the step."""

import numpy as np

from scratch.optimizers import adagrad_update  # noqa: F401


def rmsprop_update(
    param, grad, v, learning_rate, rho, epsilon, *, momentum=0.0, mom=None, average_grad=None
):
    v *= rho
    v += (1 - rho) * (grad * grad)
    if average_grad is not None:
        average_grad *= rho
        average_grad += (1 - rho) * grad
        denom = v - average_grad * average_grad + epsilon
    else:
        denom = v + epsilon
    grad *= learning_rate / np.sqrt(denom)
    if momentum > 0:
        mom *= momentum
        mom += grad
        param -= mom
    else:
        param -= grad
