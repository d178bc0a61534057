"""Kata 27: pairs for the auxiliary task of exercise 10. Run `katas check pairs` after each
change."""

import numpy as np


def make_pairs(y: np.ndarray, split: np.ndarray, n_pairs: int, rng: np.random.Generator):
    """Draw n_pairs pairs of images, half showing the same digit, half different digits.

    y (N,) int labels of the WHOLE set; split (M,) the row indices you may use (distinct).
    Returns (a, b, same), three int arrays of shape (n_pairs,):
      a, b  row indices into y, every one of them in split, a[i] != b[i];
      same  1 where y[a] == y[b] ("1 means same digit"), else 0.
    Exactly n_pairs // 2 pairs are same-digit pairs, the other n_pairs - n_pairs // 2 are
    different-digit pairs (never the same digit). In each half the digit of a is balanced over
    the digits present in split: each digit n_half // K or n_half // K + 1 times (K digits).
    The pairs come in a random order. Every random draw comes from rng.
    """
    raise NotImplementedError("write make_pairs")
