"""Cuts once wait >= patience - 1: one bad epoch too few."""

from scratch.schedules import (  # noqa: F401
    PlateauState,
    exponential_decay,
    piecewise_constant,
    power_schedule,
)


def plateau_step(
    state,
    value,
    *,
    factor=0.1,
    patience=10,
    min_delta=1e-4,
    cooldown=0,
    min_lr=0.0,
    mode="min",
):
    lr, best, wait, cooldown_counter = state
    if cooldown_counter > 0:
        cooldown_counter -= 1
        wait = 0
    if best is None:
        improved = True
    elif mode == "min":
        improved = value + min_delta < best
    else:
        improved = value - min_delta > best
    if improved:
        best, wait = value, 0
    elif cooldown_counter == 0:
        wait += 1
        if wait >= patience - 1 and lr > min_lr:
            lr = max(lr * factor, min_lr)
            cooldown_counter, wait = cooldown, 0
    return PlateauState(lr, best, wait, cooldown_counter)
