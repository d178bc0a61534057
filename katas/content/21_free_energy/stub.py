"""Kata 21: the free energy of an RBM. Run `katas check free_energy` after each change."""

import numpy as np


def free_energy(v: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """F(v) = -v @ b - sum_j softplus(v @ W.T + c)_j, one value per row.

    v (n, D), W (H, D), b (D,), c (H,) -> (n,), v's dtype. softplus(x) = log(1 + exp(x)).
    """
    raise NotImplementedError("write free_energy")
