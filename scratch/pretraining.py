"""Greedy layer-wise pretraining with RBMs: a deep belief net (book ch. 11, "Unsupervised
Pretraining"; Hinton, Osindero & Teh 2006; kata 24).

When most of the data is unlabeled, train one layer at a time, each on what the frozen layers
below it output:

1. input + hidden 1 (trainable): an RBM on the pixels, unsupervised;
2. input + hidden 1 (frozen) + hidden 2 (trainable): an RBM on hidden 1's probabilities;
3. ... and so on for every hidden layer;
4. input + hidden 1..L (frozen, or fine-tuned) + a new output layer: supervised.

An RBM stack is described by ``params``, a list of (W (H_k, D_k), c (H_k,)) per RBM in
scikit-learn's layout (``components_``, ``intercept_hidden_``), D_1 the input width and
D_k = H_(k-1). The next RBM trains on the frozen layer's hidden PROBABILITIES
P(h_k = 1 | v) = sigma(v @ W_k.T + c_k) (not on samples of them), computed once and cached.
The stack then becomes a ``Sequential`` of ``Dense(H_k, "sigmoid")`` layers whose forward pass
is that same chain of probabilities: kernel = W_k.T (D_k, H_k), bias = c_k.

The ``check_*`` functions are plumbing that ``tf_ref.pretraining`` imports, so both backends refuse
bad input with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scratch.checks import _got, check_float_array
from scratch.rbm import check_units, hidden_probabilities

Params = Sequence[tuple[np.ndarray, np.ndarray]]


def check_stack_params(
    params: Any, width: int | None = None, dtype: np.dtype | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """A non-empty list of (W (H_k, D_k), c (H_k,)) pairs whose widths chain: D_1 = ``width``
    (the input's; any when None), D_k = H_(k-1). Finite float arrays, cast to ``dtype`` (None:
    float32 or float64, kept)."""
    if not isinstance(params, (list, tuple)) or not params:
        raise TypeError(
            f"params: expected a non-empty list of (W, c) pairs, one per RBM, got {_got(params)}"
        )
    checked = []
    for k, pair in enumerate(params):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"params[{k}]: expected a pair (W, c), got {_got(pair)}")
        w = check_float_array(pair[0], f"params[{k}][0] (W)", ndim=2, dtype=dtype)
        c = check_float_array(pair[1], f"params[{k}][1] (c)", ndim=1, dtype=dtype)
        if width is not None and w.shape[1] != width:
            below = "the input x" if k == 0 else f"params[{k - 1}]'s hidden layer"
            raise ValueError(
                f"params[{k}][0] (W): expected shape (H, {width}) ({below} has width {width}), "
                f"got {w.shape}"
            )
        if c.shape != (w.shape[0],):
            raise ValueError(
                f"params[{k}][1] (c): expected shape ({w.shape[0]},) (one bias per hidden unit "
                f"of W {w.shape}), got {c.shape}"
            )
        checked.append((w, c))
        width = w.shape[0]
    return checked


def layer_inputs(x: np.ndarray, params: Params) -> list[np.ndarray]:
    """The input each RBM of a stack trains on: [x, P(h_1|x), P(h_2|h_1), ...], ``len(params)``
    arrays (the last RBM's own output is not one of them).

    x (n, D_1) in [0, 1]; params [(W_k (H_k, D_k), c_k (H_k,)), ...]. Item k + 1 is
    sigma(item_k @ W_k.T + c_k) (n, H_k): hidden probabilities, never sampled states. Computed in
    x's dtype (float32 or float64; other float dtypes become float64)."""
    x = check_units(x, "x")
    checked = check_stack_params(params, x.shape[1], x.dtype)
    inputs = [x]
    for w, c in checked[:-1]:
        inputs.append(hidden_probabilities(inputs[-1], w, c))
    return inputs


def stack_weights(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """Dense weights of an RBM stack: [(kernel_k = W_k.T (D_k, H_k), bias_k = c_k (H_k,)), ...],
    so that ``Dense(H_k, "sigmoid")`` computes sigma(x @ W_k.T + c_k) = P(h_k = 1 | x).
    New arrays (contiguous copies); the RBMs' visible biases play no part in the forward pass."""
    return [(np.ascontiguousarray(w.T), c.copy()) for w, c in check_stack_params(params)]
