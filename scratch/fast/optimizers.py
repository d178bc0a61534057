"""Numba twins of the update rules in ``scratch.optimizers`` (see ``scratch.fast``).

Each rule there is a few NumPy statements, and each statement is one pass over the parameter
with a temporary array; its twin here is one loop that reads param, grad and the slots once and
writes them back in place. The arithmetic is the same, step by step, in the parameter's dtype:
the hyperparameters are passed as scalars of that dtype (as NumPy 2 casts a Python float next
to a float32 array), and nothing is contracted into fused multiply-adds (no ``fastmath``), so
the twins agree with their definitions bit for bit (``tests/test_fast_optimizers.py``).

``error_model="numpy"``: a division by zero gives inf or NaN, as in NumPy, instead of raising
(Numba's default, whose check in every division also stops the loop being vectorised: measured
6 times slower).

The arrays are walked flat (``.ravel()`` views of C-contiguous arrays: a parameter is one).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def sgd_update(param, grad, m, learning_rate, momentum, nesterov):  # pragma: no cover (jitted)
    """Twin of ``scratch.optimizers._sgd_update`` (m may be None when momentum == 0):

    momentum == 0: w -= lr g;  else m = momentum m - lr g, then w += momentum m - lr g
    (nesterov) or w += m.
    """
    w, g = param.ravel(), grad.ravel()
    if m is None:
        for i in range(w.size):
            w[i] -= learning_rate * g[i]
        return
    mm = m.ravel()
    for i in range(w.size):
        step = learning_rate * g[i]
        mi = mm[i] * momentum
        mi -= step
        mm[i] = mi
        if nesterov:
            w[i] += momentum * mi - step
        else:
            w[i] += mi


@numba.njit(cache=True, error_model="numpy")
def adagrad_update(param, grad, acc, learning_rate, epsilon):  # pragma: no cover (jitted)
    """Twin of ``scratch.optimizers._adagrad_update``: acc += g^2;  w -= lr g / sqrt(acc + eps)."""
    w, g, a = param.ravel(), grad.ravel(), acc.ravel()
    for i in range(w.size):
        gi = g[i]
        ai = a[i] + gi * gi
        a[i] = ai
        w[i] -= learning_rate * gi / math.sqrt(ai + epsilon)


@numba.njit(cache=True, error_model="numpy")
def rmsprop_update(
    param, grad, v, learning_rate, rho, one_minus_rho, epsilon, momentum, mom, average_grad
):  # pragma: no cover (jitted)
    """Twin of ``scratch.optimizers._rmsprop_update`` (mom None when momentum == 0,
    average_grad None unless centered): v = rho v + (1 - rho) g^2; denom = v (- a^2) + eps;
    step = lr g / sqrt(denom); w -= step, or mom = momentum mom + step, w -= mom."""
    w, g, vv = param.ravel(), grad.ravel(), v.ravel()
    for i in range(w.size):
        gi = g[i]
        vi = vv[i] * rho
        vi += one_minus_rho * (gi * gi)
        vv[i] = vi
        if average_grad is not None:
            aa = average_grad.ravel()
            ai = aa[i] * rho
            ai += one_minus_rho * gi
            aa[i] = ai
            denom = vi - ai * ai + epsilon
        else:
            denom = vi + epsilon
        step = learning_rate * gi / math.sqrt(denom)
        if mom is not None:
            mm = mom.ravel()
            mi = mm[i] * momentum
            mi += step
            mm[i] = mi
            w[i] -= mi
        else:
            w[i] -= step


@numba.njit(cache=True, error_model="numpy")
def adam_update(
    param, grad, m, v, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, v_hat
):  # pragma: no cover (jitted)
    """Twin of ``scratch.optimizers._adam_update`` given alpha = lr sqrt(1 - beta_2^t) /
    (1 - beta_1^t): m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
    AMSGrad: v_hat = max(v_hat, v), used for v;  w -= alpha m / (sqrt(v) + eps).

    alpha is a float64 whatever the dtype: there ``np.sqrt`` makes it a NumPy float64, so
    ``alpha * m / (...)`` is computed in float64 and rounded once, into w."""
    w, g, mm, vv = param.ravel(), grad.ravel(), m.ravel(), v.ravel()
    for i in range(w.size):
        gi = g[i]
        mi = mm[i] + (gi - mm[i]) * one_minus_beta_1
        vi = vv[i] + (gi * gi - vv[i]) * one_minus_beta_2
        mm[i] = mi
        vv[i] = vi
        if v_hat is not None:
            vh = v_hat.ravel()
            if not vh[i] < vi and vi == vi:  # np.maximum: the larger, NaN if either is NaN
                vi = vh[i]
            vh[i] = vi
        w[i] -= alpha * mi / (math.sqrt(vi) + epsilon)


def scalars(param: np.ndarray, *values: float) -> tuple[np.generic, ...]:
    """The hyperparameters as scalars of the parameter's dtype: what NumPy 2 does to a Python
    float beside a float32 array, done once so the twin computes in that dtype too. (The
    same few tuples come back every step of every parameter: they are remembered.)"""
    key = (param.dtype.char, values)
    found = _scalars.get(key)
    if found is None:
        if len(_scalars) > 4096:  # a schedule makes new learning rates every step
            _scalars.clear()
        kind = param.dtype.type
        found = _scalars[key] = tuple(kind(v) for v in values)
    return found


_scalars: dict[tuple[str, tuple[float, ...]], tuple[np.generic, ...]] = {}
