"""Copies the phases' weights into the stacked network: it computes the right thing, but
fine-tuning it no longer trains the phases' layers (and doubles the memory)."""

from scratch.autoencoders import autoencoder_layer_inputs  # noqa: F401


def assemble_stacked_autoencoder(phases):
    encoders = [(w.copy(), b.copy()) for (w, b), _ in phases]
    decoders = [(w.copy(), b.copy()) for _, (w, b) in reversed(phases)]
    return encoders + decoders
