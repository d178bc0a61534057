"""The practical-guidelines network (book ch. 11, "Practical Guidelines"), as one configuration
object that both backends build from.

The chapter ends with a default configuration for a deep net:

    initialization   He              kernel_initializer="he_normal"
    activation       ELU             activation="elu"
    normalization    Batch Norm      batch_norm=True   (Dense without bias -> BN -> activation)
    regularization   Dropout         dropout_rate=0.5
    optimizer        Nesterov        optimizer="nesterov", momentum=0.9
    schedule         none            lr_schedule=None

and a tuning table: exponential decay when convergence is too slow or too fast
(``lr_schedule="exponential"``), l1 for a sparse model (``l1=...``, then ``sparsify``), no batch
norm and ReLU for faster inference (``batch_norm=False, activation="relu"``). Every choice is a
field, so ``dataclasses.replace(GUIDELINES, dropout_rate=0.0)`` is one experiment.

``NetworkConfig`` is plain data (JSON-able with ``to_dict``). ``build_network`` and
``build_optimizer`` turn it into scratch objects; ``tf_ref.networks`` has the same two functions
for Keras, both going through ``assemble_layers``, so the two backends cannot drift apart.

Dropout placement. ``"book"`` is the 1st edition notebook's ``DNNClassifier``: dropout on the
input of every hidden layer (the pixels, then hidden outputs 1..L-1), none before the logits.
``"hidden"`` is the usual Keras placement: after every hidden layer's activation, before the
next layer and before the logits; the pixels are kept. Dropout never follows the output layer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from types import ModuleType
from typing import Any

import numpy as np

from scratch import activations, initializers
from scratch import constraints as constraints_mod
from scratch import layers as layers_mod
from scratch import optimizers as optimizers_mod
from scratch import regularizers as regularizers_mod
from scratch import schedules as schedules_mod
from scratch.activations import check_activation_kwargs
from scratch.checks import check_bool, check_choice, check_fraction, check_positive

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SCHEDULES = (None, "exponential", "power", "plateau")
DROPOUT_PLACEMENTS = ("book", "hidden")


@dataclass(frozen=True)
class NetworkConfig:
    """A fully connected classifier and its optimizer; defaults = the practical guidelines.

    hidden_layers x units neurons, each Dense [-> BatchNormalization] -> activation, then a
    linear Dense(n_outputs) giving the logits.
    - ``activation_kwargs``: e.g. ``{"negative_slope": 0.1}`` for the book's leaky_relu(0.1).
    - ``momentum``: used by "momentum" and "nesterov" only.
    - ``lr_schedule``: None, "exponential" (lr * decay_rate^(step / decay_steps)), "power"
      (lr / (1 + step / decay_steps)) or "plateau" (performance scheduling: ``fit`` multiplies
      the rate by ``decay_rate`` after ``plateau_patience`` epochs without a better val_loss).
    - ``l1``/``l2``: penalize every kernel (Keras conventions, no 0.5 factor).
    - ``max_norm``: constrains every hidden kernel's incoming-weight norms (Keras' MaxNorm,
      axis 0); ``clipnorm`` clips each gradient's norm.
    """

    hidden_layers: int = 5
    units: int = 100
    kernel_initializer: str = "he_normal"
    activation: str = "elu"
    activation_kwargs: dict[str, float] = field(default_factory=dict)
    batch_norm: bool = True
    batch_norm_momentum: float = 0.99
    dropout_rate: float = 0.5
    dropout_placement: str = "book"
    optimizer: str = "nesterov"
    learning_rate: float = 0.01
    momentum: float = 0.9
    lr_schedule: str | None = None
    decay_steps: float = 10_000
    decay_rate: float = 0.1
    plateau_patience: int = 5
    l1: float = 0.0
    l2: float = 0.0
    max_norm: float | None = None
    clipnorm: float | None = None

    def __post_init__(self) -> None:
        """Every field checked now (type, range, name), so that ``build_network`` and
        ``build_optimizer`` never fail later; NumPy scalars become plain numbers (``to_dict``
        stays JSON-able)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.generic):
                object.__setattr__(self, f.name, value.item())
        check_positive(self.hidden_layers, "hidden_layers", integer=True, zero=True)
        check_positive(self.units, "units", integer=True)
        check_choice(self.kernel_initializer, "kernel_initializer", initializers.INITIALIZERS)
        check_choice(self.activation, "activation", activations.NAMES)
        kwargs = check_activation_kwargs(
            self.activation, self.activation_kwargs, "activation_kwargs"
        )
        object.__setattr__(self, "activation_kwargs", kwargs)
        check_bool(self.batch_norm, "batch_norm")
        check_fraction(self.batch_norm_momentum, "batch_norm_momentum")
        check_fraction(self.dropout_rate, "dropout_rate")
        check_choice(self.dropout_placement, "dropout_placement", DROPOUT_PLACEMENTS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_positive(self.learning_rate, "learning_rate")
        check_fraction(self.momentum, "momentum")
        if self.lr_schedule is not None:
            check_choice(self.lr_schedule, "lr_schedule", [s for s in SCHEDULES if s is not None])
        check_positive(self.decay_steps, "decay_steps")
        check_positive(self.decay_rate, "decay_rate")
        check_positive(self.plateau_patience, "plateau_patience", integer=True)
        if self.lr_schedule == "plateau" and not 0 < self.decay_rate < 1:
            raise ValueError(
                f"decay_rate: the plateau factor must be in (0, 1), got {self.decay_rate!r}"
            )
        check_positive(self.l1, "l1", zero=True)
        check_positive(self.l2, "l2", zero=True)
        if self.max_norm is not None:
            check_positive(self.max_norm, "max_norm")
        if self.clipnorm is not None:
            check_positive(self.clipnorm, "clipnorm")

    def replace(self, **changes: Any) -> NetworkConfig:
        """A copy with some fields changed (checked again), e.g. ``replace(batch_norm=False)``."""
        unknown = sorted(set(changes) - set(self.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"NetworkConfig: unknown field(s) {unknown}; fields: "
                + ", ".join(self.__dataclass_fields__)
            )
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (for reports and checkpoints' metadata)."""
        return asdict(self)


GUIDELINES = NetworkConfig()
"""The chapter's default configuration, unchanged."""


def check_config(config: Any) -> NetworkConfig:
    """A ``NetworkConfig`` (checked field by field when it was made)."""
    if not isinstance(config, NetworkConfig):
        raise TypeError(
            f"config: expected a NetworkConfig (e.g. GUIDELINES.replace(...)), "
            f"got {type(config).__name__}"
        )
    return config


def assemble_layers(
    config: NetworkConfig,
    n_outputs: int,
    layers: ModuleType,
    regularizers: ModuleType,
    constraints: ModuleType,
) -> list[Any]:
    """The layer list for ``config``, built from a backend's ``layers``/``regularizers``/
    ``constraints`` modules (scratch's or tf_ref's: they share every name used here).

    Plumbing shared by ``scratch.networks`` and ``tf_ref.networks``. Layer names follow the
    book's notebook: "hidden1", "hidden1_bn", "hidden1_out" (the activation), "hidden1_dropout",
    ..., "logits".
    """
    check_config(config)
    check_positive(n_outputs, "n_outputs", integer=True)

    def kernel_extras(hidden: bool) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        if config.l1 or config.l2:
            extras["kernel_regularizer"] = regularizers.L1L2(l1=config.l1, l2=config.l2)
        if hidden and config.max_norm is not None:
            extras["kernel_constraint"] = constraints.MaxNorm(config.max_norm, axis=0)
        return extras

    act = activations.get(config.activation, **dict(config.activation_kwargs))
    drop = config.dropout_rate > 0
    out: list[Any] = []
    for i in range(1, config.hidden_layers + 1):
        if drop and config.dropout_placement == "book":
            out.append(layers.Dropout(config.dropout_rate, name=f"hidden{i}_dropout"))
        if config.batch_norm:
            out.append(
                layers.Dense(
                    config.units,
                    use_bias=False,  # BN's beta is the bias (Ioffe & Szegedy; Keras idiom)
                    kernel_initializer=config.kernel_initializer,
                    name=f"hidden{i}",
                    **kernel_extras(hidden=True),
                )
            )
            out.append(
                layers.BatchNormalization(momentum=config.batch_norm_momentum, name=f"hidden{i}_bn")
            )
            out.append(layers.Activation(act, name=f"hidden{i}_out"))
        else:
            out.append(
                layers.Dense(
                    config.units,
                    act,
                    kernel_initializer=config.kernel_initializer,
                    name=f"hidden{i}",
                    **kernel_extras(hidden=True),
                )
            )
        if drop and config.dropout_placement == "hidden":
            out.append(layers.Dropout(config.dropout_rate, name=f"hidden{i}_dropout"))
    out.append(
        layers.Dense(
            n_outputs,
            kernel_initializer=config.kernel_initializer,
            name="logits",
            **kernel_extras(hidden=False),
        )
    )
    return out


def optimizer_spec(config: NetworkConfig) -> tuple[str, dict[str, Any], tuple[str, dict] | None]:
    """(optimizer name, its keyword arguments, (schedule class name, its arguments) or None):
    what ``build_optimizer`` of either backend instantiates."""
    check_config(config)
    kwargs: dict[str, Any] = {}
    if config.optimizer in ("momentum", "nesterov"):
        kwargs["momentum"] = config.momentum
    if config.clipnorm is not None:
        kwargs["clipnorm"] = config.clipnorm
    schedule = None
    if config.lr_schedule == "exponential":
        schedule = (
            "ExponentialDecay",
            {
                "initial_learning_rate": config.learning_rate,
                "decay_steps": config.decay_steps,
                "decay_rate": config.decay_rate,
            },
        )
    elif config.lr_schedule == "power":
        schedule = (
            "PowerScheduling",
            {"initial_learning_rate": config.learning_rate, "decay_steps": config.decay_steps},
        )
    elif config.lr_schedule == "plateau":
        schedule = (
            "ReduceLROnPlateau",
            {
                "initial_learning_rate": config.learning_rate,
                "factor": config.decay_rate,
                "patience": config.plateau_patience,
            },
        )
    return config.optimizer, kwargs, schedule


def build_network(
    config: NetworkConfig = GUIDELINES,
    input_dim: int = 784,
    n_outputs: int = 10,
    *,
    rng: np.random.Generator | int | None = None,
    dtype: Any = "float32",
) -> Any:
    """A built scratch ``Sequential`` for ``config`` (weights drawn from ``rng``, a Generator,
    an int seed or None, in order)."""
    from scratch.models import Sequential

    layers = assemble_layers(config, n_outputs, layers_mod, regularizers_mod, constraints_mod)
    return Sequential(layers, input_dim, rng=rng, dtype=dtype)


def build_optimizer(config: NetworkConfig = GUIDELINES) -> optimizers_mod.Optimizer:
    """The scratch optimizer (with its schedule, if any) for ``config``."""
    name, kwargs, schedule = optimizer_spec(config)
    lr: Any = config.learning_rate
    if schedule is not None:
        lr = getattr(schedules_mod, schedule[0])(**schedule[1])
    return optimizers_mod.get(name, learning_rate=lr, **kwargs)
