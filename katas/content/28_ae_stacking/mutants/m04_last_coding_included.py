"""Off by one: appends the top encoder's codings too, len(encoders) + 1 arrays; no autoencoder
trains on them."""

from scratch.activations import elu
from scratch.autoencoders import assemble_stacked_autoencoder  # noqa: F401


def autoencoder_layer_inputs(x, encoders):
    inputs = [x]
    for w, b in encoders:
        inputs.append(elu(inputs[-1] @ w + b))
    return inputs
