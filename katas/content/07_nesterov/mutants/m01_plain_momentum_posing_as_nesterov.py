"""Plain momentum posing as Nesterov: ``sgd_update`` ignores ``nesterov`` (w += m always)."""

from scratch.optimizers import nesterov_sutskever_step, nesterov_tf1_step  # noqa: F401


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m -= learning_rate * grad
    param += m
