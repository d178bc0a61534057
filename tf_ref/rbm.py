"""Bernoulli-Bernoulli RBMs computed by TensorFlow: the oracle for ``scratch.rbm``.

Notation (scikit-learn's layout): visible units v (n, D) in [0, 1], hidden units h (n, H),
weights ``W`` = ``components_`` (H, D), visible biases ``b`` (D,), hidden biases ``c`` (H,).
The free energy is F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j, so P(v) = exp(-F(v)) / Z.

Where scratch writes the contrastive-divergence statistics by hand, this module differentiates:
the gradient estimate of one step is minus the ``tf.GradientTape`` gradient of

    L(W, b, c) = mean_n F(v0) - mean_m F(stop_gradient(v_neg))

with the chain end v_neg computed *inside* the tape from the same W, b, c and held constant by
``tf.stop_gradient`` (the log-likelihood gradient is -dF(data) + E_model[dF], and the chain end
only stands in for a model sample). -dL/dW = P(h|v0)^T v0 / n - P(h|v_neg)^T v_neg / m, the
positive minus the negative statistics, so the two backends compute the same numbers by two
routes. Sampling, probabilities and the chain are TensorFlow ops; only the uniform draws come
from NumPy (the very same ``uniforms`` callable scratch consumes, in the same order), so that a
seed gives identical samples in both backends. Arrays go in and come out as NumPy.

Argument checks, the uniform stream and the estimator's random-state rules are scratch's
plumbing (``scratch.rbm`` / ``scratch.checks``), so both backends refuse bad input in the same
words; none of scratch's maths is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

# Plumbing only (checks, uniform stream, random-state rules, estimator protocol): no maths.
from scratch.checks import check_positive
from scratch.estimator import Estimator
from scratch.rbm import BernoulliRBM as _ScratchRBM
from scratch.rbm import (
    Uniforms,
    UniformStream,
    _array,
    _bias,
    _check_k,
    _check_unit_number,
    _draw,
    _generator,
    _sklearn_random_state,
    _weights_for,
    check_epoch_callback,
    check_flip_index,
    check_rbm_params,
    check_sample_args,
    check_units,
    check_visible_data,
    flip_indices,
)
from scratch.threads import with_blas_threads


# ----------------------------------------------------------------------------- TF kernels
def _common(*arrays: np.ndarray) -> tuple[tf.Tensor, ...]:
    """Tensors of the dtype NumPy would compute in (float32 with float64 gives float64), so that
    mixed inputs promote as they do in scratch instead of failing in ``tf.matmul``."""
    dtype = np.result_type(*arrays)
    return tuple(tf.constant(a, dtype=dtype) for a in arrays)


def _hidden(v: tf.Tensor, W: tf.Tensor, c: tf.Tensor) -> tf.Tensor:
    return tf.math.sigmoid(tf.matmul(v, W, transpose_b=True) + c)


def _visible(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    return tf.math.sigmoid(tf.matmul(h, W) + b)


def _sample(p: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    # strict <, u in p's dtype (a float32 model compares float32 numbers)
    return tf.cast(tf.math.less(tf.cast(u, p.dtype), p), p.dtype)


def _free_energy(v: tf.Tensor, W: tf.Tensor, b: tf.Tensor, c: tf.Tensor) -> tf.Tensor:
    pre = tf.matmul(v, W, transpose_b=True) + c
    return -tf.linalg.matvec(v, b) - tf.reduce_sum(tf.nn.softplus(pre), axis=1)


def _contrastive_gradients(
    v0: tf.Tensor,
    W: tf.Tensor,
    b: tf.Tensor,
    c: tf.Tensor,
    chain: Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]],
    negative_divisor: tf.Tensor | None = None,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """(-dL/dW, -dL/db, -dL/dc, v_neg, extra) for L = sum_n F(v0) / n - sum_m F(v_neg) / m'
    where ``chain(W, b, c) -> (v_neg, extra)`` runs the Gibbs chain inside the tape and m' is
    ``negative_divisor`` (default m, the chain's rows; scikit-learn divides by n)."""
    with tf.GradientTape() as tape:
        tape.watch([W, b, c])
        v_neg, extra = chain(W, b, c)
        v_neg = tf.stop_gradient(v_neg)  # the chain end stands in for a model sample
        n = tf.cast(tf.shape(v0)[0], v0.dtype)
        m = tf.cast(tf.shape(v_neg)[0], v0.dtype) if negative_divisor is None else negative_divisor
        loss = tf.reduce_sum(_free_energy(v0, W, b, c)) / n - (
            tf.reduce_sum(_free_energy(v_neg, W, b, c)) / m
        )
    gW, gb, gc = tape.gradient(loss, [W, b, c])
    return -gW, -gb, -gc, v_neg, extra


@tf.function(reduce_retracing=True)
def _cd_kernel(v0, W, b, c, us, k: int):
    """CD-k inside the tape: us (k, n, H) are the k hidden-sampling uniforms."""

    def chain(W, b, c):
        h = _sample(_hidden(v0, W, c), us[0])  # data-driven hidden states: sampled
        for step in range(k):
            pv = _visible(h, W, b)  # reconstruction: probabilities
            ph = _hidden(pv, W, c)
            if step < k - 1:
                h = _sample(ph, us[step + 1])
        return pv, ph  # the last hidden step stays probabilities

    return _contrastive_gradients(v0, W, b, c, chain)  # extra: ph_neg = P(h | v_neg)


@tf.function(reduce_retracing=True)
def _pcd_kernel(v0, W, b, c, chain_h, u_visible, u_hidden, k: int, divisor):
    """PCD-k inside the tape: per step v ~ P(v|h) with u_visible[step] (m, D), then
    h ~ P(h|v) with u_hidden[step] (m, H). ``divisor`` None: the chain's rows (PCD-k); else
    scikit-learn's n for the negative phase too."""

    def chain(W, b, c):
        h = chain_h
        for step in range(k):
            v = _sample(_visible(h, W, b), u_visible[step])
            h = _sample(_hidden(v, W, c), u_hidden[step])
        return v, h

    return _contrastive_gradients(v0, W, b, c, chain, divisor)


# ----------------------------------------------------------------------------- pure functions
def sample_bernoulli(p: Any, u: Any) -> np.ndarray:
    """Bernoulli samples ``(u < p)`` as p's dtype (strict: u = p gives 0), p and u the same
    shape, u cast to p's dtype first."""
    p, u = check_sample_args(p, u)
    return _sample(tf.constant(p), tf.constant(u)).numpy()


def hidden_probabilities(v: Any, W: Any, c: Any) -> np.ndarray:
    """P(h = 1 | v) = sigma(v @ W.T + c): v (n, D) in [0, 1], W (H, D), c (H,) -> (n, H)."""
    v = check_units(v, "v")
    W = _weights_for(W, "v", v.shape[1], 1)
    c = _bias(c, "c", W.shape[0])
    return _hidden(*_common(v, W, c)).numpy()


def visible_probabilities(h: Any, W: Any, b: Any) -> np.ndarray:
    """P(v = 1 | h) = sigma(h @ W + b): h (n, H) in [0, 1], W (H, D), b (D,) -> (n, D)."""
    h = check_units(h, "h")
    W = _weights_for(W, "h", h.shape[1], 0)
    b = _bias(b, "b", W.shape[1])
    return _visible(*_common(h, W, b)).numpy()


def free_energy(v: Any, W: Any, b: Any, c: Any) -> np.ndarray:
    """F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j (``tf.nn.softplus``), (n, D) -> (n,)."""
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    return _free_energy(*_common(v, W, b, c)).numpy()


def _draws(uniforms: Uniforms, shapes: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """The uniform arrays of one step, drawn (and checked) in the order scratch consumes them.
    The chain's draws depend only on shapes, never on values, so drawing them before the TF
    computation hands out exactly the numbers scratch's interleaved calls get."""
    return [_draw(uniforms, shape) for shape in shapes]


def cd_step(
    v0: Any, W: Any, b: Any, c: Any, k: int, uniforms: Uniforms
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One CD-k gradient estimate (Hinton's practical guide, 2010), by autodiff.

        chain: h ~ P(h | v0) (u (n, H));  k times: pv = P(v | h), ph = P(h | pv),
               h ~ ph (u (n, H)) except on the last step;   v_neg = pv
        (dW, db, dc) = -grad_{W, b, c} [mean_n F(v0) - mean_n F(stop_gradient(v_neg))]

    Returns ``(dW, db, dc, v_neg, ph_neg)``: dW (H, D), db (D,), dc (H,) (the ascent direction
    of the log-likelihood), v_neg (n, D), ph_neg = P(h | v_neg) (n, H). ``uniforms`` is called
    k times with (n, H)."""
    v0 = check_units(v0, "v0")
    W, b, c = check_rbm_params(W, b, c, v0.shape[1])
    k = _check_k(k)
    if v0.shape[0] == 0:
        raise ValueError("v0: expected at least one row, got shape (0, D)")
    return _cd_chain(v0, W, b, c, k, uniforms)


def _cd_chain(
    v0: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray, k: int, uniforms: Uniforms
) -> tuple[np.ndarray, ...]:
    """Checked arrays -> ``cd_step``'s (dW, db, dc, v_neg, ph_neg) by ``_cd_kernel``, as NumPy
    (the estimator's inner loop calls it directly: its data was checked once per fit)."""
    us = np.stack(_draws(uniforms, [(v0.shape[0], W.shape[0])] * k))
    tensors = _common(v0, W, b, c)
    us = us.astype(tensors[0].dtype.as_numpy_dtype)  # NumPy's rounding, as scratch casts
    out = _cd_kernel(*tensors, tf.constant(us), k)
    return tuple(t.numpy() for t in out)


def pcd_step(
    v0: Any, W: Any, b: Any, c: Any, chain_h: Any, k: int, uniforms: Uniforms
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One persistent CD-k gradient estimate (Tieleman 2008), by autodiff; the negative phase
    from the m binary fantasy particles ``chain_h`` (m, H):

        chain: h = chain_h;  k times: v ~ P(v | h) (u (m, D)), h ~ P(h | v) (u (m, H))
        (dW, db, dc) = -grad_{W, b, c} [mean_n F(v0) - mean_m F(stop_gradient(v))]

    Returns ``(dW, db, dc, new_chain_h)`` (the last h, (m, H)). ``uniforms`` is called 2k
    times: (m, D) then (m, H) per step."""
    v0 = check_units(v0, "v0")
    W, b, c = check_rbm_params(W, b, c, v0.shape[1])
    h = check_units(chain_h, "chain_h", W.shape[0])
    k = _check_k(k)
    n, m = v0.shape[0], h.shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"v0, chain_h: expected at least one row each, got {n} and {m}")
    dW, db, dc, _, new_h = _pcd_chain(v0, W, b, c, h, k, uniforms)
    return dW, db, dc, new_h


def _pcd_chain(
    v0: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    chain_h: np.ndarray,
    k: int,
    uniforms: Uniforms,
    divisor: float | None = None,
) -> tuple[np.ndarray, ...]:
    """Checked arrays -> (dW, db, dc, v_neg, new_chain_h) of ``_pcd_kernel`` as NumPy."""
    m, H, D = chain_h.shape[0], W.shape[0], W.shape[1]
    draws = _draws(uniforms, [(m, D), (m, H)] * k)
    *tensors, h = _common(v0, W, b, c, chain_h)
    dtype = tensors[0].dtype.as_numpy_dtype  # NumPy's rounding of the uniforms, as scratch's
    u_visible = tf.constant(np.stack(draws[0::2]).astype(dtype))
    u_hidden = tf.constant(np.stack(draws[1::2]).astype(dtype))
    div = None if divisor is None else tf.constant(divisor, dtype=dtype)
    out = _pcd_kernel(*tensors, h, u_visible, u_hidden, k, div)
    return tuple(t.numpy() for t in out)


def momentum_update(
    params: tuple[Any, Any, Any],
    grads: tuple[Any, Any, Any],
    velocities: tuple[Any, Any, Any],
    learning_rate: float,
    momentum: float,
    weight_decay: float,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """One gradient-ascent step with momentum, L2 weight decay on W only (TF ops):

    V_W <- momentum * V_W + learning_rate * (dW - weight_decay * W);  W <- W + V_W
    V_b <- momentum * V_b + learning_rate * db;                       b <- b + V_b
    (c alike). Returns NEW arrays ``((W, b, c), (V_W, V_b, V_c))``."""
    learning_rate = check_positive(learning_rate, "learning_rate")
    momentum = _check_unit_number(momentum, "momentum")
    weight_decay = check_positive(weight_decay, "weight_decay", zero=True)
    params = check_rbm_params(*params)
    checked = []
    for group, label, names in (
        (grads, "grads", ("dW", "db", "dc")),
        (velocities, "velocities", ("V_W", "V_b", "V_c")),
    ):
        if not isinstance(group, (tuple, list)) or len(group) != 3:
            raise TypeError(f"{label}: expected a tuple of 3 arrays, got {type(group).__name__}")
        for arr, p, name in zip(group, params, names, strict=True):
            arr = _array(arr, name, p.ndim)
            if arr.shape != p.shape:
                raise ValueError(f"{name}: expected shape {p.shape}, got {arr.shape}")
            checked.append(arr)
    return _momentum_arrays(
        params, tuple(checked[:3]), tuple(checked[3:]), learning_rate, momentum, weight_decay
    )


def _momentum_arrays(
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray],
    velocities: Sequence[np.ndarray],
    learning_rate: float,
    momentum: float,
    weight_decay: float,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Checked arrays -> ``momentum_update``'s result by ``_momentum``, as NumPy."""
    new_params, new_velocities = _momentum(
        *_common(*params, *grads, *velocities), learning_rate, momentum, weight_decay
    )
    return tuple(t.numpy() for t in new_params), tuple(t.numpy() for t in new_velocities)


def _momentum(W, b, c, dW, db, dc, vW, vb, vc, learning_rate, momentum, weight_decay):
    """The update on tensors: weight decay pulls W (not the biases: that would drag the units'
    base rates towards 1/2) towards 0."""
    vW = momentum * vW + learning_rate * (dW - weight_decay * W)
    vb = momentum * vb + learning_rate * db
    vc = momentum * vc + learning_rate * dc
    return (W + vW, b + vb, c + vc), (vW, vb, vc)


def reconstruction_error(v: Any, W: Any, b: Any, c: Any) -> float:
    """mean_n sum_d (v - P(v | P(h | v)))^2, probabilities throughout."""
    v = check_visible_data(v, "v")  # a mean over rows: none is no error of 0 or NaN
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    v, W, b, c = _common(v, W, b, c)
    recon = _visible(_hidden(v, W, c), W, b)
    return float(tf.reduce_mean(tf.reduce_sum(tf.square(v - recon), axis=1)))


def pseudo_likelihood(v: Any, W: Any, b: Any, c: Any, flip_index: Any) -> np.ndarray:
    """scikit-learn's pseudo-likelihood, (n, D) -> (n,): with v~ = v whose feature
    ``flip_index[i]`` of row i is flipped (x -> 1 - x),

        D * log sigma(F(v~) - F(v)) = -D * softplus(-(F(v~) - F(v)))."""
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    idx = check_flip_index(flip_index, *v.shape)
    D = v.shape[1]
    v, W, b, c = _common(v, W, b, c)
    flip = tf.one_hot(idx, D, dtype=v.dtype)  # 1 where the feature flips
    flipped = v + flip * (1 - 2 * v)
    gap = _free_energy(flipped, W, b, c) - _free_energy(v, W, b, c)
    return (-D * tf.nn.softplus(-gap)).numpy()


def free_energy_gap(v_train: Any, v_valid: Any, W: Any, b: Any, c: Any) -> float:
    """mean F(v_valid) - mean F(v_train): the guide's overfitting monitor (Z cancels)."""
    v_train = check_visible_data(v_train, "v_train")  # means over rows: at least one each
    v_valid = check_visible_data(v_valid, "v_valid", v_train.shape[1])
    W, b, c = check_rbm_params(W, b, c, v_train.shape[1])
    t, va, W, b, c = _common(v_train, v_valid, W, b, c)
    return float(
        tf.reduce_mean(_free_energy(va, W, b, c)) - tf.reduce_mean(_free_energy(t, W, b, c))
    )


# ----------------------------------------------------------------------------- the estimator
class BernoulliRBM(Estimator):
    """A Bernoulli-Bernoulli RBM with scikit-learn's API (``scratch.rbm.BernoulliRBM``'s twin),
    its updates computed by TensorFlow.

    ``method``: ``"sklearn"`` (scikit-learn 1.9's PCD-1: its RandomState stream, no shuffling,
    the chain of ``batch_size`` rows, both phases divided by the batch's n), ``"cd"`` (CD-k) or
    ``"pcd"`` (PCD-k), the latter two with momentum and weight decay on W (``momentum_update``),
    a ``np.random.default_rng(random_state)`` stream and a permutation per epoch. The NumPy
    draws (initial weights, permutations, uniforms) are the same as scratch's in the same
    order; everything computed from them is TensorFlow. Fitted attributes are NumPy arrays:
    ``components_`` (H, D), ``intercept_hidden_`` (H,), ``intercept_visible_`` (D,),
    ``h_samples_`` (batch_size, H), ``n_features_in_``, ``random_state_``, ``velocities_``.
    """

    # the constructor too: arguments stored as given, the same signature (test_mirror)
    __init__ = _ScratchRBM.__init__

    # scikit-learn's estimator protocol and the argument checks: scratch's plumbing, shared so
    # that both backends store, show and refuse arguments in the same words
    _check_hyperparameters = _ScratchRBM._check_hyperparameters
    _check_fitted = _ScratchRBM._check_fitted
    _check_input = _ScratchRBM._check_input
    _stream = _ScratchRBM._stream
    _end_of_epoch = _ScratchRBM._end_of_epoch  # the verbose line and the monitor
    fit_transform = _ScratchRBM.fit_transform  # fit then transform: this class's own maths

    # -- training
    def _start(
        self, D: int, dtype: np.dtype, rng: np.random.Generator | np.random.RandomState
    ) -> None:
        """Initial parameters: W ~ N(0, 0.01^2) (H, D) from ``rng`` (the only draw), zero
        biases, the chain of ``batch_size`` zero rows (scikit-learn's), zero velocities."""
        H = int(self.n_components)
        self.components_ = np.asarray(rng.normal(0, 0.01, (H, D)), dtype=dtype)
        self.intercept_hidden_ = np.zeros(H, dtype)
        self.intercept_visible_ = np.zeros(D, dtype)
        self.h_samples_ = np.zeros((int(self.batch_size), H), dtype)
        self.n_features_in_ = D

    def _zero_velocities(self) -> None:
        self.velocities_ = tuple(
            np.zeros_like(p)
            for p in (self.components_, self.intercept_visible_, self.intercept_hidden_)
        )

    @with_blas_threads
    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        epoch_callback: Callable[[Any, int], None] | None = None,
        blas_threads: int | None = None,
    ) -> BernoulliRBM:
        """Train from scratch for ``n_iter`` epochs of ``batch_size``-row mini-batches (the
        last one partial). X: (n, D) in [0, 1], float32 or float64 (the weights take its
        dtype). ``epoch_callback(self, epoch)``, if given, runs after each epoch (a monitor,
        such as the pretraining history; it draws nothing). ``blas_threads`` as scratch's (the
        NumPy draws and casts run under the same BLAS limit)."""
        self._check_hyperparameters()
        check_epoch_callback(epoch_callback)
        X = check_visible_data(X)
        n, bs = X.shape[0], int(self.batch_size)
        if self.method == "sklearn":
            # a local stream, as scikit-learn's; what an earlier cd/pcd fit left goes
            if not isinstance(getattr(self, "random_state_", None), np.random.RandomState):
                self.__dict__.pop("random_state_", None)
            self.__dict__.pop("velocities_", None)
            rng = _sklearn_random_state(self.random_state)
        else:
            rng = self.random_state_ = _generator(self.random_state)
        self._start(X.shape[1], X.dtype, rng)
        if self.method != "sklearn":
            self._zero_velocities()
        begin = time.time()
        for iteration in range(1, int(self.n_iter) + 1):
            # scikit-learn: gen_even_slices in data order; cd/pcd: a fresh permutation per epoch
            data = X if self.method == "sklearn" else X[rng.permutation(n)]
            for start in range(0, n, bs):
                self._update(data[start : start + bs], rng)
            begin = self._end_of_epoch(X, iteration, begin, epoch_callback)
        return self

    @with_blas_threads
    def partial_fit(
        self, X: Any, y: Any = None, *, blas_threads: int | None = None
    ) -> BernoulliRBM:
        """One update with all of X as the mini-batch, initialising the model first if it is
        not fitted; the stream ``random_state_`` continues across calls. method="sklearn"
        works in float64, as scikit-learn's partial_fit does."""
        self._check_hyperparameters()
        first = not hasattr(self, "components_")
        X = check_visible_data(X, "X", None if first else self.n_features_in_)
        sklearn = self.method == "sklearn"
        self._stream()
        if sklearn:
            X = X.astype(np.float64, copy=False)
        if first:
            self._start(X.shape[1], X.dtype, self.random_state_)
        if not sklearn and not hasattr(self, "velocities_"):
            self._zero_velocities()
        if not sklearn:  # scikit-learn computes a float32 model's update in float64 here
            X = X.astype(self.components_.dtype, copy=False)
        self._update(X, self.random_state_)
        return self

    def _update(self, v0: np.ndarray, rng: np.random.Generator | np.random.RandomState) -> None:
        """One update on the mini-batch v0, its uniforms from ``rng``.

        "sklearn": PCD-1 on the chain, both phases over n = len(v0), plain ascent
        W <- W + lr * dW (b, c alike). "cd"/"pcd": CD-k / PCD-k, then ``momentum_update``."""
        uniforms = UniformStream(rng)
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        chain_dtype = self.h_samples_.dtype
        if self.method == "sklearn":
            dW, db, dc, _, self.h_samples_ = _pcd_chain(
                v0, W, b, c, self.h_samples_, 1, uniforms, divisor=float(v0.shape[0])
            )
            zeros = (np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
            lr = float(self.learning_rate)
            (W, b, c), _ = _momentum_arrays((W, b, c), (dW, db, dc), zeros, lr, 0.0, 0.0)
        else:
            # fit checked the data and the hyperparameters once: the unchecked paths here
            if self.method == "cd":
                dW, db, dc, _, _ = _cd_chain(v0, W, b, c, int(self.k), uniforms)
            else:
                dW, db, dc, _, self.h_samples_ = _pcd_chain(
                    v0, W, b, c, self.h_samples_, int(self.k), uniforms
                )
            (W, b, c), self.velocities_ = _momentum_arrays(
                (W, b, c),
                (dW, db, dc),
                self.velocities_,
                float(self.learning_rate),
                float(self.momentum),
                float(self.weight_decay),
            )
        # in place, as scikit-learn's +=: the parameters and the (0/1) chain keep their dtype
        self.h_samples_ = self.h_samples_.astype(chain_dtype, copy=False)
        self.components_ = W.astype(self.components_.dtype, copy=False)
        self.intercept_visible_ = b.astype(self.intercept_visible_.dtype, copy=False)
        self.intercept_hidden_ = c.astype(self.intercept_hidden_.dtype, copy=False)

    # -- inference
    def transform(self, X: Any) -> np.ndarray:
        """P(h = 1 | v) = sigma(X @ W.T + c): (n, D) -> (n, H)."""
        self._check_fitted("transform")
        return hidden_probabilities(self._check_input(X), self.components_, self.intercept_hidden_)

    def free_energy(self, X: Any) -> np.ndarray:
        """F(v) for each row of X: (n, D) -> (n,)."""
        self._check_fitted("free_energy")
        X = self._check_input(X)
        return free_energy(X, self.components_, self.intercept_visible_, self.intercept_hidden_)

    def score_samples(self, X: Any) -> np.ndarray:
        """scikit-learn's pseudo-likelihood of each row, the flipped features drawn from a fresh
        stream of ``random_state`` on every call: (n, D) -> (n,)."""
        self._check_fitted("score_samples")
        X = self._check_input(X)
        idx = flip_indices(self.method, self.random_state, *X.shape)
        return pseudo_likelihood(
            X, self.components_, self.intercept_visible_, self.intercept_hidden_, idx
        )

    def gibbs(self, v: Any) -> np.ndarray:
        """One Gibbs step h ~ P(h | v) (u (n, H)), v' ~ P(v | h) (u (n, D)) from
        ``random_state_``: (n, D) -> (n, D), 0/1 as floats."""
        self._check_fitted("gibbs")
        v = self._check_input(v, "v")
        sklearn = self.method == "sklearn"
        uniforms = UniformStream(self._stream())
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, _draw(uniforms, ph.shape))
        pv = visible_probabilities(h, W, b)
        out = sample_bernoulli(pv, _draw(uniforms, pv.shape))
        return out.astype(v.dtype) if sklearn else out
