"""Numba twins of batch normalization and dropout in ``scratch.layers`` (see ``scratch.fast``).

NumPy computes ``_batchnorm_forward`` in about ten passes over the batch (a temporary array
each) and ``_dropout_forward`` in four (compare, cast, multiply, divide); here the forward
pass of batch norm is three loops (sum, squared deviations, normalize-scale-shift), its
backward two, dropout one each way. The wrappers (``batchnorm_forward`` ...) take and return
what their NumPy twins take and return, the same cache included, so either path's backward
accepts either path's forward; the ``*_into`` kernels write into arrays they are given.

Same numbers, not just close ones: every step is the NumPy definition's, in the same order
and in the input's dtype (the constants are handed over in that dtype, since a Python float
would make Numba compute in float64). NumPy sums over axis 0 of a C-ordered (N, D) array
from 0 then row after row, as the kernels do, and a float32 mean is that sum divided by N in
float64, rounded once. NumPy adds otherwise (pairwise) a single column (D = 1) or an array
not in C order: those batch norms (never a hot one) run the NumPy definition itself
(``row_order``), so both paths give the same bits everywhere
(``tests/test_fast_normalization.py``).

Buffers: what only the layer reads back (batch norm's xhat and inv_std, the uniforms dropout
draws) is kept per batch shape in a dict the layer owns (``workspace``), with the constants
in the batch's dtype: the same shape next step reuses them, a last short batch gets its own.
What a caller may keep (outputs, gradients, the mask in ``last_mask``) is new every call, as
in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

#: How many workspaces a layer keeps (full batches, the last short one, a few more) before it
#: drops them all: memory stays bounded whatever batch sizes come.
MAX_WORKSPACES = 8


def workspace(buffers: dict[Any, tuple], key: tuple, make: Callable[[], tuple]) -> tuple:
    """``buffers[key]``, made by ``make()`` on first use: the arrays (uninitialised) and the
    constants that one kind of call needs for one batch shape and dtype."""
    found = buffers.get(key)
    if found is None:
        if len(buffers) >= MAX_WORKSPACES:
            buffers.clear()
        found = buffers[key] = make()
    return found


# --------------------------------------------------------------------- batch normalization


def row_order(a: np.ndarray) -> bool:
    """True when NumPy sums the (N, D) array ``a`` over axis 0 row after row, as the kernels
    do: C-ordered and D > 1 (a single column is one contiguous run, which NumPy sums
    pairwise)."""
    return a.shape[1] > 1 and a.flags.c_contiguous


@numba.njit(cache=True)
def batchnorm_forward_into(
    x,
    gamma,
    beta,
    moving_mean,
    moving_variance,
    momentum,
    rest,
    epsilon,
    one,
    training,
    mu,
    var,
    inv_std,
    xhat,
    out,
):  # pragma: no cover (jitted)
    """Twin of ``scratch.layers._batchnorm_forward``: fills mu, var, inv_std (D,), xhat and
    out (N, D); when training, also moves moving_mean and moving_variance in place.

    momentum, rest = 1 - momentum, epsilon, one: scalars of x's dtype. gamma, beta: (D,) or
    None. Not training: mu and var are not touched (the moving statistics are used)."""
    n, d = x.shape
    if training:
        # x.mean(axis=0): 0 + the rows in order (0 first, as NumPy: -0.0 sums to +0.0), then
        # / N in float64
        for j in range(d):
            mu[j] = 0
        for i in range(n):
            for j in range(d):
                mu[j] += x[i, j]
        for j in range(d):
            mu[j] = np.float64(mu[j]) / np.float64(n)
        # ((x - mu) ** 2).mean(axis=0), likewise
        for j in range(d):
            var[j] = 0
        for i in range(n):
            for j in range(d):
                dev = x[i, j] - mu[j]
                var[j] += dev * dev
        for j in range(d):
            var[j] = np.float64(var[j]) / np.float64(n)
            moving_mean[j] = moving_mean[j] * momentum + mu[j] * rest
            moving_variance[j] = moving_variance[j] * momentum + var[j] * rest
        mean, variance = mu, var
    else:
        mean, variance = moving_mean, moving_variance
    for j in range(d):
        inv_std[j] = np.sqrt(variance[j] + epsilon)  # stored, so rounded, before 1 / it
        inv_std[j] = one / inv_std[j]
    for i in range(n):
        for j in range(d):
            h = (x[i, j] - mean[j]) * inv_std[j]
            xhat[i, j] = h
            if gamma is not None:
                h = gamma[j] * h
            if beta is not None:
                h = h + beta[j]
            out[i, j] = h


def _batchnorm_workspace(n: int, d: int, dtype: np.dtype, momentum: float, epsilon: float):
    """mu, var, inv_std (D,), xhat (N, D), and momentum, 1 - momentum, epsilon, 1 in dtype."""
    dt = dtype.type
    arrays = (np.empty(d, dtype), np.empty(d, dtype), np.empty(d, dtype), np.empty((n, d), dtype))
    return (*arrays, dt(momentum), dt(1 - momentum), dt(epsilon), dt(1))


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    momentum: float,
    epsilon: float,
    training: bool,
    buffers: dict[Any, tuple],
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """``scratch.layers._batchnorm_forward``'s arguments and results (out, cache = (xhat,
    gamma, inv_std, training)), computed by ``batchnorm_forward_into`` (by that function
    itself where NumPy sums in another order: ``row_order``). When training, xhat and inv_std
    are kept in ``buffers`` (``workspace``) for the next batch of that shape."""
    if not row_order(x):
        from scratch import layers

        return layers._batchnorm_forward(
            x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training
        )
    n, d = x.shape
    out = np.empty_like(x)
    if training:  # mu, var, inv_std and xhat are read back by the backward pass only
        key = ("train", n, d, x.dtype, momentum, epsilon)
        mu, var, inv_std, xhat, *constants = workspace(
            buffers, key, lambda: _batchnorm_workspace(n, d, x.dtype, momentum, epsilon)
        )
    else:  # new inv_std and xhat: inference may come in any batch size
        key = ("infer", d, x.dtype, momentum, epsilon)
        mu, var, _, _, *constants = workspace(
            buffers, key, lambda: _batchnorm_workspace(0, d, x.dtype, momentum, epsilon)
        )
        inv_std, xhat = np.empty(d, x.dtype), np.empty_like(x)
    if gamma is None and beta is None:  # NumPy returns xhat itself as out: so do we
        xhat = out
    batchnorm_forward_into(
        x, gamma, beta, moving_mean, moving_variance, *constants, training,
        mu, var, inv_std, xhat, out,
    )  # fmt: skip
    return out, (xhat, gamma, inv_std, training)


@numba.njit(cache=True)
def batchnorm_backward_into(
    dout, xhat, gamma, inv_std, training, n_rows, scale, dx, dgamma, dbeta
):  # pragma: no cover (jitted)
    """Twin of ``scratch.layers._batchnorm_backward``: fills dbeta, dgamma (D,) and dx (N, D).

    n_rows: N in dout's dtype (NumPy turns the Python int N into it); scale: a (D,) scratch
    array for gamma * inv_std / N (training) or gamma * inv_std (inference)."""
    n, d = dout.shape
    for j in range(d):  # dout.sum(axis=0) and (dout * xhat).sum(axis=0): 0, then the rows
        dbeta[j] = 0
        dgamma[j] = 0
    for i in range(n):
        for j in range(d):
            dbeta[j] += dout[i, j]
            dgamma[j] += dout[i, j] * xhat[i, j]
    for j in range(d):
        scale[j] = inv_std[j] if gamma is None else gamma[j] * inv_std[j]
        if training:
            scale[j] = scale[j] / n_rows
    for i in range(n):
        for j in range(d):
            if training:  # (scale / n) * (n * dout - dbeta - xhat * dgamma)
                dx[i, j] = scale[j] * (n_rows * dout[i, j] - dbeta[j] - xhat[i, j] * dgamma[j])
            else:
                dx[i, j] = dout[i, j] * scale[j]


def batchnorm_backward(
    dout: np.ndarray, cache: tuple[Any, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``scratch.layers._batchnorm_backward``'s arguments and results (dx, dgamma, dbeta),
    computed by ``batchnorm_backward_into`` (by that function itself where NumPy sums in
    another order: ``row_order``)."""
    xhat, gamma, inv_std, training = cache
    if not (row_order(dout) and row_order(xhat)):
        from scratch import layers

        return layers._batchnorm_backward(dout, cache)
    n, d = dout.shape
    dx, dgamma, dbeta = np.empty_like(dout), np.empty(d, dout.dtype), np.empty(d, dout.dtype)
    scale = np.empty(d, dout.dtype)  # (cheaper new than looked up)
    batchnorm_backward_into(
        dout, xhat, gamma, inv_std, training, dout.dtype.type(n), scale, dx, dgamma, dbeta
    )
    return dx, dgamma, dbeta


# -------------------------------------------------------------------------------- dropout


@numba.njit(cache=True)
def dropout_forward_into(x, u, rate, one, keep_scale, mask, out):  # pragma: no cover (jitted)
    """Twin of ``rng.random(shape) >= rate`` in ``Dropout.forward`` then
    ``scratch.layers._dropout_forward``: mask = u >= rate (u, mask: the mask's shape, which
    broadcasts to x's, as noise_shape asks), out = x * mask / (1 - rate).

    rate: float64, as the uniforms; one and keep_scale = 1 - rate: scalars of x's dtype."""
    mr, mc = mask.shape
    for i in range(mr):
        for j in range(mc):
            mask[i, j] = u[i, j] >= rate
    n, d = x.shape
    zero = one - one
    for i in range(n):
        for j in range(d):
            keep = mask[i if mr > 1 else 0, j if mc > 1 else 0]
            out[i, j] = x[i, j] * (one if keep else zero) / keep_scale


@numba.njit(cache=True)
def dropout_backward_into(dout, keep, one, keep_scale, dx):  # pragma: no cover (jitted)
    """Twin of ``scratch.layers._dropout_backward`` when training: dx = dout * keep /
    (1 - rate); keep (0/1, boolean or of dout's dtype) broadcasts to dout's shape."""
    mr, mc = keep.shape
    n, d = dout.shape
    zero = one - one
    for i in range(n):
        for j in range(d):
            k = keep[i if mr > 1 else 0, j if mc > 1 else 0]
            dx[i, j] = dout[i, j] * (one if k != 0 else zero) / keep_scale


def dropout_forward(
    x: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    mask_shape: tuple[int, ...],
    buffers: dict[Any, tuple],
) -> tuple[np.ndarray, np.ndarray, tuple[Any, ...]]:
    """A training-mode dropout with a drawn mask: the uniforms drawn from ``rng`` exactly as
    ``rng.random(mask_shape)`` draws them (the same stream, into a buffer), then
    ``dropout_forward_into``. Returns (out, the boolean mask, cache = (mask, rate, True)):
    NumPy's cache holds the mask cast to x's dtype, the same 0/1 values."""
    dt = x.dtype.type
    u, one, keep_scale = workspace(
        buffers,
        ("dropout", mask_shape, x.dtype, rate),
        lambda: (np.empty(mask_shape, np.float64), dt(1), dt(1 - rate)),
    )
    rng.random(out=u)
    mask, out = np.empty(mask_shape, np.bool_), np.empty_like(x)
    dropout_forward_into(x, u, float(rate), one, keep_scale, mask, out)
    return out, mask, (mask, rate, True)


def dropout_backward(dout: np.ndarray, cache: tuple[Any, ...]) -> np.ndarray:
    """``scratch.layers._dropout_backward``'s arguments and result, computed by
    ``dropout_backward_into`` when training (else dout itself, as NumPy returns it)."""
    keep, rate, training = cache
    if not training:
        return dout
    dx = np.empty_like(dout)
    dt = dout.dtype.type
    dropout_backward_into(dout, keep, dt(1), dt(1 - rate), dx)
    return dx
