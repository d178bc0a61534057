"""Learning-rate schedules: scratch against Keras' schedules over many steps (boundaries and
staircase included), performance scheduling against a real ``keras.callbacks.ReduceLROnPlateau``
epoch by epoch, and optimizers driven by a schedule in lockstep with Keras.

Keras evaluates its schedules in float32 and keeps the plateau's rate in a float32 variable, so
the values agree with scratch's float64 to ~1e-6 relative, not exactly; piecewise values and
rates that are powers of two agree exactly. The plateau callback also compares the monitored
values in float32 (``keras.ops.less`` on Python floats): the sequences here are drawn on a grid
of multiples of 1/64, exact in both, so that ties (value + min_delta == best, "no improvement")
mean the same thing in both backends.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import optimizers as s_opt
from scratch import schedules as s_sch
from tests.strategies import f32
from tests.test_optimizers import assert_lockstep, draw_problem
from tf_ref import optimizers as t_opt
from tf_ref import schedules as t_sch

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

SEEDS = st.integers(0, 2**32 - 1)
LR0 = f32(1e-4, 1.0, log=True)
# float32 evaluation: p = step / decay_steps is rounded to float32, which moves r^p by about
# p * |ln r| * 6e-8; with p <= 20 that stays below 1e-5.
RTOL = 1e-5


def steps_to_check(
    rng: np.random.Generator, period: int, span: int, n_random: int = 40
) -> list[int]:
    """Step 0, every multiple of ``period`` up to ``span`` with its two neighbours, and
    ``n_random`` random steps in between."""
    steps = {0, 1, span}
    for k in range(0, span // period + 1):
        steps.update({k * period - 1, k * period, k * period + 1})
    steps.update(int(s) for s in rng.integers(0, span, size=n_random))
    return sorted(s for s in steps if 0 <= s <= span)


@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000),
    decay_rate=f32(0.05, 0.99),
    staircase=st.booleans(),
    seed=SEEDS,
)
def test_exponential_decay_matches_keras(lr0, decay_steps, decay_rate, staircase, seed) -> None:
    ours = s_sch.ExponentialDecay(lr0, decay_steps, decay_rate, staircase=staircase)
    theirs = t_sch.ExponentialDecay(lr0, decay_steps, decay_rate, staircase=staircase)
    rng = np.random.default_rng(seed)
    for step in steps_to_check(rng, decay_steps, 20 * decay_steps):
        assert ours(step) == pytest.approx(theirs(step), rel=RTOL), f"step {step}"


@given(
    boundaries=st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True).map(sorted),
    data=st.data(),
    seed=SEEDS,
)
def test_piecewise_constant_decay_matches_keras(boundaries, data, seed) -> None:
    """Exact: the values are float32-exact, and each boundary step belongs to the segment
    before it (step <= boundary)."""
    values = data.draw(st.lists(LR0, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    ours = s_sch.PiecewiseConstantDecay(boundaries, values)
    theirs = t_sch.PiecewiseConstantDecay(boundaries, values)
    rng = np.random.default_rng(seed)
    steps = {0, *(int(s) for s in rng.integers(0, boundaries[-1] + 50, size=30))}
    for b in boundaries:
        steps.update({b - 1, b, b + 1})
    for step in sorted(s for s in steps if s >= 0):
        assert ours(step) == theirs(step), f"step {step}"
    assert ours(boundaries[0]) == values[0] and ours(boundaries[-1] + 1) == values[-1]


@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000) | f32(0.5, 1000.0),
    power=st.just(1.0) | f32(0.0, 3.0),
    seed=SEEDS,
)
def test_power_scheduling_matches_keras(lr0, decay_steps, power, seed) -> None:
    """power = 1 is checked against Keras' InverseTimeDecay, other powers against TF ops."""
    ours = s_sch.PowerScheduling(lr0, decay_steps, power)
    theirs = t_sch.PowerScheduling(lr0, decay_steps, power)
    rng = np.random.default_rng(seed)
    for step in steps_to_check(rng, max(1, int(decay_steps)), int(50 * decay_steps) + 1):
        assert ours(step) == pytest.approx(theirs(step), rel=RTOL), f"step {step}"


def test_schedules_by_hand() -> None:
    """The book's formulas at a few steps (s = 10 steps)."""
    for sch in (s_sch, t_sch):
        power = sch.PowerScheduling(0.5, 10, power=2.0)
        assert [power(t) for t in (0, 10, 30)] == pytest.approx([0.5, 0.5 / 4, 0.5 / 16])
        expo = sch.ExponentialDecay(0.5, 10, 0.1)
        assert [expo(t) for t in (0, 5, 10, 20)] == pytest.approx([0.5, 0.5 / 10**0.5, 0.05, 5e-3])
        stairs = sch.ExponentialDecay(0.5, 10, 0.5, staircase=True)
        assert [stairs(t) for t in (0, 9, 10, 19, 20)] == [0.5, 0.5, 0.25, 0.25, 0.125]
        piecewise = sch.PiecewiseConstantDecay([5, 15], [1.0, 0.5, 0.25])
        assert [piecewise(t) for t in (0, 5, 6, 15, 16)] == [1.0, 1.0, 0.5, 0.5, 0.25]
        assert sch.PowerScheduling(0.5, 10)(np.int64(10)) == 0.25  # a NumPy step counter


# ---------------------------------------------------------------- the schedules as functions
# scratch.schedules.exponential_decay & co. (the classes call them) against the tf_ref functions of
# the same names, which evaluate Keras' schedule objects at one step: the same float32 tolerance.


@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000) | f32(0.5, 1000.0),
    decay_rate=f32(0.05, 0.99),
    staircase=st.booleans(),
    seed=SEEDS,
)
def test_exponential_decay_function_matches_keras(
    lr0, decay_steps, decay_rate, staircase, seed
) -> None:
    """Around every multiple of decay_steps (where the staircase drops) and in between."""
    rng = np.random.default_rng(seed)
    period = max(1, round(decay_steps))
    for step in steps_to_check(rng, period, 8 * period, n_random=10):
        args = (step, lr0, decay_steps, decay_rate, staircase)
        ours, theirs = s_sch.exponential_decay(*args), t_sch.exponential_decay(*args)
        assert ours == pytest.approx(theirs, rel=RTOL), f"exponential_decay{args}"


@given(
    boundaries=st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True).map(sorted),
    data=st.data(),
)
def test_piecewise_constant_function_matches_keras(boundaries, data) -> None:
    """Exact (float32-exact values) at each boundary, one step either side, and far beyond."""
    values = data.draw(st.lists(LR0, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    steps = {0, boundaries[-1] + 1000}
    for b in boundaries:
        steps.update({b - 1, b, b + 1})
    for step in sorted(s for s in steps if s >= 0):
        ours = s_sch.piecewise_constant(step, boundaries, values)
        assert ours == t_sch.piecewise_constant(step, boundaries, values), f"step {step}"


@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000) | f32(0.5, 1000.0),
    power=st.just(1.0) | f32(0.0, 3.0),
    seed=SEEDS,
)
def test_power_schedule_function_matches_keras(lr0, decay_steps, power, seed) -> None:
    """float32 in TF: (1 + p)^c moves by about c * 6e-8 relative when p = step / s is rounded,
    below 1e-6 for c <= 3, so RTOL (1e-5) holds."""
    rng = np.random.default_rng(seed)
    period = max(1, int(decay_steps))
    for step in steps_to_check(rng, period, 20 * period, n_random=10):
        args = (step, lr0, decay_steps, power)
        ours, theirs = s_sch.power_schedule(*args), t_sch.power_schedule(*args)
        assert ours == pytest.approx(theirs, rel=RTOL), f"power_schedule{args}"


def test_schedule_functions_by_hand() -> None:
    """The book's formulas at a few steps, for both backends' functions."""
    for sch in (s_sch, t_sch):
        assert [sch.power_schedule(t, 0.5, 10, 2.0) for t in (0, 10, 30)] == [0.5, 0.125, 0.03125]
        assert [sch.exponential_decay(t, 0.5, 10, 0.5, staircase=True) for t in (9, 10, 19)] == [
            0.5,
            0.25,
            0.25,
        ]
        assert sch.exponential_decay(15, 0.5, 10, 0.25) == pytest.approx(0.5 * 0.25**1.5)
        assert [sch.piecewise_constant(t, [5, 15], [1.0, 0.5, 0.25]) for t in (5, 6, 16)] == [
            1.0,
            0.5,
            0.25,
        ]


# -------------------------------------------------------------------------- plateau

GRID = 64.0  # monitored values are multiples of 1/64


@given(
    values=st.lists(st.integers(0, 12), min_size=1, max_size=60),
    lr0=st.sampled_from([0.5, 0.1, 1e-3]),
    factor=st.sampled_from([0.5, 0.25, 0.1, 0.2]),
    patience=st.integers(0, 5),
    cooldown=st.integers(0, 3),
    min_delta=st.sampled_from([0.0, 1e-4, 1 / GRID, 2 / GRID]),
    min_lr=st.sampled_from([0.0, 1e-4, 0.01]),
    mode=st.sampled_from(["min", "max"]),
)
def test_plateau_matches_keras_callback(
    values, lr0, factor, patience, cooldown, min_delta, min_lr, mode
) -> None:
    """Epoch by epoch: the rate, ``wait``, ``cooldown_counter`` and ``best``. Values from a small
    set of levels, so plateaus (ties) and non-improving stretches are common."""
    kwargs = dict(
        factor=factor,
        patience=patience,
        min_delta=min_delta,
        cooldown=cooldown,
        min_lr=min_lr,
        mode=mode,
    )
    ours = s_sch.ReduceLROnPlateau(lr0, **kwargs)
    theirs = t_sch.ReduceLROnPlateau(lr0, **kwargs)
    for epoch, level in enumerate(values):
        value = level / GRID
        lr_s, lr_t = ours.update(value), theirs.update(value)
        where = f"epoch {epoch} (value {value})"
        assert lr_s == pytest.approx(lr_t, rel=1e-6), where
        assert ours(epoch) == lr_s and theirs(epoch) == lr_t
        if lr_s > min_lr * (1 + 1e-6):  # at min_lr Keras (float32) may stop counting earlier
            assert (ours.wait, ours.cooldown_counter) == (theirs.wait, theirs.cooldown_counter), (
                where
            )
        assert ours.best == theirs.best, where


@pytest.mark.parametrize("sch", [s_sch, t_sch], ids=["scratch", "tf_ref"])
def test_plateau_waits_patience_bad_epochs(sch) -> None:
    """patience 3: the rate is cut at the end of the 3rd epoch in a row without improvement (not
    at the first, not at the 4th); an improvement smaller than min_delta does not count; the rate
    never goes below min_lr. Keras decrements the cooldown counter *before* it looks at the
    epoch, so cooldown=2 leaves one epoch uncounted and cooldown=1 none at all."""
    plateau = sch.ReduceLROnPlateau(1.0, factor=0.5, patience=3, cooldown=2, min_delta=0.25)
    lrs = [plateau.update(v) for v in (4.0, 4.0, 3.875, 4.0)]  # 3.875: better by < min_delta
    assert lrs == [1.0, 1.0, 1.0, 0.5]
    # one cooldown epoch (not counted), 3 more bad epochs, then a real improvement
    lrs = [plateau.update(v) for v in (5.0, 5.0, 5.0, 4.5, 3.0, 3.0)]
    assert lrs == [0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert plateau.best == 3.0 and plateau.wait == 1
    no_cooldown = sch.ReduceLROnPlateau(1.0, factor=0.5, patience=2, cooldown=1)
    assert [no_cooldown.update(1.0) for _ in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    floor = sch.ReduceLROnPlateau(1.0, factor=0.1, patience=1, min_lr=0.015625)
    assert [floor.update(1.0) for _ in range(4)] == [1.0, pytest.approx(0.1), 0.015625, 0.015625]
    assert floor(12345) == 0.015625


# Powers of two and multiples of 1/64: every rate, product and comparison below is exact in float32,
# so scratch's plateau_step and Keras' callback must agree on the whole state, bit for bit.
EXACT_LRS = st.sampled_from([1.0, 0.5, 0.25, 2.0**-7, 2.0**-10])


@given(
    lr=EXACT_LRS,
    best=st.none() | st.integers(0, 12).map(lambda k: k / GRID),
    wait=st.integers(0, 7),
    cooldown_counter=st.integers(0, 4),
    level=st.integers(0, 12),
    factor=st.sampled_from([0.5, 0.25, 0.125]),
    patience=st.integers(0, 5),
    cooldown=st.integers(0, 3),
    min_delta=st.sampled_from([0.0, 1 / GRID, 2 / GRID]),
    min_lr=st.sampled_from([0.0, 2.0**-7, 2.0**-4]),
    mode=st.sampled_from(["min", "max"]),
)
def test_plateau_step_matches_keras_callback_from_any_state(
    lr, best, wait, cooldown_counter, level, factor, patience, cooldown, min_delta, min_lr, mode
) -> None:
    """One epoch from an arbitrary state (in cooldown or not, wait below, at or above patience,
    rate above, at or below min_lr): the same new state, exactly."""
    state = s_sch.PlateauState(lr, best, wait, cooldown_counter)
    kwargs = dict(
        factor=factor,
        patience=patience,
        min_delta=min_delta,
        cooldown=cooldown,
        min_lr=min_lr,
        mode=mode,
    )
    ours = s_sch.plateau_step(state, level / GRID, **kwargs)
    theirs = t_sch.plateau_step(state, level / GRID, **kwargs)
    assert isinstance(ours, s_sch.PlateauState) and isinstance(theirs, s_sch.PlateauState)
    assert ours == theirs, f"plateau_step({state}, {level / GRID}, {kwargs})"


@given(
    values=st.lists(st.integers(0, 12), min_size=1, max_size=40),
    factor=st.sampled_from([0.1, 0.2, 0.5]),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    min_lr=st.sampled_from([0.0, 1e-4]),
    mode=st.sampled_from(["min", "max"]),
)
def test_plateau_step_chains_like_keras(values, factor, patience, cooldown, min_lr, mode) -> None:
    """Epoch by epoch, each backend fed its own previous state (tf_ref's rate float32-rounded):
    the rates agree to float32 precision (1e-6 relative after a few roundings), the counters
    exactly while the rate is above min_lr (at min_lr float32 may stop the cuts an epoch early)."""
    kwargs = dict(factor=factor, patience=patience, cooldown=cooldown, min_lr=min_lr, mode=mode)
    ours = theirs = s_sch.PlateauState(0.1)
    for epoch, level in enumerate(values):
        ours = s_sch.plateau_step(ours, level / GRID, **kwargs)
        theirs = t_sch.plateau_step(theirs, level / GRID, **kwargs)
        where = f"epoch {epoch}"
        assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-6), where
        assert ours.best == theirs.best, where
        if ours.learning_rate > min_lr * (1 + 1e-6):
            assert ours[2:] == theirs[2:], where


def test_plateau_step_leaves_its_input_alone_and_drives_the_class() -> None:
    """plateau_step returns a new state; ReduceLROnPlateau.update is plateau_step on its state."""
    start = s_sch.PlateauState(1.0, best=1.0, wait=1)
    new = s_sch.plateau_step(start, 2.0, factor=0.5, patience=2)
    assert start == (1.0, 1.0, 1, 0) and new == (0.5, 1.0, 0, 0)
    plateau = s_sch.ReduceLROnPlateau(1.0, factor=0.5, patience=2)
    state = plateau.state
    for value in (1.0, 2.0, 2.0, 0.5, 0.75):
        state = s_sch.plateau_step(state, value, factor=0.5, patience=2)
        assert plateau.update(value) == state.learning_rate and plateau.state == state


# ------------------------------------------------------------- optimizers with schedules


@given(
    name=st.sampled_from(["sgd", "nesterov", "adam", "rmsprop"]),
    kind=st.sampled_from(["exponential", "piecewise", "power"]),
    dtype=st.sampled_from(["float32", "float64"]),
    seed=SEEDS,
    lr_exponent=st.integers(3, 8),
)
def test_optimizer_with_schedule_matches_keras(name, kind, dtype, seed, lr_exponent) -> None:
    """12 steps with the rate changing every few steps. The schedules are chosen so that every
    rate is a power of two (exact in float32), which keeps float64 in lockstep."""
    lr0 = 2.0**-lr_exponent

    def schedule(module):
        if kind == "exponential":
            return module.ExponentialDecay(lr0, 3, 0.5, staircase=True)
        if kind == "piecewise":
            return module.PiecewiseConstantDecay([2, 5, 8], [lr0, lr0 / 2, lr0 * 2, lr0 / 8])
        return module.PowerScheduling(lr0, 4, power=1.0)  # lr0 / (1 + t / 4): t = 4, 12 exact

    kwargs = {  # float32-exact, as in test_optimizers.py
        "sgd": {},
        "nesterov": {"momentum": 0.875},
        "adam": {"beta_1": 0.875, "beta_2": 0.9990234375},
        "rmsprop": {"rho": 0.875},
    }[name]
    ours = s_opt.get(name, learning_rate=schedule(s_sch), **kwargs)
    theirs = t_opt.get(name, learning_rate=schedule(t_sch), **kwargs)
    params, grads = draw_problem(seed, dtype, 12)
    p_s, p_t = [p.copy() for p in params], [p.copy() for p in params]
    for step, g in enumerate(grads):
        lr_s, lr_t = ours.current_learning_rate(), theirs.current_learning_rate()
        assert lr_s == pytest.approx(lr_t, rel=1e-6), f"step {step}"
        ours.apply(p_s, g)
        theirs.apply(p_t, g)
        for i, (a, b, p0) in enumerate(zip(p_s, p_t, params, strict=True)):
            # power scheduling's rates are not all powers of two: float32-rounded in Keras
            rel_dtype = "float32" if kind == "power" else dtype
            assert_lockstep(a, b, p0, rel_dtype, f"{name} {kind} step {step}, param {i}")


def test_optimizer_follows_a_plateau_schedule() -> None:
    """The optimizer reads the plateau's current rate at every step, also after update()."""
    plateau_s = s_sch.ReduceLROnPlateau(0.5, patience=1)
    plateau_t = t_sch.ReduceLROnPlateau(0.5, patience=1)
    ours, theirs = s_opt.SGD(plateau_s), t_opt.SGD(plateau_t)
    p_s, p_t = [np.ones(3)], [np.ones(3)]
    for epoch, val_loss in enumerate([1.0, 2.0, 2.0]):
        for _ in range(2):
            ours.apply(p_s, [np.ones(3)])
            theirs.apply(p_t, [np.ones(3)])
        np.testing.assert_allclose(p_s[0], p_t[0], rtol=1e-7, err_msg=f"epoch {epoch}")
        plateau_s.update(val_loss)
        plateau_t.update(val_loss)
        assert ours.current_learning_rate() == pytest.approx(theirs.current_learning_rate())
    assert ours.current_learning_rate() == pytest.approx(0.005)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("sch", [s_sch, t_sch], ids=["scratch", "tf_ref"])
def test_bad_schedule_arguments_are_refused(sch) -> None:
    with pytest.raises(ValueError, match="decay_steps: expected a finite value > 0, got 0"):
        sch.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match=r"values: expected 3 values \(one more than bound"):
        sch.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="boundaries: expected strictly increasing steps"):
        sch.PiecewiseConstantDecay([5, 5], [0.1, 0.2, 0.3])
    with pytest.raises(TypeError, match=r"boundaries\[0\]: expected an integer, got 1.5"):
        sch.PiecewiseConstantDecay([1.5], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"factor: expected a value in \(0, 1\), got 1.0"):
        sch.ReduceLROnPlateau(0.1, factor=1.0)
    with pytest.raises(ValueError, match="mode: unknown name 'auto'"):
        sch.ReduceLROnPlateau(0.1, mode="auto")
    with pytest.raises(ValueError, match="step: expected a finite value >= 0, got -1"):
        sch.PowerScheduling(0.1, 10)(-1)
    with pytest.raises(TypeError, match="value: expected a number"):
        sch.ReduceLROnPlateau(0.1).update([1.0])


@pytest.mark.parametrize("sch", [s_sch, t_sch], ids=["scratch", "tf_ref"])
def test_bad_schedule_function_arguments_are_refused(sch) -> None:
    with pytest.raises(ValueError, match="step: expected a finite value >= 0, got -1"):
        sch.exponential_decay(-1, 0.1, 10, 0.5)
    with pytest.raises(ValueError, match="decay_rate: expected a finite value > 0, got 0"):
        sch.exponential_decay(1, 0.1, 10, 0)
    with pytest.raises(ValueError, match="power: expected a finite value >= 0, got -1"):
        sch.power_schedule(1, 0.1, 10, -1)
    with pytest.raises(ValueError, match=r"values: expected 2 values \(one more than bound"):
        sch.piecewise_constant(1, [5], [0.1])
    with pytest.raises(TypeError, match=r"state: expected a PlateauState \('learning_rate'"):
        sch.plateau_step((0.1, None), 1.0)
    with pytest.raises(ValueError, match=r"state.learning_rate: expected a finite value > 0"):
        sch.plateau_step(s_sch.PlateauState(0.0), 1.0)
    with pytest.raises(ValueError, match="patience: expected a finite value >= 0, got -1"):
        sch.plateau_step(s_sch.PlateauState(0.1), 1.0, patience=-1)
    with pytest.raises(TypeError, match="value: expected a number"):
        sch.plateau_step(s_sch.PlateauState(0.1), "1.0")
