"""The contenders ``katas bench`` times: each is one epoch as a learner would run it, one call.

- ``scratch``: scratch's own code on its default path (the Numba kernels,
  ``scratch.fast.active() == "numba"``): ``scratch.training.fit`` for the classifiers, the
  estimators' ``fit`` for the RBM, the autoencoder's joint training;
- ``scratch-numpy``: the same under ``scratch.fast.use("numpy")`` (the readable definitions);
- ``keras``: a plain ``keras.Sequential`` of the same layers, built directly with Keras,
  ``model.compile`` + ``model.fit(verbose=0, shuffle=True)``, one epoch per call;
- ``tf_ref``: the oracle's own ``fit`` (``tf_ref.training.fit`` and ``tf_ref.rbm``);
- ``sklearn-float32`` / ``sklearn-float64``: ``sklearn.neural_network.BernoulliRBM`` on data
  of that dtype.

A classifier or autoencoder keeps training from epoch to epoch (one model, one optimizer, as in
a real run; Keras and tf_ref reuse their compiled step). An RBM epoch is ``fit`` with
``n_iter=1`` on a fresh estimator (the estimators' API: ``fit`` starts over), as
``katas.bench.rbm`` times it. Threads: each contender runs as it does by default (scratch's
``fit`` limits BLAS to one thread, scikit-learn leaves BLAS at one thread per core, TensorFlow
uses its own pools) unless the bench forces a count; ``threads`` records what it used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from katas.bench.workloads import AE_HIDDEN, Configuration, network_config


@dataclass
class Contender:
    """One contender of a configuration: ``epoch()`` runs one epoch (the worker times it);
    ``threads``: the threads its heavy arithmetic ran on (BLAS or TensorFlow's intra-op
    pool), the thread count whose SGEMM rate its floor uses."""

    name: str
    epoch: Callable[[], Any]
    threads: int
    note: str = ""


def blas_now() -> int:
    """The thread count NumPy's BLAS uses now (threadpoolctl; the first BLAS library)."""
    from scratch.threads import blas_info

    info = blas_info()
    return int(info[0]["num_threads"]) if info else 1


def scratch_blas(forced: int | None) -> int:
    """The BLAS threads scratch's ``fit`` runs with: ``forced``, else its own rule
    (``scratch.threads.resolve_blas_threads``: one thread unless told otherwise)."""
    from scratch.threads import LEAVE_ALONE, resolve_blas_threads

    limit = resolve_blas_threads(forced)
    return blas_now() if limit == LEAVE_ALONE else limit


def tf_threads() -> int:
    """TensorFlow's intra-op threads: as forced by the worker before TF started
    (``--tf-threads``), else its default (0: one per core)."""
    import tensorflow as tf

    n = tf.config.threading.get_intra_op_parallelism_threads()
    return n if n > 0 else (os.cpu_count() or 1)


def _kernels(name: str) -> Any:
    """The kernel switch for a scratch contender: the NumPy path for ``scratch-numpy``."""
    import contextlib

    import scratch.fast

    return scratch.fast.use("numpy") if name == "scratch-numpy" else contextlib.nullcontext()


# ----------------------------------------------------------------------------- classifiers


def keras_classifier(net: str) -> Any:
    """The same layers as ``scratch.networks.build_network(network_config(net), 784, 5)``,
    written directly in Keras, compiled with the same optimizer and loss."""
    import keras

    config = network_config(net)
    layers: list[Any] = [keras.Input((784,))]
    for _ in range(config.hidden_layers):
        if config.batch_norm:
            if config.dropout_rate > 0:  # the book's placement: on each hidden layer's input
                layers.append(keras.layers.Dropout(config.dropout_rate))
            layers += [
                keras.layers.Dense(config.units, use_bias=False, kernel_initializer="he_normal"),
                keras.layers.BatchNormalization(momentum=config.batch_norm_momentum),
                keras.layers.Activation(config.activation),
            ]
        else:
            layers.append(
                keras.layers.Dense(config.units, config.activation, kernel_initializer="he_normal")
            )
    layers.append(keras.layers.Dense(5, kernel_initializer="he_normal"))
    model = keras.Sequential(layers)
    if config.optimizer == "adam":
        optimizer = keras.optimizers.Adam(config.learning_rate)
    else:
        optimizer = keras.optimizers.SGD(
            config.learning_rate, momentum=config.momentum, nesterov=True
        )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def classifier(name: str, config: Configuration, x: Any, y: Any) -> Contender:
    """A classifier contender of ``config.workload`` at ``config.batch_size``."""
    import numpy as np

    batch, forced = config.batch_size, config.blas_threads
    if name == "keras":
        model = keras_classifier(config.workload)
        return Contender(
            name,
            lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True),
            tf_threads(),
        )
    net = network_config(config.workload)
    if name == "tf_ref":
        from tf_ref import networks, training

        model = networks.build_network(net, 784, 5, rng=0)
        optimizer = networks.build_optimizer(net)
        rng = np.random.default_rng(1)
        return Contender(
            name,
            lambda: training.fit(
                model,
                x,
                y,
                optimizer=optimizer,
                epochs=1,
                batch_size=batch,
                rng=rng,
                verbose=False,
                blas_threads=forced,
            ),
            tf_threads(),
        )
    from scratch import networks, training

    model = networks.build_network(net, 784, 5, rng=0)
    optimizer = networks.build_optimizer(net)
    rng = np.random.default_rng(1)

    def epoch() -> Any:
        with _kernels(name):
            return training.fit(
                model, x, y, optimizer=optimizer, epochs=1, batch_size=batch, rng=rng,
                verbose=False, blas_threads=forced,
            )  # fmt: skip

    return Contender(name, epoch, scratch_blas(forced))


# ----------------------------------------------------------------------------- RBMs


def rbm_model(variant: str, hidden: int, batch_size: int, backend: str = "scratch") -> Any:
    """A fresh one-epoch (``n_iter=1``) RBM estimator, ``random_state=0``:

    - ``sklearn``: ``sklearn.neural_network.BernoulliRBM`` (PCD-1, learning rate 0.1);
    - ``ours-sklearn``: ``BernoulliRBM(method="sklearn")``, scikit-learn's algorithm;
    - ``ours-cd`` / ``ours-pcd``: CD-1 / PCD-1 with momentum 0.5 and weight decay 1e-4 (as a
      DBN would train them);

    ``backend``: "scratch" or "tf_ref" for the ``ours-*`` ones. Shared by ``katas bench`` and
    ``python -m katas.bench.rbm``."""
    common = dict(n_components=hidden, batch_size=batch_size, n_iter=1, random_state=0)
    if variant == "sklearn":
        from sklearn.neural_network import BernoulliRBM as SkRBM

        return SkRBM(**common)
    if backend == "tf_ref":
        from tf_ref.rbm import BernoulliRBM
    else:
        from scratch.rbm import BernoulliRBM
    method = variant.removeprefix("ours-")
    extra = {} if method == "sklearn" else {"momentum": 0.5, "weight_decay": 1e-4}
    return BernoulliRBM(method=method, **common, **extra)


def rbm(name: str, config: Configuration, x: Any) -> Contender:
    """An RBM contender: one ``fit`` epoch of ``config.method`` on ``x`` (float32; the
    float64 scikit-learn contender gets its own copy)."""
    import numpy as np

    from katas.bench.workloads import RBM_HIDDEN

    hidden, batch, forced = RBM_HIDDEN, config.batch_size, config.blas_threads
    if name.startswith("sklearn-"):
        from scratch.threads import blas_threads

        data = x.astype(np.dtype(name.removeprefix("sklearn-")))

        def sk_epoch() -> Any:
            # scikit-learn leaves BLAS alone (-1) unless the bench forces a count
            with blas_threads(forced or -1):
                return rbm_model("sklearn", hidden, batch).fit(data)

        return Contender(name, sk_epoch, forced if forced and forced > 0 else blas_now())
    variant = f"ours-{config.method}"
    if name == "tf_ref":
        return Contender(
            name,
            lambda: rbm_model(variant, hidden, batch, "tf_ref").fit(x, blas_threads=forced),
            tf_threads(),
        )

    def epoch() -> Any:
        with _kernels(name):
            return rbm_model(variant, hidden, batch).fit(x, blas_threads=forced)

    return Contender(name, epoch, scratch_blas(forced))


# ----------------------------------------------------------------------------- autoencoder


def keras_autoencoder() -> Any:
    """784-300-150-300-784 in plain Keras: ELU, He normal, linear outputs, the sigmoid
    cross-entropy on logits averaged over the pixels, Adam 0.001 (scratch's defaults)."""
    import keras

    layers: list[Any] = [keras.Input((784,))]
    for units in (*AE_HIDDEN, *AE_HIDDEN[-2::-1]):
        layers.append(keras.layers.Dense(units, "elu", kernel_initializer="he_normal"))
    layers.append(keras.layers.Dense(784, kernel_initializer="he_normal"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(0.001),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return model


def autoencoder(name: str, config: Configuration, x: Any) -> Contender:
    """An autoencoder contender: one epoch of the stacked autoencoder's joint training.

    scratch and tf_ref run what ``Autoencoder(hidden=(300, 150)).fit`` runs for each epoch when
    given an ``epoch_callback`` (joint training): the backend's ``training.fit(model, x, x,
    epochs=1)`` on one model and optimizer, the layers from its ``autoencoder_layers`` and the
    optimizer, learning rate and loss the estimator's defaults."""
    import numpy as np

    batch, forced = config.batch_size, config.blas_threads
    if name == "keras":
        model = keras_autoencoder()
        return Contender(
            name,
            lambda: model.fit(x, x, batch_size=batch, epochs=1, verbose=0, shuffle=True),
            tf_threads(),
        )
    if name == "tf_ref":
        from tf_ref import autoencoders, models, optimizers, training
    else:
        from scratch import autoencoders, models, optimizers, training
    defaults = autoencoders.Autoencoder(hidden=AE_HIDDEN, batch_size=batch)
    layers = autoencoders.autoencoder_layers(784, AE_HIDDEN, activation=defaults.activation)
    model = models.Sequential(layers, 784, rng=np.random.default_rng(0), dtype="float32")
    optimizer = optimizers.get(defaults.optimizer, learning_rate=defaults.learning_rate)
    rng = np.random.default_rng(1)

    def epoch() -> Any:
        with _kernels(name):
            return training.fit(
                model, x, x, epochs=1, optimizer=optimizer, loss=defaults.loss,
                batch_size=batch, rng=rng, verbose=False, blas_threads=forced,
            )  # fmt: skip

    threads = tf_threads() if name == "tf_ref" else scratch_blas(forced)
    return Contender(name, epoch, threads)


def make(name: str, config: Configuration, data: tuple[Any, ...]) -> Contender:
    """The contender ``name`` of ``config`` on its data (``(x, y)`` or ``(x,)``)."""
    if config.kind == "mlp":
        return classifier(name, config, *data)
    if config.kind == "rbm":
        return rbm(name, config, *data)
    return autoencoder(name, config, *data)
