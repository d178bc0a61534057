"""Learning-rate schedules in TensorFlow: Keras 3's own schedules behind scratch's interface.

Each object wraps a Keras ``LearningRateSchedule`` (``keras_schedule``), which is what a tf_ref
optimizer hands to Keras when given the object as ``learning_rate``; called directly,
``schedule(step)`` evaluates the Keras schedule at that step and returns a Python float.

Keras computes its schedules in float32 (the dtype of ``initial_learning_rate`` turned into a
tensor), so they agree with scratch's float64 arithmetic to about 1e-7 relative, not exactly.

``ReduceLROnPlateau`` drives a real ``keras.callbacks.ReduceLROnPlateau`` on a dummy compiled model:
the callback lowers the learning-rate variable of the dummy model's optimizer, and the schedule
returns that variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from scratch.checks import check_positive
from scratch.schedules import check_piecewise, check_plateau, check_step


class Schedule:
    """Base class: ``keras_schedule`` and ``schedule(step) -> float``."""

    keras_schedule: keras.optimizers.schedules.LearningRateSchedule

    def __call__(self, step: int) -> float:
        value = check_step(step)
        step_t = tf.constant(int(value), tf.int64) if value.is_integer() else tf.constant(value)
        return float(np.asarray(self.keras_schedule(step_t)))


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
        check_positive(initial_learning_rate, "initial_learning_rate")
        check_positive(decay_steps, "decay_steps")
        check_positive(decay_rate, "decay_rate")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = float(decay_steps)
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
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
        check_positive(initial_learning_rate, "initial_learning_rate")
        check_positive(decay_steps, "decay_steps")
        check_positive(power, "power", zero=True)
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
        self._optimizer = keras.optimizers.SGD(self.initial_learning_rate)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=self._optimizer, loss="mse")
        self.callback = keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss",
            factor=self.factor,
            patience=self.patience,
            verbose=0,
            mode=self.mode,
            min_delta=self.min_delta,
            cooldown=self.cooldown,
            min_lr=self.min_lr,
        )
        self.callback.set_model(model)
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
        if isinstance(value, bool) or not np.isscalar(value):
            raise TypeError(f"value: expected a number, got {value!r}")
        self.callback.on_epoch_end(self._epoch, {"val_loss": float(value)})
        self._epoch += 1
        return self.learning_rate
