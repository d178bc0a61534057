"""Never passes ``training`` on: every layer runs in inference mode, so dropout and batch norm
would never train."""

from scratch.models import backward_layers  # noqa: F401


def forward_layers(layers, x, training=False):
    for layer in layers:
        x = layer.forward(x)
    return x
