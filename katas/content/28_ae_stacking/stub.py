"""Kata 28: stacking autoencoders greedily. Run `katas check ae_stacking` after each change."""

import numpy as np


def autoencoder_layer_inputs(x: np.ndarray, encoders) -> list:
    """What each autoencoder of a greedy stack trains on: [x, h_1, ..., h_(L-1)].

    x (N, D_1); encoders = [(W_1, b_1), (W_2, b_2), ...], W_k (D_k, H_k) a Dense kernel,
    b_k (H_k,), D_(k+1) = H_k. h_0 = x and h_k = elu(h_(k-1) @ W_k + b_k) (N, H_k): the codings
    of the frozen encoders below. Returns len(encoders) arrays (the top encoder's codings are
    nobody's training input), in x's dtype.
    """
    raise NotImplementedError("write autoencoder_layer_inputs")


def assemble_stacked_autoencoder(phases) -> list:
    """The stacked network's (W, b) pairs in order: enc_1, ..., enc_L, dec_L, ..., dec_1.

    phases = [((W_enc_1, b_enc_1), (W_dec_1, b_dec_1)), ...]: phase k is the shallow
    autoencoder trained on h_(k-1), W_enc_k (D_k, H_k), W_dec_k (H_k, D_k). Return the phases'
    own arrays (not copies): training the stacked network must train the phases' layers.
    """
    raise NotImplementedError("write assemble_stacked_autoencoder")
