"""Greedy layer-wise pretraining with RBMs (a deep belief net: book ch. 11, "Unsupervised
Pretraining"; Hinton, Osindero & Teh 2006; kata 24) or with autoencoders (book ch. 15,
"Unsupervised Pretraining Using Stacked Autoencoders"; Bengio et al. 2007; kata 28).

When most of the data is unlabeled, train one layer at a time, each on what the frozen layers
below it output:

1. input + hidden 1 (trainable): an RBM on the pixels, unsupervised;
2. input + hidden 1 (frozen) + hidden 2 (trainable): an RBM on hidden 1's probabilities;
3. ... and so on for every hidden layer;
4. input + hidden 1..L (frozen, or fine-tuned) + a new output layer: supervised.

An RBM stack is described by ``params``, a list of (W (H_k, D_k), c (H_k,)) per RBM in
scikit-learn's layout (``components_``, ``intercept_hidden_``), D_1 the input width and
D_k = H_(k-1). The next RBM trains on the frozen layer's hidden PROBABILITIES
P(h_k = 1 | v) = sigma(v @ W_k.T + c_k) (not on samples of them), computed once and cached.
The stack then becomes a ``Sequential`` of ``Dense(H_k, "sigmoid")`` layers whose forward pass
is that same chain of probabilities: kernel = W_k.T (D_k, H_k), bias = c_k.

With ``method="autoencoder"`` layer k is a one-hidden-layer ``Autoencoder`` fitted on the cached
codings of the frozen encoders below (``autoencoders.autoencoder_layer_inputs``); the classifier
takes the encoders' activation, kernels and biases.

The ``check_*`` functions are plumbing that ``tf_ref.pretraining`` imports, so both backends refuse
bad input with the same words.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratch import losses, optimizers
from scratch.autoencoders import LOSSES as AE_LOSSES
from scratch.autoencoders import Autoencoder
from scratch.checks import (
    _got,
    as_dtype,
    check_bool,
    check_choice,
    check_float_array,
    check_labels,
    check_positive,
    check_rng,
    check_widths,
)
from scratch.layers import Dense
from scratch.models import Sequential
from scratch.rbm import (
    BernoulliRBM,
    check_units,
    free_energy_gap,
    hidden_probabilities,
    reconstruction_error,
)
from scratch.reuse import freeze as freeze_layers
from scratch.targets import get_spec
from scratch.training import check_fit_options, fit, prepare_fit

Params = Sequence[tuple[np.ndarray, np.ndarray]]


def _part_names(what: str, k: int) -> tuple[str, str, str]:
    """How errors name pair k of a stack: its W, its c, and the pair itself."""
    if what == "models":
        return (f"models[{k}].components_", f"models[{k}].intercept_hidden_", f"models[{k}]")
    return (f"{what}[{k}][0] (W)", f"{what}[{k}][1] (c)", f"{what}[{k}]")


def check_stack_params(
    params: Any, width: int | None = None, dtype: np.dtype | None = None, what: str = "params"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """A non-empty list of (W (H_k, D_k), c (H_k,)) pairs whose widths chain: D_1 = ``width``
    (the input's; any when None), D_k = H_(k-1). Finite float arrays, cast to ``dtype`` (None:
    float32 or float64, kept). ``what`` is how errors name the list."""
    if not isinstance(params, (list, tuple)) or not params:
        raise TypeError(
            f"{what}: expected a non-empty list of (W, c) pairs, one per RBM, got {_got(params)}"
        )
    checked = []
    for k, pair in enumerate(params):
        w_name, c_name, pair_name = _part_names(what, k)
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{pair_name}: expected a pair (W, c), got {_got(pair)}")
        w = check_float_array(pair[0], w_name, ndim=2, dtype=dtype)
        c = check_float_array(pair[1], c_name, ndim=1, dtype=dtype)
        if width is not None and w.shape[1] != width:
            below = "the input x" if k == 0 else f"{_part_names(what, k - 1)[2]}'s hidden layer"
            raise ValueError(
                f"{w_name}: expected shape (H, {width}) ({below} has width {width}), got {w.shape}"
            )
        if c.shape != (w.shape[0],):
            raise ValueError(
                f"{c_name}: expected shape ({w.shape[0]},) (one bias per hidden unit "
                f"of W {w.shape}), got {c.shape}"
            )
        checked.append((w, c))
        width = w.shape[0]
    return checked


def check_fitted_rbms(models: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """A non-empty list of fitted RBMs (of either backend: anything with ``components_`` and
    ``intercept_hidden_``) whose widths chain; returns their (W, c) pairs."""
    if not isinstance(models, (list, tuple)) or not models:
        raise TypeError(
            f"models: expected a non-empty list of fitted BernoulliRBMs, got {_got(models)}"
        )
    for k, model in enumerate(models):
        if not (hasattr(model, "components_") and hasattr(model, "intercept_hidden_")):
            raise TypeError(
                f"models[{k}]: expected a fitted BernoulliRBM (with components_ and "
                f"intercept_hidden_; call fit first), got {type(model).__name__}"
            )
    pairs = [(model.components_, model.intercept_hidden_) for model in models]
    return check_stack_params(pairs, what="models")


def layer_inputs(x: np.ndarray, params: Params) -> list[np.ndarray]:
    """The input each RBM of a stack trains on: [x, P(h_1|x), P(h_2|h_1), ...], ``len(params)``
    arrays (the last RBM's own output is not one of them).

    x (n, D_1) in [0, 1]; params [(W_k (H_k, D_k), c_k (H_k,)), ...]. Item k + 1 is
    sigma(item_k @ W_k.T + c_k) (n, H_k): hidden probabilities, never sampled states. Computed in
    x's dtype (float32 or float64; other float dtypes become float64)."""
    x = check_units(x, "x")
    checked = check_stack_params(params, x.shape[1], x.dtype)
    inputs = [x]
    for w, c in checked[:-1]:
        inputs.append(hidden_probabilities(inputs[-1], w, c))
    return inputs


def stack_weights(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """Dense weights of an RBM stack: [(kernel_k = W_k.T (D_k, H_k), bias_k = c_k (H_k,)), ...],
    so that ``Dense(H_k, "sigmoid")`` computes sigma(x @ W_k.T + c_k) = P(h_k = 1 | x).
    New arrays (contiguous copies); the RBMs' visible biases play no part in the forward pass."""
    return [(np.ascontiguousarray(w.T), c.copy()) for w, c in check_stack_params(params)]


# ----------------------------------------------------------------------------- greedy pretraining
METHODS = ("rbm", "autoencoder")
STACK_SET = ("n_components", "random_state")  # what pretrain_stack sets for each RBM itself
AE_STACK_SET = ("hidden", "random_state")  # ... and for each autoencoder
# Layer 1 reconstructs x with the autoencoder's loss; the layers above reconstruct ELU codings,
# which are no pixels, so with the mean squared error (as Autoencoder's greedy phases do).
INNER_LOSS = "mean_squared_error"
# The per-epoch monitors run on at most this many training rows (evenly spaced, no draws): the
# guide's "representative subset"; on all of MNIST they would cost as much as the epoch itself.
MONITOR_ROWS = 2000


def check_hidden(hidden: Any) -> tuple[int, ...]:
    """The hidden layers' widths: a non-empty list or tuple of integers > 0, one per pretrained
    layer (an RBM or an autoencoder)."""
    return check_widths(hidden, "hidden", "layer widths, one per pretrained layer")


def check_rbm_options(rbm: Any, rbm_class: type) -> dict[str, Any]:
    """``rbm``: None or a dict of ``rbm_class`` constructor arguments shared by every layer;
    ``n_components`` and ``random_state`` are the stack's to set (``hidden``, ``random_state``).
    The values themselves are checked by the estimator's ``fit``, before any training."""
    if rbm is None:
        return {}
    if not isinstance(rbm, dict):
        raise TypeError(
            f"rbm: expected None or a dict of BernoulliRBM arguments, got {type(rbm).__name__}"
        )
    allowed = [p for p in inspect.signature(rbm_class).parameters if p not in STACK_SET]
    for key in rbm:
        if key in STACK_SET:
            source = "hidden" if key == "n_components" else "random_state"
            raise ValueError(
                f"rbm: {key!r} is set per layer by pretrain_stack; pass it as {source}= instead"
            )
        if key not in allowed:
            raise ValueError(
                f"rbm: unknown BernoulliRBM argument {key!r}; expected some of {', '.join(allowed)}"
            )
    return dict(rbm)


def check_autoencoder_options(autoencoder: Any, autoencoder_class: type) -> dict[str, Any]:
    """``autoencoder``: None or a dict of ``autoencoder_class`` constructor arguments shared by
    every layer; ``hidden`` and ``random_state`` are the stack's to set. The values themselves
    are checked by the estimator's ``fit`` (layer 1's, before it trains)."""
    if autoencoder is None:
        return {}
    if not isinstance(autoencoder, dict):
        raise TypeError(
            "autoencoder: expected None or a dict of Autoencoder arguments, "
            f"got {type(autoencoder).__name__}"
        )
    allowed = [p for p in inspect.signature(autoencoder_class).parameters if p not in AE_STACK_SET]
    for key in autoencoder:
        if key in AE_STACK_SET:
            raise ValueError(
                f"autoencoder: {key!r} is set per layer by pretrain_stack; pass it as {key}= "
                "instead"
            )
        if key not in allowed:
            raise ValueError(
                f"autoencoder: unknown Autoencoder argument {key!r}; expected some of "
                f"{', '.join(allowed)}"
            )
    return dict(autoencoder)


def check_method_options(
    method: Any, rbm: Any, autoencoder: Any, rbm_class: type, autoencoder_class: type
) -> tuple[str, dict[str, Any]]:
    """The layer-wise learner and its options: method "rbm" takes ``rbm=``, "autoencoder"
    ``autoencoder=``; the other one given is refused (it would be silently ignored)."""
    method = check_choice(method, "method", METHODS)
    if method == "rbm":
        if autoencoder is not None:
            raise ValueError(
                "autoencoder: given with method='rbm', which trains RBMs (their options go in "
                "rbm=); pass method='autoencoder' to train autoencoders"
            )
        return method, check_rbm_options(rbm, rbm_class)
    if rbm is not None:
        raise ValueError(
            "rbm: given with method='autoencoder', which trains autoencoders (their options go "
            "in autoencoder=); pass method='rbm' to train RBMs"
        )
    return method, check_autoencoder_options(autoencoder, autoencoder_class)


def check_stack_data(
    x: Any, x_valid: Any, method: str = "rbm"
) -> tuple[np.ndarray, np.ndarray | None]:
    """x (n, D) with n >= 1; x_valid None or (m, D) alike, in x's dtype. For RBMs visible units
    in [0, 1]; for autoencoders finite floats (the autoencoder's loss checks its own targets:
    pixels in [0, 1] for sigmoid_cross_entropy)."""

    def data(a: Any, name: str, width: int | None) -> np.ndarray:
        if method == "rbm":
            return check_units(a, name, width)
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype.itemsize < 4:
            a = a.astype(np.float64)  # as check_units: half floats computed in float64
        a = check_float_array(a, name, ndim=2, allow_empty=True)
        if width is not None and a.shape[1] != width:
            raise ValueError(f"{name}: expected {width} columns, got shape {a.shape}")
        return a

    x = data(x, "x", None)
    if x.shape[0] == 0:
        raise ValueError(f"x: expected at least one row, got shape {x.shape}")
    if x_valid is not None:
        x_valid = data(x_valid, "x_valid", x.shape[1])
        if x_valid.shape[0] == 0:
            raise ValueError(f"x_valid: expected at least one row, got shape {x_valid.shape}")
        x_valid = x_valid.astype(x.dtype, copy=False)
    return x, x_valid


def check_stack_args(
    x: Any,
    hidden: Any,
    method: Any,
    rbm: Any,
    autoencoder: Any,
    x_valid: Any,
    random_state: Any,
    verbose: Any,
    rbm_class: type,
    autoencoder_class: type,
) -> tuple[np.ndarray, tuple[int, ...], str, dict[str, Any], np.ndarray | None, list[int], bool]:
    """pretrain_stack's arguments checked, all before any training: (x, hidden, method, the
    learner's options, x_valid, one seed per layer, verbose)."""
    method, options = check_method_options(method, rbm, autoencoder, rbm_class, autoencoder_class)
    hidden = check_hidden(hidden)
    verbose = check_bool(verbose, "verbose")
    x, x_valid = check_stack_data(x, x_valid, method)
    if method == "autoencoder":  # what layer 1 reconstructs, named as the caller knows it
        default = inspect.signature(autoencoder_class).parameters["loss"].default
        spec = get_spec(check_choice(options.get("loss", default), "loss", AE_LOSSES))
        for data, name in ((x, "x"), (x_valid, "x_valid")):
            if data is not None:
                spec.check_targets(data, name)
    return x, hidden, method, options, x_valid, layer_seeds(random_state, len(hidden)), verbose


def check_head_args(n_outputs: Any, freeze: Any, dtype: Any) -> tuple[int, bool, np.dtype]:
    """The classifier's own arguments: n_outputs an integer > 0, freeze a flag, dtype float."""
    n_outputs = check_positive(n_outputs, "n_outputs", integer=True)
    return n_outputs, check_bool(freeze, "freeze"), as_dtype(dtype)


def monitor_rows(n: int, size: int = MONITOR_ROWS) -> np.ndarray:
    """The training rows the per-epoch monitors use: all n when n <= size, else ``size`` rows
    evenly spaced from the first to the last (deterministic: the RBMs' draws are untouched)."""
    if n <= size:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, size).round().astype(np.int64))


def layer_seeds(random_state: Any, n_layers: int) -> list[int]:
    """One integer seed per RBM, drawn from ``random_state`` (None, an int seed >= 0 or a
    Generator, ``check_rng``): the same int gives the same stack, and each layer's RBM can be
    refitted alone from its own ``random_state``. Integers below 2**32 suit every method
    (scikit-learn's RandomState as well as ``default_rng``)."""
    rng = check_rng(random_state, "random_state")
    return [int(s) for s in rng.integers(0, 2**32, size=n_layers)]


class EpochMonitor:
    """What ``BernoulliRBM.fit`` calls after each epoch of one layer (``epoch_callback``):
    appends {"reconstruction_error", "free_energy_gap" (with validation data), "seconds"} to
    ``history`` and prints a line when ``verbose``. ``seconds`` is the epoch's training time,
    the monitors' own time left out. Shared plumbing; the backend's monitors are passed in."""

    def __init__(
        self,
        inputs: np.ndarray,
        valid: np.ndarray | None,
        label: str,
        verbose: bool,
        reconstruction_error: Callable[..., float],
        free_energy_gap: Callable[..., float],
    ) -> None:
        self.inputs, self.valid, self.label, self.verbose = inputs, valid, label, verbose
        self.reconstruction_error, self.free_energy_gap = reconstruction_error, free_energy_gap
        self.history: list[dict[str, float]] = []
        self.started = time.perf_counter()

    def __call__(self, fitted: Any, epoch: int) -> None:
        seconds = time.perf_counter() - self.started
        W, b, c = fitted.components_, fitted.intercept_visible_, fitted.intercept_hidden_
        entry = {"reconstruction_error": self.reconstruction_error(self.inputs, W, b, c)}
        if self.valid is not None:
            entry["free_energy_gap"] = self.free_energy_gap(self.inputs, self.valid, W, b, c)
        entry["seconds"] = seconds
        self.history.append(entry)
        if self.verbose:
            gap = entry.get("free_energy_gap")
            print(
                f"[pretrain] {self.label}, epoch {epoch}: reconstruction error "
                f"{entry['reconstruction_error']:.4f}"
                + ("" if gap is None else f", free-energy gap {gap:+.4f}")
                + f", {seconds:.2f}s",
                file=sys.stdout,
                flush=True,
            )
        self.started = time.perf_counter()


def run_greedy(
    x: np.ndarray,
    hidden: tuple[int, ...],
    options: dict[str, Any],
    seeds: list[int],
    x_valid: np.ndarray | None,
    verbose: bool,
    *,
    rbm_class: type,
    hidden_probabilities: Callable[..., np.ndarray],
    reconstruction_error: Callable[..., float],
    free_energy_gap: Callable[..., float],
) -> tuple[list[Any], list[list[dict[str, float]]]]:
    """The greedy loop on checked arguments, with a backend's RBM class and maths (shared
    plumbing: ``tf_ref.pretraining`` passes its own). RBM k is ``rbm_class(n_components=
    hidden[k], random_state=seeds[k], **options)`` fitted on ``inputs``, which then become its
    hidden probabilities, computed once: the next RBM trains on them and the frozen layer never
    runs again (the validation input follows the same way). The monitors see the training rows
    ``monitor_rows`` picks."""
    models, histories = [], []
    inputs, valid, rows = x, x_valid, monitor_rows(x.shape[0])
    for k, (units, seed) in enumerate(zip(hidden, seeds, strict=True)):
        label = f"layer {k + 1}/{len(hidden)} ({inputs.shape[1]} -> {units})"
        monitor = EpochMonitor(
            inputs[rows], valid, label, verbose, reconstruction_error, free_energy_gap
        )
        model = rbm_class(n_components=units, random_state=seed, **options)
        model.fit(inputs, epoch_callback=monitor)
        models.append(model)
        histories.append(monitor.history)
        if k < len(hidden) - 1:  # the cache: the frozen layer's probabilities, once
            W, c = model.components_, model.intercept_hidden_
            inputs = hidden_probabilities(inputs, W, c)
            valid = None if valid is None else hidden_probabilities(valid, W, c)
    return models, histories


def run_greedy_autoencoders(
    x: np.ndarray,
    hidden: tuple[int, ...],
    options: dict[str, Any],
    seeds: list[int],
    x_valid: np.ndarray | None,
    verbose: bool,
    *,
    autoencoder_class: type,
) -> tuple[list[Any], list[list[dict[str, float]]]]:
    """The greedy loop with autoencoders, on checked arguments (shared plumbing: tf_ref passes
    its own class). Autoencoder k is ``autoencoder_class(hidden=(hidden[k],),
    random_state=seeds[k], **options)`` (``loss="mean_squared_error"`` above the first layer)
    fitted on ``inputs``, which then become its codings ``transform(inputs)``, computed once
    (the frozen encoder never runs again; the validation input follows the same way). Its
    history per epoch is {"loss", "val_loss" (with x_valid), "seconds"} from its fit; with
    ``verbose`` one line per epoch is printed when the layer is done."""
    models, histories = [], []
    inputs, valid = x, x_valid
    for k, (units, seed) in enumerate(zip(hidden, seeds, strict=True)):
        layer_options = dict(options) if k == 0 else {**options, "loss": INNER_LOSS}
        model = autoencoder_class(hidden=(units,), random_state=seed, **layer_options)
        model.fit(inputs, X_valid=valid)
        record = model.history_[0].history
        keys = [key for key in ("loss", "val_loss", "seconds") if key in record]
        history = [{key: record[key][e] for key in keys} for e in range(len(record["loss"]))]
        if verbose:
            label = f"layer {k + 1}/{len(hidden)} ({inputs.shape[1]} -> {units})"
            for e, entry in enumerate(history, start=1):
                val = entry.get("val_loss")
                print(
                    f"[pretrain] {label}, epoch {e}: loss {entry['loss']:.4f}"
                    + ("" if val is None else f", val_loss {val:.4f}")
                    + f", {entry['seconds']:.2f}s",
                    file=sys.stdout,
                    flush=True,
                )
        models.append(model)
        histories.append(history)
        if k < len(hidden) - 1:  # the cache: the frozen encoder's codings, once
            inputs = model.transform(inputs)
            valid = None if valid is None else model.transform(valid)
    return models, histories


def pretrain_stack(
    x: np.ndarray,
    hidden: Sequence[int] = (256, 256),
    *,
    method: str = "rbm",
    rbm: dict[str, Any] | None = None,
    autoencoder: dict[str, Any] | None = None,
    x_valid: np.ndarray | None = None,
    random_state: np.random.Generator | int | None = None,
    verbose: bool = False,
) -> tuple[list[Any], list[list[dict[str, float]]]]:
    """Steps 1-3 of greedy layer-wise pretraining: fit layer 1 on x; freeze it; compute its
    outputs once (the cache); fit layer 2 on them; and so on, one layer per entry of ``hidden``.

    ``method="rbm"``: RBM k (``BernoulliRBM(n_components=hidden[k], **rbm)``) trains on exactly
    ``layer_inputs(x, params)[k]`` (hidden probabilities); x (n, D) in [0, 1]. Histories per
    epoch: {"reconstruction_error" (of that layer's training input), "free_energy_gap" (mean
    F(valid) - mean F(train), with ``x_valid``), "seconds"}; the monitors use at most
    ``MONITOR_ROWS`` evenly spaced training rows (``monitor_rows``).

    ``method="autoencoder"``: autoencoder k (``Autoencoder(hidden=(hidden[k],), **autoencoder)``;
    the layers above the first reconstruct with the mean squared error) trains on exactly
    ``autoencoders.autoencoder_layer_inputs(x, encoders)[k]`` (ELU codings). Histories per
    epoch: {"loss", "val_loss" (with ``x_valid``), "seconds"}.

    x float32 or float64 (kept); ``random_state`` (None, an int or a Generator) gives each layer
    its own integer seed (``layer_seeds``), kept in its ``random_state``. Only the chosen
    method's options may be given. Returns ``(models, histories)``: the fitted RBMs or
    autoencoders and the per-layer lists of per-epoch records."""
    x, hidden, method, options, x_valid, seeds, verbose = check_stack_args(
        x, hidden, method, rbm, autoencoder, x_valid, random_state, verbose, BernoulliRBM,
        Autoencoder,
    )  # fmt: skip
    return GREEDY[method](x, hidden, options, seeds, x_valid, verbose)


def _greedy(*args: Any) -> tuple[list[BernoulliRBM], list[list[dict[str, float]]]]:
    """The greedy loop with scratch's RBM and maths."""
    return run_greedy(
        *args,
        rbm_class=BernoulliRBM,
        hidden_probabilities=hidden_probabilities,
        reconstruction_error=reconstruction_error,
        free_energy_gap=free_energy_gap,
    )


def _greedy_autoencoders(*args: Any) -> tuple[list[Autoencoder], list[list[dict[str, float]]]]:
    """The greedy loop with scratch's Autoencoder."""
    return run_greedy_autoencoders(*args, autoencoder_class=Autoencoder)


GREEDY = {"rbm": _greedy, "autoencoder": _greedy_autoencoders}


# ----------------------------------------------------------------------------- the classifier
def build_classifier(
    weights: list[tuple[np.ndarray, np.ndarray]],
    n_outputs: int,
    freeze: bool,
    rng: np.random.Generator,
    dtype: np.dtype,
    dense_class: type,
    sequential_class: type,
    freeze_fn: Callable[[list[Any]], None],
    activations: Sequence[Any] | None = None,
) -> Any:
    """The pretrained classifier from checked arguments with a backend's classes (shared
    plumbing): ``Dense(H_k, activations[k], name="hidden{k}")`` (sigmoid for all when None: a
    DBN) built and given (kernel_k, bias_k), frozen with ``freeze_fn`` when ``freeze``, then
    ``Dense(n_outputs, name="outputs")``, which the ``Sequential`` builds from ``rng`` (already
    built layers draw nothing)."""
    if activations is None:
        activations = ["sigmoid"] * len(weights)
    hidden = []
    for k, ((kernel, bias), activation) in enumerate(zip(weights, activations, strict=True)):
        layer = dense_class(kernel.shape[1], activation, name=f"hidden{k + 1}")
        layer.build(kernel.shape[0], np.random.default_rng(0), dtype)  # overwritten next line
        layer.set_weights([kernel, bias])
        hidden.append(layer)
    if freeze:
        freeze_fn(hidden)
    outputs = dense_class(n_outputs, name="outputs")
    return sequential_class([*hidden, outputs], weights[0][0].shape[0], rng=rng, dtype=dtype)


def dbn_classifier(
    models: Sequence[BernoulliRBM],
    n_outputs: int,
    *,
    freeze: bool = True,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Sequential:
    """Step 4's model: ``Dense(H_k, "sigmoid", name="hidden{k}")`` per RBM with the RBM's
    ``stack_weights`` (kernel W_k.T, bias c_k), frozen (``reuse.freeze``) unless
    ``freeze=False`` (fine-tuning), then a new ``Dense(n_outputs, name="outputs")`` of logits
    (the softmax is in the loss), its weights the only draws from ``rng``. An ordinary
    ``Sequential`` in ``dtype``: ``training.fit``, ``save_model``, ``get_config`` (so the zoo
    and tf_ref) all take it. The RBMs' visible biases are not part of it."""
    params = check_fitted_rbms(models)
    n_outputs, freeze, dtype = check_head_args(n_outputs, freeze, dtype)
    rng = check_rng(rng)
    return build_classifier(
        stack_weights(params), n_outputs, freeze, rng, dtype, Dense, Sequential, freeze_layers
    )


def pretrained_layers(models: Any) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[Any]]:
    """The hidden layers a list of fitted RBMs or autoencoders (of either backend, mixed if
    wished) gives a classifier: ((kernel, bias) copies, activations), in order, widths chained.
    An RBM gives (W.T, c) and "sigmoid"; an autoencoder each of its encoders' (kernel, bias)
    and its ``activation``."""
    if not isinstance(models, (list, tuple)) or not models:
        raise TypeError(
            "models: expected a non-empty list of fitted BernoulliRBMs or Autoencoders, "
            f"got {_got(models)}"
        )
    pairs, activations = [], []
    for k, model in enumerate(models):
        if hasattr(model, "encoder_layers_"):
            for layer in model.encoder_layers_:
                kernel, bias = layer.get_weights()[:2]
                pairs.append((np.array(kernel).T, np.array(bias)))  # (W (H, D), c) as an RBM's
                activations.append(model.activation)
        elif hasattr(model, "components_") and hasattr(model, "intercept_hidden_"):
            pairs.append((model.components_, model.intercept_hidden_))
            activations.append("sigmoid")
        else:
            raise TypeError(
                f"models[{k}]: expected a fitted BernoulliRBM or Autoencoder (call fit first), "
                f"got {type(model).__name__}"
            )
    return stack_weights(check_stack_params(pairs, what="layers")), activations


def pretrained_classifier(
    models: Sequence[Any],
    n_outputs: int,
    *,
    freeze: bool = True,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Sequential:
    """Step 4's model for either method: one ``Dense(H_k, activation_k, name="hidden{k}")``
    per pretrained layer (``pretrained_layers``: an RBM's sigmoid with (W.T, c), an
    autoencoder's encoders with their activation, kernel and bias), the weights copied, frozen
    unless ``freeze=False``, then a new ``Dense(n_outputs, name="outputs")`` of logits from
    ``rng``. With RBMs only it is ``dbn_classifier``'s model."""
    weights, activations = pretrained_layers(models)
    n_outputs, freeze, dtype = check_head_args(n_outputs, freeze, dtype)
    rng = check_rng(rng)
    return build_classifier(
        weights, n_outputs, freeze, rng, dtype, Dense, Sequential, freeze_layers, activations
    )


def check_labeled(labeled: Any, width: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray] | None:
    """None, or (x (n, width) floats, y (n,) integer labels in [0, n_outputs))."""
    if labeled is None:
        return None
    if not isinstance(labeled, (list, tuple)) or len(labeled) != 2:
        raise TypeError(f"labeled: expected None or a pair (x, y), got {_got(labeled)}")
    x = check_float_array(labeled[0], "labeled[0] (x)", ndim=2, width=width)
    y = check_labels(labeled[1], "labeled[1] (y)", n_classes=n_outputs, n_rows=x.shape[0])
    return x, y


def check_fit_kwargs(fit_options: Any, fit: Callable[..., Any]) -> dict[str, Any]:
    """None or a dict of ``fit``'s keyword arguments (epochs, optimizer, validation_data, ...)."""
    if fit_options is None:
        return {}
    if not isinstance(fit_options, dict):
        raise TypeError(
            f"fit_options: expected None or a dict of fit's arguments, got {_got(fit_options)}"
        )
    allowed = [p for p in inspect.signature(fit).parameters if p not in ("model", "x", "y")]
    for key in fit_options:
        if key not in allowed:
            raise ValueError(
                f"fit_options: unknown fit argument {key!r}; expected some of {', '.join(allowed)}"
            )
    return dict(fit_options)


def check_supervised(
    labeled: Any,
    fit_options: Any,
    *,
    fit: Callable[..., Any],
    get_optimizer: Callable[[Any], Any],
    loss_names: Any,
    n_outputs: int,
    width: int,
    dtype: np.dtype,
    freeze: bool,
    defaults: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]] | None:
    """pretrain_dbn's supervised step checked before any RBM trains, so that a typo in it never
    costs the pretraining: None (no ``labeled``), or (x, y, the keyword arguments for ``fit``,
    ``defaults`` (rng, verbose) under ``fit_options``). The values go through the checks ``fit``
    itself runs first (optimizer, loss, reporting options, ``prepare_fit`` on a stand-in of the
    classifier's input and output widths); ``cache_frozen`` needs a frozen stack."""
    kwargs = check_fit_kwargs(fit_options, fit)
    if labeled is None:
        if kwargs:
            raise ValueError(
                "fit_options: given without labeled=(x, y), so there is no supervised training "
                "to apply them to"
            )
        return None
    x, y = check_labeled(labeled, width, n_outputs)
    kwargs = {**defaults, **kwargs}
    signature = inspect.signature(fit).parameters
    options = {
        k: p.default for k, p in signature.items() if p.default is not inspect.Parameter.empty
    }
    options.update(kwargs)
    get_optimizer(options["optimizer"])
    check_choice(options["loss"], "loss", loss_names)
    check_fit_options(
        options["checkpoint_path"],
        options["verbose"],
        options["stream"],
        options["validation_data"],
    )
    if check_bool(options["cache_frozen"], "cache_frozen") and not freeze:
        raise ValueError(
            "fit_options: cache_frozen=True needs freeze=True (a fine-tuned stack has no frozen "
            "bottom to cache)"
        )
    stand_in = Sequential([Dense(n_outputs)], width, rng=0, dtype=dtype)
    prepare_fit(
        stand_in,
        x,
        y,
        options["epochs"],
        options["batch_size"],
        options["validation_data"],
        options["early_stopping"],
        options["rng"],
        options["loss"],
    )
    return x, y, kwargs


def pretrain_network(
    x_unlabeled: np.ndarray,
    hidden: Sequence[int],
    n_outputs: int,
    *,
    method: str = "rbm",
    rbm: dict[str, Any] | None = None,
    autoencoder: dict[str, Any] | None = None,
    freeze: bool = True,
    labeled: tuple[np.ndarray, np.ndarray] | None = None,
    fit_options: dict[str, Any] | None = None,
    x_valid: np.ndarray | None = None,
    random_state: np.random.Generator | int | None = None,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
    verbose: bool = False,
) -> tuple[Sequential, dict[str, Any]]:
    """The four steps in one call, RBMs or autoencoders (``method``):
    ``pretrain_stack(x_unlabeled, hidden, method=..., rbm=..., autoencoder=...)`` (steps 1-3),
    ``pretrained_classifier(models, n_outputs, freeze=freeze, rng=rng, dtype=dtype)`` (step 4's
    model) and, with ``labeled=(x, y)``, its supervised training by ``training.fit(model, x, y,
    rng=rng, verbose=verbose, **fit_options)``. Every argument is checked before the first layer
    trains. Returns ``(model, histories)``: histories = {"layers": pretrain_stack's per-layer
    lists, "models": the fitted RBMs or autoencoders, "supervised": fit's History or None}."""
    return run_network(
        x_unlabeled, hidden, n_outputs, freeze, labeled, fit_options, method, rbm, autoencoder,
        x_valid, random_state, rng, dtype, verbose,
        rbm_class=BernoulliRBM, autoencoder_class=Autoencoder, fit=fit,
        get_optimizer=optimizers.get, loss_names=losses.UNCHECKED, greedy=GREEDY,
        classifier=pretrained_classifier,
    )  # fmt: skip


def pretrain_dbn(
    x_unlabeled: np.ndarray,
    hidden: Sequence[int],
    n_outputs: int,
    *,
    freeze: bool = True,
    labeled: tuple[np.ndarray, np.ndarray] | None = None,
    fit_options: dict[str, Any] | None = None,
    method: str = "rbm",
    rbm: dict[str, Any] | None = None,
    x_valid: np.ndarray | None = None,
    random_state: np.random.Generator | int | None = None,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
    verbose: bool = False,
) -> tuple[Sequential, dict[str, Any]]:
    """A deep belief net: ``pretrain_network`` with RBMs (``method`` must be "rbm"; the
    autoencoder case is ``pretrain_network(method="autoencoder")``) and ``dbn_classifier``."""
    check_dbn_method(method)
    return run_network(
        x_unlabeled, hidden, n_outputs, freeze, labeled, fit_options, method, rbm, None,
        x_valid, random_state, rng, dtype, verbose,
        rbm_class=BernoulliRBM, autoencoder_class=Autoencoder, fit=fit,
        get_optimizer=optimizers.get, loss_names=losses.UNCHECKED, greedy=GREEDY,
        classifier=dbn_classifier,
    )  # fmt: skip


def check_dbn_method(method: Any) -> str:
    """pretrain_dbn's ``method``: "rbm" only (a deep belief net is a stack of RBMs)."""
    method = check_choice(method, "method", METHODS)
    if method != "rbm":
        raise ValueError(
            f"method: pretrain_dbn stacks RBMs (a deep belief net), got {method!r}; use "
            "pretrain_network(method='autoencoder') for autoencoders"
        )
    return method


def run_network(
    x_unlabeled: Any,
    hidden: Any,
    n_outputs: Any,
    freeze: Any,
    labeled: Any,
    fit_options: Any,
    method: Any,
    rbm: Any,
    autoencoder: Any,
    x_valid: Any,
    random_state: Any,
    rng: Any,
    dtype: Any,
    verbose: Any,
    *,
    rbm_class: type,
    autoencoder_class: type,
    fit: Callable[..., Any],
    get_optimizer: Callable[..., Any],
    loss_names: Any,
    greedy: dict[str, Callable[..., Any]],
    classifier: Callable[..., Any],
) -> tuple[Any, dict[str, Any]]:
    """``pretrain_network``'s steps with a backend's pieces (shared plumbing:
    ``tf_ref.pretraining`` passes its own classes, fit, optimizers, loss names, greedy loops
    and classifier): every argument checked, then the stack, the classifier and the fit."""
    x, hidden, method, options, x_valid, seeds, verbose = check_stack_args(
        x_unlabeled, hidden, method, rbm, autoencoder, x_valid, random_state, verbose,
        rbm_class, autoencoder_class,
    )  # fmt: skip
    n_outputs, freeze, dtype = check_head_args(n_outputs, freeze, dtype)
    rng = check_rng(rng)
    supervised = check_supervised(
        labeled,
        fit_options,
        fit=fit,
        get_optimizer=get_optimizer,
        loss_names=loss_names,
        n_outputs=n_outputs,
        width=x.shape[1],
        dtype=dtype,
        freeze=freeze,
        defaults={"rng": rng, "verbose": verbose},
    )
    models, layers = greedy[method](x, hidden, options, seeds, x_valid, verbose)
    model = classifier(models, n_outputs, freeze=freeze, rng=rng, dtype=dtype)
    history = None
    if supervised is not None:
        x_labeled, y_labeled, kwargs = supervised
        history = fit(model, x_labeled, y_labeled, **kwargs)
    return model, {"layers": layers, "models": models, "supervised": history}
