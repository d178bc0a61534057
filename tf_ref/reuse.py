"""Reusing trained layers in TensorFlow: scratch.reuse's operations on tf_ref layers and models.

The same plumbing (blocks by layer kind, argument checks); what is shared is a Keras layer and
its variables (a tf_ref layer placed in a second Sequential joins that Keras model as the same
layer object, as ``keras.Sequential(model_a.layers[:-1] + [...])`` does), and copies come from
``tf_ref.models.clone_model`` (Keras' ``clone_model`` + ``set_weights``). A frozen layer's Keras
layer has ``trainable = False``: ``model.trainable_variables`` leaves it out, so the Keras
optimizer holds no slot for it, and a frozen Keras BatchNormalization runs in inference mode.
"""

from __future__ import annotations

import os

import numpy as np

from scratch.checks import check_bool
from scratch.reuse import (
    check_k,
    check_model,
    check_n_hidden,
    check_new_layers,
    check_target,
    set_trainable,
    source_model,
    split_blocks,
)
from tf_ref.layers import Layer
from tf_ref.models import Sequential, clone_model, load_model


def freeze(target: Sequential | list[Layer]) -> None:
    """trainable = False for every layer of ``target`` (its Keras layer too). Use a new optimizer
    afterwards."""
    set_trainable(check_target(target, Sequential, Layer), False)


def unfreeze(target: Sequential | list[Layer]) -> None:
    """trainable = True for every layer of ``target`` (its Keras layer too). Use a new optimizer
    afterwards."""
    set_trainable(check_target(target, Sequential, Layer), True)


def hidden_blocks(model: Sequential) -> list[list[Layer]]:
    """The hidden layers as blocks (shared objects), one per Dense except the output layer."""
    return split_blocks(check_model(model, Sequential).layers)


def lower_layers(model: Sequential, n_hidden: int) -> list[Layer]:
    """The first ``n_hidden`` hidden blocks' layers, shared; not the Dropout above the n-th."""
    blocks = hidden_blocks(model)
    return [layer for block in blocks[: check_n_hidden(n_hidden, len(blocks))] for layer in block]


def drop_top(model: Sequential, k: int = 1) -> Sequential:
    """A model of ``model.layers[:-k]``, shared (``keras.Sequential(model.layers[:-k])``)."""
    check_model(model, Sequential)
    kept = model.layers[: -check_k(k, len(model.layers))]
    return Sequential(kept, model.input_dim, dtype=model.dtype)


def replace_top(
    model: Sequential,
    new: Layer | list[Layer],
    k: int = 1,
    rng: np.random.Generator | int | None = None,
) -> Sequential:
    """``model.layers[:-k] + new``: the kept layers shared, the new ones built from ``rng``."""
    check_model(model, Sequential)
    kept = model.layers[: -check_k(k, len(model.layers))]
    new = check_new_layers(new, Layer)
    return Sequential([*kept, *new], model.input_dim, rng=rng, dtype=model.dtype)


def add_on_top(
    model: Sequential, new: Layer | list[Layer], rng: np.random.Generator | int | None = None
) -> Sequential:
    """``model.layers + new``: every old layer shared, the new ones built from ``rng``."""
    check_model(model, Sequential)
    new = check_new_layers(new, Layer)
    return Sequential([*model.layers, *new], model.input_dim, rng=rng, dtype=model.dtype)


def load_lower_layers(
    source: Sequential | str | os.PathLike[str], n_hidden: int, *, freeze: bool = True
) -> list[Layer]:
    """Copies (new Keras layers and variables) of the lower ``n_hidden`` hidden blocks of
    ``source`` (a model, or a saved-model file of either backend), frozen unless
    ``freeze=False``; the source never changes."""
    check_bool(freeze, "freeze")
    model = source_model(source, Sequential, load_model)
    check_n_hidden(n_hidden, len(hidden_blocks(model)))
    layers = lower_layers(clone_model(model), n_hidden)
    if freeze:
        set_trainable(layers, False)
    return layers
