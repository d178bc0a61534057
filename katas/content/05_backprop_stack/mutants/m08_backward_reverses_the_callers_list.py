"""backward_layers calls layers.reverse() to walk the stack backwards: the caller's list is now
upside down, so the next forward (and the next backward) runs in the wrong order."""

from scratch.models import forward_layers  # noqa: F401


def backward_layers(layers, dout):
    layers.reverse()
    for layer in layers:
        dout = layer.backward(dout)
    return dout
