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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratch.checks import (
    FLOAT_DTYPES,
    check_float_array,
    check_number,
    check_positive,
    check_unit_interval,
)

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
def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), overflow-free (the same formula as scipy's expit)."""
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives the right limit 0
        return 1.0 / (1.0 + np.exp(-x))


def sample_bernoulli(p: Any, u: Any) -> np.ndarray:
    """Bernoulli samples: ``(u < p)`` as p's dtype, elementwise, p and u the same shape.

    The comparison is strict, so that u in [0, 1) gives P(1) = p exactly: u = p gives 0, p = 0
    never fires and p = 1 always does. ``u`` is cast to p's dtype first (a float32 model
    compares float32 numbers)."""
    p = _array(p, "p", np.ndim(p))
    u = _array(u, "u", np.ndim(u))
    if p.shape != u.shape:
        raise ValueError(f"u: expected the shape of p {p.shape}, got {u.shape}")
    return (u.astype(p.dtype, copy=False) < p).astype(p.dtype)


def hidden_probabilities(v: Any, W: Any, c: Any) -> np.ndarray:
    """P(h = 1 | v) = sigma(v @ W.T + c): v (n, D), W (H, D), c (H,) -> (n, H)."""
    v = _array(v, "v", 2)
    W = _weights_for(W, "v", v.shape[1], 1)
    c = _bias(c, "c", W.shape[0])
    return sigmoid(v @ W.T + c)


def visible_probabilities(h: Any, W: Any, b: Any) -> np.ndarray:
    """P(v = 1 | h) = sigma(h @ W + b): h (n, H), W (H, D), b (D,) -> (n, D)."""
    h = _array(h, "h", 2)
    W = _weights_for(W, "h", h.shape[1], 0)
    b = _bias(b, "b", W.shape[1])
    return sigmoid(h @ W + b)


def free_energy(v: Any, W: Any, b: Any, c: Any) -> np.ndarray:
    """F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j, (n, D) -> (n,); softplus(x) =
    log(1 + e^x) = ``np.logaddexp(0, x)`` (no overflow). Summing h out of exp(-E(v, h)) gives
    exp(-F(v)), so P(v) = exp(-F(v)) / Z."""
    v = _array(v, "v", 2)
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
    n, H = v0.shape[0], W.shape[0]
    if n == 0:
        raise ValueError("v0: expected at least one row, got shape (0, D)")
    ph0 = hidden_probabilities(v0, W, c)
    h = sample_bernoulli(ph0, _draw(uniforms, (n, H)))
    for step in range(k):
        pv = visible_probabilities(h, W, b)
        ph = hidden_probabilities(pv, W, c)
        if step < k - 1:
            h = sample_bernoulli(ph, _draw(uniforms, (n, H)))
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
    n, (m, H), D = v0.shape[0], h.shape, v0.shape[1]
    if n == 0 or m == 0:
        raise ValueError(f"v0, chain_h: expected at least one row each, got {n} and {m}")
    ph0 = hidden_probabilities(v0, W, c)
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), _draw(uniforms, (m, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, _draw(uniforms, (m, H)))
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
    for group, nm in zip((grads, velocities), names, strict=True):
        for arr, p, name in zip(group, (W, b, c), nm, strict=True):
            arr = _array(arr, name, p.ndim)
            if arr.shape != p.shape:
                raise ValueError(f"{name}: expected shape {p.shape}, got {arr.shape}")
    (dW, db, dc), (vW, vb, vc) = grads, velocities
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
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    recon = visible_probabilities(hidden_probabilities(v, W, c), W, b)
    return float(((v - recon) ** 2).sum(axis=1).mean())


def pseudo_likelihood(v: Any, W: Any, b: Any, c: Any, flip_index: Any) -> np.ndarray:
    """scikit-learn's pseudo-likelihood (``BernoulliRBM.score_samples``), (n, D) -> (n,):

        D * log sigma(F(v~) - F(v)) = -D * logaddexp(0, -(F(v~) - F(v)))

    where v~ is v with feature ``flip_index[i]`` of row i flipped (x -> 1 - x). It is a
    log-likelihood proxy: <= 0, larger is better."""
    v = check_units(v, "v")
    W, b, c = check_rbm_params(W, b, c, v.shape[1])
    idx = np.asarray(flip_index)
    if idx.dtype.kind not in "iu" or idx.shape != (v.shape[0],):
        raise ValueError(
            f"flip_index: expected {v.shape[0]} integers (one per row), got {_describe(idx)}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= v.shape[1]):
        raise ValueError(f"flip_index: expected values in [0, {v.shape[1]}), got some outside")
    rows = np.arange(v.shape[0])
    flipped = v.copy()
    flipped[rows, idx] = 1 - flipped[rows, idx]
    gap = free_energy(flipped, W, b, c) - free_energy(v, W, b, c)
    return -v.shape[1] * np.logaddexp(0, -gap)


def _describe(a: np.ndarray) -> str:
    return f"shape {a.shape} and dtype {a.dtype}"


def free_energy_gap(v_train: Any, v_valid: Any, W: Any, b: Any, c: Any) -> float:
    """mean F(v_valid) - mean F(v_train): Hinton's guide's overfitting monitor. Z cancels, so
    the gap compares the two sets' log-probabilities; it grows when the RBM starts to give the
    training images more probability than held-out ones."""
    v_train = check_units(v_train, "v_train")
    v_valid = check_units(v_valid, "v_valid", v_train.shape[1])
    W, b, c = check_rbm_params(W, b, c, v_train.shape[1])
    return float(free_energy(v_valid, W, b, c).mean() - free_energy(v_train, W, b, c).mean())
