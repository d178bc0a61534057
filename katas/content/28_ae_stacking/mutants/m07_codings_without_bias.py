"""Forgets the encoder's bias when computing the codings, elu(h @ W): not what the frozen
encoder computes, so the next autoencoder trains on features the stack never produces."""

from scratch.activations import elu
from scratch.autoencoders import assemble_stacked_autoencoder  # noqa: F401


def autoencoder_layer_inputs(x, encoders):
    inputs = [x]
    for w, _ in encoders[:-1]:
        inputs.append(elu(inputs[-1] @ w))
    return inputs
