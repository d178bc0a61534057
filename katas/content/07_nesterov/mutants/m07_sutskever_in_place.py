"""Sutskever's step done in place (v *= mu; v -= lr * g; theta += v) and the caller's arrays
returned: the same trajectory, but the caller's theta and v are overwritten."""

from scratch.optimizers import nesterov_tf1_step, sgd_update  # noqa: F401


def nesterov_sutskever_step(theta, velocity, grad_fn, learning_rate, momentum):
    g = grad_fn(theta + momentum * velocity)
    velocity *= momentum
    velocity -= learning_rate * g
    theta += velocity
    return theta, velocity
