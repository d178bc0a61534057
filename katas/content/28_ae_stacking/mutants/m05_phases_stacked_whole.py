"""Stacks each phase whole (enc_1, dec_1, enc_2, dec_2, ...): the network reconstructs x, then
encodes the reconstruction as if it were hidden1's codings."""

from scratch.autoencoders import autoencoder_layer_inputs  # noqa: F401


def assemble_stacked_autoencoder(phases):
    return [pair for phase in phases for pair in phase]
