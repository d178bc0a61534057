"""Hands the original dout to every layer instead of the gradient from the layer above."""

from scratch.models import forward_layers  # noqa: F401


def backward_layers(layers, dout):
    dx = dout
    for layer in reversed(layers):
        dx = layer.backward(dout)
    return dx
