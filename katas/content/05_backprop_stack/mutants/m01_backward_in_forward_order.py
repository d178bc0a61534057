"""Visits the layers in forward order during backward (forgets ``reversed``)."""

from scratch.models import forward_layers  # noqa: F401


def backward_layers(layers, dout):
    for layer in layers:
        dout = layer.backward(dout)
    return dout
