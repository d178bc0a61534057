"""Kata 15: learning-rate schedules. Run `katas check schedules` after each change."""

from collections.abc import Sequence

from scratch.schedules import PlateauState  # given: (learning_rate, best, wait, cooldown_counter)


def exponential_decay(
    step: float,
    initial_learning_rate: float,
    decay_steps: float,
    decay_rate: float,
    staircase: bool = False,
) -> float:
    """Exponential scheduling (Keras ExponentialDecay), the rate for ``step`` (a float):

    lr0 * decay_rate^(step / decay_steps)              lr0 = initial_learning_rate
    staircase: lr0 * decay_rate^floor(step / decay_steps)
    """
    raise NotImplementedError("write exponential_decay")


def piecewise_constant(step: float, boundaries: Sequence[int], values: Sequence[float]) -> float:
    """Piecewise constant scheduling (Keras PiecewiseConstantDecay), the rate for ``step``:

        values[0]  while step <= boundaries[0]
        values[i]  while boundaries[i-1] < step <= boundaries[i]
        values[-1] once  step > boundaries[-1]

    boundaries: strictly increasing steps; len(values) = len(boundaries) + 1.
    """
    raise NotImplementedError("write piecewise_constant")


def power_schedule(
    step: float, initial_learning_rate: float, decay_steps: float, power: float = 1.0
) -> float:
    """The book's power scheduling, the rate for ``step`` (a float):

    lr0 / (1 + step / decay_steps)^power               (the book's s and c)
    """
    raise NotImplementedError("write power_schedule")


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
    """Performance scheduling (Keras ReduceLROnPlateau), one epoch: the new state after this
    epoch's monitored ``value`` (a validation loss for mode "min"). In this order:

        1. if cooldown_counter > 0:  cooldown_counter -= 1; wait = 0
        2. improvement (best is None, or value + min_delta < best; "max": value - min_delta > best):
               best = value; wait = 0
           otherwise, if cooldown_counter == 0:
               wait += 1
               if wait >= patience and lr > min_lr:
                   lr = max(lr * factor, min_lr); cooldown_counter = cooldown; wait = 0

    Return a new PlateauState(learning_rate, best, wait, cooldown_counter).
    """
    raise NotImplementedError("write plateau_step")
