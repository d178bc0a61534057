"""Kata 23: persistent contrastive divergence (PCD-k). Run `katas check pcd` after each change."""

import numpy as np


def pcd_step(
    v0: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    chain_h: np.ndarray,
    k: int,
    uniforms,
):
    """One PCD-k gradient estimate (Tieleman 2008); returns (dW, db, dc, new_chain_h).

    v0 (n, D) a batch of data in [0, 1]; W (H, D), b (D,), c (H,); chain_h (m, H) the binary
    hidden states of the m persistent fantasy particles; uniforms(shape) -> float64 array in
    [0, 1) (the only source of randomness: ask it for (m, D), then (m, H), at each of the k steps).

        ph0 = sigmoid(v0 @ W.T + c)                                  (n, H) positive phase
        h = chain_h
        k times:  v = sample(sigmoid(h @ W + b), uniforms((m, D)))   (m, D) binary
                  ph = sigmoid(v @ W.T + c)                          (m, H)
                  h = sample(ph, uniforms((m, H)))                   (m, H) binary
        dW = ph0.T @ v0 / n - ph.T @ v / m                           (H, D)
        db = mean over n of v0 - mean over m of v                    (D,)
        dc = mean over n of ph0 - mean over m of ph                  (H,)
        new_chain_h = h                                              (m, H)

    sample(p, u) = 1 where u < p (strictly), else 0, in p's dtype. The results have v0's dtype;
    no argument is modified.
    """
    raise NotImplementedError("write pcd_step")
