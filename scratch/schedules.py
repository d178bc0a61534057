"""Learning-rate schedules (book section "Learning Rate Scheduling"), Keras 3 semantics.

A schedule is a callable ``f(step) -> learning rate``; every scratch optimizer accepts one as
``learning_rate=`` and calls it with its ``iterations`` counter (0 for the first update, as
Keras does). The book's five schedules, and what they are called here and in Keras:

    power        lr0 / (1 + step / s)^c          PowerScheduling (Keras: InverseTimeDecay, c = 1)
    exponential  lr0 * r^(step / s)              ExponentialDecay (the book writes 0.1^(t / s))
    piecewise    constant between boundaries     PiecewiseConstantDecay
    performance  cut by ``factor`` on a plateau  ReduceLROnPlateau (Keras: a callback)
    1cycle       (not here)

Each formula lives in one plain function (``exponential_decay``, ``piecewise_constant``,
``power_schedule``, ``plateau_step``); the classes only hold the hyperparameters (and, for the
plateau, the state between epochs) and call them.

``ReduceLROnPlateau`` is stateful: call ``update(validation_loss)`` once per epoch; as a
callable it returns its current rate whatever the step. ``plateau_step`` is its pure core:
old ``PlateauState`` and one epoch's value in, new ``PlateauState`` out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np

from scratch.checks import (
    check_bool,
    check_choice,
    check_config,
    check_number,
    check_positive,
    config_from_attributes,
    deserialize_object,
    serialize_object,
)


def check_step(step: Any) -> float:
    """A step counter: a finite number >= 0 (the optimizer's ``iterations``)."""
    if isinstance(step, np.ndarray) and step.ndim == 0:
        step = step.item()
    check_positive(step, "step", zero=True)
    return float(step)


def check_decay(initial_learning_rate: float, decay_steps: float, **exponents: float) -> None:
    """Exponential and power scheduling's hyperparameters: lr0 > 0, decay_steps > 0, and the
    named exponent (``decay_rate`` > 0 or ``power`` >= 0)."""
    check_positive(initial_learning_rate, "initial_learning_rate")
    check_positive(decay_steps, "decay_steps")
    for name, value in exponents.items():
        check_positive(value, name, zero=name == "power")


def check_piecewise(boundaries: Sequence[int], values: Sequence[float]) -> tuple[list, list]:
    """Boundaries: strictly increasing integer steps; values: one more learning rate than
    boundaries. Returns them as lists of int and float."""
    for name, seq in (("boundaries", boundaries), ("values", values)):
        if isinstance(seq, np.ndarray) and seq.ndim == 1:
            continue
        if not isinstance(seq, (list, tuple)):
            raise TypeError(f"{name}: expected a list of numbers, got {type(seq).__name__}")
    boundaries, values = list(boundaries), list(values)
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            f"values: expected {len(boundaries) + 1} values (one more than boundaries), "
            f"got {len(values)}"
        )
    for i, b in enumerate(boundaries):
        check_positive(b, f"boundaries[{i}]", integer=True, zero=True)
    if any(b >= c for b, c in pairwise(boundaries)):
        raise ValueError(f"boundaries: expected strictly increasing steps, got {boundaries!r}")
    for i, v in enumerate(values):
        check_positive(v, f"values[{i}]")
    return [int(b) for b in boundaries], [float(v) for v in values]


def check_plateau(
    factor: float, patience: int, min_delta: float, cooldown: int, min_lr: float, mode: str
) -> None:
    """ReduceLROnPlateau's hyperparameters (shared by both backends)."""
    check_positive(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor: expected a value in (0, 1), got {factor!r}")
    check_positive(patience, "patience", integer=True, zero=True)
    check_positive(min_delta, "min_delta", zero=True)
    check_positive(cooldown, "cooldown", integer=True, zero=True)
    check_positive(min_lr, "min_lr", zero=True)
    check_choice(mode, "mode", ("min", "max"))


def check_monitored(value: Any, name: str = "value") -> float:
    """One epoch's monitored value (a validation loss, say): a number (``check_number``)."""
    return float(check_number(value, name))


# ------------------------------------------------------------------ the schedules as functions


def exponential_decay(
    step: float,
    initial_learning_rate: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> float:
    """Exponential scheduling (Keras ``ExponentialDecay``), the rate for ``step``:

        lr(step) = lr0 * decay_rate^(step / decay_steps)            lr0 = initial_learning_rate
        staircase: lr(step) = lr0 * decay_rate^floor(step / decay_steps)

    The rate is multiplied by ``decay_rate`` every ``decay_steps`` steps, continuously or (with
    ``staircase``) all at once at step decay_steps, 2 decay_steps, ... The book's
    lr0 * 0.1^(t / s) is decay_rate = 0.1, decay_steps = s.
    """
    check_decay(initial_learning_rate, decay_steps, decay_rate=decay_rate)
    p = check_step(step) / float(decay_steps)
    if check_bool(staircase, "staircase"):
        p = np.floor(p)  # floor, not round: the rate drops *at* each multiple of decay_steps
    return float(float(initial_learning_rate) * float(decay_rate) ** p)


def piecewise_constant(step: float, boundaries: Sequence[int], values: Sequence[float]) -> float:
    """Piecewise constant scheduling (Keras ``PiecewiseConstantDecay``), the rate for ``step``:

        values[0]  while step <= boundaries[0]
        values[i]  while boundaries[i-1] < step <= boundaries[i]
        values[-1] once  step > boundaries[-1]

    len(values) = len(boundaries) + 1. A boundary step still belongs to the segment *before* it
    (``<=``): with boundaries [5], step 5 gets values[0] and step 6 values[1].
    """
    boundaries, values = check_piecewise(boundaries, values)
    step = check_step(step)
    # The segment's index is the number of boundaries the step has passed (strictly).
    return values[sum(step > b for b in boundaries)]


def power_schedule(
    step: float, initial_learning_rate: float, decay_steps: float, power: float = 1.0
) -> float:
    """The book's power scheduling, the rate for ``step``:

        lr(step) = lr0 / (1 + step / decay_steps)^power            lr0 = initial_learning_rate

    (the book's s = decay_steps, c = power). After s steps the rate is lr0 / 2^c, after 3 s
    lr0 / 4^c: it drops quickly, then more and more slowly. power = 1 is Keras'
    ``InverseTimeDecay(lr0, decay_steps, decay_rate=1)``; Keras has nothing for other powers.
    """
    check_decay(initial_learning_rate, decay_steps, power=power)
    ratio = check_step(step) / float(decay_steps)
    return float(float(initial_learning_rate) / (1 + ratio) ** float(power))


class PlateauState(NamedTuple):
    """Performance scheduling's memory between epochs (what Keras' callback keeps).

    learning_rate     the current rate
    best              the best monitored value so far (None before the first epoch)
    wait              epochs in a row without improvement (outside cooldown)
    cooldown_counter  epochs left in the cooldown after the last cut

    ``PlateauState(lr0)`` is the state before the first epoch.
    """

    learning_rate: float
    best: float | None = None
    wait: int = 0
    cooldown_counter: int = 0


def check_plateau_state(state: Any) -> PlateauState:
    """A ``PlateauState`` (or a plain 4-tuple in its field order) with a rate > 0."""
    if not isinstance(state, tuple) or len(state) != len(PlateauState._fields):
        raise TypeError(f"state: expected a PlateauState {PlateauState._fields}, got {state!r}")
    state = PlateauState(*state)
    check_positive(state.learning_rate, "state.learning_rate")
    if state.best is not None:
        check_monitored(state.best, "state.best")
    check_positive(state.wait, "state.wait", integer=True, zero=True)
    check_positive(state.cooldown_counter, "state.cooldown_counter", integer=True, zero=True)
    return state


def is_improvement(value: float, best: float | None, min_delta: float, mode: str = "min") -> bool:
    """Does ``value`` beat ``best`` by more than ``min_delta``? (Keras' MonitorCallback)

        mode "min" (a loss):      value + min_delta < best
        mode "max" (an accuracy): value - min_delta > best

    The first value (best None) always counts; a tie at exactly min_delta does not.
    """
    if best is None:
        return True
    if mode == "min":
        return value + min_delta < best
    return value - min_delta > best


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
    """Performance scheduling, one epoch (Keras' ``ReduceLROnPlateau.on_epoch_end``): the
    state after seeing this epoch's monitored ``value``. In order:

        1. in cooldown (cooldown_counter > 0):  cooldown_counter -= 1; wait = 0
        2. improvement (``is_improvement``):    best = value; wait = 0
           otherwise, if not in cooldown (any more):
               wait += 1
               once wait >= patience and lr > min_lr:
                   lr = max(lr * factor, min_lr); cooldown_counter = cooldown; wait = 0

    So the rate is cut at the end of the ``patience``-th epoch in a row without improvement
    (patience 10: after 10 bad epochs, not 11; patience 0 and 1 both cut at the first bad
    epoch); the count restarts from 0 after each cut. The cooldown counter is decremented
    *before* the epoch is judged, so the epoch that brings it to 0 is counted again: cooldown c
    leaves c - 1 epochs after a cut uncounted (cooldown=1 changes nothing). At ``min_lr`` the
    rate stays put and ``wait`` keeps growing. ``state`` is not modified: a new
    ``PlateauState`` is returned.
    """
    check_plateau(factor, patience, min_delta, cooldown, min_lr, mode)
    value = check_monitored(value)
    learning_rate, best, wait, cooldown_counter = check_plateau_state(state)
    if cooldown_counter > 0:
        cooldown_counter -= 1
        wait = 0
    if is_improvement(value, best, min_delta, mode):
        best, wait = value, 0
    elif cooldown_counter == 0:
        wait += 1
        if wait >= patience and learning_rate > min_lr:
            learning_rate = max(learning_rate * factor, min_lr)
            cooldown_counter, wait = cooldown, 0
    return PlateauState(learning_rate, best, wait, cooldown_counter)


# ------------------------------------------------------------------ the schedules as objects


class Schedule(ABC):
    """Base class: ``schedule(step) -> learning rate`` (a float) for the step about to be taken."""

    @abstractmethod
    def __call__(self, step: int) -> float:
        """Defined by every subclass."""

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (a ReduceLROnPlateau's progress is not part of it)."""
        return config_from_attributes(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        """``cls(**config)``, unknown or missing keys refused (``check_config``)."""
        return cls(**check_config(config, cls))


class ExponentialDecay(Schedule):
    """Keras ``ExponentialDecay``: lr(step) = lr0 * decay_rate^(step / decay_steps),
    lr0 = ``initial_learning_rate``; ``staircase`` floors the exponent.

    The hyperparameters of ``exponential_decay``, which computes the rate.
    """

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

    def __call__(self, step: int) -> float:
        return exponential_decay(
            step, self.initial_learning_rate, self.decay_steps, self.decay_rate, self.staircase
        )


class PiecewiseConstantDecay(Schedule):
    """Keras ``PiecewiseConstantDecay``: values[0] while step <= boundaries[0], values[i] while
    boundaries[i-1] < step <= boundaries[i], values[-1] once step > boundaries[-1].

    Each boundary step still belongs to the segment *before* it (``<=``), a classic off-by-one.
    The rate is computed by ``piecewise_constant``.
    """

    def __init__(self, boundaries: Sequence[int], values: Sequence[float]) -> None:
        self.boundaries, self.values = check_piecewise(boundaries, values)

    def __call__(self, step: int) -> float:
        return piecewise_constant(step, self.boundaries, self.values)


class PowerScheduling(Schedule):
    """The book's power scheduling: lr(step) = lr0 / (1 + step / decay_steps)^power,
    lr0 = ``initial_learning_rate``; the rate is computed by ``power_schedule``.

    Keras 3 has no such schedule for a general power; power = 1 is its
    ``InverseTimeDecay(lr0, decay_steps, decay_rate=1)``.
    """

    def __init__(
        self, initial_learning_rate: float, decay_steps: float, power: float = 1.0
    ) -> None:
        check_decay(initial_learning_rate, decay_steps, power=power)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = float(decay_steps)
        self.power = float(power)

    def __call__(self, step: int) -> float:
        return power_schedule(step, self.initial_learning_rate, self.decay_steps, self.power)


class ReduceLROnPlateau(Schedule):
    """Performance scheduling, Keras' ``ReduceLROnPlateau`` callback as a schedule object.

    Call ``update(value)`` once per epoch with the monitored value (validation loss, lower is
    better; ``mode="max"`` for higher is better); ``plateau_step`` spells out Keras' rule and
    does the work. The state lives in the attributes ``learning_rate``, ``best``, ``wait`` and
    ``cooldown_counter`` (a ``PlateauState`` spread out).

    The rate is cut at the end of the ``patience``-th epoch in a row without improvement (with
    patience 10: after 10 bad epochs, not 11). The optimizer reads the rate through
    ``__call__(step)``, which ignores the step.
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
        self.learning_rate, self.best, self.wait, self.cooldown_counter = PlateauState(
            self.initial_learning_rate
        )

    def __call__(self, step: int) -> float:
        return self.learning_rate

    @property
    def state(self) -> PlateauState:
        """The current state, as ``plateau_step`` takes it."""
        return PlateauState(self.learning_rate, self.best, self.wait, self.cooldown_counter)

    def _is_improvement(self, value: float) -> bool:
        """``is_improvement`` against this schedule's best, min_delta and mode."""
        return is_improvement(value, self.best, self.min_delta, self.mode)

    def update(self, value: float) -> float:
        """Record one epoch's monitored ``value``; returns the learning rate for the next epoch."""
        new = plateau_step(
            self.state,
            value,
            factor=self.factor,
            patience=self.patience,
            min_delta=self.min_delta,
            cooldown=self.cooldown,
            min_lr=self.min_lr,
            mode=self.mode,
        )
        self.learning_rate, self.best, self.wait, self.cooldown_counter = new
        return self.learning_rate


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
