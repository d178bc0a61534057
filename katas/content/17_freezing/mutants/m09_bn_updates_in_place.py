"""Updates the caller's moving statistics in place (moving_mean[...] = ...) and returns those
same arrays."""

import numpy as np

from scratch.transfer import frozen_stack_backward  # noqa: F401


def frozen_batchnorm_forward(
    x,
    gamma,
    beta,
    moving_mean,
    moving_variance,
    *,
    trainable,
    training,
    momentum=0.99,
    epsilon=1e-3,
):
    if training and trainable:
        mu, v = x.mean(axis=0), x.var(axis=0)
        moving_mean[...] = momentum * moving_mean + (1 - momentum) * mu
        moving_variance[...] = momentum * moving_variance + (1 - momentum) * v
    else:
        mu, v = moving_mean, moving_variance
    return gamma * (x - mu) / np.sqrt(v + epsilon) + beta, moving_mean, moving_variance
