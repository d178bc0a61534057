"""Chains correctly but returns the first gradient it computed (the last layer's input
gradient) instead of dL/dx, the one that came out of the first layer."""

from scratch.models import forward_layers  # noqa: F401


def backward_layers(layers, dout):
    if not layers:
        return dout
    first = layers[-1].backward(dout)
    grad = first
    for layer in reversed(layers[:-1]):
        grad = layer.backward(grad)
    return first
