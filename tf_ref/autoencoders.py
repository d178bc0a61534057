"""Autoencoders in TensorFlow: the oracle for ``scratch.autoencoders``, NumPy in and NumPy out.

The maths is TensorFlow's: the tied autoencoder's forward is TF ops and its backward asks
``tf.GradientTape`` (which sums the shared kernel's two uses by itself), the codings are
``tf.nn.elu`` of TF matmuls. ``Autoencoder`` is scratch's ``AutoencoderBase`` (the estimator
API, the joint and greedy orchestration, the argument checks: plumbing) over tf_ref's layers
(Keras Dense, the tied layer, the noise layers), models, optimizers, losses and ``fit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from scratch.autoencoders import (
    AutoencoderBase,
    Backend,
    NotFittedError,
    build_autoencoder_layers,
    check_encoders,
    check_phases,
    check_tied_args,
    decoder_layer,
    encoder_layer,
    forward_inference,
    mirror,
    noise_layer,
)
from scratch.checks import check_float_array
from scratch.layers import check_cache, check_dout

__all__ = [
    "Autoencoder",
    "AutoencoderBase",
    "Backend",
    "NotFittedError",
    "assemble_stacked_autoencoder",
    "autoencoder_layer_inputs",
    "autoencoder_layers",
    "build_autoencoder_layers",
    "decoder_layer",
    "encoder_layer",
    "forward_inference",
    "mirror",
    "noise_layer",
    "tied_autoencoder_backward",
    "tied_autoencoder_forward",
]

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


# ----------------------------------------------------------------------------- layers, estimator
def _tf_backend() -> Backend:
    from tf_ref import losses, optimizers, training
    from tf_ref.layers import Dense, DenseTranspose, GaussianNoise, MaskingNoise
    from tf_ref.models import Sequential
    from tf_ref.regularizers import L2

    return Backend(
        Sequential, Dense, DenseTranspose, GaussianNoise, MaskingNoise, L2, optimizers.get,
        training.fit, training.History, losses.get,
    )  # fmt: skip


def autoencoder_layers(
    n_inputs: int,
    hidden: Sequence[int] = (300,),
    *,
    activation: Any = "elu",
    tied: bool = False,
    noise: str | None = None,
    noise_level: float = 0.0,
    l2: float = 0.0,
    kernel_initializer: Any = "he_normal",
) -> list[Any]:
    """``scratch.autoencoders.autoencoder_layers`` with tf_ref's layers: ["noise"], hidden1..L
    (Keras Dense), the mirrored decoders (tf_ref DenseTranspose when tied), "outputs"."""
    return build_autoencoder_layers(
        _tf_backend(), n_inputs, hidden, activation=activation, tied=tied, noise=noise,
        noise_level=noise_level, l2=l2, kernel_initializer=kernel_initializer,
    )  # fmt: skip


class Autoencoder(AutoencoderBase):
    """``scratch.autoencoders.Autoencoder`` in TensorFlow: the same API, checks, phases and
    batch order, trained by ``tf_ref.training.fit`` on Keras layers."""

    _backend = staticmethod(_tf_backend)
