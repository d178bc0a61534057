"""Kata 22: contrastive divergence. Run `katas check cd_step` after each change."""

from collections.abc import Callable

import numpy as np

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities  # noqa: F401


def cd_step(
    v0: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    k: int,
    uniforms: Callable[[tuple[int, ...]], np.ndarray],
):
    """One CD-k gradient estimate, as Hinton's practical guide prescribes.

    v0 (n, D) data, W (H, D), b (D,), c (H,), k >= 1 Gibbs steps; ``uniforms(shape)`` returns
    uniforms in [0, 1) and is called k times, each with (n, H).
    -> (dW (H, D), db (D,), dc (H,), v_neg (n, D), ph_neg (n, H)), the ASCENT direction:
    dW = ph0.T @ v0 / n - ph_neg.T @ v_neg / n, db = mean(v0 - v_neg), dc = mean(ph0 - ph_neg).
    """
    raise NotImplementedError("write cd_step")


def momentum_update(params, grads, velocities, learning_rate, momentum, weight_decay):
    """One ascent step with momentum; L2 weight decay on W only.

    params (W, b, c), grads (dW, db, dc), velocities (V_W, V_b, V_c) (zeros at the start):
        V_W = momentum * V_W + learning_rate * (dW - weight_decay * W);   W + V_W
        V_b = momentum * V_b + learning_rate * db;   b + V_b    (c alike, no decay)
    -> ((W, b, c), (V_W, V_b, V_c)), all NEW arrays (the inputs are left unchanged).
    """
    raise NotImplementedError("write momentum_update")
