"""Inputs for `katas compare schedules`: each schedule over a few hundred steps, and performance
scheduling on a noisy validation curve (tf_ref runs Keras' objects, in float32)."""

import numpy as np

from scratch.schedules import PlateauState


def cases(rng):
    steps = np.arange(300)
    # A validation loss that falls and then flattens out with noise, on a grid of 1/1024 (exact
    # in float32, so Keras compares the same numbers).
    t = np.arange(60)
    curve = np.round((1 / (1 + 0.3 * t) + 0.03 * rng.standard_normal(60)) * 1024) / 1024

    def exponential(staircase):
        def run(mod):
            return {"lr": [mod.exponential_decay(s, 0.1, 50, 0.5, staircase) for s in steps]}

        return run

    def piecewise(mod):
        return {"lr": [mod.piecewise_constant(s, [50, 150], [0.1, 0.01, 0.001]) for s in steps]}

    def power(c):
        def run(mod):
            return {"lr": [mod.power_schedule(s, 0.1, 50, c) for s in steps]}

        return run

    def plateau(mod):
        state, lrs, waits = PlateauState(0.1), [], []
        for v in curve:
            new = mod.plateau_step(state, float(v), factor=0.5, patience=3, cooldown=2)
            state = PlateauState(*new)  # a plain 4-tuple is fine too
            lrs.append(state.learning_rate)
            waits.append(state.wait)
        return {"lr": np.array(lrs), "wait": np.array(waits)}

    return [
        ("exponential 300 steps", exponential(False)),
        ("exponential staircase", exponential(True)),
        ("piecewise [50, 150]", piecewise),
        ("power c=1", power(1.0)),
        ("power c=2", power(2.0)),
        ("plateau 60 epochs", plateau),
    ]
