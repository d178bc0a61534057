"""The training loop in TensorFlow: the same loop as ``scratch.training``, with the step compiled
by ``tf.function`` and the gradients from ``tf.GradientTape``.

One training step: batch -> ``keras_model(x, training=True)`` -> mean cross-entropy ->
``tape.gradient`` -> ``keras_optimizer.apply_gradients``. A whole epoch runs inside one graph
(a ``tf.while_loop`` over the batches), so Python is not on the hot path.

Plumbing is shared with scratch on purpose: the batch order comes from the same
``minibatches(n, batch_size, rng)``, so with the same seed both backends see the same batches;
early stopping, history, progress bar and checkpoint files are the same objects.
"""

from __future__ import annotations

import os
import time
from typing import IO, Any

import numpy as np
import tensorflow as tf

from scratch.checks import check_choice, check_labels, check_positive
from scratch.training import (
    EarlyStopping,
    History,
    ProgressBar,
    accuracy,
    check_training_data,
    load_checkpoint,
    minibatches,
    save_checkpoint,
)
from tf_ref import optimizers as optimizers_mod
from tf_ref.device import select_device
from tf_ref.models import Sequential

__all__ = [
    "EarlyStopping",
    "History",
    "ProgressBar",
    "accuracy",
    "evaluate",
    "fit",
    "load_checkpoint",
    "minibatches",
    "save_checkpoint",
    "train_step",
]


def _loss_tensor(name: str, logits: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """Mean loss over the batch with TF's own fused, numerically stable kernels."""
    if name == "sparse_softmax_cross_entropy":
        per_row = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    else:
        per_row = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.cast(targets, logits.dtype), logits=logits
        )
    return tf.reduce_mean(per_row)


LOSS_NAMES = ("sparse_softmax_cross_entropy", "sigmoid_binary_cross_entropy")


def _step_fn(model: Sequential, optimizer: optimizers_mod.Optimizer, loss: str):
    """An uncompiled step(x, y) -> loss closing over the model, optimizer and loss name."""
    keras_model, keras_opt = model.keras_model, optimizer.keras_optimizer
    variables = model.trainable_variables
    keras_opt.build(variables)

    def step(x_batch: tf.Tensor, y_batch: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            logits = keras_model(x_batch, training=True)
            value = _loss_tensor(loss, logits, y_batch)
        grads = tape.gradient(value, variables)
        keras_opt.apply_gradients(zip(grads, variables, strict=True))
        return value

    return step


def train_step(
    model: Sequential,
    optimizer: optimizers_mod.Optimizer,
    loss: str,
    x_batch: np.ndarray,
    y_batch: np.ndarray,
) -> float:
    """One eager step (for comparisons with scratch); returns the batch loss before the update."""
    check_choice(loss, "loss", LOSS_NAMES)
    return float(_step_fn(model, optimizer, loss)(tf.constant(x_batch), tf.constant(y_batch)))


def _epoch_fn(model: Sequential, optimizer: optimizers_mod.Optimizer, loss: str, batch_size: int):
    """A compiled function running one epoch: loop over batches of ``order`` inside the graph.

    Returns the per-batch losses, so a NaN is caught at the batch where it happened.
    """
    step = _step_fn(model, optimizer, loss)

    @tf.function(jit_compile=False, reduce_retracing=True)
    def run_epoch(x: tf.Tensor, y: tf.Tensor, order: tf.Tensor) -> tf.Tensor:
        n = tf.shape(order)[0]
        n_batches = (n + batch_size - 1) // batch_size
        out = tf.TensorArray(x.dtype, size=n_batches)
        for b in tf.range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            out = out.write(b, step(tf.gather(x, idx), tf.gather(y, idx)))
        return out.stack()

    return run_epoch


def evaluate(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "sparse_softmax_cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on (x, y) in inference mode."""
    check_choice(loss, "loss", LOSS_NAMES)
    logits = model.predict(x, batch_size=batch_size)
    y = check_labels(y, "y", n_classes=logits.shape[1], n_rows=logits.shape[0])
    value = float(_loss_tensor(loss, tf.constant(logits), tf.constant(y)))
    return {"loss": value, "accuracy": accuracy(logits, y)}


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
    device: str = "auto",
) -> History:
    """Train ``model`` exactly as ``scratch.training.fit`` does, on ``device`` (auto/cpu/gpu).

    Same arguments, same batches for the same ``rng``, same History, same early stopping and
    checkpoint file. A non-finite batch loss stops training with the best weights kept.
    """
    if not model.built:
        model.build(np.shape(x)[1], rng)
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    check_choice(loss, "loss", LOSS_NAMES)
    x, y = check_training_data(x, y, model.input_dim, model.output_dim)
    if validation_data is not None:
        xv, yv = check_training_data(*validation_data, model.input_dim, model.output_dim, "x_valid")
    if early_stopping is not None and validation_data is None:
        raise ValueError("early_stopping: needs validation_data to monitor val_loss")
    optimizer = optimizers_mod.get(optimizer)
    rng = np.random.default_rng() if rng is None else rng
    history = History()
    best_val = np.inf
    with tf.device(select_device(device)):
        x_t = tf.constant(x.astype(model.dtype, copy=False))
        y_t = tf.constant(y.astype(np.int64, copy=False))
        run_epoch = _epoch_fn(model, optimizer, loss, batch_size)
        for epoch in range(epochs):
            start = time.perf_counter()
            order = np.concatenate(list(minibatches(x.shape[0], batch_size, rng)))
            batch_losses = run_epoch(x_t, y_t, tf.constant(order)).numpy()
            if not np.isfinite(batch_losses).all():
                history.diverged_at_epoch = epoch
                break
            sizes = np.diff(np.append(np.arange(0, x.shape[0], batch_size), x.shape[0]))
            record: dict[str, Any] = {
                "loss": float(np.dot(batch_losses, sizes) / x.shape[0]),
                "seconds": time.perf_counter() - start,
            }
            if validation_data is not None:
                scores = evaluate(model, xv, yv, loss)
                record.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
            history.append(**record)
            if verbose:
                bar = ProgressBar(1, f"epoch {epoch + 1}/{epochs}", stream)
                bar.start = start
                bar.close(**{k: v for k, v in record.items() if k != "seconds"})
            if validation_data is not None and record["val_loss"] < best_val:
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
