"""Learning-rate schedules in TensorFlow: Keras 3's own schedules behind scratch's interface.

Each object wraps a Keras ``LearningRateSchedule`` (``keras_schedule``), which is what a tf_ref
optimizer hands to Keras when given the object as ``learning_rate``; called directly,
``schedule(step)`` evaluates the Keras schedule at that step and returns a Python float.

Keras computes its schedules in float32 (the dtype of ``initial_learning_rate`` turned into a
tensor), so they agree with scratch's float64 arithmetic to about 1e-7 relative, not exactly.

``ReduceLROnPlateau`` drives a real ``keras.callbacks.ReduceLROnPlateau`` on a dummy compiled model:
the callback lowers the learning-rate variable of the dummy model's optimizer, and the schedule
returns that variable.

The plain functions mirror scratch's (``exponential_decay``, ``piecewise_constant``,
``power_schedule``, ``plateau_step``: same names, same arguments, Python numbers in and out).
The first three evaluate the Keras schedule objects above at one step; ``plateau_step`` loads a
``PlateauState`` into a Keras ``ReduceLROnPlateau`` callback, runs its ``on_epoch_end`` once
and reads the state back.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import (
    check_bool,
    check_config,
    check_positive,
    config_from_attributes,
    deserialize_object,
    serialize_object,
)
from scratch.schedules import (
    PlateauState,
    check_decay,
    check_monitored,
    check_piecewise,
    check_plateau,
    check_plateau_state,
    check_step,
)


class Schedule:
    """Base class: ``keras_schedule`` and ``schedule(step) -> float``."""

    keras_schedule: keras.optimizers.schedules.LearningRateSchedule

    def __call__(self, step: int) -> float:
        value = check_step(step)
        step_t = tf.constant(int(value), tf.int64) if value.is_integer() else tf.constant(value)
        return float(np.asarray(self.keras_schedule(step_t)))

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (a ReduceLROnPlateau's progress is not part of it)."""
        return config_from_attributes(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        """``cls(**config)``, unknown or missing keys refused (``check_config``)."""
        return cls(**check_config(config, cls))


class ExponentialDecay(Schedule):
    """``keras.optimizers.schedules.ExponentialDecay``:
    lr0 * decay_rate^(step / decay_steps), floor(step / decay_steps) with ``staircase``."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
    ) -> None:
        check_decay(initial_learning_rate, decay_steps, decay_rate=decay_rate)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = float(decay_steps)
        self.decay_rate = float(decay_rate)
        self.staircase = check_bool(staircase, "staircase")
        self.keras_schedule = keras.optimizers.schedules.ExponentialDecay(
            self.initial_learning_rate, self.decay_steps, self.decay_rate, staircase=self.staircase
        )


class PiecewiseConstantDecay(Schedule):
    """``keras.optimizers.schedules.PiecewiseConstantDecay``: values[i] for
    boundaries[i-1] < step <= boundaries[i] (values[0] up to and including boundaries[0])."""

    def __init__(self, boundaries: Sequence[int], values: Sequence[float]) -> None:
        self.boundaries, self.values = check_piecewise(boundaries, values)
        self.keras_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
            self.boundaries, self.values
        )


class _KerasPowerDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr0 / (1 + step / decay_steps)^power with TF ops, in float32 like Keras' own schedules."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, power: float) -> None:
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.power = power

    def __call__(self, step: Any) -> tf.Tensor:
        lr0 = tf.constant(self.initial_learning_rate, tf.float32)
        p = tf.cast(step, tf.float32) / tf.constant(self.decay_steps, tf.float32)
        return lr0 / tf.pow(1.0 + p, tf.constant(self.power, tf.float32))

    def get_config(self) -> dict[str, float]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "power": self.power,
        }


class PowerScheduling(Schedule):
    """The book's power scheduling lr0 / (1 + step / decay_steps)^power.

    power = 1 is Keras' ``InverseTimeDecay(lr0, decay_steps, decay_rate=1)``, used as is; Keras
    has nothing for other powers, so those run a small Keras schedule written with TF ops.
    """

    def __init__(
        self, initial_learning_rate: float, decay_steps: float, power: float = 1.0
    ) -> None:
        check_decay(initial_learning_rate, decay_steps, power=power)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = float(decay_steps)
        self.power = float(power)
        if self.power == 1:
            self.keras_schedule = keras.optimizers.schedules.InverseTimeDecay(
                self.initial_learning_rate, self.decay_steps, decay_rate=1.0
            )
        else:
            self.keras_schedule = _KerasPowerDecay(
                self.initial_learning_rate, self.decay_steps, self.power
            )


class _VariableSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A 'schedule' that returns the current value of a learning-rate variable, whatever the step
    (read at every step, also inside a ``tf.function``)."""

    def __init__(self, variable: keras.Variable) -> None:
        super().__init__()
        self.variable = variable

    def __call__(self, step: Any) -> tf.Tensor:
        return tf.convert_to_tensor(self.variable)

    def get_config(self) -> dict[str, Any]:
        return {}


def _dummy_model(initial_learning_rate: float) -> keras.Model:
    """The smallest compiled model, with an SGD optimizer at ``initial_learning_rate``: what a
    Keras callback needs to find a learning rate to cut (``model.optimizer.learning_rate``)."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(initial_learning_rate), loss="mse")
    return model


def _plateau_callback(
    model: keras.Model,
    *,
    factor: float,
    patience: int,
    min_delta: float,
    cooldown: int,
    min_lr: float,
    mode: str,
) -> keras.callbacks.ReduceLROnPlateau:
    """Keras' ``ReduceLROnPlateau`` watching ``val_loss`` of ``model``."""
    callback = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss",
        factor=factor,
        patience=patience,
        verbose=0,
        mode=mode,
        min_delta=min_delta,
        cooldown=cooldown,
        min_lr=min_lr,
    )
    callback.set_model(model)
    return callback


class ReduceLROnPlateau(Schedule):
    """Performance scheduling by ``keras.callbacks.ReduceLROnPlateau``, as a schedule object.

    ``update(value)`` calls the callback's ``on_epoch_end`` with ``{"val_loss": value}``; the
    callback cuts the learning rate of a dummy compiled model's optimizer, whose float32
    learning-rate variable is this schedule's value. Keras' rule (``wait >= patience``, cooldown,
    ``min_lr``) is spelled out in ``scratch.schedules.ReduceLROnPlateau``.

    Keras compares the monitored values through float32 (``ops.less`` turns the Python floats
    into float32 tensors), so two values closer than float32 can resolve count as no
    improvement; and the rate itself is stored as float32.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        mode: str = "min",
    ) -> None:
        check_positive(initial_learning_rate, "initial_learning_rate")
        check_plateau(factor, patience, min_delta, cooldown, min_lr, mode)
        self.initial_learning_rate = float(initial_learning_rate)
        self.factor, self.min_delta, self.min_lr = float(factor), float(min_delta), float(min_lr)
        self.patience, self.cooldown, self.mode = int(patience), int(cooldown), mode
        model = _dummy_model(self.initial_learning_rate)
        self._optimizer = model.optimizer
        self.callback = _plateau_callback(
            model,
            factor=self.factor,
            patience=self.patience,
            min_delta=self.min_delta,
            cooldown=self.cooldown,
            min_lr=self.min_lr,
            mode=self.mode,
        )
        self.callback.on_train_begin()
        self._epoch = 0
        variable = getattr(self._optimizer, "_learning_rate", None)
        if not isinstance(variable, keras.Variable):
            raise RuntimeError(
                "keras.optimizers.SGD: expected its learning rate in ._learning_rate (Keras 3.15 "
                "layout); this Keras version stores it differently"
            )
        self.keras_schedule = _VariableSchedule(variable)

    @property
    def learning_rate(self) -> float:
        """The current rate (float32, as Keras stores it)."""
        return float(np.asarray(self._optimizer.learning_rate))

    @property
    def best(self) -> float | None:
        return self.callback.best

    @property
    def wait(self) -> int:
        return int(self.callback.wait)

    @property
    def cooldown_counter(self) -> int:
        return int(self.callback.cooldown_counter)

    def __call__(self, step: int) -> float:
        return self.learning_rate

    def update(self, value: float) -> float:
        """Record one epoch's monitored ``value``; returns the learning rate for the next epoch."""
        self.callback.on_epoch_end(self._epoch, {"val_loss": check_monitored(value)})
        self._epoch += 1
        return self.learning_rate


# ------------------------------------------------------------------ the schedules as functions


def exponential_decay(
    step: float,
    initial_learning_rate: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> float:
    """``keras.optimizers.schedules.ExponentialDecay`` evaluated at ``step`` (float32 inside):
    lr0 * decay_rate^(step / decay_steps), the exponent floored with ``staircase``."""
    return ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)(step)


def piecewise_constant(step: float, boundaries: Sequence[int], values: Sequence[float]) -> float:
    """``keras.optimizers.schedules.PiecewiseConstantDecay`` evaluated at ``step``: values[i]
    for boundaries[i-1] < step <= boundaries[i]."""
    return PiecewiseConstantDecay(boundaries, values)(step)


def power_schedule(
    step: float, initial_learning_rate: float, decay_steps: float, power: float = 1.0
) -> float:
    """lr0 / (1 + step / decay_steps)^power evaluated at ``step`` by Keras'
    ``InverseTimeDecay`` (power = 1) or by TF ops (other powers), in float32."""
    return PowerScheduling(initial_learning_rate, decay_steps, power)(step)


@functools.cache
def _shared_dummy_model() -> keras.Model:
    """One dummy model for every ``plateau_step`` call (building one costs tens of ms); each call
    first sets its optimizer's learning rate from the state."""
    return _dummy_model(1.0)


def plateau_step(
    state: PlateauState,
    value: float,
    *,
    factor: float = 0.1,
    patience: int = 10,
    min_delta: float = 1e-4,
    cooldown: int = 0,
    min_lr: float = 0.0,
    mode: str = "min",
) -> PlateauState:
    """One epoch of ``keras.callbacks.ReduceLROnPlateau``: the callback's state (``best``,
    ``wait``, ``cooldown_counter``) and its model's learning rate are set from ``state``, its
    ``on_epoch_end`` sees ``{"val_loss": value}``, and the new state is read back.

    The rate passes through the optimizer's float32 variable, so the returned learning rate is
    float32-rounded; Keras also compares the values in float32 (see ``ReduceLROnPlateau``).
    """
    check_plateau(factor, patience, min_delta, cooldown, min_lr, mode)
    value = check_monitored(value)
    learning_rate, best, wait, cooldown_counter = check_plateau_state(state)
    model = _shared_dummy_model()
    model.optimizer.learning_rate = float(learning_rate)
    callback = _plateau_callback(
        model,
        factor=float(factor),
        patience=int(patience),
        min_delta=float(min_delta),
        cooldown=int(cooldown),
        min_lr=float(min_lr),
        mode=mode,
    )
    callback.best, callback.wait, callback.cooldown_counter = best, wait, cooldown_counter
    callback.on_epoch_end(0, {"val_loss": value})
    return PlateauState(
        float(np.asarray(model.optimizer.learning_rate)),
        None if callback.best is None else float(callback.best),
        int(callback.wait),
        int(callback.cooldown_counter),
    )


CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (ExponentialDecay, PiecewiseConstantDecay, PowerScheduling, ReduceLROnPlateau)
}


def serialize(schedule: Schedule) -> dict[str, Any]:
    """{"class_name": "ExponentialDecay", "config": schedule.get_config()}."""
    return serialize_object(schedule, "schedule", CLASSES)


def deserialize(spec: Any) -> Schedule:
    """A new schedule from ``serialize``'s dict (an unknown class_name is refused)."""
    return deserialize_object(spec, "schedule", CLASSES)
