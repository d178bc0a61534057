"""The practical-guidelines network in Keras: ``scratch.networks.NetworkConfig`` built from
tf_ref's layers, regularizers, constraints, optimizers and schedules.

The configuration and the layer recipe (``assemble_layers``) are scratch's, shared on purpose:
the same config gives the same layer list, names and weight shapes in both backends, so
weights, dropout masks and checkpoints move between them (``katas compare lockstep``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratch.networks import (
    DROPOUT_PLACEMENTS,
    GUIDELINES,
    OPTIMIZERS,
    SCHEDULES,
    NetworkConfig,
    assemble_layers,
    optimizer_spec,
)
from tf_ref import constraints as constraints_mod
from tf_ref import layers as layers_mod
from tf_ref import optimizers as optimizers_mod
from tf_ref import regularizers as regularizers_mod
from tf_ref import schedules as schedules_mod

__all__ = [
    "DROPOUT_PLACEMENTS",
    "GUIDELINES",
    "OPTIMIZERS",
    "SCHEDULES",
    "NetworkConfig",
    "build_network",
    "build_optimizer",
]


def build_network(
    config: NetworkConfig = GUIDELINES,
    input_dim: int = 784,
    n_outputs: int = 10,
    *,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Any:
    """A built tf_ref ``Sequential`` (a Keras model inside) for ``config``."""
    from tf_ref.models import Sequential

    layers = assemble_layers(config, n_outputs, layers_mod, regularizers_mod, constraints_mod)
    return Sequential(layers, input_dim, rng=rng, dtype=dtype)


def build_optimizer(config: NetworkConfig = GUIDELINES) -> optimizers_mod.Optimizer:
    """The tf_ref optimizer (a Keras optimizer inside, with its schedule) for ``config``."""
    name, kwargs, schedule = optimizer_spec(config)
    lr: Any = config.learning_rate
    if schedule is not None:
        lr = getattr(schedules_mod, schedule[0])(**schedule[1])
    return optimizers_mod.get(name, learning_rate=lr, **kwargs)
