"""TF1's form with ``w -= lr * momentum * a`` only: the ``- lr * g`` term is missing."""

from scratch.optimizers import nesterov_sutskever_step, sgd_update  # noqa: F401


def nesterov_tf1_step(w, accumulation, grad, learning_rate, momentum):
    accumulation = momentum * accumulation + grad
    return w - learning_rate * momentum * accumulation, accumulation
