"""Tests for kata 15 (learning-rate schedules). ``impl`` is the module under test.

The hand-worked examples use rates that are powers of two and monitored values that are
multiples of 1/8 or 1/64: exact in binary, so the expected values can be checked on paper and
compared with ``==``.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import say
from scratch.schedules import PlateauState
from scratch.schedules import plateau_step as reference_plateau_step

# Every schedule here is a handful of float64 operations (a division, a power, a product): a few
# roundings of 1.1e-16 each, so 1e-12 relative leaves a wide margin and still catches any real
# mistake (the smallest one in the bug zoo moves the rate by a factor decay_rate).
RTOL = 1e-12

LR0 = st.sampled_from([1.0, 0.5, 0.1, 0.01, 3e-4])
DECAY_RATES = st.floats(0.05, 0.95)


def num(x):
    """A number as the learner reads it: 0.25, not np.float64(0.25); anything else by type."""
    if isinstance(x, (int, float, np.floating, np.integer)) and not isinstance(x, bool):
        return f"{float(x):.12g}"  # 12 digits: RTOL is 1e-12
    return type(x).__name__ if x is not None else "None"


def nums(xs):
    """A list of numbers, each as ``num`` writes it."""
    return "[" + ", ".join(num(x) for x in xs) + "]"


def show_state(s):
    """A PlateauState (or a 4-tuple) with plain numbers."""
    lr, best, wait, cooldown = s
    return (
        f"PlateauState(learning_rate={num(lr)}, best={num(best)}, wait={num(wait)}, "
        f"cooldown_counter={num(cooldown)})"
    )


def expect_rate(got, expected, call):
    """``got`` must be a number within RTOL of ``expected``."""
    if not isinstance(got, (int, float, np.floating, np.integer)) or isinstance(got, bool):
        raise AssertionError(
            say(
                f"{call} returned {num(got)}; expected a number (a float)",
                f"{call} が {num(got)} を返しました。数値 (float) を返してください",
            )
        )
    if not np.isfinite(got) or abs(got - expected) > RTOL * abs(expected):
        raise AssertionError(
            say(
                f"{call} returned {num(got)}, expected {num(expected)}",
                f"{call} が {num(got)} を返しました。期待値は {num(expected)} です",
            )
        )


def expect_rates(fn, steps, expected, call):
    """``fn(step)`` for each step must be ``expected`` (a list), shown side by side."""
    got = [fn(step) for step in steps]
    for step, g, e in zip(steps, got, expected, strict=True):
        try:
            expect_rate(g, e, say(f"{call} at step {step}", f"ステップ {step} での {call}"))
        except AssertionError as err:
            raise AssertionError(
                say(
                    f"{err}\n  steps    {list(steps)}\n  yours    {nums(got)}\n"
                    f"  expected {nums(expected)}",
                    f"{err}\n  ステップ  {list(steps)}\n  あなたの値 {nums(got)}\n"
                    f"  期待値    {nums(expected)}",
                )
            ) from None


def as_state(got, call):
    """The returned state as a PlateauState (a plain 4-tuple in the same order is fine)."""
    if not isinstance(got, tuple) or len(got) != 4:
        raise AssertionError(
            say(
                f"{call} returned {type(got).__name__} {str(got)[:80]}; expected a "
                "PlateauState(learning_rate, best, wait, cooldown_counter)",
                f"{call} が {type(got).__name__} {str(got)[:80]} を返しました。"
                "PlateauState(learning_rate, best, wait, cooldown_counter) を返してください",
            )
        )
    return PlateauState(*got)


def run_plateau(impl, values, lr0=1.0, **kwargs):
    """Feed ``values`` one epoch at a time from PlateauState(lr0); return every new state."""
    state, states = PlateauState(lr0), []
    for epoch, value in enumerate(values):
        call = say(f"epoch {epoch}: plateau_step", f"エポック {epoch}: plateau_step")
        state = as_state(impl.plateau_step(state, value, **kwargs), call)
        states.append(state)
    return states


def expect_plateau(impl, values, kwargs, lrs, waits=None, lr0=1.0):
    """Rates (and ``wait`` counters) after each epoch, shown side by side when they differ."""
    states = run_plateau(impl, values, lr0, **kwargs)
    got_lrs, got_waits = [s.learning_rate for s in states], [s.wait for s in states]
    ok = all(np.isclose(g, e, rtol=RTOL, atol=0) for g, e in zip(got_lrs, lrs, strict=True))
    if not ok or (waits is not None and got_waits != waits):
        raise AssertionError(
            say(
                f"plateau_step from PlateauState({lr0}) with {kwargs}, epoch by epoch:\n"
                f"  values          {values}\n"
                f"  your rates      {nums(got_lrs)}\n  expected rates  {nums(lrs)}\n"
                f"  your waits      {nums(got_waits)}"
                + (f"\n  expected waits  {waits}" if waits is not None else ""),
                f"PlateauState({lr0}) から {kwargs} で plateau_step をエポックごとに呼んだ結果:\n"
                f"  監視値          {values}\n"
                f"  あなたの学習率  {nums(got_lrs)}\n  期待する学習率  {nums(lrs)}\n"
                f"  あなたの wait   {nums(got_waits)}"
                + (f"\n  期待する wait   {waits}" if waits is not None else ""),
            )
        )
    return states


# ---------------------------------------------------------------------- exponential decay


@pytest.mark.hint(1)
def test_exponential_decay_by_hand(impl):
    """The book's lr0 * 0.1^(t / s), s = 10: 0.5 at 0, 0.5 / sqrt(10) at 5, 0.05 at 10.
    ja: 本書の lr0 * 0.1^(t / s)、s = 10: ステップ 0 で 0.5、5 で 0.5 / sqrt(10)、10 で 0.05 です。"""
    expect_rates(
        lambda t: impl.exponential_decay(t, 0.5, 10, 0.1),
        [0, 5, 10, 20],
        [0.5, 0.5 / np.sqrt(10.0), 0.05, 0.005],
        "exponential_decay(step, 0.5, decay_steps=10, decay_rate=0.1)",
    )


@pytest.mark.hint(1)
@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000),
    rate=DECAY_RATES,
    step=st.integers(0, 5000),
)
def test_exponential_decay_multiplies_by_the_rate_every_decay_steps(
    impl, lr0, decay_steps, rate, step
):
    """Continuous decay: lr(step + decay_steps) = decay_rate * lr(step), and lr(0) = lr0.
    ja: 連続的な減衰: lr(step + decay_steps) = decay_rate * lr(step)、かつ lr(0) = lr0 です。"""
    call = f"exponential_decay(step, {lr0}, {decay_steps}, {rate})"
    at0 = say(f"{call} at step 0", f"ステップ 0 での {call}")
    expect_rate(impl.exponential_decay(0, lr0, decay_steps, rate), lr0, at0)
    now = impl.exponential_decay(step, lr0, decay_steps, rate)
    where = say(f"{call} at step {step}", f"ステップ {step} での {call}")
    expect_rate(now, lr0 * rate ** (step / decay_steps), where)
    later = impl.exponential_decay(step + decay_steps, lr0, decay_steps, rate)
    where = say(
        f"{call} at step {step + decay_steps} (= rate * lr({step}))",
        f"ステップ {step + decay_steps} (= rate * lr({step})) での {call}",
    )
    expect_rate(later, rate * now, where)


@pytest.mark.hint(2)
@pytest.mark.mistake("staircase rounded or ignored")
def test_staircase_drops_exactly_at_each_multiple(impl):
    """staircase, decay_rate 0.5, decay_steps 10: 0.5 up to step 9, 0.25 from 10 to 19, ...
    ja: staircase、decay_rate 0.5、decay_steps 10: ステップ 9 までは 0.5、10 から 19 は 0.25、... です。"""
    expect_rates(
        lambda t: impl.exponential_decay(t, 0.5, 10, 0.5, staircase=True),
        [0, 1, 5, 9, 10, 15, 19, 20, 29],
        [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125],
        "exponential_decay(step, 0.5, 10, 0.5, staircase=True)",
    )


@pytest.mark.hint(2)
@given(
    lr0=LR0,
    decay_steps=st.integers(2, 500),
    rate=DECAY_RATES,
    k=st.integers(0, 20),
    data=st.data(),
)
def test_staircase_is_flat_within_a_period(impl, lr0, decay_steps, rate, k, data):
    """With staircase every step in [k s, (k + 1) s) gets lr0 * decay_rate^k.
    ja: staircase では [k s, (k + 1) s) のどのステップも lr0 * decay_rate^k になります。"""
    offset = data.draw(st.integers(0, decay_steps - 1), label="offset")
    step = k * decay_steps + offset
    expect_rate(
        impl.exponential_decay(step, lr0, decay_steps, rate, staircase=True),
        lr0 * rate**k,
        f"exponential_decay({step}, {lr0}, {decay_steps}, {rate}, staircase=True)",
    )


# ---------------------------------------------------------------------- piecewise constant


@pytest.mark.hint(1)
def test_piecewise_constant_by_hand(impl):
    """boundaries [5, 15], values [1, 0.5, 0.25]: steps 0-5 get 1, 6-15 get 0.5, 16+ get 0.25.
    ja: boundaries [5, 15]、values [1, 0.5, 0.25]: ステップ 0-5 は 1、6-15 は 0.5、16 以降は 0.25 です。"""
    expect_rates(
        lambda t: impl.piecewise_constant(t, [5, 15], [1.0, 0.5, 0.25]),
        [0, 4, 5, 6, 14, 15, 16, 1000],
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25],
        "piecewise_constant(step, [5, 15], [1.0, 0.5, 0.25])",
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("a boundary step put in the next segment")
@given(
    boundaries=st.lists(st.integers(0, 1000), min_size=1, max_size=6, unique=True).map(sorted),
)
def test_a_boundary_step_belongs_to_the_segment_before_it(impl, boundaries):
    """At step boundaries[i] the rate is still values[i]; at boundaries[i] + 1 it is values[i+1].
    ja: ステップ boundaries[i] ではまだ values[i]、boundaries[i] + 1 で values[i+1] になります。"""
    values = [2.0**-i for i in range(len(boundaries) + 1)]  # all different
    call = f"piecewise_constant(step, {boundaries}, {values})"
    for i, b in enumerate(boundaries):
        for step, expected in ((b, values[i]), (b + 1, values[i + 1])):
            got = impl.piecewise_constant(step, boundaries, values)
            assert got == expected, say(
                f"{call} at step {step} returned {num(got)}, expected {num(expected)}"
                + (" (a boundary step belongs to the segment before it)" if step == b else ""),
                f"{call} がステップ {step} で {num(got)} を返しました。期待値は {num(expected)} です"
                + ("(境界のステップはその前の区間に属します)" if step == b else ""),
            )


# ---------------------------------------------------------------------- power scheduling


@pytest.mark.hint(1)
@pytest.mark.mistake("the power on step alone, or ignored")
def test_power_schedule_by_hand(impl):
    """lr0 0.5, s = 10, c = 2: 0.5 at 0, 0.5 / 2^2 at 10, 0.5 / 4^2 at 30; c = 1: 0.25 at 10.
    ja: lr0 0.5、s = 10、c = 2: 0 で 0.5、10 で 0.5 / 2^2、30 で 0.5 / 4^2。c = 1 なら 10 で 0.25 です。"""
    expect_rates(
        lambda t: impl.power_schedule(t, 0.5, 10, 2.0),
        [0, 10, 30],
        [0.5, 0.125, 0.03125],
        "power_schedule(step, 0.5, decay_steps=10, power=2.0)",
    )
    expect_rates(
        lambda t: impl.power_schedule(t, 0.5, 10),
        [0, 10, 30],
        [0.5, 0.25, 0.125],
        say(
            "power_schedule(step, 0.5, decay_steps=10)  (power 1 by default)",
            "power_schedule(step, 0.5, decay_steps=10)  (power の既定値は 1)",
        ),
    )


@pytest.mark.hint(2)
@given(
    lr0=LR0,
    decay_steps=st.integers(1, 1000),
    power=st.floats(0.0, 3.0),
    k=st.integers(0, 50),
    offset=st.integers(0, 999),
)
def test_power_schedule_formula(impl, lr0, decay_steps, power, k, offset):
    """lr0 / (1 + step / s)^c at any step; after k s steps exactly lr0 / (1 + k)^c.
    ja: どのステップでも lr0 / (1 + step / s)^c、k s ステップ後はちょうど lr0 / (1 + k)^c です。"""
    call = f"power_schedule(step, {lr0}, {decay_steps}, {power})"
    step = k * decay_steps
    expect_rate(
        impl.power_schedule(step, lr0, decay_steps, power),
        lr0 / (1 + k) ** power,
        say(
            f"{call} at step {step} = {k} * decay_steps",
            f"ステップ {step} = {k} * decay_steps での {call}",
        ),
    )
    step += offset
    expect_rate(
        impl.power_schedule(step, lr0, decay_steps, power),
        lr0 / (1 + step / decay_steps) ** power,
        say(f"{call} at step {step}", f"ステップ {step} での {call}"),
    )


# ---------------------------------------------------------------------- performance scheduling


@pytest.mark.hint(3)
def test_plateau_first_value_is_the_best_so_far(impl):
    """From PlateauState(lr0) (best None) the first value always counts as an improvement.
    ja: PlateauState(lr0) (best は None) からの最初の値は、いつでも改善として数えます。"""
    for mode in ("min", "max"):
        got = as_state(
            impl.plateau_step(PlateauState(0.5), 7.25, patience=0, mode=mode),
            f"plateau_step(PlateauState(0.5), 7.25, patience=0, mode={mode!r})",
        )
        assert got == (0.5, 7.25, 0, 0), say(
            f"plateau_step(PlateauState(0.5), 7.25, patience=0, mode={mode!r}) returned "
            f"{show_state(got)}, expected PlateauState(learning_rate=0.5, best=7.25, wait=0, "
            "cooldown_counter=0)",
            f"plateau_step(PlateauState(0.5), 7.25, patience=0, mode={mode!r}) が "
            f"{show_state(got)} を返しました。期待値は PlateauState(learning_rate=0.5, best=7.25, "
            "wait=0, cooldown_counter=0) です",
        )


@pytest.mark.hint(3)
@pytest.mark.mistake("patience off by one")
def test_plateau_cuts_after_patience_bad_epochs(impl):
    """patience 3: the rate is cut at the end of the 3rd bad epoch in a row, not the 1st or 4th.
    ja: patience 3: 学習率は 3 回続いた悪いエポックの 3 回目の終わりに下げます (1 回目でも 4 回目でもありません)。"""
    expect_plateau(
        impl,
        [4.0, 4.0, 4.0, 4.0],
        {"factor": 0.5, "patience": 3},
        lrs=[1.0, 1.0, 1.0, 0.5],
        waits=[0, 1, 2, 0],
    )
    # An improvement in between restarts the count.
    expect_plateau(
        impl,
        [4.0, 4.0, 4.0, 3.0, 4.0, 4.0, 4.0],
        {"factor": 0.5, "patience": 3},
        lrs=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5],
        waits=[0, 1, 2, 0, 1, 2, 0],
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("a tie (or min_delta) counted as an improvement")
def test_plateau_needs_an_improvement_larger_than_min_delta(impl):
    """min_delta 0.25 from best 4: 3.875 and 3.75 (a tie) are not improvements, 3.5 is.
    ja: best 4 から min_delta 0.25: 3.875 と 3.75 (同点) は改善ではなく、3.5 は改善です。"""
    states = expect_plateau(
        impl,
        [4.0, 3.875, 3.75, 3.5],
        {"factor": 0.5, "patience": 5, "min_delta": 0.25},
        lrs=[1.0, 1.0, 1.0, 1.0],
        waits=[0, 1, 2, 0],
    )
    bests = [s.best for s in states]
    assert bests == [4.0, 4.0, 4.0, 3.5], say(
        f"best after each epoch: {nums(bests)}, expected [4, 4, 4, 3.5]",
        f"各エポック後の best が {nums(bests)} になりました。期待値は [4, 4, 4, 3.5] です",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("wait not reset after a cut")
def test_plateau_restarts_counting_after_a_cut(impl):
    """patience 2 on a flat curve: a cut every 2 epochs (wait goes back to 0 after each cut).
    ja: 平らな曲線で patience 2: 2 エポックごとに下げます (下げるたびに wait は 0 に戻ります)。"""
    expect_plateau(
        impl,
        [1.0] * 7,
        {"factor": 0.5, "patience": 2},
        lrs=[1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125],
        waits=[0, 1, 0, 1, 0, 1, 0],
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("min_lr ignored")
def test_plateau_never_goes_below_min_lr(impl):
    """factor 0.1, min_lr 1/64: 1, 0.1, then 1/64 (not 0.01) for good; wait keeps counting there.
    ja: factor 0.1、min_lr 1/64: 1、0.1、その後はずっと 1/64 (0.01 ではありません)。そこでも wait は数え続けます。"""
    expect_plateau(
        impl,
        [1.0] * 6,
        {"factor": 0.1, "patience": 1, "min_lr": 0.015625},
        lrs=[1.0, 0.1, 0.015625, 0.015625, 0.015625, 0.015625],
        waits=[0, 0, 0, 1, 2, 3],
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("mode ignored")
def test_plateau_mode_max_wants_the_value_to_rise(impl):
    """mode "max" (an accuracy): rising values are improvements, falling ones are bad epochs.
    ja: mode "max" (正解率など): 上がれば改善、下がれば悪いエポックです。"""
    expect_plateau(
        impl,
        [0.5, 0.625, 0.75, 0.625, 0.625],
        {"factor": 0.5, "patience": 2, "mode": "max"},
        lrs=[1.0, 1.0, 1.0, 1.0, 0.5],
        waits=[0, 0, 0, 1, 0],
    )


@pytest.mark.hint(4)
@pytest.mark.mistake("cooldown counted after the epoch is judged")
def test_plateau_cooldown_is_decremented_before_the_epoch_is_judged(impl):
    """cooldown 2, patience 1: one uncounted epoch after each cut; cooldown 1 changes nothing.
    ja: cooldown 2、patience 1: 下げた後の 1 エポックは数えません。cooldown 1 では何も変わりません。"""
    states = expect_plateau(
        impl,
        [1.0] * 6,
        {"factor": 0.5, "patience": 1, "cooldown": 2},
        lrs=[1.0, 0.5, 0.5, 0.25, 0.25, 0.125],
        waits=[0, 0, 0, 0, 0, 0],
    )
    counters = [s.cooldown_counter for s in states]
    assert counters == [0, 2, 1, 2, 1, 2], say(
        f"cooldown_counter after each epoch: {nums(counters)}, expected [0, 2, 1, 2, 1, 2]",
        f"各エポック後の cooldown_counter が {nums(counters)} になりました。"
        "期待値は [0, 2, 1, 2, 1, 2] です",
    )
    expect_plateau(
        impl,
        [1.0] * 4,
        {"factor": 0.5, "patience": 1, "cooldown": 1},
        lrs=[1.0, 0.5, 0.25, 0.125],
    )


@pytest.mark.hint(4)
@given(
    levels=st.lists(st.integers(0, 12), min_size=1, max_size=40),
    factor=st.sampled_from([0.5, 0.1, 0.25]),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    min_delta=st.sampled_from([0.0, 1 / 64, 2 / 64]),
    min_lr=st.sampled_from([0.0, 1e-3]),
    mode=st.sampled_from(["min", "max"]),
)
def test_plateau_matches_the_reference_on_random_curves(
    impl, levels, factor, patience, cooldown, min_delta, min_lr, mode
):
    """Random curves on a grid of 1/64 (ties are common): the same state as scratch, every epoch.
    ja: 1/64 刻みのランダムな曲線 (同点がよく出ます): どのエポックでも scratch と同じ状態になります。"""
    kwargs = {
        "factor": factor,
        "patience": patience,
        "min_delta": min_delta,
        "cooldown": cooldown,
        "min_lr": min_lr,
        "mode": mode,
    }
    mine = ref = PlateauState(0.5)
    for epoch, level in enumerate(levels):
        value = level / 64
        call = say(
            f"epoch {epoch}: plateau_step({show_state(mine)}, {value}, **{kwargs})",
            f"エポック {epoch}: plateau_step({show_state(mine)}, {value}, **{kwargs})",
        )
        mine = as_state(impl.plateau_step(mine, value, **kwargs), call)
        ref = reference_plateau_step(ref, value, **kwargs)
        # The same multiplications and max in float64: equal up to the order of operations.
        same_lr = np.isclose(mine.learning_rate, ref.learning_rate, rtol=RTOL, atol=0)
        assert same_lr and mine[1:] == ref[1:], say(
            f"{call} returned {show_state(mine)}, expected {show_state(ref)}",
            f"{call} が {show_state(mine)} を返しました。期待値は {show_state(ref)} です",
        )
