"""TF1's step done in place (a *= mu; a += g; w -= ...) and the caller's arrays returned: the
same trajectory, but the caller's w and accumulation are overwritten."""

from scratch.optimizers import nesterov_sutskever_step, sgd_update  # noqa: F401


def nesterov_tf1_step(w, accumulation, grad, learning_rate, momentum):
    accumulation *= momentum
    accumulation += grad
    w -= learning_rate * grad + learning_rate * momentum * accumulation
    return w, accumulation
