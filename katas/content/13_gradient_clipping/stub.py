"""Kata 13: gradient clipping. Run `katas check gradient_clipping` after each change.

``grads`` is a list of gradient arrays, one per parameter (a kernel, a bias, ...), of any
shapes. Every function returns a *new* list of *new* arrays with the same shapes and dtypes, and
leaves the caller's arrays untouched.
"""

import numpy as np


def clip_by_value(grads: list[np.ndarray], clipvalue: float) -> list[np.ndarray]:
    """Keras ``clipvalue``: clip every element of every gradient to [-clipvalue, clipvalue].

    g -> min(max(g, -clipvalue), clipvalue), element by element.
    """
    raise NotImplementedError("write clip_by_value")


def clip_by_norm(grads: list[np.ndarray], clipnorm: float) -> list[np.ndarray]:
    """Keras ``clipnorm``: rescale each gradient tensor *on its own* to an L2 norm <= clipnorm.

    ||g|| = sqrt(sum of g^2 over all entries of g);   g -> g * clipnorm / max(||g||, clipnorm)
    """
    raise NotImplementedError("write clip_by_norm")


def clip_by_global_norm(grads: list[np.ndarray], global_clipnorm: float) -> list[np.ndarray]:
    """Keras ``global_clipnorm``: rescale *all* tensors by one common factor so that their joint
    L2 norm is <= global_clipnorm.

    N = sqrt(sum over tensors of sum of g^2);   g -> g * global_clipnorm / max(N, global_clipnorm)
    """
    raise NotImplementedError("write clip_by_global_norm")
