"""Sutskever's form with the gradient taken at theta instead of the look-ahead point
theta + momentum * v: that is plain momentum again."""

from scratch.optimizers import nesterov_tf1_step, sgd_update  # noqa: F401


def nesterov_sutskever_step(theta, velocity, grad_fn, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * grad_fn(theta)
    return theta + velocity, velocity
