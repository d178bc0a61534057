"""Bernoulli-Bernoulli restricted Boltzmann machines trained by contrastive divergence.

Notation (scikit-learn's layout): visible units v (n, D) in [0, 1], hidden units h (n, H),
weights ``W`` = ``components_`` (H, D), visible biases ``b`` = ``intercept_visible_`` (D,),
hidden biases ``c`` = ``intercept_hidden_`` (H,); sigma is the logistic sigmoid. The energy is

    E(v, h) = -v @ b - h @ c - h @ W @ v,    P(v, h) = exp(-E(v, h)) / Z,

so both conditionals factorise: P(h_j = 1 | v) = sigma(v @ W.T + c)_j and
P(v_d = 1 | h) = sigma(h @ W + b)_d.

The pure functions (sampling, probabilities, free energy, one CD-k / PCD-k step, the momentum
update, the monitors) are what the katas teach; the estimator ``BernoulliRBM`` strings them
together with scikit-learn's API. All randomness comes from a *uniform source*: any callable
``uniforms(shape) -> float64 array in [0, 1)``, so that tests can inject recorded draws and
``tf_ref`` can consume the very same ones.

The estimator's training loop has a fast path: with ``scratch.fast.enabled()`` (the default),
each mini-batch runs ``scratch.fast.rbm``'s Numba twins of the elementwise chains below (the
sigmoid fused with the bias and the Bernoulli sample, the statistics fused with the momentum
update) on buffers allocated once per fit, around the same BLAS products; under
``scratch.fast.use("numpy")`` it runs the functions of this module as written. Both paths make
the same draws in the same order; method="sklearn" stays scikit-learn's bit for bit on both.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import expit

from scratch import fast
from scratch.checks import (
    FLOAT_DTYPES,
    OrderError,
    check_choice,
    check_float_array,
    check_number,
    check_positive,
    check_unit_interval,
)
from scratch.estimator import Estimator
from scratch.threads import with_blas_threads

Uniforms = Callable[[tuple[int, ...]], np.ndarray]
METHODS = ("sklearn", "cd", "pcd")


# ----------------------------------------------------------------------------- argument checks
def _array(x: Any, name: str, ndim: int) -> np.ndarray:
    """A finite float32/float64 array of ``ndim`` dimensions (other floats cast to float64)."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.dtype not in FLOAT_DTYPES:
        x = check_float_array(x, name, ndim=ndim, dtype=np.float64, allow_empty=True)
    return check_float_array(x, name, ndim=ndim, allow_empty=True)


def check_rbm_params(
    W: Any, b: Any, c: Any, width: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (H, D), ``b`` (D,), ``c`` (H,) as finite float arrays of consistent shapes; ``width``
    is the D the data has (its last axis), checked against W's."""
    W = _array(W, "W", 2)
    b = _array(b, "b", 1)
    c = _array(c, "c", 1)
    H, D = W.shape
    if b.shape != (D,):
        raise ValueError(f"b: expected shape ({D},) (one bias per visible unit), got {b.shape}")
    if c.shape != (H,):
        raise ValueError(f"c: expected shape ({H},) (one bias per hidden unit), got {c.shape}")
    if width is not None and width != D:
        raise ValueError(f"W: expected {width} columns (the data's width), got shape {W.shape}")
    return W, b, c


def check_epoch_callback(callback: Any) -> Any:
    """``fit``'s ``epoch_callback``: None or a callable ``callback(rbm, epoch)``."""
    if callback is not None and not callable(callback):
        raise TypeError(
            "epoch_callback: expected None or a callable (rbm, epoch), "
            f"got {type(callback).__name__}"
        )
    return callback


def check_units(x: Any, name: str, width: int | None = None) -> np.ndarray:
    """Unit states or probabilities: a finite 2-D float array (n, width) with values in [0, 1]."""
    x = _array(x, name, 2)
    if width is not None and x.shape[1] != width:
        raise ValueError(
            f"{name}: expected {width} columns, got shape {x.shape} (width {x.shape[1]})"
        )
    return check_unit_interval(x, name)


def _weights_for(W: Any, name: str, rows: int, axis: int) -> np.ndarray:
    W = _array(W, "W", 2)
    if W.shape[axis] != rows:
        what = "columns" if axis == 1 else "rows"
        raise ValueError(f"W: expected {rows} {what} (the width of {name}), got shape {W.shape}")
    return W


def _bias(x: Any, name: str, size: int) -> np.ndarray:
    x = _array(x, name, 1)
    if x.shape != (size,):
        raise ValueError(f"{name}: expected shape ({size},), got {x.shape}")
    return x


# ----------------------------------------------------------------------------- pure functions
def _sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), overflow-free (the same formula as scipy's expit)."""
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives the right limit 0
        return 1.0 / (1.0 + np.exp(-x))


def sample_bernoulli(p: Any, u: Any) -> np.ndarray:
    """Bernoulli samples: ``(u < p)`` as p's dtype, elementwise, p and u the same shape.

    The comparison is strict, so that u in [0, 1) gives P(1) = p exactly: u = p gives 0, p = 0
    never fires and p = 1 always does. ``u`` is cast to p's dtype first (a float32 model
    compares float32 numbers)."""
    p, u = check_sample_args(p, u)
    return _sample(p, u)


def check_sample_args(p: Any, u: Any) -> tuple[np.ndarray, np.ndarray]:
    """``sample_bernoulli``'s arguments: finite float arrays of one shape, p probabilities in
    [0, 1] and u uniforms in [0, 1) (outside those ranges ``u < p`` is no Bernoulli(p) draw)."""
    p = check_unit_interval(_array(p, "p", np.ndim(p)), "p")
    u = _array(u, "u", np.ndim(u))
    if p.shape != u.shape:
        raise ValueError(f"u: expected the shape of p {p.shape}, got {u.shape}")
    if u.size and (u.min() < 0 or u.max() >= 1):
        raise ValueError(
            f"u: expected uniforms in [0, 1), got values in [{float(u.min())!r}, "
            f"{float(u.max())!r}]"
        )
    return p, u


def _sample(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    return (u.astype(p.dtype, copy=False) < p).astype(p.dtype)


def hidden_probabilities(v: Any, W: Any, c: Any) -> np.ndarray:
    """P(h = 1 | v) = sigma(v @ W.T + c): v (n, D) in [0, 1], W (H, D), c (H,) -> (n, H)."""
    v = check_units(v, "v")
    W = _weights_for(W, "v", v.shape[1], 1)
    c = _bias(c, "c", W.shape[0])
    return _hidden(v, W, c)


def _hidden(v: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
    return _sigmoid(v @ W.T + c)


def visible_probabilities(h: Any, W: Any, b: Any) -> np.ndarray:
    """P(v = 1 | h) = sigma(h @ W + b): h (n, H) in [0, 1], W (H, D), b (D,) -> (n, D)."""
    h = check_units(h, "h")
    W = _weights_for(W, "h", h.shape[1], 0)
    b = _bias(b, "b", W.shape[1])
    return _visible(h, W, b)


def _visible(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _sigmoid(h @ W + b)


def free_energy(v: Any, W: Any, b: Any, c: Any) -> np.ndarray:
    """F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j, (n, D) -> (n,); softplus(x) =
    log(1 + e^x) = ``np.logaddexp(0, x)`` (no overflow). Summing h out of exp(-E(v, h)) gives
    exp(-F(v)), so P(v) = exp(-F(v)) / Z."""
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    return -(v @ b) - np.logaddexp(0, v @ W.T + c).sum(axis=1)


class UniformStream:
    """A uniform source backed by NumPy: ``UniformStream(rng)(shape)`` -> float64 in [0, 1).

    ``rng`` is a ``numpy.random.Generator`` (``rng.random(shape)``) or a legacy ``RandomState``
    (``rng.uniform(size=shape)``, scikit-learn's draw), consumed in call order."""

    def __init__(self, rng: np.random.Generator | np.random.RandomState) -> None:
        if isinstance(rng, np.random.Generator):
            self._draw = rng.random
        elif isinstance(rng, np.random.RandomState):
            self._draw = lambda shape: rng.uniform(size=shape)
        else:
            raise TypeError(
                f"rng: expected a numpy.random.Generator or RandomState, got {type(rng).__name__}"
            )
        self.rng = rng

    def __call__(self, shape: tuple[int, ...]) -> np.ndarray:
        return self._draw(tuple(shape))

    def fill(self, out: np.ndarray) -> np.ndarray:
        """``out[...] = self(out.shape)``, returning out (float64): the same numbers in the
        same order, written into a buffer (a Generator draws into it without a temporary)."""
        if isinstance(self.rng, np.random.Generator):
            return self.rng.random(out=out)
        out[...] = self(out.shape)
        return out


def _draw(uniforms: Uniforms, shape: tuple[int, int]) -> np.ndarray:
    """One array from a uniform source, checked: the shape asked for, finite, in [0, 1)."""
    if not callable(uniforms):
        raise TypeError(
            f"uniforms: expected a callable uniforms(shape), got {type(uniforms).__name__}"
        )
    u = uniforms(shape)
    if not isinstance(u, np.ndarray) or u.dtype.kind != "f":
        raise TypeError(f"uniforms: expected it to return a float array, got {type(u).__name__}")
    if u.shape != tuple(shape):
        raise ValueError(f"uniforms: asked for shape {tuple(shape)}, got {u.shape}")
    if not ((u >= 0) & (u < 1)).all():  # NaN fails too
        raise ValueError("uniforms: expected values in [0, 1), got some outside")
    return u


def _check_k(k: Any) -> int:
    k = check_number(k, "k", integer=True)
    if k < 1:
        raise ValueError(f"k: expected an integer >= 1 (Gibbs steps), got {k}")
    return k


def cd_step(
    v0: Any, W: Any, b: Any, c: Any, k: int, uniforms: Uniforms
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One CD-k gradient estimate (Hinton, "A Practical Guide to Training RBMs", 2010).

        ph0 = P(h | v0);  h = sample(ph0, u (n, H))         data-driven hidden states sampled
        k times:  pv = P(v | h);  ph = P(h | pv);            reconstructions as probabilities
                  h = sample(ph, u (n, H)) except on the last step (kept as probabilities)
        dW = ph0.T @ v0 / n - ph.T @ pv / n   (H, D)
        db = mean_n (v0 - pv)                 (D,)
        dc = mean_n (ph0 - ph)                (H,)

    Returns ``(dW, db, dc, v_neg, ph_neg)`` with v_neg = pv (n, D), ph_neg = ph (n, H): the
    ASCENT direction of the log-likelihood (positive phase minus negative phase). ``uniforms``
    is called k times with (n, H), in that order."""
    v0 = check_units(v0, "v0")
    W, b, c = check_rbm_params(W, b, c, v0.shape[1])
    k = _check_k(k)
    if v0.shape[0] == 0:
        raise ValueError("v0: expected at least one row, got shape (0, D)")
    return _cd(v0, W, b, c, k, lambda shape: _draw(uniforms, shape))


def _cd(v0, W, b, c, k: int, draw: Uniforms):
    """``cd_step`` on checked arguments (the estimator's inner loop: no checks per batch)."""
    n, H = v0.shape[0], W.shape[0]
    ph0 = _hidden(v0, W, c)
    h = _sample(ph0, draw((n, H)))
    for step in range(k):
        pv = _visible(h, W, b)
        ph = _hidden(pv, W, c)
        if step < k - 1:
            h = _sample(ph, draw((n, H)))
    dW = (ph0.T @ v0) / n - (ph.T @ pv) / n
    db = (v0 - pv).mean(axis=0)
    dc = (ph0 - ph).mean(axis=0)
    return dW, db, dc, pv, ph


def pcd_step(
    v0: Any, W: Any, b: Any, c: Any, chain_h: Any, k: int, uniforms: Uniforms
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One persistent CD-k gradient estimate (Tieleman 2008): the negative phase comes from m
    binary fantasy particles ``chain_h`` (m, H) that persist across updates.

        ph0 = P(h | v0);  h = chain_h
        k times:  v = sample(P(v | h), u (m, D));  ph = P(h | v);  h = sample(ph, u (m, H))
        dW = ph0.T @ v0 / n - ph.T @ v / m   (H, D)
        db = mean_n v0 - mean_m v            (D,)
        dc = mean_n ph0 - mean_m ph          (H,)

    Returns ``(dW, db, dc, new_chain_h)`` (new_chain_h = the last h, (m, H)). ``uniforms`` is
    called 2k times: (m, D) then (m, H) per step; with k = 1 that is scikit-learn's order."""
    v0 = check_units(v0, "v0")
    W, b, c = check_rbm_params(W, b, c, v0.shape[1])
    h = check_units(chain_h, "chain_h", W.shape[0])
    k = _check_k(k)
    n, m = v0.shape[0], h.shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"v0, chain_h: expected at least one row each, got {n} and {m}")
    return _pcd(v0, W, b, c, h, k, lambda shape: _draw(uniforms, shape))


def _pcd(v0, W, b, c, h, k: int, draw: Uniforms):
    """``pcd_step`` on checked arguments (the estimator's inner loop: no checks per batch)."""
    n, (m, H), D = v0.shape[0], h.shape, v0.shape[1]
    ph0 = _hidden(v0, W, c)
    for _ in range(k):
        v = _sample(_visible(h, W, b), draw((m, D)))
        ph = _hidden(v, W, c)
        h = _sample(ph, draw((m, H)))
    dW = (ph0.T @ v0) / n - (ph.T @ v) / m
    db = v0.mean(axis=0) - v.mean(axis=0)
    dc = ph0.mean(axis=0) - ph.mean(axis=0)
    return dW, db, dc, h


def momentum_update(
    params: tuple[Any, Any, Any],
    grads: tuple[Any, Any, Any],
    velocities: tuple[Any, Any, Any],
    learning_rate: float,
    momentum: float,
    weight_decay: float,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """One gradient-ascent step with momentum and L2 weight decay (weights only, as the guide
    prescribes: decaying the biases would pull the units' base rates towards 1/2).

        V_W <- momentum * V_W + learning_rate * (dW - weight_decay * W);  W <- W + V_W
        V_b <- momentum * V_b + learning_rate * db;                       b <- b + V_b
        V_c <- momentum * V_c + learning_rate * dc;                       c <- c + V_c

    params = (W, b, c), grads = (dW, db, dc), velocities alike (zeros at the start). Returns NEW
    arrays ``((W, b, c), (V_W, V_b, V_c))``; the inputs are left unchanged."""
    learning_rate = check_positive(learning_rate, "learning_rate")
    momentum = _check_unit_number(momentum, "momentum")
    weight_decay = check_positive(weight_decay, "weight_decay", zero=True)
    W, b, c = check_rbm_params(*params)
    names = (("dW", "db", "dc"), ("V_W", "V_b", "V_c"))
    for group, label in ((grads, "grads"), (velocities, "velocities")):
        if not isinstance(group, (tuple, list)) or len(group) != 3:
            raise TypeError(f"{label}: expected a tuple of 3 arrays, got {type(group).__name__}")
    checked = []
    for group, nm in zip((grads, velocities), names, strict=True):
        arrays = []
        for arr, p, name in zip(group, (W, b, c), nm, strict=True):
            arr = _array(arr, name, p.ndim)
            if arr.shape != p.shape:
                raise ValueError(f"{name}: expected shape {p.shape}, got {arr.shape}")
            arrays.append(arr)
        checked.append(tuple(arrays))
    return _momentum((W, b, c), *checked, learning_rate, momentum, weight_decay)


def _momentum(params, grads, velocities, learning_rate, momentum, weight_decay):
    """``momentum_update`` on checked arguments."""
    (W, b, c), (dW, db, dc), (vW, vb, vc) = params, grads, velocities
    vW = momentum * vW + learning_rate * (dW - weight_decay * W)
    vb = momentum * vb + learning_rate * db
    vc = momentum * vc + learning_rate * dc
    return (W + vW, b + vb, c + vc), (vW, vb, vc)


def _check_unit_number(value: Any, name: str) -> float:
    number = check_number(value, name)
    if not 0 <= number < 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return number


def reconstruction_error(v: Any, W: Any, b: Any, c: Any) -> float:
    """mean_n sum_d (v - P(v | P(h | v)))^2: the squared error of the deterministic one-step
    reconstruction (probabilities throughout). A rough progress signal, not the objective."""
    v = check_visible_data(v, "v")  # a mean over rows: none is no error of 0 or NaN
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    if fast.enabled() and v.dtype == W.dtype == b.dtype == c.dtype:
        return fast.module("rbm").reconstruction_error(v, W, b, c)
    recon = visible_probabilities(hidden_probabilities(v, W, c), W, b)
    return float(((v - recon) ** 2).sum(axis=1).mean())


def pseudo_likelihood(v: Any, W: Any, b: Any, c: Any, flip_index: Any) -> np.ndarray:
    """scikit-learn's pseudo-likelihood (``BernoulliRBM.score_samples``), (n, D) -> (n,):

        D * log sigma(F(v~) - F(v)) = -D * logaddexp(0, -(F(v~) - F(v)))

    where v~ is v with feature ``flip_index[i]`` of row i flipped (x -> 1 - x). It is a
    log-likelihood proxy: <= 0, larger is better."""
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    idx = check_flip_index(flip_index, *v.shape)
    rows = np.arange(v.shape[0])
    flipped = v.copy()
    flipped[rows, idx] = 1 - flipped[rows, idx]
    gap = free_energy(flipped, W, b, c) - free_energy(v, W, b, c)
    return -v.shape[1] * np.logaddexp(0, -gap)


def check_flip_index(flip_index: Any, n: int, D: int) -> np.ndarray:
    """``pseudo_likelihood``'s ``flip_index``: n integers (one per row), each in [0, D)."""
    idx = np.asarray(flip_index)
    if idx.dtype.kind not in "iu" or idx.shape != (n,):
        raise ValueError(
            f"flip_index: expected {n} integers (one per row), got shape {idx.shape} and "
            f"dtype {idx.dtype}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= D):
        raise ValueError(f"flip_index: expected values in [0, {D}), got some outside")
    return idx


def free_energy_gap(v_train: Any, v_valid: Any, W: Any, b: Any, c: Any) -> float:
    """mean F(v_valid) - mean F(v_train): Hinton's guide's overfitting monitor. Z cancels, so
    the gap compares the two sets' log-probabilities; it grows when the RBM starts to give the
    training images more probability than held-out ones."""
    v_train = check_visible_data(v_train, "v_train")  # means over rows: at least one each
    v_valid = check_visible_data(v_valid, "v_valid", v_train.shape[1])
    W, b, c = check_rbm_params(W, b, c, v_train.shape[1])
    return float(free_energy(v_valid, W, b, c).mean() - free_energy(v_train, W, b, c).mean())


# ----------------------------------------------------------------------------- the estimator
# scikit-learn's sigmoid, so that method="sklearn" matches it bit for bit in float32 too (the
# module's own ``_sigmoid`` agrees to within an ulp or two)
_expit = expit


def check_visible_data(X: Any, name: str = "X", width: int | None = None) -> np.ndarray:
    """Training or query data for an RBM: a non-empty finite 2-D float array (n, D) with values
    in [0, 1], float32 or float64 kept (scikit-learn's rule), other floats cast to float64;
    integers and bools refused (unscaled pixels, most likely)."""
    X = check_units(X, name, width)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one row and one column, got {X.shape}")
    return X


def _sklearn_random_state(seed: Any, name: str = "random_state") -> np.random.RandomState:
    """``sklearn.utils.check_random_state``: None -> NumPy's global RandomState, an int ->
    a new ``RandomState(int)``, a RandomState -> itself."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        if not 0 <= seed < 2**32:
            raise ValueError(f"{name}: expected a seed in [0, 2**32), got {seed!r}")
        return np.random.RandomState(int(seed))
    raise TypeError(
        f'{name}: method="sklearn" expects None, an int seed or a numpy.random.RandomState, '
        f"got {type(seed).__name__}"
    )


def flip_indices(method: str, random_state: Any, n: int, D: int) -> np.ndarray:
    """The feature ``score_samples`` flips in each of n rows, from a FRESH stream of
    ``random_state`` (an int seed flips the same features on every call): scikit-learn's
    ``check_random_state(random_state).randint(0, D, n)`` for method="sklearn" (a RandomState
    instance is consumed, as scikit-learn does), ``default_rng(random_state).integers(0, D, n)``
    for "cd"/"pcd", where a Generator is copied first: scoring (``verbose``'s per-epoch
    pseudo-likelihood included) never moves the stream the training draws from."""
    if method == "sklearn":
        return _sklearn_random_state(random_state).randint(0, D, n)
    if isinstance(random_state, np.random.Generator):
        random_state = copy.deepcopy(random_state)
    return _generator(random_state).integers(0, D, n)


def _generator(seed: Any, name: str = "random_state") -> np.random.Generator:
    """``np.random.default_rng(seed)`` for methods "cd"/"pcd": None, an int or a Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        if seed < 0:
            raise ValueError(f"{name}: expected a seed >= 0, got {seed!r}")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f'{name}: methods "cd"/"pcd" expect None, an int seed or a numpy.random.Generator, '
        f"got {type(seed).__name__}"
    )


def _workspace(rbm: BernoulliRBM, rows: int) -> Any:
    """The fast path's buffers for batches of up to ``rows`` rows (``scratch.fast.rbm``'s
    ``Workspace``, that module as ``.kernels``), or None for the NumPy path: ``scratch.fast``
    switched to "numpy", or parameters of mixed dtypes (scikit-learn's partial_fit of a
    float32 model computes in float64; only the NumPy path follows that). The twins update the
    parameters in place, so those are made writeable first (copied only if they are not)."""
    names = ("components_", "intercept_visible_", "intercept_hidden_", "h_samples_")
    arrays = [getattr(rbm, name) for name in names] + list(getattr(rbm, "velocities_", ()))
    dtype = rbm.components_.dtype
    if not fast.enabled() or any(a.dtype != dtype for a in arrays):
        return None
    kernels = fast.module("rbm")  # Numba loads here, on first use
    for name in names:
        setattr(rbm, name, np.require(getattr(rbm, name), requirements="W"))
    if hasattr(rbm, "velocities_"):
        rbm.velocities_ = tuple(np.require(v, requirements="W") for v in rbm.velocities_)
    H, D = rbm.components_.shape
    workspace = kernels.Workspace(rows, rbm.h_samples_.shape[0], H, D, dtype)
    workspace.kernels = kernels
    return workspace


class BernoulliRBM(Estimator):
    """A Bernoulli-Bernoulli RBM with scikit-learn's API, names and conventions.

    ``method``:
    - ``"sklearn"``: PCD-1 exactly as ``sklearn.neural_network.BernoulliRBM`` (same draws, same
      order, same arithmetic: the same integer ``random_state`` gives the same weights); needs
      k = 1, momentum = 0, weight_decay = 0;
    - ``"cd"``: CD-k (``cd_step``) with momentum and weight decay (``momentum_update``);
    - ``"pcd"``: persistent CD-k (``pcd_step``), the chain ``h_samples_`` (batch_size, H).

    Fitted attributes: ``components_`` W (H, D), ``intercept_hidden_`` c (H,),
    ``intercept_visible_`` b (D,), ``h_samples_`` (the persistent chain, (batch_size, H)),
    ``n_features_in_``, ``random_state_`` (the stream ``partial_fit`` and ``gibbs`` continue),
    ``velocities_`` (cd/pcd: the momentum of W, b, c). Constructor arguments are stored as
    given and checked in ``fit``/``partial_fit``.
    """

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        method: str = "sklearn",
        k: int = 1,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.method = method
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.verbose = verbose

    def _check_hyperparameters(self) -> None:
        check_positive(self.n_components, "n_components", integer=True)
        check_positive(self.learning_rate, "learning_rate")
        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.n_iter, "n_iter", integer=True, zero=True)
        check_choice(self.method, "method", METHODS)
        _check_k(self.k)
        _check_unit_number(self.momentum, "momentum")
        check_positive(self.weight_decay, "weight_decay", zero=True)
        if not isinstance(self.verbose, (bool, np.bool_)):
            check_positive(self.verbose, "verbose", integer=True, zero=True)
        if self.method == "sklearn":
            extras = {
                "k": (self.k, 1),
                "momentum": (self.momentum, 0),
                "weight_decay": (self.weight_decay, 0),
            }
            for name, (value, plain_value) in extras.items():
                if value != plain_value:
                    raise ValueError(
                        f'{name}: method="sklearn" is scikit-learn\'s PCD-1 without extras, '
                        f'so {name} must be {plain_value}; got {value!r} (use method="cd" or '
                        '"pcd")'
                    )
            _sklearn_random_state(self.random_state)  # refuses Generators by name
        elif isinstance(self.random_state, np.random.RandomState):
            _generator(self.random_state)  # refused by name

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "components_"):
            raise OrderError(
                f"{what}: this BernoulliRBM is not fitted yet; call fit(X) or partial_fit(X) first"
            )

    def _check_input(self, X: Any, name: str = "X") -> np.ndarray:
        """Query data of the fitted width."""
        return check_visible_data(X, name, self.n_features_in_)

    # -- training
    @with_blas_threads
    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        epoch_callback: Callable[[Any, int], None] | None = None,
        blas_threads: int | None = None,
    ) -> BernoulliRBM:
        """Train from scratch for ``n_iter`` epochs of mini-batches of ``batch_size`` rows.

        X: (n, D) in [0, 1], float32 or float64 (kept; the weights take its dtype).
        ``epoch_callback(self, epoch)``, if given, runs after each epoch (epoch = 1, 2, ...): a
        monitor, such as ``scratch.pretraining``'s per-epoch history; it draws nothing.
        ``blas_threads``: BLAS threads while training, as ``scratch.training.fit`` (one by
        default; -1 leaves BLAS alone; see ``scratch.threads``).

        With ``scratch.fast.enabled()`` (the default) the batches run ``scratch.fast.rbm``'s
        twins, the same numbers, updating ``components_`` and the other arrays in place (as
        scikit-learn does): a callback that keeps them across epochs should copy them."""
        self._check_hyperparameters()
        check_epoch_callback(epoch_callback)
        X = check_visible_data(X)
        n, D = X.shape
        H, bs = int(self.n_components), int(self.batch_size)
        dtype = X.dtype
        if self.method == "sklearn":
            # scikit-learn's fit draws from a local stream and leaves random_state_ alone;
            # only a stream or momentum left by an earlier fit with another method goes
            if not isinstance(getattr(self, "random_state_", None), np.random.RandomState):
                self.__dict__.pop("random_state_", None)
            self.__dict__.pop("velocities_", None)
            rng = _sklearn_random_state(self.random_state)
            self.components_ = np.asarray(rng.normal(0, 0.01, (H, D)), order="F", dtype=dtype)
        else:
            rng = self.random_state_ = _generator(self.random_state)
            self.components_ = rng.normal(0, 0.01, (H, D)).astype(dtype)
            self.velocities_ = (
                np.zeros((H, D), dtype),
                np.zeros(D, dtype),
                np.zeros(H, dtype),
            )
        self.intercept_hidden_ = np.zeros(H, dtype=dtype)
        self.intercept_visible_ = np.zeros(D, dtype=dtype)
        self.h_samples_ = np.zeros((bs, H), dtype=dtype)
        self.n_features_in_ = D
        fast = _workspace(self, min(bs, n))  # None: the NumPy path
        begin = time.time()
        for iteration in range(1, int(self.n_iter) + 1):
            if self.method == "sklearn":
                for start in range(0, n, bs):  # gen_even_slices: no shuffling, last partial
                    self._sklearn_batch(X[start : start + bs], rng, fast)
            elif fast is None:
                shuffled = X[rng.permutation(n)]
                for start in range(0, n, bs):
                    self._batch(shuffled[start : start + bs], rng)
            else:  # the same rows, gathered into the workspace instead of a shuffled copy
                order = rng.permutation(n)
                for start in range(0, n, bs):
                    rows = order[start : start + bs]
                    v0 = np.take(X, rows, axis=0, out=fast.v0[: len(rows)])
                    self._batch(v0, rng, fast)
            begin = self._end_of_epoch(X, iteration, begin, epoch_callback)
        return self

    def _end_of_epoch(
        self,
        X: np.ndarray,
        iteration: int,
        begin: float,
        epoch_callback: Callable[[Any, int], None] | None,
    ) -> float:
        """After epoch ``iteration``: scikit-learn's verbose line (pseudo-likelihood on X, the
        epoch's seconds), then the monitor ``epoch_callback(self, iteration)``. Returns the
        next epoch's start time. Plumbing shared with tf_ref's fit."""
        if self.verbose:
            end = time.time()
            print(
                f"[BernoulliRBM] Iteration {iteration}, pseudo-likelihood = "
                f"{self.score_samples(X).mean():.2f}, time = {end - begin:.2f}s"
            )
            begin = end
        if epoch_callback is not None:  # a monitor (pretraining's per-epoch history)
            epoch_callback(self, iteration)
        return begin

    @with_blas_threads
    def partial_fit(
        self, X: Any, y: Any = None, *, blas_threads: int | None = None
    ) -> BernoulliRBM:
        """One update with all of X as the mini-batch (scikit-learn's partial_fit), the
        parameters initialised first if the model is not fitted yet. With method="sklearn" X
        is cast to float64, as scikit-learn does."""
        self._check_hyperparameters()
        first = not hasattr(self, "components_")
        X = check_visible_data(X, "X", None if first else self.n_features_in_)
        H, D = int(self.n_components), X.shape[1]
        if self.method == "sklearn":
            X = X.astype(np.float64, copy=False)
            rng = self._stream()
            if first:
                self.components_ = np.asarray(rng.normal(0, 0.01, (H, D)), order="F")
                self.intercept_hidden_ = np.zeros(H)
                self.intercept_visible_ = np.zeros(D)
                self.h_samples_ = np.zeros((int(self.batch_size), H))
                self.n_features_in_ = D
            self._sklearn_batch(X, rng, _workspace(self, X.shape[0]))
            return self
        rng = self._stream()
        if first:
            dtype = X.dtype
            self.components_ = rng.normal(0, 0.01, (H, D)).astype(dtype)
            self.intercept_hidden_ = np.zeros(H, dtype)
            self.intercept_visible_ = np.zeros(D, dtype)
            self.h_samples_ = np.zeros((int(self.batch_size), H), dtype)
            self.n_features_in_ = D
        if not hasattr(self, "velocities_"):  # e.g. a model first fitted with "sklearn"
            self.velocities_ = tuple(
                np.zeros_like(p)
                for p in (self.components_, self.intercept_visible_, self.intercept_hidden_)
            )
        X = X.astype(self.components_.dtype, copy=False)
        self._batch(X, rng, _workspace(self, X.shape[0]))
        return self

    def _stream(self) -> np.random.RandomState | np.random.Generator:
        """The stream ``partial_fit`` and ``gibbs`` continue, ``random_state_``: made from
        ``random_state`` on first use, or anew when it is of the other method's kind (a
        Generator left by a cd/pcd fit is never scikit-learn's RandomState stream)."""
        sklearn = self.method == "sklearn"
        kind = np.random.RandomState if sklearn else np.random.Generator
        if not isinstance(getattr(self, "random_state_", None), kind):
            make = _sklearn_random_state if sklearn else _generator
            self.random_state_ = make(self.random_state)
        return self.random_state_

    def _batch(self, v0: np.ndarray, rng: np.random.Generator, fast: Any = None) -> None:
        """One CD-k / PCD-k update on the mini-batch v0, uniforms from ``rng``; with a
        ``fast`` workspace, by ``scratch.fast.rbm``'s twins of the code below, in place."""
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        uniforms = UniformStream(rng)  # the data and parameters were checked by fit
        if fast is not None:
            kernels = fast.kernels
            (kernels.cd_batch if self.method == "cd" else kernels.pcd_batch)(
                self, v0, uniforms, fast
            )
            return
        if self.method == "cd":
            dW, db, dc, _, _ = _cd(v0, W, b, c, int(self.k), uniforms)
        else:
            dW, db, dc, self.h_samples_ = _pcd(v0, W, b, c, self.h_samples_, int(self.k), uniforms)
        (W, b, c), self.velocities_ = _momentum(
            (W, b, c),
            (dW, db, dc),
            self.velocities_,
            float(self.learning_rate),
            float(self.momentum),
            float(self.weight_decay),
        )
        self.components_, self.intercept_visible_, self.intercept_hidden_ = W, b, c

    def _sklearn_batch(
        self, v_pos: np.ndarray, rng: np.random.RandomState, fast: Any = None
    ) -> None:
        """scikit-learn 1.9's ``BernoulliRBM._fit``, operation for operation (the same BLAS
        calls, the same boolean sample arrays, the same in-place casts), so that float32
        results match bit for bit; as a formula it is PCD-1 with both phases divided by n:

            v~ = sample(P(v | h_chain)); h~ = P(h | v~); W += lr / n (P(h | v)^T v - h~^T v~)
            b += lr / n sum(v - v~);  c += lr / n sum(P(h | v) - h~);  h_chain = sample(h~)

        With a ``fast`` workspace (and a model of the data's dtype), ``scratch.fast.rbm``'s
        twin runs instead, the same numbers bit for bit."""
        if fast is not None and fast.kernels.SKLEARN_EXACT and v_pos.dtype == fast.v0.dtype:
            fast.kernels.sklearn_batch(self, v_pos, rng, fast)
            return
        h_pos = self._sklearn_mean_hiddens(v_pos)
        p = np.dot(self.h_samples_, self.components_)
        p += self.intercept_visible_
        _expit(p, out=p)
        v_neg = rng.uniform(size=p.shape) < p  # boolean, as in scikit-learn
        h_neg = self._sklearn_mean_hiddens(v_neg)
        lr = float(self.learning_rate) / v_pos.shape[0]
        update = (v_pos.T @ h_pos).T
        update -= np.dot(h_neg.T, v_neg)
        self.components_ += lr * update
        self.intercept_hidden_ += lr * (h_pos.sum(axis=0) - h_neg.sum(axis=0))
        self.intercept_visible_ += lr * (v_pos.sum(axis=0) - v_neg.sum(axis=0))
        h_neg[rng.uniform(size=h_neg.shape) < h_neg] = 1.0
        self.h_samples_ = np.floor(h_neg, h_neg)

    def _sklearn_mean_hiddens(self, v: np.ndarray) -> np.ndarray:
        p = v @ self.components_.T
        p += self.intercept_hidden_
        return _expit(p, out=p)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X, **fit_params).transform(X)`` (scikit-learn's TransformerMixin): the hidden
        probabilities (n, H) of the training data under the fitted RBM."""
        return self.fit(X, y, **fit_params).transform(X)

    # -- inference
    def transform(self, X: Any) -> np.ndarray:
        """P(h = 1 | v) = sigma(X @ W.T + c): (n, D) -> (n, H), the features a DBN stacks."""
        self._check_fitted("transform")
        X = self._check_input(X)
        if self.method == "sklearn":
            return self._sklearn_mean_hiddens(X)
        return hidden_probabilities(X, self.components_, self.intercept_hidden_)

    def free_energy(self, X: Any) -> np.ndarray:
        """F(v) for each row of X (``free_energy``): (n, D) -> (n,)."""
        self._check_fitted("free_energy")
        X = self._check_input(X)
        return free_energy(X, self.components_, self.intercept_visible_, self.intercept_hidden_)

    def score_samples(self, X: Any) -> np.ndarray:
        """scikit-learn's pseudo-likelihood of each row (``pseudo_likelihood``), the flipped
        features drawn from a FRESH stream of ``random_state`` on each call (as scikit-learn
        does: an int seed flips the same features every time): (n, D) -> (n,)."""
        self._check_fitted("score_samples")
        X = self._check_input(X)
        idx = flip_indices(self.method, self.random_state, *X.shape)
        return pseudo_likelihood(
            X, self.components_, self.intercept_visible_, self.intercept_hidden_, idx
        )

    def gibbs(self, v: Any) -> np.ndarray:
        """One Gibbs step v -> h ~ P(h | v) -> v' ~ P(v | h), drawn from ``random_state_``
        (u (n, H) then u (n, D), scikit-learn's order). Returns v' (n, D), 0/1 as floats."""
        self._check_fitted("gibbs")
        v = self._check_input(v, "v")
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        if self.method == "sklearn":
            rng = self._stream()
            ph = self._sklearn_mean_hiddens(v)
            h = rng.uniform(size=ph.shape) < ph
            p = np.dot(h, W)
            p += b
            _expit(p, out=p)
            return (rng.uniform(size=p.shape) < p).astype(v.dtype)
        uniforms = UniformStream(self._stream())
        h = sample_bernoulli(hidden_probabilities(v, W, c), uniforms(v.shape[:1] + c.shape))
        return sample_bernoulli(visible_probabilities(h, W, b), uniforms(v.shape))
