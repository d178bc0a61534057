"""A frozen batch norm still normalizes with the batch's statistics when training=True (the
mode follows only ``training``; Keras 2's old behaviour, what fine-tuning does not want), though
it leaves the moving statistics alone."""

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
    mean, var = moving_mean.copy(), moving_variance.copy()
    if training:
        mu, v = x.mean(axis=0), x.var(axis=0)
        if trainable:
            mean = momentum * mean + (1 - momentum) * mu
            var = momentum * var + (1 - momentum) * v
    else:
        mu, v = mean, var
    return gamma * (x - mu) / np.sqrt(v + epsilon) + beta, mean, var
