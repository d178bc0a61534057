"""AdaGrad divides by acc + eps without the square root (the step then scales like 1/g)."""

from scratch.optimizers import rmsprop_update  # noqa: F401


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc += grad * grad
    param -= learning_rate * grad / (acc + epsilon)
