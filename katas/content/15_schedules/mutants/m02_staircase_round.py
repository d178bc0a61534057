"""Staircase rounds step / decay_steps instead of flooring it: drops half a period early."""

from scratch.schedules import piecewise_constant, plateau_step, power_schedule  # noqa: F401


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    p = step / decay_steps
    if staircase:
        p = round(p)
    return initial_learning_rate * decay_rate**p
