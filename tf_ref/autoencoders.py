"""Autoencoders in TensorFlow: the oracle for ``scratch.autoencoders``, NumPy in and NumPy out.

The maths is TensorFlow's: the tied autoencoder's forward is TF ops and its backward asks
``tf.GradientTape`` (which sums the shared kernel's two uses by itself), the codings are
``tf.nn.elu`` of TF matmuls. The argument checks are scratch's plumbing (the same words).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from scratch.autoencoders import check_encoders, check_phases, check_tied_args
from scratch.checks import check_float_array
from scratch.layers import check_cache, check_dout

Pair = tuple[np.ndarray, np.ndarray]


# ----------------------------------------------------------------------------- kata 25: tied
def _tied(x: tf.Tensor, W: tf.Tensor, b_hidden: tf.Tensor, b_out: tf.Tensor) -> tf.Tensor:
    h = tf.nn.elu(tf.linalg.matmul(x, W) + b_hidden)
    return tf.linalg.matmul(h, W, transpose_b=True) + b_out


def tied_autoencoder_forward(
    x: np.ndarray, W: np.ndarray, b_hidden: np.ndarray, b_out: np.ndarray
) -> tuple[np.ndarray, tuple[tf.Tensor, ...]]:
    """out = elu(x @ W + b_hidden) @ W.T + b_out with TF ops: x (N, D), W (D, H) -> (N, D);
    cache = the four inputs as tensors (the backward replays the forward on a tape)."""
    tensors = tuple(tf.convert_to_tensor(a) for a in check_tied_args(x, W, b_hidden, b_out))
    return _tied(*tensors).numpy(), tensors


def tied_autoencoder_backward(
    dout: np.ndarray, cache: tuple[tf.Tensor, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dW, db_hidden, db_out) by ``tf.GradientTape`` with dout = dL/dout (N, D): one
    variable W used twice, so the tape returns the sum of both uses' gradients."""
    x, W, b_hidden, b_out = check_cache(cache, 4, "tied_autoencoder_forward")
    dout = check_dout(dout, tuple(x.shape), np.dtype(W.dtype.as_numpy_dtype))
    with tf.GradientTape() as tape:
        tape.watch([x, W, b_hidden, b_out])
        out = _tied(x, W, b_hidden, b_out)
    grads = tape.gradient(out, [x, W, b_hidden, b_out], output_gradients=tf.constant(dout))
    return tuple(g.numpy() for g in grads)


# ----------------------------------------------------------------------------- kata 28: stacking
def autoencoder_layer_inputs(x: np.ndarray, encoders: list[Pair]) -> list[np.ndarray]:
    """[x, h_1, ..., h_(L-1)], h_k = tf.nn.elu(h_(k-1) @ W_k + b_k): what each autoencoder of a
    greedy stack trains on (``len(encoders)`` arrays, in x's dtype)."""
    x = check_float_array(x, "x", ndim=2)
    checked = check_encoders(encoders, x.shape[1], x.dtype)
    inputs = [x]
    h = tf.constant(x)
    for w, b in checked[:-1]:
        h = tf.nn.elu(tf.linalg.matmul(h, tf.constant(w)) + tf.constant(b))
        inputs.append(h.numpy())
    return inputs


def assemble_stacked_autoencoder(phases: list[tuple[Pair, Pair]]) -> list[Pair]:
    """enc_1, ..., enc_L, dec_L, ..., dec_1 from the phases ((W_enc, b_enc), (W_dec, b_dec)):
    the phases' own arrays in the stacked network's order."""
    checked = check_phases(phases)
    return [enc for enc, _ in checked] + [dec for _, dec in checked[::-1]]
