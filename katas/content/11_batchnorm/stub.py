"""Kata 11: batch normalization. Run `katas check batchnorm` after each change."""

import numpy as np


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    training: bool = False,
):
    """Batch normalization of each feature (column) of x, Keras 3 semantics.

    training=True:  mu = mean of x over the batch, var = mean of (x - mu)^2 (1/N, biased);
                    moving_mean     <- moving_mean * momentum + mu * (1 - momentum)
                    moving_variance <- moving_variance * momentum + var * (1 - momentum)
                    (both updated IN PLACE: the caller's arrays must change)
    training=False: mu, var = moving_mean, moving_variance (nothing is updated)
    then            xhat = (x - mu) / sqrt(var + epsilon);  out = gamma * xhat + beta

    x (N, D); gamma, beta (D,) or None (None: no scale, i.e. 1; no shift, i.e. 0);
    moving_mean, moving_variance (D,) of x's dtype -> (out (N, D), cache).
    """
    raise NotImplementedError("write batchnorm_forward")


def batchnorm_backward(dout: np.ndarray, cache):
    """Given dout = dL/dout (N, D) and the cache from batchnorm_forward, return
    (dx (N, D), dgamma (D,), dbeta (D,)).

    In training mode mu and var depend on x, so dx has three paths; at inference they are
    constants. dgamma and dbeta are returned even when gamma or beta was None.
    """
    raise NotImplementedError("write batchnorm_backward")
