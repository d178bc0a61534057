"""backward_layers pops the layers off the caller's list (while layers: layers.pop().backward):
the right order once, and an empty network afterwards."""

from scratch.models import forward_layers  # noqa: F401


def backward_layers(layers, dout):
    while layers:
        dout = layers.pop().backward(dout)
    return dout
