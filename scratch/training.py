"""The minibatch training loop: shuffle, step, validate, stop early, keep the best weights
(book sections "Early Stopping" and exercise 8; Keras ``Model.fit`` with ``EarlyStopping``).

One training step is: batch -> ``model.forward(training=True)`` -> loss value and dL/dlogits ->
``model.backward`` -> ``optimizer.apply(params, grads)``.

Everything except ``train_step`` and ``fit`` is plumbing that ``tf_ref.training`` reuses as is
(batching order, early stopping, history, checkpoint files, progress bar): the two backends then
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
from scratch.checks import check_choice, check_float_array, check_labels, check_positive
from scratch.models import Sequential
from scratch.threads import with_blas_threads

# ----------------------------------------------------------------------------- plumbing


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator | None = None, shuffle: bool = True
) -> Iterator[np.ndarray]:
    """Index arrays of one epoch: a fresh permutation of range(n) cut into ``batch_size`` pieces.

    The last batch may be smaller (as in Keras). Same ``rng`` state -> same batches, in any
    backend. ``shuffle=False`` gives the rows in order. Arguments are checked at the call, not
    at the first ``next()``.
    """
    check_positive(n, "n", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng()).permutation(n)
    else:
        order = np.arange(n)
    return (order[start : start + batch_size] for start in range(0, n, batch_size))


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose highest logit is the label (``in_top_k(logits, y, 1)``).

    Ties go to the lowest index here; TF's in_top_k counts a tie as a hit. With float logits from
    a trained net ties do not happen in practice.
    """
    return float(np.mean(np.argmax(logits, axis=1) == labels))


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

    def reset(self) -> None:
        """Forget any earlier run (Keras' ``on_train_begin``): ``fit`` calls this first, so an
        object reused for a second fit neither stops it early nor restores the first run's
        weights."""
        self.best, self.best_epoch, self.best_weights, self.wait = np.inf, -1, None, 0

    def update(self, epoch: int, value: float, get_weights: Callable[[], list[np.ndarray]]) -> bool:
        """Record this epoch's value; return True when training should stop."""
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
        for key, value in values.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def epochs(self) -> int:
        return len(self.history.get("loss", []))


def _number(key: str, value: float) -> str:
    """Losses and accuracies to 4 decimals; a learning rate to 3 significant digits (0.000625)."""
    return f"{value:.3g}" if key == "learning_rate" else f"{value:.4f}"


class ProgressBar:
    """A dependency-free progress line: redrawn in place on a terminal, one line per epoch else."""

    def __init__(self, total: int, prefix: str = "", stream: IO[str] | None = None) -> None:
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
_RESERVED_META = ("format", "weights", "optimizer")


def _json_value(value: Any) -> Any:
    """NumPy scalars in ``meta`` (an np.float32 loss, an np.int64 epoch) as Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write weights (+ optimizer state, + JSON ``meta``) atomically to ``path`` (.npz).

    The file is written beside ``path``, synced, then renamed over it: a write that fails
    (full disk, interrupt) leaves the earlier checkpoint as it was, and no partial file.
    """
    path = Path(path)
    meta = dict(meta or {})
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
        raise TypeError(f"meta: expected JSON-serialisable values, {err}") from err
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


def _check_optimizer_state(
    path: Path, meta: dict[str, Any], state: dict[str, np.ndarray], optimizer: Any, model: Any
) -> None:
    """The stored optimizer state must be this optimizer's: same class, the same slots for the
    same trainable parameters (else e.g. Adam's ``momentum`` would silently become SGD's)."""
    if not state:
        raise ValueError(f"checkpoint {path}: holds no optimizer state")
    kind = type(optimizer).__name__
    if meta.get("optimizer", kind) != kind:
        raise ValueError(
            f"checkpoint {path}: holds the state of an optimizer of class {meta['optimizer']}, "
            f"this optimizer is of class {kind}"
        )
    params = model.trainable_params()
    expected = {"iterations"} | {
        f"{name}/{i}" for name in optimizer.slot_names for i in range(len(params))
    }
    if set(state) != expected:
        raise ValueError(
            f"checkpoint {path}: its optimizer state has {sorted(state)}, this {kind} on "
            f"{len(params)} trainable arrays expects {sorted(expected)}"
        )
    for key, value in state.items():
        i = None if key == "iterations" else int(key.rsplit("/", 1)[1])
        if i is not None and value.shape != tuple(params[i].shape):
            raise ValueError(
                f"checkpoint {path}: optimizer state {key} has shape {value.shape}, "
                f"trainable array {i} has {params[i].shape}"
            )


def load_checkpoint(
    path: str | os.PathLike[str], model: Any, optimizer: Any | None = None
) -> dict[str, Any]:
    """Load a checkpoint written by ``save_checkpoint`` into ``model`` (and ``optimizer``).

    Never unpickles. The stored weights must be exactly the model's (names and shapes) and the
    optimizer state exactly the optimizer's; everything is checked before anything is
    overwritten. Returns the ``meta`` dict.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint: no file at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"checkpoint {path}: not a readable .npz file ({err})") from err
    if "meta" not in arrays:
        raise ValueError(f"checkpoint {path}: no 'meta' entry; not a dnn-katas checkpoint")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode())
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValueError(f"checkpoint {path}: its 'meta' entry is not JSON ({err})") from err
    if not isinstance(meta, dict):
        raise ValueError(f"checkpoint {path}: its 'meta' entry is not a JSON object")
    expected = model.named_weights()
    stored = {k[len("weights/") :]: v for k, v in arrays.items() if k.startswith("weights/")}
    missing = [k for k in expected if k not in stored]
    if missing:
        raise ValueError(
            f"checkpoint {path}: no weights for {missing}; it holds {meta.get('weights')}"
        )
    extra = [k for k in stored if k not in expected]
    if extra:
        raise ValueError(
            f"checkpoint {path}: holds weights the model does not have, {extra}; it was "
            f"written for another model (its weights: {meta.get('weights')})"
        )
    for key, current in expected.items():
        if stored[key].shape != tuple(current.shape):
            raise ValueError(
                f"checkpoint {path}: {key} has shape {stored[key].shape}, "
                f"model expects {tuple(current.shape)}"
            )
    if optimizer is not None:
        state = {k[len("optimizer/") :]: v for k, v in arrays.items() if k.startswith("optimizer/")}
        _check_optimizer_state(path, meta, state, optimizer, model)
    model.set_weights([stored[k] for k in expected])
    if optimizer is not None:
        optimizer.set_variables(state, model.trainable_params())
    return meta


# ------------------------------------------------------------------------- training


def evaluate(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "sparse_softmax_cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean loss (+ the weight penalties, as Keras reports it) and accuracy of ``model`` on
    (x, y) in inference mode.

    A model whose outputs are not all finite (its weights diverged to inf/NaN) has no score:
    both values are then NaN, never a raw error from the loss's input check nor the meaningless
    accuracy of an argmax over NaN. Callers test ``math.isfinite(scores["loss"])``; ``fit``
    records such an epoch's NaN as it is. Bad ``x``/``y`` still raise (ValueError/TypeError).
    """
    logits = model.predict(x, batch_size=batch_size)
    y = check_labels(y, "y", n_classes=logits.shape[1], n_rows=logits.shape[0])
    if not np.isfinite(logits).all():
        return {"loss": float("nan"), "accuracy": float("nan")}
    value, _ = losses_mod.get(loss)(logits, y)
    return {"loss": value + model.regularization_loss(), "accuracy": accuracy(logits, y)}


@with_blas_threads
def train_step(
    model: Sequential,
    optimizer: optimizers_mod.Optimizer,
    loss_fn: losses_mod.ValueAndGrad,
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
    """
    logits = model._forward(x_batch, training=True)
    value, dlogits = loss_fn(logits, y_batch)
    model.backward(dlogits, input_grad=False)
    penalty = model.regularization_loss()
    model.add_regularization_grads()
    optimizer.apply(
        model.trainable_params(), model.trainable_grads(), model.trainable_constraints()
    )
    return value + penalty


def check_training_data(
    x: Any, y: Any, input_dim: int, n_classes: int, name: str = "x"
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a whole data set once (finite floats of the right width, labels in range)."""
    x = check_float_array(x, name, ndim=2, width=input_dim)
    yname = "y" if name == "x" else name.replace("x", "y", 1)
    y = check_labels(y, yname, n_classes=n_classes, n_rows=x.shape[0])
    return x, y


def prepare_fit(
    model: Any,
    x: Any,
    y: Any,
    epochs: int,
    batch_size: int,
    validation_data: tuple[Any, Any] | None,
    early_stopping: EarlyStopping | None,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None, np.random.Generator]:
    """What both backends' ``fit`` do before the first epoch: check every argument once, build
    the model if needed (its weights drawn from ``rng``), reset ``early_stopping``, and return
    (x, y, validation data or None, rng) with x and the validation x in the model's dtype."""
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    if not model.built:  # the width comes from x, so x must be a 2-D float array first
        model.build(check_float_array(x, "x", ndim=2).shape[1], rng)
    x, y = check_training_data(x, y, model.input_dim, model.output_dim)
    x = x.astype(model.dtype, copy=False)
    if validation_data is not None:
        xv, yv = check_training_data(*validation_data, model.input_dim, model.output_dim, "x_valid")
        validation_data = (xv.astype(model.dtype, copy=False), yv)
    if early_stopping is not None:
        if validation_data is None:
            raise ValueError("early_stopping: needs validation_data to monitor val_loss")
        early_stopping.reset()
    return x, y, validation_data, np.random.default_rng() if rng is None else rng


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
    rng: np.random.Generator | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    verbose: bool = True,
    stream: IO[str] | None = None,
    blas_threads: int | None = None,
) -> History:
    """Train ``model`` on (x, y) with shuffled minibatches drawn from ``rng``.

    x (N, input_dim) float; y (N,) int labels. After each epoch the validation set (if given) is
    scored; ``early_stopping`` watches its loss and, at the end, puts the best epoch's weights
    back; a ``ReduceLROnPlateau`` learning rate is updated with it (performance scheduling).
    Each epoch's record has ``learning_rate``: the rate for the next step, before that update
    (what Keras logs). ``checkpoint_path`` keeps the best epoch on disk too (.npz, see
    ``save_checkpoint``): weights, optimizer state and meta (epoch, the epoch's record).
    The best epoch (``History.best_epoch``) follows ``is_new_best``: early stopping's rule
    (with its ``min_delta``) when it is given, so the file and the restored weights agree.
    An ``early_stopping`` object starts afresh in every fit (``EarlyStopping.reset``).
    A non-finite loss stops training (the best weights are kept) instead of training on NaN.
    ``blas_threads``: BLAS threads while training (default one; -1 leaves BLAS alone; see
    ``scratch.threads``), restored on return.
    """
    x, y, validation_data, rng = prepare_fit(
        model, x, y, epochs, batch_size, validation_data, early_stopping, rng
    )
    if validation_data is not None:
        xv, yv = validation_data
    optimizer = optimizers_mod.get(optimizer)
    plateau = performance_schedule(optimizer, validation_data)
    loss_fn = losses_mod.UNCHECKED[check_choice(loss, "loss", losses_mod.UNCHECKED)]
    history = History()
    best_val = np.inf
    n_batches = -(-x.shape[0] // batch_size)
    for epoch in range(epochs):
        start = time.perf_counter()
        bar = ProgressBar(n_batches, f"epoch {epoch + 1}/{epochs}", stream) if verbose else None
        total, seen = 0.0, 0
        for b, idx in enumerate(minibatches(x.shape[0], batch_size, rng)):
            value = train_step(model, optimizer, loss_fn, x[idx], y[idx], blas_threads=blas_threads)
            if not np.isfinite(value):
                history.diverged_at_epoch = epoch
                break
            total += value * len(idx)
            seen += len(idx)
            if bar is not None:
                bar.update(b + 1, loss=total / seen)
        if history.diverged_at_epoch is not None:
            if bar is not None:
                bar.close(loss=float("nan"))
            break
        record = {"loss": total / seen, "seconds": time.perf_counter() - start}
        if validation_data is not None:
            scores = evaluate(model, xv, yv, loss)
            record.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
        record["learning_rate"] = optimizer.current_learning_rate()
        history.append(**record)
        if plateau is not None:
            plateau.update(record["val_loss"])
        if bar is not None:
            bar.close(**{k: v for k, v in record.items() if k != "seconds"})
        if validation_data is not None and is_new_best(
            record["val_loss"], best_val, early_stopping
        ):
            best_val = record["val_loss"]
            history.best_epoch = epoch
            if checkpoint_path is not None:
                save_checkpoint(checkpoint_path, model, optimizer, {"epoch": epoch, **record})
        if early_stopping is not None and early_stopping.update(
            epoch, record["val_loss"], model.get_weights
        ):
            history.stopped_early = True
            break
    if early_stopping is not None and early_stopping.best_weights is not None:
        model.set_weights(early_stopping.best_weights)
    return history
