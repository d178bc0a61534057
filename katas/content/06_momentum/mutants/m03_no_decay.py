"""Forgets to decay the velocity: m -= lr * g only, so old gradients never fade (momentum 1)."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m -= learning_rate * grad
    param += m
