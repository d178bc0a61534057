"""Numba twins of ``scratch.rbm``'s elementwise chains, and the per-batch drivers that use them.

``scratch.rbm`` defines the maths (``_hidden``, ``_visible``, ``_sample``, ``_cd``, ``_pcd``,
``_momentum``, ``reconstruction_error``, ``BernoulliRBM._sklearn_batch``); each kernel here
names the function it twins and computes the same numbers in one pass over memory, writing into
buffers it is given. The matrix products stay NumPy's (``np.matmul(..., out=)``: BLAS), so
that an epoch allocates nothing per batch but the uniforms a ``RandomState`` hands out.

Where the numbers come out the same:

- every kernel does its arithmetic in the arrays' dtype with the scalars cast to it first, in
  the definition's order (no FMA contraction: Numba does not fuse without ``fastmath``), and the
  matrix products are the same BLAS calls on the same layouts, so each equals its definition
  bit for bit, and a cd/pcd fit on this path equals the NumPy path's exactly;
- the sigmoid of cd/pcd (``sigmoid_bias``) is NumPy's ufuncs in place, not a Numba loop:
  NumPy's ``exp`` is SIMD code, a Numba loop calls the C library's scalar ``exp`` (measured on
  (100, 784) float32: about 1 ns an element against 5) and would round differently from the
  definition by an ulp here and there;
- scikit-learn's sigmoid (``scipy.special.expit``) IS ``1 / (1 + exp(-x))`` on the C library's
  ``exp``: ``expit_bias`` below, checked equal on all 2**32 float32 inputs and on 4e7 float64
  ones, and faster than scipy's loop; ``SKLEARN_EXACT`` says whether this process can rely on
  it (no SVML, whose vector ``exp`` would round differently), else method "sklearn" runs the
  NumPy path.

Kernels are serial: BLAS owns the cores.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

#: method="sklearn" may use the fused sigmoid kernels and stay bit for bit scikit-learn's: the
#: kernels' ``exp`` is the C library's scalar one, as scipy's expit (SVML would vectorise it).
SKLEARN_EXACT = not numba.config.USING_SVML

_jit = numba.njit(cache=True, nogil=True)


# ----------------------------------------------------------------------------- kernels
def sigmoid_bias(z: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``_sigmoid(z + bias)`` (the tail of ``_hidden`` / ``_visible``) in place, by NumPy's
    own ufuncs with ``out=``: the definition's very operations, so its numbers bit for bit, and
    NumPy's SIMD ``exp``, which beats a Numba loop over the C library's scalar one (about 1 ns
    an element against 5 in float32). No temporaries: z (n, K) is the matrix product."""
    np.add(z, bias, out=z)
    np.negative(z, out=z)
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives the right limit 0
        np.exp(z, out=z)
    np.add(1.0, z, out=z)
    return np.divide(1.0, z, out=z)


@_jit
def expit_bias(z, bias):
    """Twin of scikit-learn's ``p += bias; expit(p, out=p)`` (``BernoulliRBM._sklearn_batch``),
    in place, bit for bit (see ``SKLEARN_EXACT``): z <- 1 / (1 + exp(-(z + bias))) in z's dtype
    with the C library's ``exp``, scipy's expit formula; z (n, K), bias (K,)."""
    one = z.dtype.type(1)
    n, K = z.shape
    for i in range(n):
        for j in range(K):
            z[i, j] = one / (one + math.exp(-(z[i, j] + bias[j])))


@_jit
def sample(p, u, out):
    """Twin of ``_sample(p, u)``: out <- (u < p) as p's dtype, u (float64) cast to p's dtype
    first, elementwise; p, u, out (n, K)."""
    one, zero = p.dtype.type(1), p.dtype.type(0)
    n, K = p.shape
    for i in range(n):
        for j in range(K):
            out[i, j] = one if p.dtype.type(u[i, j]) < p[i, j] else zero


@_jit
def expit_bias_sample(z, bias, u, out):
    """Twin of scikit-learn's ``p += bias; expit(p, out=p); v = rng.uniform(size) < p`` (in
    ``BernoulliRBM._sklearn_batch``) in one pass: z <- p = expit(z + bias) in place (as
    ``expit_bias``) and out <- (u < p) as p's dtype, compared as NumPy compares float64 with
    float32: in float64 (u is not rounded to p's dtype first, unlike ``_sample``)."""
    one, zero = z.dtype.type(1), z.dtype.type(0)
    n, K = z.shape
    for i in range(n):
        for j in range(K):
            p = one / (one + math.exp(-(z[i, j] + bias[j])))
            z[i, j] = p
            out[i, j] = one if u[i, j] < np.float64(p) else zero


@_jit
def sklearn_sample(p, u, out):
    """Twin of scikit-learn's ``h[rng.uniform(size) < h] = 1.0; np.floor(h, h)`` on
    probabilities h in [0, 1]: out <- 1 where u < p (compared in float64), else floor(p)."""
    one = p.dtype.type(1)
    n, K = p.shape
    for i in range(n):
        for j in range(K):
            out[i, j] = one if u[i, j] < np.float64(p[i, j]) else np.floor(p[i, j])


@_jit
def column_sums(a, out):
    """Twin of ``a.sum(axis=0)`` on a C array (n, K) -> out (K,), in a's dtype: NumPy's axis-0
    reduction starts from +0 (a column of -0.0 sums to +0.0) and adds whole rows in order
    (pairwise summation is along the last axis only)."""
    n, K = a.shape
    out[:] = 0
    for i in range(n):
        for j in range(K):
            out[j] += a[i, j]


@_jit
def mean_difference(a, b, out):
    """Twin of ``(a - b).mean(axis=0)`` ((n, K) -> (K,), CD's db and dc): the differences
    summed row after row in the dtype, then divided in float64 (NumPy's mean divides by an
    intp count: float32 / int64 runs in float64) and rounded back."""
    n, K = a.shape
    out[:] = 0  # from +0, as NumPy's sum (see column_sums)
    for i in range(n):
        for j in range(K):
            out[j] += a[i, j] - b[i, j]
    for j in range(K):
        out[j] = np.float64(out[j]) / np.float64(n)


@_jit
def difference_of_means(a, b, out, scratch):
    """Twin of ``a.mean(axis=0) - b.mean(axis=0)`` (a (n, K), b (m, K) -> out (K,), PCD's db
    and dc): each mean as in ``mean_difference``, then subtracted in the dtype; ``scratch``
    (K,) holds b's sums."""
    column_sums(a, out)
    column_sums(b, scratch)
    n, m = np.float64(a.shape[0]), np.float64(b.shape[0])
    for j in range(a.shape[1]):
        out[j] = out.dtype.type(np.float64(out[j]) / n) - out.dtype.type(np.float64(scratch[j]) / m)


@_jit
def weight_step(W, V, positive, negative, n, m, learning_rate, momentum, weight_decay):
    """Twin of ``_momentum``'s weight line on ``_cd`` / ``_pcd``'s dW, in place, (H, D):

        dW = positive / n - negative / m           (positive = ph0.T @ v0, negative = ph.T @ v)
        V <- momentum * V + learning_rate * (dW - weight_decay * W);  W <- W + V

    The scalars come in W's dtype (NumPy casts Python numbers to the array's)."""
    H, D = W.shape
    for i in range(H):
        for j in range(D):
            dW = positive[i, j] / n - negative[i, j] / m
            V[i, j] = momentum * V[i, j] + learning_rate * (dW - weight_decay * W[i, j])
            W[i, j] = W[i, j] + V[i, j]


@_jit
def momentum_step(p, V, grad, learning_rate, momentum):
    """Twin of ``_momentum``'s bias lines, in place, (K,): V <- momentum * V + learning_rate *
    grad;  p <- p + V (no weight decay on biases)."""
    for j in range(p.shape[0]):
        V[j] = momentum * V[j] + learning_rate * grad[j]
        p[j] = p[j] + V[j]


@_jit
def sklearn_update(
    W, b, c, positive_T, negative, h_pos, h_neg, v_pos, v_neg, lr, lr64, sums_h, sums_d
):
    """Twin of scikit-learn's update in ``BernoulliRBM._sklearn_batch``, in place, with the
    same roundings (lr = ``float(learning_rate) / n`` as ``lr64``, and cast to W's dtype as
    ``lr``):

        update = positive_T.T - negative     (positive_T = v_pos.T @ h_pos (D, H), negative =
        W += lr * update                      h_neg.T @ v_neg (H, D), both in W's dtype)
        c += lr * (h_pos.sum(0) - h_neg.sum(0))                      (in c's dtype)
        b += lr64 * (v_pos.sum(0) - v_neg.sum(0))                    (in float64, rounded back)

    (scikit-learn's v_neg is boolean: its sum is an integer count, and float32 minus int64
    is float64; here v_neg holds 0/1 in W's dtype, whose column sums are the same exact counts.)
    W is scikit-learn's Fortran-ordered components_: the loops run down its columns.
    ``sums_h`` (2, H) and ``sums_d`` (2, D) are scratch space for the column sums."""
    H, D = W.shape
    for j in range(D):
        for i in range(H):
            W[i, j] += lr * (positive_T[j, i] - negative[i, j])
    column_sums(h_pos, sums_h[0])
    column_sums(h_neg, sums_h[1])
    for i in range(H):
        c[i] += lr * (sums_h[0, i] - sums_h[1, i])
    column_sums(v_pos, sums_d[0])
    column_sums(v_neg, sums_d[1])
    for j in range(D):
        b[j] = np.float64(b[j]) + lr64 * (np.float64(sums_d[0, j]) - np.float64(sums_d[1, j]))


@_jit
def squared_error(v, p):
    """Twin of ``((v - p) ** 2).sum(axis=1).mean()`` (``reconstruction_error``'s last line),
    v, p (n, D): the float32 differences squared and summed in float64 (NumPy sums float32
    squares pairwise in float32: the two agree to a few float32 roundings of the total)."""
    n, D = v.shape
    total = 0.0
    for i in range(n):
        for j in range(D):
            diff = np.float64(v[i, j] - p[i, j])
            total += diff * diff
    return total / n


def reconstruction_error(v: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Twin of ``scratch.rbm.reconstruction_error`` on checked arguments of one dtype: the
    same probabilities (BLAS products, ``sigmoid_bias`` in place), the squared error in one
    pass without the (n, D) temporaries."""
    h = sigmoid_bias(v @ W.T, c)
    return float(squared_error(v, sigmoid_bias(h @ W, b)))


# ----------------------------------------------------------------------------- batch drivers
class Workspace:
    """The buffers of one mini-batch of at most ``rows`` rows (and a chain of ``chain`` rows),
    allocated once per fit: (rows, H), (rows, D), (H, D) and (D, H) arrays in ``dtype``, the
    uniforms in float64. ``take(n)`` views the first n rows (C-contiguous: BLAS writes them
    directly). ``kernels`` is this module, for the caller that holds only the workspace."""

    kernels: Any = None

    def __init__(self, rows: int, chain: int, H: int, D: int, dtype: np.dtype) -> None:
        self.v0 = np.empty((rows, D), dtype)
        self.ph0 = np.empty((rows, H), dtype)
        self.h = np.empty((max(rows, chain), H), dtype)
        self.pv = np.empty((max(rows, chain), D), dtype)
        self.v = np.empty((max(rows, chain), D), dtype)
        self.ph = np.empty((max(rows, chain), H), dtype)
        self.positive = np.empty((H, D), dtype)
        self.negative = np.empty((H, D), dtype)
        self.positive_T = np.empty((D, H), dtype)
        self.u_hidden = np.empty((max(rows, chain), H))
        self.u_visible = np.empty((max(rows, chain), D))
        self.db = np.empty(D, dtype)
        self.dc = np.empty(H, dtype)
        self.sums_d = np.empty((2, D), dtype)  # scratch for column sums
        self.sums_h = np.empty((2, H), dtype)


def _scalars(dtype: np.dtype, *values: float) -> tuple[Any, ...]:
    return tuple(dtype.type(v) for v in values)


def cd_batch(rbm: Any, v0: np.ndarray, uniforms: Any, ws: Workspace) -> None:
    """Twin of ``BernoulliRBM._batch`` with method="cd": ``_cd`` then ``_momentum``, in place on
    the RBM's parameters and velocities. ``uniforms.fill(out)`` draws each (n, H) array in
    ``_cd``'s order."""
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    n, k = v0.shape[0], int(rbm.k)
    ph0, h, pv, ph = ws.ph0[:n], ws.h[:n], ws.pv[:n], ws.ph[:n]
    np.matmul(v0, W.T, out=ph0)
    sample(sigmoid_bias(ph0, c), uniforms.fill(ws.u_hidden[:n]), h)
    for step in range(k):
        np.matmul(h, W, out=pv)
        sigmoid_bias(pv, b)
        np.matmul(pv, W.T, out=ph)
        if step < k - 1:
            sample(sigmoid_bias(ph, c), uniforms.fill(ws.u_hidden[:n]), h)
        else:
            sigmoid_bias(ph, c)
    np.matmul(ph0.T, v0, out=ws.positive)
    np.matmul(ph.T, pv, out=ws.negative)
    mean_difference(v0, pv, ws.db)
    mean_difference(ph0, ph, ws.dc)
    _update(rbm, ws, n, n)


def pcd_batch(rbm: Any, v0: np.ndarray, uniforms: Any, ws: Workspace) -> None:
    """Twin of ``BernoulliRBM._batch`` with method="pcd": ``_pcd`` then ``_momentum``, in place
    (the chain ``h_samples_`` too). Uniforms (m, D) then (m, H) per Gibbs step, ``_pcd``'s
    order."""
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    chain = rbm.h_samples_
    n, m = v0.shape[0], chain.shape[0]
    ph0, pv, v, ph = ws.ph0[:n], ws.pv[:m], ws.v[:m], ws.ph[:m]
    np.matmul(v0, W.T, out=ph0)
    sigmoid_bias(ph0, c)
    for _ in range(int(rbm.k)):
        np.matmul(chain, W, out=pv)
        sample(sigmoid_bias(pv, b), uniforms.fill(ws.u_visible[:m]), v)
        np.matmul(v, W.T, out=ph)
        sample(sigmoid_bias(ph, c), uniforms.fill(ws.u_hidden[:m]), chain)
    np.matmul(ph0.T, v0, out=ws.positive)
    np.matmul(ph.T, v, out=ws.negative)
    difference_of_means(v0, v, ws.db, ws.sums_d[0])
    difference_of_means(ph0, ph, ws.dc, ws.sums_h[0])
    _update(rbm, ws, n, m)


def _update(rbm: Any, ws: Workspace, n: int, m: int) -> None:
    """``_momentum`` in place: the weights with decay, the biases without."""
    W = rbm.components_
    vW, vb, vc = rbm.velocities_
    lr, mom, wd = _scalars(W.dtype, rbm.learning_rate, rbm.momentum, rbm.weight_decay)
    n_, m_ = _scalars(W.dtype, n, m)
    weight_step(W, vW, ws.positive, ws.negative, n_, m_, lr, mom, wd)
    momentum_step(rbm.intercept_visible_, vb, ws.db, lr, mom)
    momentum_step(rbm.intercept_hidden_, vc, ws.dc, lr, mom)


def sklearn_batch(rbm: Any, v_pos: np.ndarray, rng: np.random.RandomState, ws: Workspace) -> None:
    """Twin of ``BernoulliRBM._sklearn_batch`` (scikit-learn's PCD-1), bit for bit: the same
    BLAS calls on the same layouts, the same RandomState draws in the same order, and the
    kernels' roundings (``sklearn_update``); only the temporaries are gone."""
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    chain = rbm.h_samples_
    n, m = v_pos.shape[0], chain.shape[0]
    h_pos, pv, v_neg, h_neg = ws.ph0[:n], ws.pv[:m], ws.v[:m], ws.ph[:m]
    np.matmul(v_pos, W.T, out=h_pos)
    expit_bias(h_pos, c)
    np.dot(chain, W, out=pv)
    expit_bias_sample(pv, b, rng.uniform(size=pv.shape), v_neg)
    np.matmul(v_neg, W.T, out=h_neg)
    expit_bias(h_neg, c)
    lr64 = float(rbm.learning_rate) / n
    np.matmul(v_pos.T, h_pos, out=ws.positive_T)
    np.dot(h_neg.T, v_neg, out=ws.negative)
    sklearn_update(
        W,
        b,
        c,
        ws.positive_T,
        ws.negative,
        h_pos,
        h_neg,
        v_pos,
        v_neg,
        W.dtype.type(lr64),
        lr64,
        ws.sums_h,
        ws.sums_d,
    )
    sklearn_sample(h_neg, rng.uniform(size=h_neg.shape), chain)
