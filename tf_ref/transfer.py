"""Transfer learning with TensorFlow and Keras 3: the oracle for ``scratch.transfer`` (book ch. 11,
"Reusing Pretrained Layers"; katas 17-19).

Gradients come from ``tf.GradientTape`` (frozen weights are constants, trainable ones variables,
exactly what Keras' ``trainable=False`` amounts to), batch norm from a real
``keras.layers.BatchNormalization`` with its ``trainable`` flag, the cache from Keras layers
built from the specs and called with ``training=False``, and new kernels from Keras
initializers (``tf_ref.initializers``). The argument checks, and the batch order of
``scratch.training.minibatches``, are scratch's plumbing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import check_float_array, check_labels, check_positive, check_rng
from scratch.training import minibatches
from scratch.transfer import (
    bottom_dtype,
    check_bottom,
    check_bottom_widths,
    check_dense_weights,
    check_frozen_batchnorm_args,
    check_frozen_stack_args,
    check_n_reuse,
    check_new_units,
)
from tf_ref import initializers


def frozen_stack_backward(
    x: np.ndarray,
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    activations: Sequence[str | None],
    trainable: Sequence[bool],
    dout: np.ndarray,
    input_grad: bool = True,
) -> tuple[np.ndarray | None, list[tuple[np.ndarray, np.ndarray] | None]]:
    """(dx, grads) of sum(h_L * dout) by ``tf.GradientTape``: trainable layers' kernel and bias
    are ``tf.Variable``s, frozen ones constants (None in grads), x is watched only with
    ``input_grad`` (else dx is None). Shapes as in ``scratch.transfer``."""
    x, weights, names, flags, dout, input_grad = check_frozen_stack_args(
        x, weights, activations, trainable, dout, input_grad
    )
    params = [
        (tf.Variable(k), tf.Variable(b)) if flag else (tf.constant(k), tf.constant(b))
        for (k, b), flag in zip(weights, flags, strict=True)
    ]
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        if input_grad:
            tape.watch(x_t)
        h = x_t
        for (kernel, bias), name in zip(params, names, strict=True):
            h = keras.activations.get(name)(tf.matmul(h, kernel) + bias)
        loss = tf.reduce_sum(h * tf.constant(dout))
    targets = [v for pair, flag in zip(params, flags, strict=True) if flag for v in pair]
    got = tape.gradient(loss, targets + ([x_t] if input_grad else []))
    grads: list[tuple[np.ndarray, np.ndarray] | None] = []
    it = iter(got[: len(targets)])
    for flag in flags:
        grads.append((next(it).numpy(), next(it).numpy()) if flag else None)
    return (got[-1].numpy() if input_grad else None), grads


def frozen_batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    trainable: bool,
    training: bool,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``keras.layers.BatchNormalization(trainable=trainable)`` holding these weights, called
    with ``training``: (out, its moving mean, its moving variance) afterwards (new arrays)."""
    x, gamma, beta, mean, var, momentum, epsilon, trainable, training = check_frozen_batchnorm_args(
        x, gamma, beta, moving_mean, moving_variance, trainable, training, momentum, epsilon
    )
    layer = keras.layers.BatchNormalization(
        momentum=momentum,
        epsilon=epsilon,
        center=beta is not None,
        scale=gamma is not None,
        trainable=trainable,
        dtype=x.dtype.name,
    )
    layer.build((None, x.shape[1]))
    layer.set_weights([w for w in (gamma, beta) if w is not None] + [mean, var])
    out = layer(tf.constant(x), training=training)
    return out.numpy(), layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()


def _keras_layer(spec: dict[str, Any], dtype: str) -> keras.layers.Layer | None:
    # A built Keras layer holding a checked spec's weights (None: a rate-0 dropout, skipped).
    kind = spec["kind"]
    if kind == "dense":
        kernel, bias = spec["kernel"], spec["bias"]
        layer = keras.layers.Dense(
            kernel.shape[1], spec["activation"], use_bias=bias is not None, dtype=dtype
        )
        layer.build((None, kernel.shape[0]))
        layer.set_weights([kernel] + ([] if bias is None else [bias]))
        return layer
    if kind == "batch_norm":
        layer = keras.layers.BatchNormalization(epsilon=spec["epsilon"], dtype=dtype)
        layer.build((None, spec["gamma"].shape[0]))
        keys = ("gamma", "beta", "moving_mean", "moving_variance")
        layer.set_weights([spec[k] for k in keys])
        return layer
    if kind == "activation":
        return keras.layers.Activation(spec["activation"], dtype=dtype)
    return None


def cache_frozen_outputs(
    bottom: Sequence[dict[str, Any]], x: np.ndarray, chunk_size: int = 1024
) -> np.ndarray:
    """The specs as Keras layers, called with ``training=False`` on ``chunk_size`` rows at a
    time, the outputs joined by ``tf.concat``. Checks as in ``scratch.transfer``."""
    specs = check_bottom(bottom)
    check_positive(chunk_size, "chunk_size", integer=True)
    x = check_float_array(x, "x", ndim=2, dtype=bottom_dtype(specs))
    check_bottom_widths(specs, x.shape[1])
    layers = [layer for spec in specs if (layer := _keras_layer(spec, x.dtype.name)) is not None]
    x_t = tf.constant(x)
    chunks = []
    for start in range(0, x.shape[0], int(chunk_size)):
        h = x_t[start : start + int(chunk_size)]
        for layer in layers:
            h = layer(h, training=False)
        chunks.append(tf.cast(h, x_t.dtype))
    return tf.concat(chunks, axis=0).numpy()


def cached_batches(
    features: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | int | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``tf.gather`` of features and labels by the index arrays of ``minibatches`` (the shared
    batch order of both backends' ``fit``)."""
    features = check_float_array(features, "features", ndim=2)
    y = check_labels(y, "y", n_classes=None, n_rows=features.shape[0])
    f_t, y_t = tf.constant(features), tf.constant(y)
    return [
        (tf.gather(f_t, idx).numpy(), tf.gather(y_t, idx).numpy())
        for idx in minibatches(features.shape[0], batch_size, rng)
    ]


def replace_top(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    n_reuse: int,
    new_units: int | Sequence[int],
    rng: np.random.Generator | int | None = None,
    initializer: str = "glorot_uniform",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The lower ``n_reuse`` layers copied through ``tf.identity``, then new layers whose kernels
    a Keras initializer draws (seeded from ``rng``, bottom to top) and whose biases are
    ``tf.zeros``. Shapes and checks as in ``scratch.transfer``."""
    weights = check_dense_weights(weights)
    n_reuse = check_n_reuse(n_reuse, len(weights))
    units = check_new_units(new_units)
    rng = check_rng(rng)
    init = initializers.get(initializer)
    dtype = weights[0][0].dtype
    out = [
        (np.array(tf.identity(kernel)), np.array(tf.identity(bias)))
        for kernel, bias in weights[:n_reuse]
    ]
    fan_in = weights[n_reuse - 1][0].shape[1] if n_reuse else weights[0][0].shape[0]
    for u in units:
        out.append((init((fan_in, u), rng, dtype), tf.zeros(u, dtype=dtype.name).numpy().copy()))
        fan_in = u
    return out
