"""Reads min_delta as a fraction of best (value < best * (1 - min_delta)) instead of an absolute
amount (value + min_delta < best, as Keras' ReduceLROnPlateau)."""

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
        improved = value < best * (1 - min_delta)
    else:
        improved = value > best * (1 + min_delta)
    if improved:
        best, wait = value, 0
    elif cooldown_counter == 0:
        wait += 1
        if wait >= patience and lr > min_lr:
            lr = max(lr * factor, min_lr)
            cooldown_counter, wait = cooldown, 0
    return PlateauState(lr, best, wait, cooldown_counter)
