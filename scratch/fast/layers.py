"""Numba twins of the elementwise work in ``scratch.layers``' Dense and Activation layers
(see ``scratch.fast``).

A Dense layer's forward pass is ``z = x @ kernel`` (BLAS), ``z += bias``, ``a = f(z)``: three
to five passes over z in NumPy, each with a temporary array. Its backward pass is
``dz = dout * f'(z)``, ``dbias = dz.sum(axis=0)``, then two BLAS products. Here the elementwise
steps are loops that do everything one element needs at once, into buffers given to them.

Bit for bit. The exponentials (exp, expm1, tanh) are left to NumPy's own vectorised functions,
called on a buffer in place between two fused loops: Numba would call the C library's scalar
versions, which differ from NumPy's by an ulp and are several times slower. Everything else is
the NumPy definition's arithmetic, in z's dtype, in the same order; ``dbias`` is summed row after
row, as NumPy sums over axis 0 of a C-ordered array of two columns or more (one column is left
to NumPy, which sums it pairwise). So both paths give the same numbers
(``tests/test_fast_layers.py`` asserts equality).

Each kernel switches on the activation's code (``scratch.fast.activations.CODES``) *outside* its
loops: one simple loop per case is what the compiler turns into vector instructions.
"""

from __future__ import annotations

import threading
from typing import Any

import numba
import numpy as np

from scratch.fast.activations import CODES

LINEAR, RELU, LEAKY_RELU, ELU, SELU, SIGMOID, TANH = (
    CODES[k] for k in ("linear", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh")
)


@numba.njit(cache=True, error_model="numpy")
def _prepare(code, z, bias, one, buf):  # pragma: no cover (jitted)
    """z += bias (None: no bias); buf = what the exponential is taken of: min(z, 0) (elu,
    selu), -|z| (sigmoid), z (tanh); untouched otherwise."""
    n, m = z.shape
    zero = one - one
    if bias is not None:
        for i in range(n):
            for j in range(m):
                z[i, j] += bias[j]
    if code == ELU or code == SELU:  # np.minimum: NaN stays NaN
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                buf[i, j] = v if (v < zero or v != v) else zero
    elif code == SIGMOID:
        for i in range(n):
            for j in range(m):
                buf[i, j] = -abs(z[i, j])


@numba.njit(cache=True, error_model="numpy")
def _finish(code, z, e, a, one, scale, out):  # pragma: no cover (jitted)
    """out = f(z), given e = the NumPy exponential of ``_prepare``'s buf (elu, selu: expm1;
    sigmoid: exp; tanh: e = tanh(z) already in out)."""
    n, m = z.shape
    zero = one - one
    if code == LINEAR:
        for i in range(n):
            for j in range(m):
                out[i, j] = z[i, j]
    elif code == RELU:  # np.maximum(z, 0): NaN stays NaN
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                out[i, j] = v if (v > zero or v != v) else zero
    elif code == LEAKY_RELU:  # where(z > 0, z, z * slope)
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                out[i, j] = v if v > zero else v * a
    elif code == ELU:  # where(z > 0, z, alpha * expm1(min(z, 0)))
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                out[i, j] = v if v > zero else a * e[i, j]
    elif code == SELU:  # scale * elu(z, SELU_ALPHA)
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                out[i, j] = scale * (v if v > zero else a * e[i, j])
    elif code == SIGMOID:  # e = exp(-|z|): where(z >= 0, 1 / (1 + e), e / (1 + e))
        for i in range(n):
            for j in range(m):
                ei = e[i, j]
                out[i, j] = one / (one + ei) if z[i, j] >= zero else ei / (one + ei)


@numba.njit(cache=True, error_model="numpy")
def _grad(code, dout, z, e, a, one, scale, dz, dbias):  # pragma: no cover (jitted)
    """dz = dout * f'(z) and dbias = dz summed over the rows (None: not wanted), given
    e = exp(min(z, 0)) (elu, selu), exp(-|z|) (sigmoid), tanh(z) (tanh)."""
    n, m = z.shape
    zero = one - one
    if dbias is not None:
        for j in range(m):
            dbias[j] = zero
    for i in range(n):
        if code == LINEAR:  # dout * 1
            for j in range(m):
                dz[i, j] = dout[i, j] * one
        elif code == RELU:  # (z > 0).astype
            for j in range(m):
                dz[i, j] = dout[i, j] * (one if z[i, j] > zero else zero)
        elif code == LEAKY_RELU:  # where(z > 0, 1, slope)
            for j in range(m):
                dz[i, j] = dout[i, j] * (one if z[i, j] > zero else a)
        elif code == ELU:  # where(z > 0, 1, alpha * exp(min(z, 0)))
            for j in range(m):
                dz[i, j] = dout[i, j] * (one if z[i, j] > zero else a * e[i, j])
        elif code == SELU:  # where(z < 0, scale * alpha * exp(min(z, 0)), scale)
            sa = scale * a
            for j in range(m):
                dz[i, j] = dout[i, j] * (sa * e[i, j] if z[i, j] < zero else scale)
        elif code == SIGMOID:  # s (1 - s)
            for j in range(m):
                ei = e[i, j]
                s = one / (one + ei) if z[i, j] >= zero else ei / (one + ei)
                dz[i, j] = dout[i, j] * (s * (one - s))
        else:  # tanh: 1 - t^2
            for j in range(m):
                t = e[i, j]
                dz[i, j] = dout[i, j] * (one - t * t)
        if dbias is not None:
            for j in range(m):
                dbias[j] += dz[i, j]


_scratch = threading.local()


def temporary(like: np.ndarray) -> np.ndarray:
    """A work buffer of ``like``'s shape and dtype, reused from call to call (per thread):
    for the exponential between two loops. Its own memory, never one of the arguments': a
    loop that writes one array while reading another that may be the same memory is not
    vectorised (measured: 5 times slower)."""
    key = (like.shape, like.dtype.str)
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(key)
    if buf is None:
        if len(buffers) > 16:  # a few batch shapes per model; forget the rest
            buffers.clear()
        buf = buffers[key] = np.empty_like(like, order="C")
    return buf


def bias_activation(z: np.ndarray, bias: np.ndarray | None, twin: tuple[Any, ...]) -> np.ndarray:
    """z (N, M) += bias (M,) in place (bias None: none), then f(z) (N, M), a new array (z
    itself for "linear"). Twin of ``z += bias`` in ``scratch.layers._dense_forward`` and of
    ``activation(z)``. ``twin`` = ``scratch.fast.activations.constants(fn, dtype)``."""
    code, a, one, scale = twin
    if code == LINEAR:
        _prepare(code, z, bias, one, z)
        return z
    out = np.empty_like(z)
    e = temporary(z)
    _prepare(code, z, bias, one, e)
    if code == ELU or code == SELU:
        np.expm1(e, out=e)
    elif code == SIGMOID:
        np.exp(e, out=e)
    elif code == TANH:
        np.tanh(z, out=out)
        return out
    _finish(code, z, e, a, one, scale, out)
    return out


def activation_grad(
    dout: np.ndarray, z: np.ndarray, twin: tuple[Any, ...], bias_grad: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(dz, dbias): dz = dout * f'(z) (N, M), a new array; dbias = dz.sum(axis=0) (M,) when
    ``bias_grad``, else None. Twin of ``Dense.backward``'s ``dout * activation.grad(z)`` and of
    the bias gradient in ``scratch.layers._dense_backward``."""
    code, a, one, scale = twin
    dz = np.empty_like(z)
    e = temporary(z)
    if code == ELU or code == SELU:
        np.minimum(z, 0, out=e)
        np.exp(e, out=e)
    elif code == SIGMOID:
        np.abs(z, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)
    elif code == TANH:
        np.tanh(z, out=e)
    # One column is contiguous along the rows, and NumPy then sums it pairwise, not row by row
    fused = bias_grad and z.shape[1] > 1
    dbias = np.empty(z.shape[1], z.dtype) if fused else None
    _grad(code, dout, z, e, a, one, scale, dz, dbias)
    if bias_grad and not fused:
        dbias = dz.sum(axis=0)
    return dz, dbias
