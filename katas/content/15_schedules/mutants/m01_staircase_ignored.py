"""Ignores staircase: the rate always decays continuously, never in steps."""

from scratch.schedules import piecewise_constant, plateau_step, power_schedule  # noqa: F401


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    return initial_learning_rate * decay_rate ** (step / decay_steps)
