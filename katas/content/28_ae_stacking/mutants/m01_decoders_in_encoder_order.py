"""Puts the decoders in the encoders' order (dec_1, ..., dec_L) after the codings: dec_1
expects x's width back from hidden1's codings, so the network only fits when every width is
equal, and then it decodes with the wrong layers."""

from scratch.autoencoders import autoencoder_layer_inputs  # noqa: F401


def assemble_stacked_autoencoder(phases):
    return [enc for enc, _ in phases] + [dec for _, dec in phases]
