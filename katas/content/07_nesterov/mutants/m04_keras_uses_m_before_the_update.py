"""Keras' Nesterov with the old velocity: w += momentum * m - lr * g is computed before m is
updated, so the look-ahead uses last step's m."""

from scratch.optimizers import nesterov_sutskever_step, nesterov_tf1_step  # noqa: F401


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    if nesterov:
        param += momentum * m - learning_rate * grad
        m *= momentum
        m -= learning_rate * grad
        return
    m *= momentum
    m -= learning_rate * grad
    param += m
