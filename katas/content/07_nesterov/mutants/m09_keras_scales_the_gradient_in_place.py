"""Keras' Nesterov reuses the gradient's buffer for lr * g (grad *= learning_rate): the steps
are right, but the caller's gradient comes back multiplied by the learning rate."""

from scratch.optimizers import nesterov_sutskever_step, nesterov_tf1_step  # noqa: F401


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    grad *= learning_rate
    m *= momentum
    m -= grad
    if nesterov:
        param += momentum * m - grad
    else:
        param += m
