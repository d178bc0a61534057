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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratch.activations import elu, elu_grad
from scratch.checks import (
    OrderError,
    _got,
    as_dtype,
    check_bool,
    check_choice,
    check_float_array,
    check_fraction,
    check_positive,
    check_rng,
    check_widths,
)
from scratch.estimator import Estimator
from scratch.layers import check_cache, check_dout
from scratch.targets import get_spec, predictions

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
    return mirror([enc for enc, _ in checked], [dec for _, dec in checked])


def mirror(encoders: Sequence[Any], decoders: Sequence[Any]) -> list[Any]:
    """The stacked network's order from the phases' encoders and decoders (phase order, any
    objects: weight pairs or layers): enc_1, ..., enc_L, dec_L, ..., dec_1."""
    return [*encoders, *reversed(decoders)]


# ----------------------------------------------------------------------------- layers
NOISES = ("gaussian", "masking")
# The losses a reconstruction can use: logits against pixels in [0, 1], or values against any
# real targets. The codings of an ELU encoder lie in (-1, inf), so the greedy phases above the
# first always reconstruct them with the mean squared error.
LOSSES = ("sigmoid_cross_entropy", "mean_squared_error")
TRAININGS = ("joint", "greedy")
INNER_LOSS = "mean_squared_error"


@dataclass(frozen=True)
class Backend:
    """What an autoencoder needs from a backend (scratch or tf_ref): its layer and model
    classes, the L2 regularizer, ``optimizers.get``, ``training.fit``, ``training.History`` and
    ``losses.get``. The orchestration below is plumbing; the maths is all in these."""

    sequential: type
    dense: type
    dense_transpose: type
    gaussian_noise: type
    masking_noise: type
    l2: type
    get_optimizer: Callable[..., Any]
    fit: Callable[..., Any]
    history: type
    get_loss: Callable[[str], Callable[..., tuple[float, Any]]]


def _scratch_backend() -> Backend:
    from scratch import losses, optimizers, training
    from scratch.layers import Dense, DenseTranspose, GaussianNoise, MaskingNoise
    from scratch.models import Sequential
    from scratch.regularizers import L2

    return Backend(
        Sequential, Dense, DenseTranspose, GaussianNoise, MaskingNoise, L2, optimizers.get,
        training.fit, training.History, losses.get,
    )  # fmt: skip


def check_layer_args(
    n_inputs: Any,
    hidden: Any,
    activation: Any,
    tied: Any,
    noise: Any,
    noise_level: Any,
    l2: Any,
) -> tuple[int, tuple[int, ...], Any, bool, str | None, float, float]:
    """The architecture's arguments: n_inputs and each hidden width integers > 0 (hidden a
    non-empty list or tuple), tied a flag, noise None / "gaussian" (noise_level = stddev >= 0)
    / "masking" (noise_level = rate in [0, 1)), no noise_level without noise, l2 >= 0. The
    activation is checked by the layers themselves (the backend's own names)."""
    n_inputs = check_positive(n_inputs, "n_inputs", integer=True)
    hidden = check_widths(hidden, "hidden", "coding widths")
    tied = check_bool(tied, "tied")
    if noise is not None:
        check_choice(noise, "noise", NOISES)
    if noise == "masking":
        noise_level = check_fraction(noise_level, "noise_level")
    else:
        noise_level = float(check_positive(noise_level, "noise_level", zero=True))
        if noise is None and noise_level != 0:
            raise ValueError(
                f"noise_level: {noise_level!r} given without noise; pass noise='gaussian' "
                "(noise_level = stddev) or noise='masking' (noise_level = rate)"
            )
    l2 = float(check_positive(l2, "l2", zero=True))
    return n_inputs, hidden, activation, tied, noise, noise_level, l2


def noise_layer(backend: Backend, noise: str, level: float, name: str) -> Any:
    """The input corruption: GaussianNoise(stddev=level) or MaskingNoise(rate=level)."""
    if noise == "gaussian":
        return backend.gaussian_noise(level, name=name)
    return backend.masking_noise(level, name=name)


def encoder_layer(
    backend: Backend, k: int, units: int, activation: Any, l2: float, kernel_initializer: Any
) -> Any:
    """Encoder k (1-based): Dense(units, activation, name="hidden{k}"), an L2 penalty on its
    kernel only when l2 > 0 (the book regularizes the weights, never the biases)."""
    regularizer = backend.l2(l2) if l2 > 0 else None
    return backend.dense(
        units,
        activation,
        kernel_initializer=kernel_initializer,
        kernel_regularizer=regularizer,
        name=f"hidden{k}",
    )


def decoder_layer(
    backend: Backend,
    k: int,
    depth: int,
    encoder: Any,
    width: int,
    activation: Any,
    tied: bool,
    kernel_initializer: Any,
) -> Any:
    """Decoder k (1-based), the mirror of encoder k back to ``width`` (encoder k's input width):
    named "outputs" and linear for k = 1 (logits or values, the loss decides), else
    "hidden{2 depth - k + 1}" with the activation (it reconstructs codings); a DenseTranspose of
    the encoder when ``tied`` (its kernel shared), else a Dense of its own."""
    name = "outputs" if k == 1 else f"hidden{2 * depth - k + 1}"
    act = None if k == 1 else activation
    if tied:
        return backend.dense_transpose(encoder, act, name=name)
    return backend.dense(width, act, kernel_initializer=kernel_initializer, name=name)


def build_autoencoder_layers(
    backend: Backend,
    n_inputs: Any,
    hidden: Any,
    *,
    activation: Any,
    tied: Any,
    noise: Any,
    noise_level: Any,
    l2: Any,
    kernel_initializer: Any,
) -> list[Any]:
    """``autoencoder_layers`` with a backend's classes (shared plumbing)."""
    n_inputs, hidden, activation, tied, noise, noise_level, l2 = check_layer_args(
        n_inputs, hidden, activation, tied, noise, noise_level, l2
    )
    widths = (n_inputs, *hidden)
    encoders = [
        encoder_layer(backend, k + 1, h, activation, l2, kernel_initializer)
        for k, h in enumerate(hidden)
    ]
    decoders = [
        decoder_layer(backend, k + 1, len(hidden), enc, widths[k], activation, tied,
                      kernel_initializer)
        for k, enc in enumerate(encoders)
    ]  # fmt: skip
    front = [] if noise is None else [noise_layer(backend, noise, noise_level, "noise")]
    return front + mirror(encoders, decoders)


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
    """The layers of a (stacked) autoencoder n_inputs -> hidden[0] -> ... -> hidden[-1] -> ...
    -> n_inputs, unbuilt, for a ``Sequential``:

    - "noise" first when ``noise``: GaussianNoise(noise_level) or MaskingNoise(noise_level)
      (training mode only: a denoising autoencoder; the loss compares with the clean input);
    - encoders "hidden1".."hiddenL": Dense(hidden[k], activation, kernel_initializer), an L2
      penalty l2 * sum(W^2) on their kernels when l2 > 0;
    - decoders in mirror order: "hidden(L+1)".."hidden(2L-1)" with the activation, then
      "outputs", linear, n_inputs wide (logits for sigmoid_cross_entropy, values for MSE);
      with ``tied`` each is a DenseTranspose of its encoder (kernel W.T, own bias).

    For 784-300-150 (hidden=(300, 150)): hidden1, hidden2, hidden3, outputs, as in the book."""
    return build_autoencoder_layers(
        _scratch_backend(), n_inputs, hidden, activation=activation, tied=tied, noise=noise,
        noise_level=noise_level, l2=l2, kernel_initializer=kernel_initializer,
    )  # fmt: skip


# ----------------------------------------------------------------------------- the estimator
def check_epoch_callback(callback: Any) -> Any:
    """``fit``'s ``epoch_callback``: None or a callable ``callback(model, phase, epoch)``."""
    if callback is not None and not callable(callback):
        raise TypeError(
            "epoch_callback: expected None or a callable (model, phase, epoch), "
            f"got {type(callback).__name__}"
        )
    return callback


def forward_inference(layers: Sequence[Any], x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """x through ``layers`` (built, of either backend) in inference mode, in chunks of
    ``batch_size`` rows (memory stays flat): the cached codings, transform, inverse_transform."""
    chunks = []
    for start in range(0, x.shape[0], batch_size):
        h = x[start : start + batch_size]
        for layer in layers:
            h = np.asarray(layer.forward(h, training=False))
        chunks.append(h)
    return np.concatenate(chunks, axis=0)


class NotFittedError(OrderError, AttributeError):
    """An autoencoder used before ``fit``: a ValueError (and RuntimeError, as every call made
    out of order) and an AttributeError, as scikit-learn's NotFittedError, so that
    ``hasattr(model, "components_")`` is False before fit."""


class AutoencoderBase(Estimator):
    """A dense autoencoder with scikit-learn's estimator API (plumbing shared by both backends'
    ``Autoencoder``; ``_backend`` gives the layers, models, fit and losses).

    ``training="joint"``: the whole stack as one network, ``fit(model, X, X, loss=loss)``.
    ``training="greedy"`` (book ch. 15, "Training One Autoencoder at a Time"): phase k is the
    shallow autoencoder [noise], hidden_k, its decoder, trained on the codings of the frozen
    encoders below, computed once in inference mode (``autoencoder_layer_inputs``); phase 1
    reconstructs X with ``loss``, the phases above reconstruct codings with the mean squared
    error (ELU codings are not pixels). Each phase corrupts its own input when ``noise`` (a
    stacked denoising autoencoder, Vincent et al. 2010); only phase 1's noise layer is part of
    the assembled network. The stacked model is then assembled from the phases' own layers
    (shared, not copied) in ``mirror`` order.

    Randomness: ``random_state`` (None, an int or a Generator) is split into two streams, one
    for the initial weights (and the noise layers' generators), one for the batch order, so that
    the two backends, which draw initial weights differently, see the same batches.

    Fitted attributes: ``model_`` (the Sequential), ``encoder_layers_`` (hidden1..hiddenL),
    ``history_`` (one ``History`` per phase: [loss, val_loss with X_valid, learning_rate,
    seconds] per epoch), ``components_`` (the first encoder's kernel transposed, (H_1, D): one
    filter per row, like the RBM's), ``n_features_in_``.
    """

    _backend: Callable[[], Backend]

    def __init__(
        self,
        hidden: Sequence[int] = (300,),
        *,
        activation: Any = "elu",
        tied: bool = False,
        noise: str | None = None,
        noise_level: float = 0.0,
        l2: float = 0.0,
        loss: str = "sigmoid_cross_entropy",
        training: str = "joint",
        optimizer: str = "adam",
        learning_rate: float = 0.001,
        batch_size: int = 150,
        epochs: int = 5,
        dtype: Any = "float32",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.tied = tied
        self.noise = noise
        self.noise_level = noise_level
        self.l2 = l2
        self.loss = loss
        self.training = training
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # -- checks
    def _check_hyperparameters(self, n_inputs: int) -> dict[str, Any]:
        """Every constructor argument, checked (before anything is built or trained)."""
        _, hidden, _, tied, noise, level, l2 = check_layer_args(
            n_inputs, self.hidden, self.activation, self.tied, self.noise, self.noise_level,
            self.l2,
        )  # fmt: skip
        check_choice(self.loss, "loss", LOSSES)
        check_choice(self.training, "training", TRAININGS)
        if not isinstance(self.optimizer, str):
            raise TypeError(
                "optimizer: expected an optimizer name such as 'adam' (each phase makes its "
                f"own), got {type(self.optimizer).__name__}"
            )
        self._backend().get_optimizer(self.optimizer, learning_rate=self.learning_rate)
        check_positive(self.learning_rate, "learning_rate")
        batch_size = check_positive(self.batch_size, "batch_size", integer=True)
        epochs = check_positive(self.epochs, "epochs", integer=True)
        dtype = as_dtype(self.dtype)
        check_bool(self.verbose, "verbose")
        return {
            "hidden": hidden, "tied": tied, "noise": noise, "noise_level": level, "l2": l2,
            "batch_size": batch_size, "epochs": epochs, "dtype": dtype,
        }  # fmt: skip

    def _check_data(self, X: Any, name: str, dtype: np.dtype, width: int | None) -> np.ndarray:
        """X (n, D) non-empty, finite floats cast to the model's dtype; for sigmoid_cross_entropy
        values in [0, 1] (the targets are X itself: pixels, not any real number)."""
        X = check_float_array(X, name, ndim=2, width=width, dtype=dtype)  # non-empty too
        return get_spec(self.loss).check_targets(X, name, dtype=dtype)

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"{what}: this {type(self).__name__} is not fitted yet; call fit(X) first"
            )

    # -- training
    def _new_model(self, layers: list[Any], width: int, rng: np.random.Generator, dtype) -> Any:
        """A phase's (or the joint) model, built from ``rng`` (tests override this to give both
        backends the same initial weights)."""
        return self._backend().sequential(layers, width, rng=rng, dtype=dtype)

    def _train(
        self,
        model: Any,
        x: np.ndarray,
        x_valid: np.ndarray | None,
        loss: str,
        rng: np.random.Generator,
        epoch_callback: Any,
        phase: int,
        settings: dict[str, Any],
    ) -> Any:
        """``fit(model, x, x, loss=loss)``: the clean x is the target (the noise layer corrupts
        the input only). With ``epoch_callback``, one fit per epoch on the same optimizer and
        batch stream (the same steps as one fit of all epochs), its records merged."""
        backend = self._backend()
        options = {
            "optimizer": backend.get_optimizer(self.optimizer, learning_rate=self.learning_rate),
            "loss": loss,
            "batch_size": settings["batch_size"],
            "validation_data": None if x_valid is None else (x_valid, x_valid),
            "rng": rng,
            "verbose": bool(self.verbose),
        }
        if epoch_callback is None:
            return backend.fit(model, x, x, epochs=settings["epochs"], **options)
        history = backend.history()
        for epoch in range(1, settings["epochs"] + 1):
            one = backend.fit(model, x, x, epochs=1, **options)
            for key, values in one.history.items():
                history.history.setdefault(key, []).extend(values)
            if one.diverged_at_epoch is not None:
                history.diverged_at_epoch = epoch - 1
                break
            epoch_callback(model, phase, epoch)
        return history

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        X_valid: Any = None,
        epoch_callback: Callable[[Any, int, int], None] | None = None,
    ) -> AutoencoderBase:
        """Train on X (n, D) (``y`` is ignored: scikit-learn's convention for unsupervised
        estimators); ``X_valid`` (m, D) adds ``val_loss`` to each phase's history.
        ``epoch_callback(model, phase, epoch)``, if given, runs after each epoch of each phase
        (phase and epoch from 1; model = the Sequential that phase trains). Every argument is
        checked before anything is built."""
        X = check_float_array(X, "X", ndim=2, dtype=as_dtype(_dtype_or_default(self.dtype)))
        settings = self._check_hyperparameters(X.shape[1])
        check_epoch_callback(epoch_callback)
        dtype = settings["dtype"]
        X = self._check_data(X, "X", dtype, None)
        if X_valid is not None:
            X_valid = self._check_data(X_valid, "X_valid", dtype, X.shape[1])
        build_rng, batch_rng = check_rng(self.random_state, "random_state").spawn(2)
        if self.training == "joint":
            self._fit_joint(X, X_valid, build_rng, batch_rng, epoch_callback, settings)
        else:
            self._fit_greedy(X, X_valid, build_rng, batch_rng, epoch_callback, settings)
        self.n_features_in_ = X.shape[1]
        return self

    def _layer_options(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {"activation": self.activation, "l2": settings["l2"],
                "kernel_initializer": "he_normal"}  # fmt: skip

    def _fit_joint(self, X, X_valid, build_rng, batch_rng, epoch_callback, settings) -> None:
        backend, s = self._backend(), settings
        layers = build_autoencoder_layers(
            backend, X.shape[1], s["hidden"], tied=s["tied"], noise=s["noise"],
            noise_level=s["noise_level"], **self._layer_options(s),
        )  # fmt: skip
        model = self._new_model(layers, X.shape[1], build_rng, s["dtype"])
        history = self._train(model, X, X_valid, self.loss, batch_rng, epoch_callback, 1, s)
        names = {f"hidden{k + 1}" for k in range(len(s["hidden"]))}
        self._set_fitted(model, [layer for layer in model.layers if layer.name in names], [history])

    def _fit_greedy(self, X, X_valid, build_rng, batch_rng, epoch_callback, settings) -> None:
        backend, s = self._backend(), settings
        options = self._layer_options(s)
        depth = len(s["hidden"])
        inputs, valid = X, X_valid
        encoders, decoders, histories, front = [], [], [], []
        for k, units in enumerate(s["hidden"], start=1):
            width = inputs.shape[1]
            enc = encoder_layer(
                backend, k, units, options["activation"], s["l2"], options["kernel_initializer"]
            )
            dec = decoder_layer(
                backend, k, depth, enc, width, options["activation"], s["tied"],
                options["kernel_initializer"],
            )  # fmt: skip
            layers = [enc, dec]
            if s["noise"] is not None:
                name = "noise" if k == 1 else f"noise{k}"
                layers.insert(0, noise_layer(backend, s["noise"], s["noise_level"], name))
                if k == 1:
                    front = [layers[0]]
            phase = self._new_model(layers, width, build_rng, s["dtype"])
            loss = self.loss if k == 1 else INNER_LOSS
            histories.append(
                self._train(phase, inputs, valid, loss, batch_rng, epoch_callback, k, s)
            )
            encoders.append(enc)
            decoders.append(dec)
            if k < depth:  # the cache: the frozen encoder's codings, once, in inference mode
                inputs = forward_inference([enc], inputs)
                valid = None if valid is None else forward_inference([enc], valid)
        model = backend.sequential(
            front + mirror(encoders, decoders), X.shape[1], rng=build_rng, dtype=s["dtype"]
        )  # every layer is built: the phases' own, nothing drawn
        self._set_fitted(model, encoders, histories)

    def _set_fitted(self, model: Any, encoders: list[Any], histories: list[Any]) -> None:
        self.model_, self.encoder_layers_, self.history_ = model, encoders, histories

    # -- inference
    @property
    def components_(self) -> np.ndarray:
        """The first encoder's kernel transposed, (H_1, D): row j is hidden unit j's filter."""
        self._check_fitted("components_")
        return np.ascontiguousarray(self.encoder_layers_[0].get_weights()[0].T)

    def _check_input(self, X: Any, name: str, width: int) -> np.ndarray:
        return check_float_array(X, name, ndim=2, width=width, dtype=self.model_.dtype)

    def _decoder_layers(self) -> list[Any]:
        first = self.model_.layers.index(self.encoder_layers_[-1]) + 1
        return self.model_.layers[first:]

    def transform(self, X: Any) -> np.ndarray:
        """The innermost codings (n, hidden[-1]) of X (n, D), in inference mode (no noise)."""
        self._check_fitted("transform")
        X = self._check_input(X, "X", self.n_features_in_)
        return forward_inference(self.encoder_layers_, X)

    def inverse_transform(self, H: Any) -> np.ndarray:
        """Reconstructions (n, D) from codings H (n, hidden[-1]): the decoders, then the loss's
        output activation (sigmoid for sigmoid_cross_entropy: pixels in [0, 1])."""
        self._check_fitted("inverse_transform")
        H = self._check_input(H, "H", self.encoder_layers_[-1].units)
        outputs = forward_inference(self._decoder_layers(), H)
        return predictions(get_spec(self.loss), outputs)

    def reconstruct(self, X: Any) -> np.ndarray:
        """inverse_transform(transform(X)): X (n, D) -> its reconstruction (n, D)."""
        return self.inverse_transform(self.transform(X))

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the mean reconstruction loss of X (clean, inference mode), the weight penalty
        left out: larger is better, as scikit-learn's ``score``."""
        self._check_fitted("score")
        X = self._check_data(X, "X", self.model_.dtype, self.n_features_in_)
        outputs = forward_inference(self.model_.layers, X)
        value, _ = self._backend().get_loss(self.loss)(outputs, X)
        return -float(value)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X, **fit_params).transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)


def _dtype_or_default(dtype: Any) -> Any:
    """The dtype X is first read in: the constructor's when it is valid (so a float64 X is not
    narrowed before the real check), else float64 (the hyperparameter check names the error)."""
    try:
        return as_dtype(dtype)
    except TypeError:
        return np.float64


class Autoencoder(AutoencoderBase):
    """A dense autoencoder in scratch (NumPy): scikit-learn's API, ``AutoencoderBase``'s
    training (joint or greedy, tied or not, denoising, L2 on the encoders' kernels)."""

    _backend = staticmethod(_scratch_backend)
