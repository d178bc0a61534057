"""Feeds the next autoencoder the RECONSTRUCTION of the layer below (decoded with the encoder's
kernel transposed) instead of its codings: autoencoder k + 1 should model h_k, the features,
not a copy of its input."""

from scratch.activations import elu
from scratch.autoencoders import assemble_stacked_autoencoder  # noqa: F401


def autoencoder_layer_inputs(x, encoders):
    inputs = [x]
    for w, b in encoders[:-1]:
        h = elu(inputs[-1] @ w + b)
        inputs.append(h @ w.T)
    return inputs
