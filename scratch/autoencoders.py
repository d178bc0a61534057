"""Autoencoders (book ch. 15): tied weights, denoising, stacked, trained jointly or greedily.

An autoencoder learns to copy its input through a narrow coding: encoders hidden1..hiddenL
(D -> H_1 -> ... -> H_L), then decoders in mirror order back to D, the last one ("outputs")
linear. With **tied** weights each decoder's kernel is its encoder's kernel transposed (one
array, fewer parameters, the book's "Tying Weights"); the biases are never tied. A
**denoising** autoencoder corrupts the input (Gaussian or masking noise) and reconstructs the
clean input. A **stacked** autoencoder is trained either as one network ("joint") or one shallow
autoencoder at a time ("greedy": autoencoder k learns to reconstruct the cached codings of the
frozen encoders below, and the stack is then assembled from the phases' own layers).

The pure functions are what katas 25 and 28 teach:

- ``tied_autoencoder_forward`` / ``tied_autoencoder_backward``: one tied ELU autoencoder, where
  the shared kernel collects two gradients (the encoder's and the decoder's);
- ``autoencoder_layer_inputs`` / ``assemble_stacked_autoencoder``: what each autoencoder of a
  greedy stack trains on, and the order in which the phases' layers form the stacked network.

Shapes: x (N, D), W (D, H) (a Dense kernel: the encoder computes x @ W), b_hidden (H,),
b_out (D,). ELU is alpha = 1 (book Eq. 11-2), the activation the book's autoencoders use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.activations import elu, elu_grad
from scratch.checks import _got, check_float_array
from scratch.layers import check_cache, check_dout

Pair = tuple[np.ndarray, np.ndarray]


# ----------------------------------------------------------------------------- argument checks
def check_tied_args(
    x: Any, W: Any, b_hidden: Any, b_out: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``tied_autoencoder_forward``'s arguments: W (D, H) float32/float64, b_hidden (H,) and
    b_out (D,) of W's dtype, x (N, D) floating (cast to W's dtype, as a layer casts its
    inputs), all finite. Plumbing shared with tf_ref (the same words for the same mistake)."""
    W = check_float_array(W, "W", ndim=2)
    d, h = W.shape
    b_hidden = check_float_array(b_hidden, "b_hidden", ndim=1)
    b_out = check_float_array(b_out, "b_out", ndim=1)
    if b_hidden.shape != (h,):
        raise ValueError(
            f"b_hidden: expected shape ({h},) (one per hidden unit of W {W.shape}), "
            f"got {b_hidden.shape}"
        )
    if b_out.shape != (d,):
        raise ValueError(
            f"b_out: expected shape ({d},) (one per input of W {W.shape}), got {b_out.shape}"
        )
    for name, b in (("b_hidden", b_hidden), ("b_out", b_out)):
        if b.dtype != W.dtype:
            raise TypeError(f"{name}: expected dtype {W.dtype} (as W), got {b.dtype}")
    x = check_float_array(x, "x", ndim=2, dtype=W.dtype)
    if x.shape[1] != d:
        raise ValueError(f"x: expected {d} columns (W is {W.shape}), got shape {x.shape}")
    return x, W, b_hidden, b_out


def _pair_names(what: str, k: int) -> tuple[str, str, str]:
    return f"{what}[{k}][0] (W)", f"{what}[{k}][1] (b)", f"{what}[{k}]"


def check_pair(pair: Any, names: tuple[str, str, str], rows: int | None, dtype: Any) -> Pair:
    """One (W (rows, H), b (H,)) Dense pair: finite float arrays (cast to ``dtype`` when given),
    W's rows the width below it (``rows``; any when None)."""
    w_name, b_name, pair_name = names
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise TypeError(f"{pair_name}: expected a pair (W, b), got {_got(pair)}")
    w = check_float_array(pair[0], w_name, ndim=2, dtype=dtype)
    b = check_float_array(pair[1], b_name, ndim=1, dtype=dtype)
    if rows is not None and w.shape[0] != rows:
        raise ValueError(
            f"{w_name}: expected shape ({rows}, H) (the layer below has width {rows}), "
            f"got {w.shape}"
        )
    if b.shape != (w.shape[1],):
        raise ValueError(
            f"{b_name}: expected shape ({w.shape[1]},) (one bias per unit of W {w.shape}), "
            f"got {b.shape}"
        )
    return w, b


def check_encoders(
    encoders: Any, width: int | None = None, dtype: Any = None, what: str = "encoders"
) -> list[Pair]:
    """A non-empty list of encoder pairs (W_k (D_k, H_k), b_k (H_k,)) whose widths chain:
    D_1 = ``width`` (the input's; any when None), D_(k+1) = H_k."""
    if not isinstance(encoders, (list, tuple)) or not encoders:
        raise TypeError(
            f"{what}: expected a non-empty list of (W, b) pairs, one per encoder, "
            f"got {_got(encoders)}"
        )
    checked = []
    for k, pair in enumerate(encoders):
        checked.append(check_pair(pair, _pair_names(what, k), width, dtype))
        width = checked[-1][0].shape[1]
    return checked


def check_phases(phases: Any) -> list[tuple[Pair, Pair]]:
    """A non-empty list of phases ((W_enc (D_k, H_k), b_enc (H_k,)), (W_dec (H_k, D_k),
    b_dec (D_k,))), one shallow autoencoder each, phase k + 1 on phase k's codings
    (D_(k+1) = H_k)."""
    if not isinstance(phases, (list, tuple)) or not phases:
        raise TypeError(
            "phases: expected a non-empty list of ((W_enc, b_enc), (W_dec, b_dec)), one per "
            f"autoencoder, got {_got(phases)}"
        )
    checked, width = [], None
    for k, phase in enumerate(phases):
        if not isinstance(phase, (list, tuple)) or len(phase) != 2:
            raise TypeError(
                f"phases[{k}]: expected ((W_enc, b_enc), (W_dec, b_dec)), got {_got(phase)}"
            )
        enc = check_pair(phase[0], _pair_names(f"phases[{k}]", 0), width, None)
        d, h = enc[0].shape
        dec = check_pair(phase[1], _pair_names(f"phases[{k}]", 1), h, None)
        if dec[0].shape != (h, d):
            raise ValueError(
                f"phases[{k}][1][0] (W): expected shape ({h}, {d}) (the decoder maps the "
                f"{h} codings back to the {d} inputs), got {dec[0].shape}"
            )
        checked.append((enc, dec))
        width = h
    return checked


# ----------------------------------------------------------------------------- kata 25: tied
def tied_autoencoder_forward(
    x: np.ndarray, W: np.ndarray, b_hidden: np.ndarray, b_out: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """A one-layer autoencoder whose decoder kernel is the encoder's transposed:

        z = x @ W + b_hidden   (N, H);   h = elu(z)   (N, H)
        out = h @ W.T + b_out  (N, D)    (linear: logits or values, the loss decides)

    x (N, D), W (D, H), b_hidden (H,), b_out (D,). Returns (out, cache) with cache =
    (x, W, z, h), what ``tied_autoencoder_backward`` needs."""
    return _tied_forward(*check_tied_args(x, W, b_hidden, b_out))


def _tied_forward(x, W, b_hidden, b_out):
    z = x @ W + b_hidden
    h = elu(z)
    return h @ W.T + b_out, (x, W, z, h)


def tied_autoencoder_backward(
    dout: np.ndarray, cache: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the tied autoencoder, given dout = dL/dout (N, D):

        dh = dout @ W                 (N, H)   back through the decoder (kernel W.T)
        dz = dh * elu'(z)             (N, H)
        dW = x.T @ dz + dout.T @ h    (D, H)   the encoder's use plus the decoder's (transposed)
        db_hidden = sum_N dz (H,);  db_out = sum_N dout (D,);  dx = dz @ W.T (N, D)

    The shared kernel is used twice, so its gradient is the sum of both uses' gradients. No 1/N:
    the loss already averaged over the batch."""
    x, W, z, h = check_cache(cache, 4, "tied_autoencoder_forward")
    dout = check_dout(dout, x.shape, W.dtype)
    return _tied_backward(dout, x, W, z, h)


def _tied_backward(dout, x, W, z, h):
    dz = (dout @ W) * elu_grad(z)
    dW = x.T @ dz + dout.T @ h
    return dz @ W.T, dW, dz.sum(axis=0), dout.sum(axis=0)


# ----------------------------------------------------------------------------- kata 28: stacking
def autoencoder_layer_inputs(x: np.ndarray, encoders: list[Pair]) -> list[np.ndarray]:
    """What each autoencoder of a greedy stack trains on: [x, h_1, ..., h_(L-1)].

    x (N, D_1); encoders [(W_k (D_k, H_k), b_k (H_k,)), ...] with D_(k+1) = H_k; h_k =
    elu(h_(k-1) @ W_k + b_k) (N, H_k), h_0 = x: the CODINGS of the frozen encoders below
    (never the reconstructions). ``len(encoders)`` arrays: the top encoder's own codings train
    nobody. Computed in x's dtype (the weights are cast to it)."""
    x = check_float_array(x, "x", ndim=2)
    checked = check_encoders(encoders, x.shape[1], x.dtype)
    inputs = [x]
    for w, b in checked[:-1]:
        inputs.append(elu(inputs[-1] @ w + b))
    return inputs


def assemble_stacked_autoencoder(phases: list[tuple[Pair, Pair]]) -> list[Pair]:
    """The stacked autoencoder's Dense weights in network order: enc_1, ..., enc_L, dec_L, ...,
    dec_1, from phases = [((W_enc, b_enc), (W_dec, b_dec)), ...] (phase k the shallow
    autoencoder trained on the codings of phase k - 1: W_enc (D_k, H_k), W_dec (H_k, D_k)).

    The innermost decoder comes first after the codings because it undoes the last encoder; the
    first phase's decoder ends the network (it reconstructs x). The arrays are the phases' own
    (not copies): training the stack trains the phases' layers, as ``Autoencoder`` shares them.
    """
    checked = check_phases(phases)
    encoders = [enc for enc, _ in checked]
    decoders = [dec for _, dec in reversed(checked)]
    return encoders + decoders
