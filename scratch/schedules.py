"""Learning-rate schedules (book section "Learning Rate Scheduling"), Keras 3 semantics.

A schedule is a callable ``f(step) -> learning rate``; every scratch optimizer accepts one as
``learning_rate=`` and calls it with its ``iterations`` counter (0 for the first update, as
Keras does). The book's five schedules, and what they are called here and in Keras:

    power        lr0 / (1 + step / s)^c          PowerScheduling (Keras: InverseTimeDecay, c = 1)
    exponential  lr0 * r^(step / s)              ExponentialDecay (the book writes 0.1^(t / s))
    piecewise    constant between boundaries     PiecewiseConstantDecay
    performance  cut by ``factor`` on a plateau  ReduceLROnPlateau (Keras: a callback)
    1cycle       (not here)

``ReduceLROnPlateau`` is stateful: call ``update(validation_loss)`` once per epoch; as a
callable it returns its current rate whatever the step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from scratch.checks import check_choice, check_positive


def check_step(step: Any) -> float:
    """A step counter: a finite number >= 0 (the optimizer's ``iterations``)."""
    if isinstance(step, np.ndarray) and step.ndim == 0:
        step = step.item()
    check_positive(step, "step", zero=True)
    return float(step)


def check_piecewise(boundaries: Sequence[int], values: Sequence[float]) -> tuple[list, list]:
    """Boundaries: strictly increasing integer steps; values: one more learning rate than
    boundaries. Returns them as lists of int and float."""
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


class Schedule(ABC):
    """Base class: ``schedule(step) -> learning rate`` (a float) for the step about to be taken."""

    @abstractmethod
    def __call__(self, step: int) -> float:
        """Defined by every subclass."""


class ExponentialDecay(Schedule):
    """Keras ``ExponentialDecay``: lr(step) = lr0 * decay_rate^(step / decay_steps),
    lr0 = ``initial_learning_rate``.

    The rate is divided by 1 / decay_rate every ``decay_steps`` steps; ``staircase`` uses
    floor(step / decay_steps), so the rate drops in steps instead of continuously. The book's
    exponential scheduling lr0 * 0.1^(t / s) is decay_rate = 0.1, decay_steps = s.
    """

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

    def __call__(self, step: int) -> float:
        p = check_step(step) / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return float(self.initial_learning_rate * self.decay_rate**p)


class PiecewiseConstantDecay(Schedule):
    """Keras ``PiecewiseConstantDecay``: values[0] while step <= boundaries[0], values[i] while
    boundaries[i-1] < step <= boundaries[i], values[-1] once step > boundaries[-1].

    Each boundary step still belongs to the segment *before* it (``<=``), a classic off-by-one.
    """

    def __init__(self, boundaries: Sequence[int], values: Sequence[float]) -> None:
        self.boundaries, self.values = check_piecewise(boundaries, values)

    def __call__(self, step: int) -> float:
        # searchsorted(..., "left") = how many boundaries are < step = the segment's index.
        return self.values[int(np.searchsorted(self.boundaries, check_step(step), side="left"))]


class PowerScheduling(Schedule):
    """The book's power scheduling: lr(step) = lr0 / (1 + step / decay_steps)^power,
    lr0 = ``initial_learning_rate``.

    After ``decay_steps`` steps the rate is lr0 / 2^power, after 2 * decay_steps lr0 / 3^power:
    it drops quickly, then more and more slowly. Keras 3 has no such schedule for a general power;
    power = 1 is its ``InverseTimeDecay(lr0, decay_steps, decay_rate=1)``.
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

    def __call__(self, step: int) -> float:
        return float(
            self.initial_learning_rate / (1 + check_step(step) / self.decay_steps) ** self.power
        )


class ReduceLROnPlateau(Schedule):
    """Performance scheduling, Keras' ``ReduceLROnPlateau`` callback as a schedule object.

    Call ``update(value)`` once per epoch with the monitored value (validation loss, lower is
    better; ``mode="max"`` for higher is better). Keras' rule, step by step:

        in cooldown (cooldown_counter > 0):  cooldown_counter -= 1; wait = 0
        improvement (first value, or value < best - min_delta):  best = value; wait = 0
        otherwise, if not in cooldown (any more):  wait += 1, and once wait >= patience and
            lr > min_lr:  lr = max(lr * factor, min_lr); cooldown_counter = cooldown; wait = 0

    So the rate is cut at the end of the ``patience``-th epoch in a row without improvement
    (with patience 10: after 10 bad epochs, not 11); patience 0 and 1 both cut at the first bad
    epoch. The optimizer reads the rate through ``__call__(step)``, which ignores the step.
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
        self.learning_rate = self.initial_learning_rate
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def __call__(self, step: int) -> float:
        return self.learning_rate

    def _is_improvement(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def update(self, value: float) -> float:
        """Record one epoch's monitored ``value``; returns the learning rate for the next epoch."""
        if isinstance(value, bool) or not np.isscalar(value):
            raise TypeError(f"value: expected a number, got {value!r}")
        value = float(value)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(value):
            self.best = value
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and self.learning_rate > self.min_lr:
                self.learning_rate = max(self.learning_rate * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0
        return self.learning_rate
