"""Greedy layer-wise pretraining in TensorFlow: the oracle for ``scratch.pretraining``.

The same stack, the same steps: RBM k is a ``tf_ref.rbm.BernoulliRBM`` (TensorFlow maths, the
same NumPy random streams) fitted on the frozen layers' hidden probabilities, computed once by
``tf_ref.rbm.hidden_probabilities``; autoencoder k a ``tf_ref.autoencoders.Autoencoder`` fitted
on the frozen encoders' codings; the classifier is a ``tf_ref.models.Sequential`` of Keras
Dense layers holding the pretrained weights. The argument checks, the per-layer seeds, the
greedy loops and the RBMs' per-epoch monitor are scratch's plumbing, run with tf_ref's maths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from scratch.checks import check_rng
from scratch.pretraining import (
    METHODS,
    EpochMonitor,
    build_classifier,
    check_dbn_method,
    check_fitted_rbms,
    check_head_args,
    check_stack_args,
    check_stack_params,
    layer_seeds,
    monitor_rows,
    pretrained_layers,
    run_greedy,
    run_greedy_autoencoders,
    run_network,
)
from scratch.rbm import check_units
from tf_ref import optimizers
from tf_ref.autoencoders import Autoencoder
from tf_ref.layers import Dense
from tf_ref.models import Sequential
from tf_ref.rbm import BernoulliRBM, free_energy_gap, hidden_probabilities, reconstruction_error
from tf_ref.reuse import freeze as freeze_layers
from tf_ref.training import LOSS_NAMES, fit

__all__ = [
    "METHODS",
    "EpochMonitor",
    "build_classifier",
    "dbn_classifier",
    "layer_inputs",
    "layer_seeds",
    "monitor_rows",
    "pretrain_dbn",
    "pretrain_network",
    "pretrain_stack",
    "pretrained_classifier",
    "pretrained_layers",
    "run_greedy",
    "run_greedy_autoencoders",
    "run_network",
    "stack_weights",
]

Params = Sequence[tuple[np.ndarray, np.ndarray]]


def layer_inputs(x: np.ndarray, params: Params) -> list[np.ndarray]:
    """[x, P(h_1|x), P(h_2|h_1), ...] (``len(params)`` arrays) by ``tf_ref.rbm``'s TF
    ``hidden_probabilities``: x (n, D_1) in [0, 1], params [(W_k (H_k, D_k), c_k (H_k,)), ...]."""
    x = check_units(x, "x")
    checked = check_stack_params(params, x.shape[1], x.dtype)
    inputs = [x]
    for w, c in checked[:-1]:
        inputs.append(np.asarray(hidden_probabilities(inputs[-1], w, c)))
    return inputs


def stack_weights(params: Params) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(kernel_k = W_k.T (D_k, H_k), bias_k = c_k (H_k,)), ...] by ``tf.transpose``: the
    weights of ``Dense(H_k, "sigmoid")`` layers computing P(h_k = 1 | x)."""
    return [
        (tf.transpose(tf.constant(w)).numpy(), tf.identity(tf.constant(c)).numpy())
        for w, c in check_stack_params(params)
    ]


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
    """``scratch.pretraining.pretrain_stack`` with tf_ref's ``BernoulliRBM``s or
    ``Autoencoder``s: the same seeds per layer, so the same draws, and the same histories."""
    x, hidden, method, options, x_valid, seeds, verbose = check_stack_args(
        x, hidden, method, rbm, autoencoder, x_valid, random_state, verbose, BernoulliRBM,
        Autoencoder,
    )  # fmt: skip
    return GREEDY[method](x, hidden, options, seeds, x_valid, verbose)


def _greedy(*args: Any) -> tuple[list[BernoulliRBM], list[list[dict[str, float]]]]:
    """scratch's greedy loop with tf_ref's RBM and maths."""
    return run_greedy(
        *args,
        rbm_class=BernoulliRBM,
        hidden_probabilities=lambda v, W, c: np.asarray(hidden_probabilities(v, W, c)),
        reconstruction_error=reconstruction_error,
        free_energy_gap=free_energy_gap,
    )


def _greedy_autoencoders(*args: Any) -> tuple[list[Autoencoder], list[list[dict[str, float]]]]:
    """scratch's greedy loop with tf_ref's Autoencoder."""
    return run_greedy_autoencoders(*args, autoencoder_class=Autoencoder)


GREEDY = {"rbm": _greedy, "autoencoder": _greedy_autoencoders}


def dbn_classifier(
    models: Sequence[BernoulliRBM],
    n_outputs: int,
    *,
    freeze: bool = True,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Sequential:
    """Step 4's model in Keras: ``Dense(H_k, "sigmoid", name="hidden{k}")`` per RBM holding its
    ``stack_weights``, frozen unless ``freeze=False``, then a new ``Dense(n_outputs,
    name="outputs")`` of logits whose initial weights are the only draws from ``rng``."""
    params = check_fitted_rbms(models)
    n_outputs, freeze, dtype = check_head_args(n_outputs, freeze, dtype)
    rng = check_rng(rng)
    return build_classifier(
        stack_weights(params), n_outputs, freeze, rng, dtype, Dense, Sequential, freeze_layers
    )


def pretrained_classifier(
    models: Sequence[Any],
    n_outputs: int,
    *,
    freeze: bool = True,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Sequential:
    """``scratch.pretraining.pretrained_classifier`` in Keras: one Dense per pretrained layer
    (an RBM's sigmoid, an autoencoder encoder's activation) with its weights, frozen unless
    ``freeze=False``, then new logits from ``rng``."""
    weights, activations = pretrained_layers(models)
    n_outputs, freeze, dtype = check_head_args(n_outputs, freeze, dtype)
    rng = check_rng(rng)
    return build_classifier(
        weights, n_outputs, freeze, rng, dtype, Dense, Sequential, freeze_layers, activations
    )


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
    """``scratch.pretraining.pretrain_network`` in TensorFlow: tf_ref's ``pretrain_stack``,
    ``pretrained_classifier`` and ``tf_ref.training.fit``."""
    return run_network(
        x_unlabeled, hidden, n_outputs, freeze, labeled, fit_options, method, rbm, autoencoder,
        x_valid, random_state, rng, dtype, verbose,
        rbm_class=BernoulliRBM, autoencoder_class=Autoencoder, fit=fit,
        get_optimizer=optimizers.get, loss_names=LOSS_NAMES, greedy=GREEDY,
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
    """``scratch.pretraining.pretrain_dbn`` in TensorFlow: tf_ref's ``pretrain_stack``,
    ``dbn_classifier`` and ``tf_ref.training.fit``."""
    check_dbn_method(method)
    return run_network(
        x_unlabeled, hidden, n_outputs, freeze, labeled, fit_options, method, rbm, None,
        x_valid, random_state, rng, dtype, verbose,
        rbm_class=BernoulliRBM, autoencoder_class=Autoencoder, fit=fit,
        get_optimizer=optimizers.get, loss_names=LOSS_NAMES, greedy=GREEDY,
        classifier=dbn_classifier,
    )  # fmt: skip
