"""Kata 20: the units of a Bernoulli RBM. Run `katas check bernoulli_sampling` after each change."""

import numpy as np


def sample_bernoulli(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Binary states: 1 where u < p (strictly), else 0, as an array of p's dtype.

    p: probabilities, u: uniforms in [0, 1), both of the same shape.
    """
    raise NotImplementedError("write sample_bernoulli")


def hidden_probabilities(v: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
    """P(h = 1 | v) = sigmoid(v @ W.T + c).

    v (n, D), W (H, D) (scikit-learn's components_), c (H,) -> (n, H), v's dtype.
    """
    raise NotImplementedError("write hidden_probabilities")


def visible_probabilities(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(v = 1 | h) = sigmoid(h @ W + b).

    h (n, H), W (H, D), b (D,) -> (n, D), h's dtype.
    """
    raise NotImplementedError("write visible_probabilities")
