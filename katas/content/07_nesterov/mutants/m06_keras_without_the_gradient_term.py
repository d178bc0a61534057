"""Keras' Nesterov with ``w += momentum * m`` only: the ``- lr * g`` correction is missing
(the look-ahead is taken, but the gradient measured there only enters through m)."""

from scratch.optimizers import nesterov_sutskever_step, nesterov_tf1_step  # noqa: F401


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m -= learning_rate * grad
    param += momentum * m if nesterov else m
