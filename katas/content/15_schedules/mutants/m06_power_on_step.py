"""Puts the power on the step alone: lr0 / (1 + step^c / s) instead of lr0 / (1 + step / s)^c."""

from scratch.schedules import exponential_decay, piecewise_constant, plateau_step  # noqa: F401


def power_schedule(step, initial_learning_rate, decay_steps, power=1.0):
    return initial_learning_rate / (1 + step**power / decay_steps)
