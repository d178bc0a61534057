"""Off by one in forward: ``layers[:-1]`` leaves out the last layer (the logits layer)."""

from scratch.models import backward_layers  # noqa: F401


def forward_layers(layers, x, training=False):
    for layer in layers[:-1]:
        x = layer.forward(x, training=training)
    return x
