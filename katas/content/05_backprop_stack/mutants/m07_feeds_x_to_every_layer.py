"""Feeds the original x to every layer (``out = layer.forward(x)`` without passing ``out`` on)."""

from scratch.models import backward_layers  # noqa: F401


def forward_layers(layers, x, training=False):
    out = x
    for layer in layers:
        out = layer.forward(x, training=training)
    return out
