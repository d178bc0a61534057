"""Puts a boundary step in the segment after it (step >= boundary moves on): off by one."""

from scratch.schedules import exponential_decay, plateau_step, power_schedule  # noqa: F401


def piecewise_constant(step, boundaries, values):
    i = 0
    while i < len(boundaries) and step >= boundaries[i]:
        i += 1
    return values[i]
