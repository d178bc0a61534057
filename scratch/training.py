"""The minibatch training loop: shuffle, step, validate, stop early, keep the best weights
(book sections "Early Stopping" and exercise 8; Keras ``Model.fit`` with ``EarlyStopping``),
for every loss of ``scratch.targets.SPECS`` (class labels, 0/1 labels, [0, 1] targets such as
an autoencoder's pixels, real values).

One training step is: batch -> ``model.forward(training=True)`` -> loss value and dL/dlogits ->
``model.backward`` -> ``optimizer.apply(params, grads)``.

Everything except ``train_step``, ``evaluate`` and ``fit`` is plumbing that ``tf_ref.training``
reuses as is (batching order, early stopping, history, checkpoint files, progress bar, the end
of an epoch ``EpochEnd``, ``prepare_fit``'s checks of the targets): the two backends then
see the same batches in the same order and save the same file format.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from scratch import losses as losses_mod
from scratch import optimizers as optimizers_mod
from scratch.checks import (
    OrderError,
    check_bool,
    check_choice,
    check_float_array,
    check_labels,
    check_number,
    check_path,
    check_positive,
    check_rng,
    check_weight,
)
from scratch.layers import check_injected_draws
from scratch.models import Sequential
from scratch.targets import LossSpec, get_spec, metric_values
from scratch.targets import accuracy as accuracy  # re-exported: training.accuracy, as before
from scratch.threads import with_blas_threads

# ----------------------------------------------------------------------------- plumbing


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator | int | None = None, shuffle: bool = True
) -> Iterator[np.ndarray]:
    """Index arrays of one epoch: a fresh permutation of range(n) cut into ``batch_size`` pieces.

    The last batch may be smaller (as in Keras). Same ``rng`` state -> same batches, in any
    backend. ``shuffle=False`` gives the rows in order. Arguments are checked at the call, not
    at the first ``next()``. ``rng`` may be an int seed (``check_rng``), which gives the same
    order at every call: pass one Generator to get a new order every epoch.
    """
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    rng = check_rng(rng)
    check_bool(shuffle, "shuffle")
    if shuffle:
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    return (order[start : start + batch_size] for start in range(0, n, batch_size))


@dataclass
class EarlyStopping:
    """Stop once the monitored value has gone more than ``patience`` epochs without improving
    by more than ``min_delta`` (lower is better: validation loss).

    This is the book's exercise-8 rule (``checks_without_progress > max_checks_without_progress``);
    Keras' ``EarlyStopping`` stops one epoch sooner (``wait >= patience``) and does not restore
    the best weights unless asked. With ``restore_best_weights`` the caller gets the weights
    of the best epoch back at the end, not the last ones: stopping late must not cost accuracy.
    """

    patience: int = 20
    min_delta: float = 0.0
    restore_best_weights: bool = True
    monitor: str = "val_loss"
    best: float = field(default=np.inf, init=False)
    best_epoch: int = field(default=-1, init=False)
    best_weights: list[np.ndarray] | None = field(default=None, init=False)
    wait: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        check_positive(self.patience, "patience", integer=True, zero=True)
        check_positive(self.min_delta, "min_delta", zero=True)
        check_bool(self.restore_best_weights, "restore_best_weights")
        check_choice(self.monitor, "monitor", ("val_loss",))  # what fit hands to update()

    def reset(self) -> None:
        """Forget any earlier run (Keras' ``on_train_begin``): ``fit`` calls this first, so an
        object reused for a second fit neither stops it early nor restores the first run's
        weights."""
        self.best, self.best_epoch, self.best_weights, self.wait = np.inf, -1, None, 0

    def update(self, epoch: int, value: float, get_weights: Callable[[], list[np.ndarray]]) -> bool:
        """Record this epoch's value; return True when training should stop."""
        check_positive(epoch, "epoch", integer=True, zero=True)
        value = check_number(value, "value")
        if not callable(get_weights):
            raise TypeError(
                f"get_weights: expected a function returning the weights, got {get_weights!r}"
            )
        if value < self.best - self.min_delta:  # is_new_best's rule
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            if self.restore_best_weights:
                self.best_weights = get_weights()
            return False
        self.wait += 1
        return self.wait > self.patience


def is_new_best(value: float, best: float, early_stopping: EarlyStopping | None) -> bool:
    """Whether an epoch's monitored value (lower is better) makes it the best epoch so far:
    ``value < best - min_delta`` with early stopping's ``min_delta``, else any decrease.

    Early stopping's own rule (``EarlyStopping.update`` spells it out, as kata 10 asks), which
    ``fit`` uses for ``History.best_epoch`` and the checkpoint: the epoch reported, the epoch
    on disk and the weights restored are then one epoch, whatever ``min_delta``.
    """
    min_delta = 0.0 if early_stopping is None else early_stopping.min_delta
    return bool(value < best - min_delta)


@dataclass
class History:
    """Per-epoch records, as Keras' ``History.history``: {"loss": [...], "val_loss": [...], ...}."""

    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged_at_epoch: int | None = None

    def append(self, **values: float) -> None:
        """Add one epoch's values, e.g. ``append(loss=0.3, val_loss=0.4)`` (numbers only)."""
        for key, value in values.items():
            check_number(value, key)  # all of them before any is recorded
        for key, value in values.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))


def diverged_on_validation(history: History, epoch: int, record: dict[str, float]) -> bool:
    """After an epoch whose training losses were finite: if its validation loss is not (the
    weights overflowed in the last steps), record the divergence in ``history`` and say so, so
    that ``fit`` stops there as it does on a non-finite batch loss. Shared by both backends."""
    if "val_loss" not in record or np.isfinite(record["val_loss"]):
        return False
    history.diverged_at_epoch = epoch
    return True


def _number(key: str, value: float) -> str:
    """Losses and accuracies to 4 decimals; a learning rate to 3 significant digits (0.000625)."""
    return f"{value:.3g}" if key == "learning_rate" else f"{value:.4f}"


class ProgressBar:
    """A dependency-free progress line: redrawn in place on a terminal, one line per epoch else."""

    def __init__(self, total: int, prefix: str = "", stream: IO[str] | None = None) -> None:
        check_positive(total, "total", integer=True, zero=True)
        if not isinstance(prefix, str):
            raise TypeError(f"prefix: expected a string, got {type(prefix).__name__}")
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(f"stream: expected a text stream (with .write) or None, got {stream!r}")
        self.total, self.prefix = total, prefix
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, done: int, **info: float) -> None:
        now = time.perf_counter()
        if not self.tty or (now - self._last_draw < 0.1 and done < self.total):
            return
        self._last_draw = now
        width = 24
        filled = int(width * done / max(1, self.total))
        text = " ".join(f"{k} {_number(k, v)}" for k, v in info.items())
        bar = "=" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.prefix} [{bar}] {done}/{self.total} {text}")
        self.stream.flush()

    def close(self, **info: float) -> None:
        text = " - ".join(f"{k} {_number(k, v)}" for k, v in info.items())
        elapsed = time.perf_counter() - self.start
        end = "\r" if self.tty else ""
        self.stream.write(f"{end}{self.prefix} {elapsed:.1f}s - {text}\n")
        self.stream.flush()


# ------------------------------------------------------------------- checkpoint files
# A checkpoint is a plain .npz (loaded with allow_pickle=False): "weights/<layer>/<param>" for
# every parameter, "optimizer/<slot>/<i>" for the optimizer state and "meta" holding JSON bytes
# (the format, the weight names, the optimizer's class, then the caller's meta). Any model with
# named_weights() and set_weights() (scratch or tf_ref) can read and write it.

CHECKPOINT_FORMAT = "dnn-katas-checkpoint-1"
_RESERVED_META = ("format", "weights", "optimizer")  # written by save_checkpoint itself


def _json_value(value: Any) -> Any:
    """NumPy scalars in ``meta`` (an np.float32 loss, an np.int64 epoch) as Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def check_checkpoint_path(path: Any, name: str = "path") -> Path:
    """Where a checkpoint is written: a file path (``check_path``) that is not a folder."""
    path = check_path(path, name)
    if path.is_dir():
        raise ValueError(f"{name}: expected a file name, got the directory {path}")
    return path


def check_checkpoint_model(model: Any) -> Any:
    """A built model that checkpoints can hold: scratch's or tf_ref's ``Sequential``."""
    if not all(
        callable(getattr(model, a, None)) for a in ("named_weights", "check_weights", "set_weights")
    ):
        kind = f"{type(model).__module__}.{type(model).__qualname__}"
        raise TypeError(f"model: expected a scratch or tf_ref Sequential, got {kind}")
    if not model.built:
        raise OrderError("model: not built yet; build it (input_dim=...) before a checkpoint")
    return model


def check_checkpoint_optimizer(optimizer: Any) -> Any:
    """None, or an optimizer of either backend (``variables()`` / ``check_variables()``)."""
    if optimizer is not None and not all(
        callable(getattr(optimizer, a, None))
        for a in ("variables", "check_variables", "set_variables")
    ):
        raise TypeError(
            f"optimizer: expected a scratch or tf_ref optimizer, or None, "
            f"got {type(optimizer).__name__}"
        )
    return optimizer


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write weights (+ optimizer state, + JSON ``meta``) atomically to ``path`` (.npz).

    The file is written beside ``path``, synced, then renamed over it: a write that fails
    (full disk, interrupt) leaves the earlier checkpoint as it was, and no partial file.
    ``meta``: a dict with string keys and JSON-able values (NumPy scalars are written as
    numbers); its keys must not be "format", "weights" or "optimizer", which the file uses.
    """
    path = check_checkpoint_path(path)
    check_checkpoint_model(model)
    check_checkpoint_optimizer(optimizer)
    if meta is not None and not isinstance(meta, dict):
        raise TypeError(f"meta: expected a dict or None, got {type(meta).__name__}")
    meta = dict(meta or {})
    if any(not isinstance(k, str) for k in meta):
        raise TypeError(f"meta: expected string keys, got {sorted(map(repr, meta))}")
    reserved = sorted(k for k in meta if k in _RESERVED_META)
    if reserved:
        raise ValueError(f"meta: the keys {reserved} are the checkpoint's own; use other names")
    named = model.named_weights()
    arrays: dict[str, np.ndarray] = {f"weights/{k}": np.asarray(v) for k, v in named.items()}
    info: dict[str, Any] = {"format": CHECKPOINT_FORMAT, "weights": list(named)}
    if optimizer is not None:
        arrays.update({f"optimizer/{k}": np.asarray(v) for k, v in optimizer.variables().items()})
        info["optimizer"] = type(optimizer).__name__
    try:
        text = json.dumps({**info, **meta}, default=_json_value)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"meta: expected JSON-serialisable values (numbers, strings, lists, dicts), {err}"
        ) from err
    arrays["meta"] = np.frombuffer(text.encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def check_checkpoint_meta(arrays: dict[str, np.ndarray], where: str) -> dict[str, Any]:
    """The ``meta`` entry of a checkpoint's arrays: UTF-8 JSON bytes of an object with the
    format tag and the "weights" list naming the file's "weights/..." entries, which it must
    match. ``where`` ("checkpoint PATH") starts every message."""
    if "meta" not in arrays:
        raise ValueError(f"{where}: no 'meta' entry; not a dnn-katas checkpoint")
    raw = arrays["meta"]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(
            f"{where}: entry 'meta': expected JSON bytes (1-D uint8), got dtype {raw.dtype} "
            f"and shape {raw.shape}"
        )
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"{where}: entry 'meta': expected UTF-8 text, got bytes ({err})") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: entry 'meta': expected JSON, got invalid text ({err})") from err
    if not isinstance(meta, dict):
        raise ValueError(
            f"{where}: entry 'meta': expected a JSON object, got {type(meta).__name__}"
        )
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{where}: entry 'meta': expected format {CHECKPOINT_FORMAT!r}, "
            f"got {meta.get('format')!r}"
        )
    names = meta.get("weights")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"{where}: entry 'meta': expected a 'weights' list of names, got {names!r}"
        )
    stored = sorted(k[len("weights/") :] for k in arrays if k.startswith("weights/"))
    if sorted(names) != stored:
        raise ValueError(
            f"{where}: entry 'meta': its 'weights' list {names} does not match the file's "
            f"weight entries {stored}"
        )
    return meta


def _check_optimizer_state(
    where: str, meta: dict[str, Any], state: dict[str, np.ndarray], optimizer: Any, model: Any
) -> None:
    """The stored optimizer state must be this optimizer's: same class (else e.g. Adam's
    ``momentum`` would silently become SGD's), then every entry as ``check_variables`` checks
    it for the model's trainable arrays."""
    if not state:
        raise ValueError(f"{where}: holds no optimizer state")
    kind = type(optimizer).__name__
    if meta.get("optimizer", kind) != kind:
        raise ValueError(
            f"{where}: holds the state of an optimizer of class {meta['optimizer']}, "
            f"this optimizer is of class {kind}"
        )
    try:
        optimizer.check_variables(state, model.trainable_params())
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {err}") from err


def load_checkpoint(
    path: str | os.PathLike[str], model: Any, optimizer: Any | None = None
) -> dict[str, Any]:
    """Load a checkpoint written by ``save_checkpoint`` into ``model`` (and ``optimizer``).

    Never unpickles. The file is checked entry by entry before anything is assigned, so a
    refused file leaves the model and the optimizer as they were: the meta (UTF-8 JSON with
    the format tag and the weight names), every "weights/<layer>/<weight>" entry (the model's
    names and shapes exactly, real floating, finite: ``Layer.set_weights``) and, with an
    optimizer, its state ("optimizer/iterations" and one slot per parameter,
    ``Optimizer.set_variables``; saved by the same kind of optimizer). Returns the meta dict.
    """
    path = check_path(path)
    check_checkpoint_model(model)
    check_checkpoint_optimizer(optimizer)
    where = f"checkpoint {path}"
    if not path.is_file():
        raise FileNotFoundError(f"{where}: no file at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{where}: not a readable .npz file ({err})") from err
    meta = check_checkpoint_meta(arrays, where)
    expected = model.named_weights()
    missing = [k for k in expected if f"weights/{k}" not in arrays]
    if missing:
        raise ValueError(f"{where}: no weights for {missing}; it holds {meta['weights']}")
    extra = [k for k in meta["weights"] if k not in expected]
    if extra:
        raise ValueError(
            f"{where}: holds weights the model does not have, {extra}; it was written for "
            f"another model (its weights: {meta['weights']})"
        )
    entries = [
        check_weight(arrays[f"weights/{k}"], f"{where}: weights/{k}", v.shape, v.dtype)
        for k, v in expected.items()
    ]
    try:  # the layers' own rules too (a moving variance >= 0), still before any assignment
        model.check_weights(entries)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {err}") from err
    if optimizer is not None:
        state = {k[len("optimizer/") :]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        _check_optimizer_state(where, meta, state, optimizer, model)
    model.set_weights(entries)
    if optimizer is not None:
        optimizer.set_variables(state, model.trainable_params())
    return meta


# ------------------------------------------------------------------------- training


def evaluation_scores(
    spec: LossSpec,
    outputs: np.ndarray,
    y: np.ndarray,
    data_loss: Callable[[], float],
    penalty: float,
) -> dict[str, float]:
    """``evaluate``'s answer, shared by both backends: {"loss": data_loss() + penalty, then
    every metric of ``spec``} (``scratch.targets.metric_values`` on the outputs (N, D) and
    the checked targets ``y``). Outputs that are not all finite (diverged weights) have no
    score: every value is NaN, and the loss is never computed (its input check would raise,
    an argmax over NaN would be a meaningless accuracy)."""
    if not np.isfinite(outputs).all():
        return {"loss": float("nan"), **dict.fromkeys(spec.metrics, float("nan"))}
    return {"loss": data_loss() + penalty, **metric_values(spec, outputs, y)}


def evaluate(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "sparse_softmax_cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean loss (+ the weight penalties, as Keras reports it) and the loss's metrics of
    ``model`` on (x, y) in inference mode: {"loss", "accuracy"} for class labels,
    {"loss", "binary_accuracy"}, {"loss", "mean_squared_error"} (sigmoid outputs vs targets in
    [0, 1]) or {"loss"} (``scratch.targets.SPECS``). y is checked as the loss's targets.

    A model whose outputs are not all finite (its weights diverged to inf/NaN) has no score:
    every value is then NaN (``evaluation_scores``). Callers test
    ``math.isfinite(scores["loss"])``; ``fit`` records such an epoch's NaN as it is. Bad
    ``x``/``y`` still raise (ValueError/TypeError).
    """
    spec = get_spec(loss)
    outputs = model.predict(x, batch_size=batch_size)
    y = spec.check_targets(
        y, "y", n_rows=outputs.shape[0], output_dim=outputs.shape[1], dtype=model.dtype
    )
    return evaluation_scores(
        spec,
        outputs,
        y,
        lambda: losses_mod.UNCHECKED[spec.name](outputs, y)[0],
        model.regularization_loss(),
    )


def _loss_name_of(loss_fn: Callable[..., Any]) -> str:
    """The loss name behind a registered loss function (``losses.LOSSES``/``UNCHECKED``), so
    that train_step given a function checks its targets as that loss wants them; the sigmoid
    maths is registered under two names and maps to the lenient one ("sigmoid_cross_entropy":
    any target in [0, 1], 0/1 included). A function of your own: class labels, as before."""
    names = {
        id(fn): name
        for table in (losses_mod.LOSSES, losses_mod.UNCHECKED)
        for name, fn in table.items()
    }
    return names.get(id(loss_fn), "sparse_softmax_cross_entropy")


@with_blas_threads
def train_step(
    model: Sequential,
    optimizer: optimizers_mod.Optimizer,
    loss_fn: str | losses_mod.ValueAndGrad,
    x_batch: np.ndarray,
    y_batch: np.ndarray,
    *,
    blas_threads: int | None = None,
) -> float:
    """One step of minibatch gradient descent; returns the batch loss *before* the update.

    loss = data loss + weight penalties (``model.regularization_loss()``); its gradient is the
    back-propagated one plus each penalty's; the optimizer then updates the parameters and
    projects those that have a constraint (max-norm), in Keras' order. ``blas_threads`` as in
    ``fit`` (one BLAS thread by default, so a loop of your own gets it too).
    ``loss_fn``: a loss name (``scratch.targets.SPECS``), or a ``(outputs, targets) -> (loss,
    doutputs)`` function: one of ``losses.LOSSES``/``losses.UNCHECKED`` gets the targets of
    its loss, a function of your own class labels (as a softmax loss).
    The batch is checked here (``fit`` checks its data once and runs the unchecked step).
    """
    check_fit_model(model, Sequential, "scratch")
    if not isinstance(optimizer, optimizers_mod.Optimizer):
        raise TypeError(f"optimizer: expected a scratch Optimizer, got {type(optimizer).__name__}")
    if isinstance(loss_fn, str):
        spec = get_spec(loss_fn)
        loss_fn = losses_mod.UNCHECKED[spec.name]
    elif callable(loss_fn):
        spec = get_spec(_loss_name_of(loss_fn))
    else:
        raise TypeError(
            "loss_fn: expected a loss name (one of "
            f"{', '.join(sorted(losses_mod.LOSSES))}) or a (outputs, targets) -> (loss, "
            f"doutputs) function, got {loss_fn!r}"
        )
    x_batch = model.check_input(x_batch, "x_batch")
    y_batch = spec.check_targets(
        y_batch, "y_batch", n_rows=x_batch.shape[0], output_dim=model.output_dim,
        dtype=model.dtype,
    )  # fmt: skip
    return _train_step(model, optimizer, loss_fn, x_batch, y_batch)


def _train_step(model, optimizer, loss_fn, x_batch, y_batch):
    # train_step without the argument checks: fit's hot loop, on data checked once.
    logits = model._forward(x_batch, training=True)
    value, dlogits = loss_fn(logits, y_batch)
    model.backward(dlogits, input_grad=False)
    penalty = model.regularization_loss()
    model.add_regularization_grads()
    arrays = model.trainable_params(), model.trainable_grads(), model.trainable_constraints()
    if type(optimizer).apply is optimizers_mod.Optimizer.apply:
        optimizer._apply(*arrays)  # unchecked: the model's own arrays
    else:  # an optimizer of your own that overrides apply: that is the step it takes
        optimizer.apply(*arrays)
    return value + penalty


def check_training_data(
    x: Any, y: Any, input_dim: int, n_classes: int, name: str = "x"
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a whole data set once (finite floats of the right width, labels in range)."""
    x = check_float_array(x, name, ndim=2, width=input_dim)
    yname = "y" if name == "x" else name.replace("x", "y", 1)
    y = check_labels(y, yname, n_classes=n_classes, n_rows=x.shape[0])
    return x, y


def check_fit_model(model: Any, model_class: type, backend: str) -> Any:
    """``model`` is a ``Sequential`` of this backend (built or not)."""
    if not isinstance(model, model_class):
        kind = f"{type(model).__module__}.{type(model).__qualname__}"
        raise TypeError(f"model: expected a {backend} Sequential, got {kind}")
    return model


def check_validation_data(validation_data: Any) -> tuple[Any, Any] | None:
    """None, or a pair (x_valid, y_valid) (a tuple or a list of two)."""
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)):
        raise TypeError(
            "validation_data: expected a pair (x_valid, y_valid) or None, "
            f"got {type(validation_data).__name__}"
        )
    if len(validation_data) != 2:
        raise ValueError(
            f"validation_data: expected a pair (x_valid, y_valid), got {len(validation_data)} items"
        )
    return validation_data[0], validation_data[1]


def check_fit_options(
    checkpoint_path: Any, verbose: Any, stream: Any, validation_data: Any = None
) -> None:
    """``fit``'s reporting arguments: a checkpoint file path (``check_checkpoint_path``) or
    None, a flag, a writable stream or None. A checkpoint keeps the best epoch by validation
    loss, so it needs ``validation_data`` (without, it would silently never be written)."""
    if checkpoint_path is not None:  # refused now, not after the first epoch's training
        check_checkpoint_path(checkpoint_path, "checkpoint_path")
        if validation_data is None:
            raise ValueError(
                "checkpoint_path: the checkpoint keeps the best epoch by val_loss, so it needs "
                "validation_data; pass validation_data=(x_valid, y_valid), or drop "
                "checkpoint_path"
            )
    check_bool(verbose, "verbose")
    if stream is not None and not callable(getattr(stream, "write", None)):
        raise TypeError(f"stream: expected a text stream (with .write) or None, got {stream!r}")


def _batch_rows(n: int, batch_size: int) -> list[int]:
    """The rows of the batches one epoch of ``fit`` feeds: batch_size (at most n) and, when
    batch_size does not divide n, the remainder."""
    return sorted({min(batch_size, n), n % batch_size} - {0})


def prepare_fit(
    model: Any,
    x: Any,
    y: Any,
    epochs: int,
    batch_size: int,
    validation_data: tuple[Any, Any] | None,
    early_stopping: EarlyStopping | None,
    rng: np.random.Generator | int | None,
    loss: str = "sparse_softmax_cross_entropy",
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None, np.random.Generator]:
    """What both backends' ``fit`` do before the first epoch: check every argument once, build
    the model if needed (its weights drawn from ``rng``, after every check that does not need
    the built model) and return (x, y, validation data or None, rng as a Generator) with x and
    the validation x in the model's dtype.

    x must be 2-D before an unbuilt model takes its input width from it; y and the validation
    y are checked as ``loss``'s targets (``LossSpec.check_targets``: class labels, 0/1 labels,
    values in [0, 1] or real values; non-label targets returned 2-D in the model's dtype)
    before the model is built, and again against its output width once it is; a model with
    nothing to train (every layer frozen or without parameters) is refused.
    """
    spec = get_spec(loss)
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    rng = check_rng(rng)
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        kind = type(early_stopping).__name__
        raise TypeError(f"early_stopping: expected an EarlyStopping or None, got {kind}")
    validation_data = check_validation_data(validation_data)
    if early_stopping is not None and validation_data is None:
        raise ValueError("early_stopping: needs validation_data to monitor val_loss")
    width = model.input_dim if model.built else None
    x = check_float_array(x, "x", ndim=2, width=width, dtype=model.dtype)
    given_y = y, None if validation_data is None else validation_data[1]
    y = spec.check_targets(y, "y", n_rows=x.shape[0], dtype=model.dtype)
    if validation_data is not None:
        xv = check_float_array(
            validation_data[0], "x_valid", ndim=2, width=x.shape[1], dtype=model.dtype
        )
        yv = spec.check_targets(
            validation_data[1], "y_valid", n_rows=xv.shape[0], dtype=model.dtype
        )
        validation_data = (xv, yv)
    if not model.built:
        model.build(x.shape[1], rng)
    if not model.trainable_layers():
        raise ValueError(
            "model: has no trainable weights (every layer is frozen or has no parameters), "
            "so fit has nothing to train"
        )
    check_injected_draws(model.layers, _batch_rows(x.shape[0], batch_size))
    # Again against the output width, on the targets as given (so errors show their shape).
    y = spec.check_targets(given_y[0], "y", output_dim=model.output_dim, dtype=model.dtype)
    if validation_data is not None:
        yv = spec.check_targets(
            given_y[1], "y_valid", output_dim=model.output_dim, dtype=model.dtype
        )
        validation_data = (validation_data[0], yv)
    if early_stopping is not None:
        early_stopping.reset()
    return x, y, validation_data, rng


def performance_schedule(optimizer: Any, validation_data: Any) -> Any | None:
    """The optimizer's performance schedule (``ReduceLROnPlateau``: anything with ``update``),
    or None. ``fit`` calls its ``update(val_loss)`` after every epoch, as Keras runs its
    ``ReduceLROnPlateau`` callback, so it needs validation data."""
    schedule = getattr(optimizer, "learning_rate", None)
    if not callable(getattr(schedule, "update", None)):
        return None
    if validation_data is None:
        raise ValueError(
            "learning_rate: a ReduceLROnPlateau schedule watches val_loss; pass validation_data"
        )
    return schedule


class EpochEnd:
    """The end of every epoch of both backends' ``fit``, written once: validation scores, the
    learning-rate record, History, the progress line, divergence, the plateau schedule, the
    best epoch and its checkpoint, early stopping; and, after the last epoch, the best weights
    put back (``finish``).

    ``begin(epoch)`` starts an epoch's clock and its progress line (a ProgressBar of ``total``
    steps, or None when not verbose); the backend runs the epoch's steps; then either
    ``diverged(epoch, bar)`` (a non-finite batch loss: recorded, training stops) or
    ``end(epoch, train_loss, bar)``, which returns True when training must stop. ``evaluate``
    is the backend's ``evaluate(net, x, y, loss)``; ``net`` is what the steps train (the whole
    model, or the layers above a cached frozen prefix) and ``model`` what early stopping,
    checkpoints and restored weights hold. ``before_checkpoint`` (tf_ref's multi-device copy
    handing back its optimizer state) runs before a checkpoint is written.

    Each epoch's record: "loss" (mean training loss), "seconds" (the epoch's steps), then with
    validation data "val_loss" and "val_<metric>" for each of the loss's metrics
    (``scratch.targets.SPECS``: "val_accuracy" for class labels), then "learning_rate" (the
    rate for the next step, before a plateau schedule's update: what Keras logs).
    """

    def __init__(
        self,
        *,
        model: Any,
        net: Any,
        optimizer: Any,
        loss: str,
        evaluate: Callable[..., dict[str, float]],
        validation_data: tuple[np.ndarray, np.ndarray] | None,
        early_stopping: EarlyStopping | None,
        checkpoint_path: str | os.PathLike[str] | None,
        plateau: Any | None,
        epochs: int,
        verbose: bool,
        stream: IO[str] | None,
        before_checkpoint: Callable[[], None] | None = None,
    ) -> None:
        self.model, self.net, self.optimizer = model, net, optimizer
        self.spec = get_spec(loss)
        self.evaluate = evaluate
        self.validation_data = validation_data
        self.early_stopping, self.checkpoint_path = early_stopping, checkpoint_path
        self.plateau, self.epochs = plateau, epochs
        self.verbose, self.stream = verbose, stream
        self.before_checkpoint = before_checkpoint
        self.history = History()
        self.best_val = np.inf
        self.start = 0.0

    def begin(self, epoch: int, total: int) -> ProgressBar | None:
        """Start epoch ``epoch``'s clock; its progress line (``total`` steps) when verbose."""
        self.start = time.perf_counter()
        if not self.verbose:
            return None
        bar = ProgressBar(total, f"epoch {epoch + 1}/{self.epochs}", self.stream)
        bar.start = self.start
        return bar

    def diverged(self, epoch: int, bar: ProgressBar | None) -> None:
        """A batch loss was not finite: record the epoch and close its line (loss nan)."""
        self.history.diverged_at_epoch = epoch
        if bar is not None:
            bar.close(loss=float("nan"))

    def end(self, epoch: int, train_loss: float, bar: ProgressBar | None) -> bool:
        """Score, record, report, schedule, checkpoint; True when training must stop."""
        record = {"loss": train_loss, "seconds": time.perf_counter() - self.start}
        if self.validation_data is not None:
            scores = self.evaluate(self.net, *self.validation_data, self.spec.name)
            record["val_loss"] = scores["loss"]
            record.update({f"val_{m}": scores[m] for m in self.spec.metrics})
        record["learning_rate"] = self.optimizer.current_learning_rate()
        history = self.history
        history.append(**record)
        if bar is not None:
            bar.close(**{k: v for k, v in record.items() if k != "seconds"})
        if diverged_on_validation(history, epoch, record):
            return True
        if self.plateau is not None:
            self.plateau.update(record["val_loss"])
        if self.validation_data is not None and is_new_best(
            record["val_loss"], self.best_val, self.early_stopping
        ):
            self.best_val = record["val_loss"]
            history.best_epoch = epoch
            if self.checkpoint_path is not None:
                if self.before_checkpoint is not None:
                    self.before_checkpoint()
                save_checkpoint(
                    self.checkpoint_path, self.model, self.optimizer, {"epoch": epoch, **record}
                )
        if self.early_stopping is not None and self.early_stopping.update(
            epoch, record["val_loss"], self.model.get_weights
        ):
            history.stopped_early = True
            return True
        return False

    def finish(self) -> History:
        """After the last epoch: early stopping's best weights back in the model; the History."""
        stopper = self.early_stopping
        if stopper is not None and stopper.best_weights is not None:
            self.model.set_weights(stopper.best_weights)
        return self.history


def _training_mode_differs(layer: Any) -> str | None:
    """Why ``layer``'s training-mode forward is not its inference-mode forward, or None.

    Duck-typed over both backends' layers: a positive ``rate`` (Dropout and any other layer
    that draws a random mask or noise each step), an injected keep mask (``set_mask``), a
    trainable batch normalization (each batch's statistics; one without gamma and beta has no
    parameters, so it could sit in a frozen prefix).
    """
    rate = getattr(layer, "rate", None)
    if isinstance(rate, (int, float)) and rate > 0:
        return (
            f"draws random numbers at training time (rate {rate}): cached features would keep "
            "one draw for every epoch"
        )
    if getattr(layer, "_mask", None) is not None:
        return "applies an injected keep mask (set_mask) at training time, not at inference"
    if getattr(layer, "kind", None) == "batch_normalization" and layer.trainable:
        return (
            "is a trainable batch normalization: at training time it normalizes with each "
            "batch's statistics (and moves its moving statistics); freeze it (trainable=False) "
            "to have it use its moving statistics"
        )
    return None


def frozen_prefix(model: Any) -> int:
    """How many bottom layers ``fit(..., cache_frozen=True)`` applies once instead of at every
    step: the run of layers, from the input up, that are frozen (``trainable=False``) or hold
    no parameters, i.e. ``model.layers[:k]`` below the lowest trainable layer with parameters.

    Caching is exact only when that prefix is a fixed function h = prefix(x): the same in
    training and inference mode (a frozen Dense, a frozen batch norm, which uses its moving
    statistics in both modes, an activation, Dropout at rate 0). A layer that is not (Dropout
    with rate > 0, ``_training_mode_differs``) is refused with a ValueError naming it, and so
    is an empty prefix (the bottom layer trains: nothing to cache), one that covers the whole
    model (nothing left to train), or one holding the Dense a DenseTranspose above it is tied
    to. Plumbing shared by both backends' ``fit``; the model must be
    built (an unbuilt layer has no parameters yet).
    """
    if not model.built:
        raise OrderError("model: not built yet, so its frozen layers are not known")
    layers = model.layers
    k = 0
    while k < len(layers) and (not layers[k].trainable or not layers[k].params):
        k += 1
    if k == 0:
        raise ValueError(
            f"cache_frozen: the bottom layer {layers[0].name!r} is trainable, so there are no "
            "frozen layers to cache; freeze the lower layers (trainable=False) or pass "
            "cache_frozen=False"
        )
    if k == len(layers):
        raise ValueError(
            "cache_frozen: every layer is frozen or has no parameters, so nothing would be "
            "left to train on the cached features"
        )
    for layer in layers[:k]:
        reason = _training_mode_differs(layer)
        if reason is not None:
            raise ValueError(
                f"cache_frozen: layer {layer.name!r} ({type(layer).__name__}) below the lowest "
                f"trainable layer {layers[k].name!r} {reason}; caching needs the frozen "
                "layers to compute the same outputs at every step. Pass cache_frozen=False"
            )
    cached = {id(layer) for layer in layers[:k]}
    for layer in layers[k:]:
        tied = getattr(layer, "tied_to", None)
        if tied is not None and id(tied) in cached:
            # the layers above the cache train as a model of their own, which must hold the
            # Dense a DenseTranspose reads its kernel from
            raise ValueError(
                f"cache_frozen: layer {layer.name!r} ({type(layer).__name__}) above the cached "
                f"layers is tied to {tied.name!r}, one of them (it reads that layer's kernel at "
                "every step); pass cache_frozen=False"
            )
    return k


def _sub_model(model: Sequential, start: int, stop: int) -> Sequential:
    """A built Sequential of ``model.layers[start:stop]``: the same layer objects (their arrays
    shared, nothing redrawn), its input width that of layer ``start``."""
    part = Sequential(model.layers[start:stop], dtype=model.dtype)
    part.input_dim = model.layers[start].input_dim  # its layers are built: nothing to draw
    return part


def _cache_prefix(
    model: Sequential, x: np.ndarray, validation_data: tuple[np.ndarray, np.ndarray] | None
) -> tuple[Sequential, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``fit(cache_frozen=True)``'s set-up: h = prefix(x) once, in inference mode, in chunks of
    1024 rows (``predict``), for x (N, input_dim) and the validation x; returns (the top of the
    model as a Sequential sharing its layers, h (N, width of h), the validation pair with h)."""
    k = frozen_prefix(model)
    prefix = _sub_model(model, 0, k)
    if validation_data is not None:
        validation_data = (prefix.predict(validation_data[0]), validation_data[1])
    return _sub_model(model, k, len(model.layers)), prefix.predict(x), validation_data


@with_blas_threads
def fit(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    *,
    optimizer: str | optimizers_mod.Optimizer = "adam",
    loss: str = "sparse_softmax_cross_entropy",
    epochs: int = 10,
    batch_size: int = 32,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    early_stopping: EarlyStopping | None = None,
    rng: np.random.Generator | int | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    verbose: bool = True,
    stream: IO[str] | None = None,
    blas_threads: int | None = None,
    cache_frozen: bool = False,
) -> History:
    """Train ``model`` on (x, y) with shuffled minibatches drawn from ``rng``.

    x (N, input_dim) float; y the targets of ``loss`` (``scratch.targets.SPECS``): (N,) int
    labels for "sparse_softmax_cross_entropy", 0/1 labels (N, D) or (N,) for a 1-unit output
    for "sigmoid_binary_cross_entropy", values in [0, 1] such as pixels for
    "sigmoid_cross_entropy" (an autoencoder: ``fit(model, x, x, ...)``), real values for
    "mean_squared_error". After each epoch the validation set (if given) is scored (its loss
    and the loss's metrics, recorded as "val_loss", "val_<metric>"); the end of an epoch is
    ``EpochEnd``, shared with tf_ref; ``early_stopping`` watches the validation loss and, at
    the end, puts the best epoch's weights back; a ``ReduceLROnPlateau`` learning rate is
    updated with it (performance scheduling).
    Each epoch's record has ``learning_rate``: the rate for the next step, before that update
    (what Keras logs). ``checkpoint_path`` keeps the best epoch on disk too (.npz, see
    ``save_checkpoint``): weights, optimizer state and meta (epoch, the epoch's record).
    The best epoch (``History.best_epoch``) follows ``is_new_best``: early stopping's rule
    (with its ``min_delta``) when it is given, so the file and the restored weights agree.
    An ``early_stopping`` object starts afresh in every fit (``EarlyStopping.reset``).
    A non-finite loss stops training (the best weights are kept) instead of training on NaN.
    ``blas_threads``: BLAS threads while training (default one; -1 leaves BLAS alone; see
    ``scratch.threads``), restored on return.
    ``cache_frozen``: apply the frozen bottom layers (``frozen_prefix``) once, in inference
    mode, to x and the validation x, and train the layers above on those features: the same
    batches and steps, so the same training (up to rounding), without recomputing the frozen
    layers every epoch (the book's "Caching the Frozen Layers"). Early stopping, checkpoints
    and the weights restored are the whole model's.
    ``rng`` may be an int seed. Every argument is checked before the model is built or trained.
    """
    check_fit_model(model, Sequential, "scratch")
    optimizer = optimizers_mod.get(optimizer)
    loss_fn = losses_mod.UNCHECKED[get_spec(loss).name]
    check_fit_options(checkpoint_path, verbose, stream, validation_data)
    check_bool(cache_frozen, "cache_frozen")
    plateau = performance_schedule(optimizer, validation_data)
    x, y, validation_data, rng = prepare_fit(
        model, x, y, epochs, batch_size, validation_data, early_stopping, rng, loss
    )
    net = model  # what the steps run: the whole model, or the layers above the cached ones
    if cache_frozen:
        net, x, validation_data = _cache_prefix(model, x, validation_data)
    epoch_end = EpochEnd(
        model=model, net=net, optimizer=optimizer, loss=loss, evaluate=evaluate,
        validation_data=validation_data, early_stopping=early_stopping,
        checkpoint_path=checkpoint_path, plateau=plateau, epochs=epochs, verbose=verbose,
        stream=stream,
    )  # fmt: skip
    n_batches = -(-x.shape[0] // batch_size)
    for epoch in range(epochs):
        bar = epoch_end.begin(epoch, n_batches)
        total, seen = 0.0, 0
        for b, idx in enumerate(minibatches(x.shape[0], batch_size, rng)):
            value = _train_step(net, optimizer, loss_fn, x[idx], y[idx])
            if not np.isfinite(value):
                break
            total += value * len(idx)
            seen += len(idx)
            if bar is not None:
                bar.update(b + 1, loss=total / seen)
        if seen < x.shape[0]:  # stopped at a non-finite batch loss
            epoch_end.diverged(epoch, bar)
            break
        if epoch_end.end(epoch, total / seen, bar):
            break
    return epoch_end.finish()
