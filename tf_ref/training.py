"""The training loop in TensorFlow: the same loop as ``scratch.training``, with the step compiled
by ``tf.function`` and the gradients from ``tf.GradientTape``.

One training step: batch -> ``keras_model(x, training=True)`` -> the mean loss (any loss of
``scratch.targets.SPECS``, from TF's per-row losses) -> ``tape.gradient`` ->
``keras_optimizer.apply_gradients``. A whole epoch runs inside one graph (a ``tf.while_loop``
over the batches), so Python is not on the hot path.

Plumbing is shared with scratch on purpose: the batch order comes from the same
``minibatches(n, batch_size, rng)``, so with the same seed both backends see the same batches;
early stopping, history, progress bar and checkpoint files are the same objects, and so is the
end of an epoch (``scratch.training.EpochEnd``) and the checks of the targets (``prepare_fit``).

Several devices (``fit(..., devices=N)``): a copy of the Keras model and optimizer is made under a
``tf.distribute.MirroredStrategy`` (``tf_ref.device.select_strategy``), or under the
``MultiWorkerMirroredStrategy`` of a cluster of processes (``devices="workers"``: every worker
holds the whole data set and the same batch order, and no ``tf.data`` auto-sharding is
involved); each batch of the same batch order is cut into one contiguous slice per replica (in
the order of the replicas' global ids, worker 0's first), each replica's loss is its rows' sum
divided by the *global* batch size, and the optimizer sums the replicas' gradients, so a step
is the single-device step up to the order of summation. The copy's weights go back into the
caller's model after every epoch (validation, early stopping and checkpoints see them) and its
optimizer state at every checkpoint and at the end.
"""

from __future__ import annotations

import os
from typing import IO, Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import check_bool, check_positive
from scratch.layers import check_injected_draws
from scratch.targets import SPECS, get_spec
from scratch.threads import with_blas_threads
from scratch.training import (
    EarlyStopping,
    EpochEnd,
    History,
    ProgressBar,
    accuracy,
    check_fit_model,
    check_fit_options,
    diverged_on_validation,
    evaluation_scores,
    frozen_prefix,
    is_new_best,
    load_checkpoint,
    minibatches,
    performance_schedule,
    prepare_fit,
    save_checkpoint,
)
from tf_ref import optimizers as optimizers_mod
from tf_ref import schedules as schedules_mod
from tf_ref.device import WORKERS, DeviceError, select_device, select_strategy
from tf_ref.layers import _TiedDense
from tf_ref.models import Sequential, add_penalties

__all__ = [
    "EarlyStopping",
    "EpochEnd",
    "History",
    "ProgressBar",
    "accuracy",
    "diverged_on_validation",
    "evaluate",
    "evaluation_scores",
    "fit",
    "frozen_prefix",
    "is_new_best",
    "load_checkpoint",
    "minibatches",
    "save_checkpoint",
    "train_step",
]


def _row_losses(name: str, outputs: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """The loss of every row, (N,), with TF's own fused, numerically stable kernels: softmax
    cross-entropy of a label; the mean over the row's D entries of the sigmoid cross-entropy
    or the squared error (Keras' ``BinaryCrossentropy``/``MeanSquaredError``: mean over the
    last axis). The batch loss is their mean, the same as the mean over all N*D entries; a
    replica's share (several devices) is their sum over its rows / the global batch size."""
    kind = SPECS[name].kind
    if kind == "labels":
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=outputs)
    targets = tf.cast(targets, outputs.dtype)
    if kind == "real":
        return tf.reduce_mean(tf.math.squared_difference(outputs, targets), axis=-1)
    per_entry = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=outputs)
    return tf.reduce_mean(per_entry, axis=-1)


def _loss_tensor(name: str, outputs: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """Mean loss over the batch."""
    return tf.reduce_mean(_row_losses(name, outputs, targets))


LOSS_NAMES = tuple(SPECS)  # every loss scratch.targets describes


def _target_tensor(spec: Any, y: np.ndarray, dtype: Any) -> tf.Tensor:
    """Targets as TF wants them: int64 class labels, else the model's float dtype."""
    return tf.constant(y.astype(np.int64 if spec.kind == "labels" else dtype, copy=False))


def _step_fn(model: Sequential, optimizer: optimizers_mod.Optimizer, loss: str):
    """An uncompiled step(x, y) -> loss closing over the model, optimizer and loss name."""
    keras_model, keras_opt = model.keras_model, optimizer.keras_optimizer
    variables = model.trainable_variables
    keras_opt.build(variables)

    def step(x_batch: tf.Tensor, y_batch: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            logits = keras_model(x_batch, training=True)
            value = add_penalties(_loss_tensor(loss, logits, y_batch), keras_model)
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
    """One eager step (for comparisons with scratch); returns the batch loss before the update.

    ``loss`` a name of ``scratch.targets.SPECS``; the batch is checked as in scratch, as that
    loss's targets (``fit`` checks its data once, up front)."""
    check_fit_model(model, Sequential, "tf_ref")
    if not isinstance(optimizer, optimizers_mod.Optimizer):
        raise TypeError(f"optimizer: expected a tf_ref Optimizer, got {type(optimizer).__name__}")
    spec = get_spec(loss)
    x_batch = model.check_input(x_batch, "x_batch")
    check_injected_draws(model.layers, [x_batch.shape[0]])
    y_batch = spec.check_targets(
        y_batch, "y_batch", n_rows=x_batch.shape[0], output_dim=model.output_dim,
        dtype=model.dtype,
    )  # fmt: skip
    step = _step_fn(model, optimizer, spec.name)
    return float(step(tf.constant(x_batch), _target_tensor(spec, y_batch, model.dtype)))


#: How many compiled epoch functions a model keeps (one per optimizer, loss, batch size and
#: trainable set): a loop of ``fit`` calls on the same model and optimizer (exercise 10's fresh
#: pairs every epoch) reuses one graph instead of tracing a new one at every call.
EPOCH_CACHE_SIZE = 4


def _epoch_fn(model: Sequential, optimizer: optimizers_mod.Optimizer, loss: str, batch_size: int):
    """A compiled function running one epoch: loop over batches of ``order`` inside the graph.

    Returns the per-batch losses, so a NaN is caught at the batch where it happened. Kept on
    the model (``EPOCH_CACHE_SIZE`` most recent) for the same Keras model, optimizer, loss,
    batch size and trainable variables: the cached function closes over exactly those objects,
    so a later ``fit`` with them runs the same graph, and any change (a new optimizer, a layer
    frozen) is a new key, a new trace.
    """
    key = (
        id(model.keras_model),
        id(optimizer.keras_optimizer),
        loss,
        batch_size,
        tuple(id(v) for v in model.trainable_variables),
    )
    cache = model.__dict__.setdefault("_compiled_epochs", {})
    if key in cache:
        cache[key] = cache.pop(key)  # most recently used last
        return cache[key]
    while len(cache) >= EPOCH_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = run_epoch = _compile_epoch(model, optimizer, loss, batch_size)
    return run_epoch


def _compile_epoch(
    model: Sequential, optimizer: optimizers_mod.Optimizer, loss: str, batch_size: int
):
    """``_epoch_fn``'s function, traced afresh."""
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


def _clone_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A fresh layer from ``layer``'s config for the replicated copy.

    The activation *function* is kept: Keras serialises it by name only, so elu(alpha=0.5) would
    come back as elu. Batch normalization is ``synchronized``: its batch statistics are
    all-reduced over the replicas, i.e. taken over the global batch as on one device (and a
    replica given no rows does not produce NaN statistics). Layers that draw random numbers
    (Dropout...) are refused: under a MirroredStrategy Keras 3 draws the *same* mask on every
    replica (the seed generator's state is mirrored), which would correlate the batch's slices.
    A tied decoder (DenseTranspose) is refused too: it reads another layer's kernel.
    """
    if isinstance(layer, _TiedDense):
        # its kernel is another layer's variable, read through a function: a copy from its config
        # cannot exist, and would not read the replicated encoder's kernel if it did
        raise DeviceError(
            f"devices: layer {layer.name!r} (DenseTranspose) shares the kernel of its tied "
            "layer; multi-device training of tied weights is not supported: train it on one "
            "device (devices=None)"
        )
    if isinstance(getattr(layer, "seed_generator", None), keras.random.SeedGenerator):
        raise DeviceError(
            f"devices: layer {layer.name!r} ({type(layer).__name__}) draws random numbers; under "
            "tf.distribute Keras 3 draws the same numbers on every replica, so multi-device "
            "training of this model is not supported: train it on one device (devices=None)"
        )
    config = layer.get_config()
    if isinstance(layer, keras.layers.BatchNormalization):
        config["synchronized"] = True
    clone = type(layer).from_config(config)
    if hasattr(layer, "activation"):
        clone.activation = layer.activation
    return clone


class _Replicated:
    """The model and optimizer copied under a multi-replica ``strategy``, and its epoch function.

    ``pull()`` writes the copy's weights (and with ``optimizer_state`` its optimizer's variables)
    back into the caller's model and optimizer.
    """

    def __init__(
        self,
        model: Sequential,
        optimizer: optimizers_mod.Optimizer,
        loss: str,
        batch_size: int,
        strategy: tf.distribute.Strategy,
        probe: np.ndarray,
    ) -> None:
        self.strategy = strategy
        self.device = strategy.extended.worker_devices[0]  # where the data and gathers live
        self.keras_opt = optimizer.keras_optimizer
        # As on one device: build (or rebind) the caller's optimizer on the model's variables,
        # refusing other shapes, so its state can be copied by position both ways.
        self.keras_opt.build(model.trainable_variables)
        self.weights = list(model.keras_model.weights)
        with strategy.scope():
            self.clone = keras.models.clone_model(model.keras_model, clone_function=_clone_layer)
            self.clone_weights = list(self.clone.weights)
            if [tuple(v.shape) for v in self.clone_weights] != [
                tuple(v.shape) for v in self.weights
            ]:  # pragma: no cover - clone_model keeps the layer order
                raise RuntimeError("multi-device copy: the cloned model's weights differ")
            for src, dst in zip(self.weights, self.clone_weights, strict=True):
                dst.assign(src.numpy())
            position = {id(v): i for i, v in enumerate(self.weights)}
            trainable = model.trainable_variables
            self.variables = [self.clone_weights[position[id(v)]] for v in trainable]
            config = self.keras_opt.get_config()
            if isinstance(optimizer.learning_rate, schedules_mod.Schedule):
                # the same schedule object: a plateau's rate variable is then shared, not copied
                config["learning_rate"] = optimizer.learning_rate.keras_schedule
            self.clone_opt = type(self.keras_opt).from_config(config)
            self.clone_opt.build(self.variables)
            self._copy_optimizer(self.keras_opt, self.clone_opt)
        self._check_copy(model, probe)
        self.run_epoch = self._epoch_fn(loss, batch_size)

    def _check_copy(self, model: Sequential, probe: np.ndarray) -> None:
        """The copy must compute what the model computes (a config that drops a setting would
        otherwise train a different network silently)."""
        x = tf.constant(probe)
        ours, theirs = model.keras_model(x).numpy(), self.clone(x).numpy()
        if not np.allclose(ours, theirs, rtol=1e-5, atol=1e-6):
            raise RuntimeError(
                "multi-device copy: keras.models.clone_model's copy of this model computes "
                f"different outputs (max difference {np.max(np.abs(ours - theirs)):.3g}); a "
                "layer's config does not describe it fully. Train it on one device."
            )

    @staticmethod
    def _copy_optimizer(src: keras.optimizers.Optimizer, dst: keras.optimizers.Optimizer) -> None:
        """Iterations, learning rate and slots, by position (same class, config and shapes)."""
        a, b = list(src.variables), list(dst.variables)
        if [tuple(v.shape) for v in a] != [tuple(v.shape) for v in b]:  # pragma: no cover
            raise RuntimeError("multi-device copy: optimizer variables differ in layout")
        for s, d in zip(a, b, strict=True):
            d.assign(s.numpy())

    def pull(self, optimizer_state: bool = False) -> None:
        """Copy the trained weights (and optimizer state) back into the caller's objects."""
        for dst, src in zip(self.weights, self.clone_weights, strict=True):
            dst.assign(src.numpy())
        if optimizer_state:
            self._copy_optimizer(self.clone_opt, self.keras_opt)

    def agreed(self, evaluate: Any) -> Any:
        """``evaluate`` as every worker of a cluster must see it: worker 0's scores.

        Each worker scores its own copy of the weights (identical: the same all-reduced steps),
        but machines with other CPUs may round a validation loss differently, and one worker
        stopping early (or cutting a plateau's rate) while another goes on would leave the other
        waiting in its next all-reduce for ever. So the scores are all-reduced too, with every
        replica but the chief's adding zeros (x + 0 is x exactly, NaN included). One process
        (``MirroredStrategy``) has one copy of the scores: ``evaluate`` as it is.
        """
        strategy = self.strategy
        if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return evaluate

        def scores(*args: Any, **kwargs: Any) -> dict[str, float]:
            local = evaluate(*args, **kwargs)
            keys = sorted(local)
            mine = tf.constant([local[k] for k in keys], tf.float64)

            def share() -> tf.Tensor:
                chief = tf.distribute.get_replica_context().replica_id_in_sync_group == 0
                return tf.where(chief, mine, tf.zeros_like(mine))

            total = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(share), axis=None)
            return dict(zip(keys, (float(v) for v in total.numpy()), strict=True))

        return scores

    def _epoch_fn(self, loss: str, batch_size: int):
        strategy, keras_model, keras_opt = self.strategy, self.clone, self.clone_opt
        variables, device = self.variables, self.device
        n_replicas = strategy.num_replicas_in_sync

        def step(x_part: tf.Tensor, y_part: tf.Tensor, n_global: tf.Tensor) -> tf.Tensor:
            # This replica's share of the batch mean: sum over its rows / the global batch size
            # (a replica given no rows, as in a last batch of 1, adds 0). Keras' optimizer sums
            # the gradients over the replicas (all-reduce) before applying them once.
            with tf.GradientTape() as tape:
                logits = keras_model(x_part, training=True)
                rows = _row_losses(loss, logits, y_part)
                value = tf.reduce_sum(rows) / tf.cast(n_global, rows.dtype)
                # Each replica adds its share of the penalties, so the sum over replicas adds
                # them once (Keras scales model.losses by 1/replicas the same way).
                if keras_model.losses:
                    value = value + tf.cast(tf.add_n(keras_model.losses), value.dtype) / n_replicas
            grads = tape.gradient(value, variables)
            keras_opt.apply_gradients(zip(grads, variables, strict=True))
            return value

        @tf.function(jit_compile=False, reduce_retracing=True)
        def run_epoch(x: tf.Tensor, y: tf.Tensor, order: tf.Tensor) -> tf.Tensor:
            n = tf.shape(order)[0]
            n_batches = (n + batch_size - 1) // batch_size
            out = tf.TensorArray(x.dtype, size=n_batches)
            for b in tf.range(n_batches):
                with tf.device(device):
                    idx = order[b * batch_size : (b + 1) * batch_size]
                    x_batch, y_batch = tf.gather(x, idx), tf.gather(y, idx)
                    n_global = tf.shape(idx)[0]
                    share = (n_global + n_replicas - 1) // n_replicas

                def part(ctx, x_batch=x_batch, y_batch=y_batch, n_global=n_global, share=share):
                    with tf.device(device):  # slice where the batch is, ship only the slice
                        lo = tf.minimum(ctx.replica_id_in_sync_group * share, n_global)
                        hi = tf.minimum(lo + share, n_global)
                        return x_batch[lo:hi], y_batch[lo:hi]

                x_parts, y_parts = strategy.experimental_distribute_values_from_function(part)
                values = strategy.run(step, args=(x_parts, y_parts, n_global))
                out = out.write(b, strategy.reduce(tf.distribute.ReduceOp.SUM, values, axis=None))
            return out.stack()

        return run_epoch


def evaluate(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "sparse_softmax_cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean loss (+ the weight penalties, as Keras reports it) and the loss's metrics of
    ``model`` on (x, y) in inference mode, as ``scratch.training.evaluate``: the loss by TF,
    the metrics and the NaN rule of a diverged model from the shared ``evaluation_scores``."""
    spec = get_spec(loss)
    outputs = model.predict(x, batch_size=batch_size)
    y = spec.check_targets(
        y, "y", n_rows=outputs.shape[0], output_dim=outputs.shape[1], dtype=model.dtype
    )
    return evaluation_scores(
        spec,
        outputs,
        y,
        lambda: float(
            _loss_tensor(spec.name, tf.constant(outputs), _target_tensor(spec, y, model.dtype))
        ),
        model.regularization_loss(),
    )


def _sub_model(model: Sequential, start: int, stop: int) -> Sequential:
    """A built Sequential of ``model.layers[start:stop]``: the same layer objects and Keras
    layers (Keras shares a layer between models: the same variables), nothing redrawn."""
    part = Sequential(model.layers[start:stop], dtype=model.dtype)
    part.input_dim = model.layers[start].input_dim  # its layers are built: nothing to draw
    part.keras_model = keras.Sequential(
        [
            keras.Input((part.input_dim,), dtype=model.dtype.name),
            *(layer.keras_layer for layer in part.layers),
        ]
    )
    return part


def _cache_prefix(
    model: Sequential,
    x: np.ndarray,
    validation_data: tuple[np.ndarray, np.ndarray] | None,
    device: str,
) -> tuple[Sequential, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """As scratch's: h = prefix(x) once, in inference mode, in chunks of 1024 rows, for x and
    the validation x, on ``device``; returns (the top as a Sequential sharing the model's Keras
    layers, h, the validation pair with h)."""
    k = frozen_prefix(model)
    prefix = _sub_model(model, 0, k)
    with tf.device(device):
        if validation_data is not None:
            validation_data = (prefix.predict(validation_data[0]), validation_data[1])
        features = prefix.predict(x)
    return _sub_model(model, k, len(model.layers)), features, validation_data


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
    device: str = "auto",
    devices: int | str | None = None,
) -> History:
    """Train ``model`` exactly as ``scratch.training.fit`` does, on ``device`` (auto/cpu/gpu).

    Same arguments, same batches for the same ``rng``, same History, same early stopping and
    checkpoint file. A non-finite batch loss stops training with the best weights kept.

    ``devices`` N > 1 (or "all") trains data-parallel on N GPUs, or N logical CPUs when no GPU
    is used (``tf_ref.device.select_strategy``; on a CPU call ``split_cpu(N)`` first): the same
    batches, each split across the replicas, the same results up to the order of summation
    (batch normalization uses the global batch's statistics; layers drawing random numbers,
    such as Dropout, are refused). ``devices="workers"`` (``tf_ref.device.WORKERS``) trains
    the same way over the worker processes of the ``$TF_CONFIG`` cluster, one replica each
    (``tf_ref.device.join_cluster``, called first in every worker): every worker runs this
    ``fit`` on the same data with the same ``rng``, so all see the same batch order, and each
    takes its replica's slice of every global batch. Every worker ends with the same weights and
    runs the epoch ends itself (a ``checkpoint_path`` is written by each: give each worker its
    own, or let only the chief keep its file). None or 1: one device, the code path without
    ``tf.distribute``. ``blas_threads`` limits NumPy's BLAS as in scratch (TensorFlow's own
    kernels do not use it). ``cache_frozen`` as in scratch: the frozen bottom layers applied
    once, on ``device``, the layers above trained on their outputs (a Keras model sharing the
    model's layers), also on several devices. ``rng`` may be an int seed. Every argument is
    checked before the model is built or trained.
    """
    check_fit_model(model, Sequential, "tf_ref")
    optimizer = optimizers_mod.get(optimizer)
    spec = get_spec(loss)
    check_fit_options(checkpoint_path, verbose, stream, validation_data)
    if devices not in (None, "all", WORKERS):
        check_positive(devices, "devices", integer=True)
    check_bool(cache_frozen, "cache_frozen")
    plateau = performance_schedule(optimizer, validation_data)
    x, y, validation_data, rng = prepare_fit(
        model, x, y, epochs, batch_size, validation_data, early_stopping, rng, loss
    )
    net = model  # what the steps run: the whole model, or the layers above the cached ones
    if cache_frozen:
        net, x, validation_data = _cache_prefix(model, x, validation_data, select_device(device))
    strategy = None if devices is None or devices == 1 else select_strategy(devices, device)
    replicated = None
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        # x is in the model's dtype already (prepare_fit)
        replicated = _Replicated(net, optimizer, loss, batch_size, strategy, x[:8])
    epoch_end = EpochEnd(
        model=model, net=net, optimizer=optimizer, loss=loss,
        evaluate=evaluate if replicated is None else replicated.agreed(evaluate),
        validation_data=validation_data, early_stopping=early_stopping,
        checkpoint_path=checkpoint_path, plateau=plateau, epochs=epochs, verbose=verbose,
        stream=stream,
        # the checkpoint holds the replicas' optimizer state (their weights come back each epoch)
        before_checkpoint=None if replicated is None else lambda: replicated.pull(True),
    )  # fmt: skip
    sizes = np.diff(np.append(np.arange(0, x.shape[0], batch_size), x.shape[0]))
    with tf.device(select_device(device) if replicated is None else replicated.device):
        x_t = tf.constant(x)
        y_t = _target_tensor(spec, y, model.dtype)
        if replicated is None:
            run_epoch = _epoch_fn(net, optimizer, loss, batch_size)
        else:
            run_epoch = replicated.run_epoch
        for epoch in range(epochs):
            bar = epoch_end.begin(epoch, 1)  # one line per epoch: the loop runs in a graph
            order = np.concatenate(list(minibatches(x.shape[0], batch_size, rng)))
            batch_losses = run_epoch(x_t, y_t, tf.constant(order)).numpy()
            if replicated is not None:
                replicated.pull()
            if not np.isfinite(batch_losses).all():
                epoch_end.diverged(epoch, bar)
                break
            # the plateau schedule's rate variable is the replicas' too (the same object)
            if epoch_end.end(epoch, float(np.dot(batch_losses, sizes) / x.shape[0]), bar):
                break
    if replicated is not None:
        replicated.pull(optimizer_state=True)
    return epoch_end.finish()
