"""Kata 5: backpropagation through a stack of layers. Run `katas check backprop_stack`."""

from collections.abc import Sequence

import numpy as np


def forward_layers(layers: Sequence, x: np.ndarray, training: bool = False) -> np.ndarray:
    """Apply the layers in order: h_0 = x, h_k = layers[k-1].forward(h_{k-1}, training=...).

    x (N, D) -> h_L (N, width of the last layer). Every layer gets the same ``training`` flag
    and caches what its backward needs, so call this before ``backward_layers``.
    """
    raise NotImplementedError("write forward_layers")


def backward_layers(layers: Sequence, dout: np.ndarray) -> np.ndarray:
    """The chain rule through the stack: given dout = dL/dh_L (N, width of the last layer),
    call each layer's ``backward`` (it turns dL/d(its output) into dL/d(its input) and fills
    its ``grads``) and return dL/dx (N, D)."""
    raise NotImplementedError("write backward_layers")
