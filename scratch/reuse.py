"""Reusing trained layers (book ch. 11, "Reusing Pretrained Layers"): freeze, pick the lower
hidden layers, drop or replace the top, load the lower layers of a saved model.

Sharing and copying are explicit, as in Keras:
- ``lower_layers``, ``drop_top``, ``replace_top`` and ``add_on_top`` *share* the layers they keep
  (the same objects and arrays, as ``keras.Sequential(model_a.layers[:-1] + [...])`` does):
  training the new model moves the old one's layers too.
- ``load_lower_layers`` and ``scratch.models.clone_model`` *copy* (Keras:
  ``keras.models.clone_model`` then ``set_weights``): the source never changes.

A hidden block (``hidden_blocks``) is a Dense that is not the last Dense, with the batch-norm and
activation layers right after it and whatever sits between it and the block below (a Dropout,
or for the first block the layers on the input). Frozen layers (``trainable=False``) are skipped
by the optimizer, keep their weights bit for bit, and a frozen batch norm runs in inference mode
(its moving statistics stay put). An optimizer built before the trainable set changed no longer
fits the model: use a new one after ``freeze``/``unfreeze``.

The functions here are plumbing over layers' ``kind`` and ``trainable``; tf_ref.reuse runs them
on tf_ref layers and models.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from scratch.checks import check_bool, check_number
from scratch.layers import Layer
from scratch.models import Sequential, clone_model, load_model

TRAILING_KINDS = ("batch_normalization", "activation")  # belong to the Dense before them


def check_target(target: Any, model_class: type, layer_class: type) -> list[Any]:
    """A model (its layers) or a non-empty list of layers of one backend. Shared with tf_ref."""
    if isinstance(target, model_class):
        return list(target.layers)
    if isinstance(target, (list, tuple)) and target:
        for i, layer in enumerate(target):
            if not isinstance(layer, layer_class):
                raise TypeError(f"target[{i}]: expected a layer, got {type(layer).__name__}")
        return list(target)
    raise TypeError(
        f"target: expected a Sequential or a non-empty list of layers, got {type(target).__name__}"
    )


def set_trainable(layers: list[Any], trainable: bool) -> None:
    """``layer.trainable = trainable`` for every layer. Shared with tf_ref."""
    for layer in layers:
        layer.trainable = trainable


def split_blocks(layers: list[Any]) -> list[list[Any]]:
    """The hidden blocks of a layer stack (see the module docstring): block k runs from the end
    of block k-1 (the input for k = 1) to the k-th Dense plus the batch-norm/activation layers
    right after it; the last Dense (the output layer) and what follows it are no block.
    Shared with tf_ref (layers are told apart by ``kind``)."""
    dense = [i for i, layer in enumerate(layers) if layer.kind == "dense"]
    blocks, start = [], 0
    for i in dense[:-1]:
        end = i + 1
        while end < len(layers) and layers[end].kind in TRAILING_KINDS:
            end += 1
        blocks.append(layers[start:end])
        start = end
    return blocks


def check_n_hidden(n_hidden: Any, available: int) -> int:
    """How many hidden blocks to take: an integer in 0..available."""
    check_number(n_hidden, "n_hidden", integer=True)
    if not 0 <= n_hidden <= available:
        raise ValueError(
            f"n_hidden: the model has {available} hidden blocks, so expected 0..{available}, "
            f"got {n_hidden}"
        )
    return int(n_hidden)


def check_k(k: Any, n_layers: int) -> int:
    """How many top layers to drop: 1..n_layers - 1 (something must stay)."""
    check_number(k, "k", integer=True)
    if not 1 <= k < n_layers:
        raise ValueError(
            f"k: the model has {n_layers} layers, so expected 1..{n_layers - 1}, got {k}"
        )
    return int(k)


def check_new_layers(new: Any, layer_class: type) -> list[Any]:
    """A layer or a non-empty list of layers to put on top."""
    new = [new] if isinstance(new, layer_class) else new
    if not isinstance(new, (list, tuple)) or not new:
        raise TypeError(f"new: expected a layer or a non-empty list of layers, got {new!r}")
    for i, layer in enumerate(new):
        if not isinstance(layer, layer_class):
            raise TypeError(f"new[{i}]: expected a layer, got {type(layer).__name__}")
    return list(new)


def check_model(model: Any, model_class: type) -> Any:
    if not isinstance(model, model_class):
        raise TypeError(f"model: expected a Sequential, got {type(model).__name__}")
    return model


def freeze(target: Sequential | list[Layer]) -> None:
    """trainable = False for every layer of ``target`` (a model or a list of layers): the
    optimizer skips them, their weights stay bit for bit, a frozen batch norm uses its moving
    statistics. Keras: ``layer.trainable = False`` for each. Use a new optimizer afterwards."""
    set_trainable(check_target(target, Sequential, Layer), False)


def unfreeze(target: Sequential | list[Layer]) -> None:
    """trainable = True for every layer of ``target`` (fine-tuning the reused layers; the book
    lowers the learning rate then). Use a new optimizer afterwards."""
    set_trainable(check_target(target, Sequential, Layer), True)


def hidden_blocks(model: Sequential) -> list[list[Layer]]:
    """The hidden layers as blocks: [[Dropout?, Dense, BN?, Activation?], ...] (shared objects),
    one per Dense except the last one (the output layer)."""
    return split_blocks(check_model(model, Sequential).layers)


def lower_layers(model: Sequential, n_hidden: int) -> list[Layer]:
    """The first ``n_hidden`` hidden blocks' layers, shared (Keras: ``model.layers[:i]``); the
    Dropout just above the n-th block is not included (it belongs to the block above)."""
    blocks = hidden_blocks(model)
    return [layer for block in blocks[: check_n_hidden(n_hidden, len(blocks))] for layer in block]


def drop_top(model: Sequential, k: int = 1) -> Sequential:
    """A model of ``model.layers[:-k]``, shared (Keras: ``keras.Sequential(model.layers[:-k])``)."""
    check_model(model, Sequential)
    kept = model.layers[: -check_k(k, len(model.layers))]
    return Sequential(kept, model.input_dim, dtype=model.dtype)


def replace_top(
    model: Sequential,
    new: Layer | list[Layer],
    k: int = 1,
    rng: np.random.Generator | int | None = None,
) -> Sequential:
    """``model.layers[:-k] + new``: the kept layers shared, the new ones built from ``rng``
    (Keras: ``keras.Sequential(model.layers[:-k] + [Dense(5)])``)."""
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


def source_model(source: Any, model_class: type, load: Any) -> Any:
    """``source`` as a built model: a model as is, a path loaded with ``load``. An unbuilt
    model has no weights to copy (its copies would be drawn afresh, then frozen: random
    features passed off as pretrained ones), so it is refused. Shared with tf_ref."""
    if isinstance(source, model_class):
        if not source.built:
            raise ValueError(
                "source: the model is not built, so it has no trained weights to copy; build "
                "and train it first"
            )
        return source
    if isinstance(source, (str, os.PathLike)):
        return load(source)
    raise TypeError(
        f"source: expected a Sequential or a saved-model path, got {type(source).__name__}"
    )


def load_lower_layers(
    source: Sequential | str | os.PathLike[str], n_hidden: int, *, freeze: bool = True
) -> list[Layer]:
    """Copies of the lower ``n_hidden`` hidden blocks of ``source`` (a model, or a file that
    ``save_model`` wrote), built, frozen unless ``freeze=False``; the source never changes.
    ``Sequential(load_lower_layers(path, 4) + [Dense(5)], 784, rng=rng)`` is the book's reuse of
    a pretrained net in one call (Keras: ``clone_model`` + ``set_weights`` + ``layers[:i]``)."""
    check_bool(freeze, "freeze")
    model = source_model(source, Sequential, load_model)
    check_n_hidden(n_hidden, len(hidden_blocks(model)))
    layers = lower_layers(clone_model(model), n_hidden)
    if freeze:
        set_trainable(layers, False)
    return layers
