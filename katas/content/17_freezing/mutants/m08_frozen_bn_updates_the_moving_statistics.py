"""A frozen batch norm normalizes with the moving statistics but still moves them towards
every training batch: the frozen layer changes."""

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
    mu, v = x.mean(axis=0), x.var(axis=0)
    out_mu, out_v = (mu, v) if training and trainable else (mean, var)
    out = gamma * (x - out_mu) / np.sqrt(out_v + epsilon) + beta
    if training:
        mean = momentum * mean + (1 - momentum) * mu
        var = momentum * var + (1 - momentum) * v
    return out, mean, var
