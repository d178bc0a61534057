"""TF1's step reuses the gradient's buffer for lr * g after the accumulation (grad *= lr): w and a
come out right, but the caller's gradient is overwritten."""

from scratch.optimizers import nesterov_sutskever_step, sgd_update  # noqa: F401


def nesterov_tf1_step(w, accumulation, grad, learning_rate, momentum):
    accumulation = momentum * accumulation + grad
    grad *= learning_rate
    return w - grad - learning_rate * momentum * accumulation, accumulation
