"""Sutskever's form that moves theta with the old velocity (theta + v before v is updated)."""

from scratch.optimizers import nesterov_tf1_step, sgd_update  # noqa: F401


def nesterov_sutskever_step(theta, velocity, grad_fn, learning_rate, momentum):
    g = grad_fn(theta + momentum * velocity)
    new_theta = theta + velocity
    return new_theta, momentum * velocity - learning_rate * g
