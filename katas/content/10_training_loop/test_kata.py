"""Tests for kata 10 (minibatches and early stopping). ``impl`` is the module under test."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

# ---------------------------------------------------------------------------- minibatches


def epoch(impl, n, batch_size, rng=None, shuffle=True):
    batches = [np.asarray(b) for b in impl.minibatches(n, batch_size, rng, shuffle)]
    for b in batches:
        assert b.ndim == 1 and np.issubdtype(b.dtype, np.integer), (
            f"minibatches({n}, {batch_size}) yielded {b!r}; expected 1-D integer index arrays"
        )
    return batches


def sizes(batches):
    return [len(b) for b in batches]


@pytest.mark.hint(1)
def test_in_order_with_a_smaller_last_batch(impl):
    """minibatches(10, 4, shuffle=False) gives [0 1 2 3], [4 5 6 7], [8 9]: the rest is kept."""
    got = epoch(impl, 10, 4, shuffle=False)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b.tolist() for b in got] == expected, (
        f"minibatches(10, 4, shuffle=False) gave {[b.tolist() for b in got]}, expected {expected}"
    )


@pytest.mark.hint(1)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_every_row_exactly_once_in_full_batches(impl, n, batch_size, seed):
    """One epoch uses each row once, in ceil(n / batch_size) batches; only the last is short."""
    got = epoch(impl, n, batch_size, np.random.default_rng(seed))
    call = f"minibatches({n}, {batch_size}, rng)"
    order = np.concatenate(got) if got else np.array([], dtype=int)
    assert sorted(order.tolist()) == list(range(n)), (
        f"{call} used the rows {sorted(order.tolist())}; expected each of 0..{n - 1} once"
    )
    k = math.ceil(n / batch_size)
    expected = [batch_size] * (k - 1) + [n - batch_size * (k - 1)]
    assert sizes(got) == expected, f"{call} gave batch sizes {sizes(got)}, expected {expected}"


@pytest.mark.hint(2)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_shuffled_order_is_one_permutation_from_rng(impl, n, batch_size, seed):
    """Shuffled, the epoch's order is rng.permutation(n): same seed, same batches, any backend."""
    got = np.concatenate(epoch(impl, n, batch_size, np.random.default_rng(seed)))
    expected = np.random.default_rng(seed).permutation(n)
    assert np.array_equal(got, expected), (
        f"minibatches({n}, {batch_size}, default_rng({seed})) visited rows in the order "
        f"{got[:8].tolist()}...; expected default_rng({seed}).permutation({n}) = "
        f"{expected[:8].tolist()}..."
    )


@pytest.mark.hint(2)
def test_each_epoch_draws_a_new_order_from_the_same_rng(impl):
    """Two epochs from one rng use its first and second permutations: the order changes."""
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    first = np.concatenate(epoch(impl, 50, 16, rng))
    second = np.concatenate(epoch(impl, 50, 16, rng))
    # Two equal permutations of 50 rows by chance: probability 1 / 50!, about 3e-65.
    assert not np.array_equal(first, second), (
        "two epochs drawn from the same rng visited the rows in the same order: the rng must "
        "advance (draw with rng.permutation, do not copy or reseed it)"
    )
    twin.permutation(50)
    assert np.array_equal(second, twin.permutation(50)), (
        "the second epoch is not the rng's second permutation"
    )


@pytest.mark.hint(2)
def test_shuffles_without_an_rng_too(impl):
    """With rng=None, shuffle=True still shuffles (with a fresh generator)."""
    got = np.concatenate(epoch(impl, 50, 16, None))
    # The identity permutation by chance: probability 1 / 50!.
    assert not np.array_equal(got, np.arange(50)), (
        "minibatches(50, 16) without an rng returned the rows in order; shuffle=True must shuffle"
    )


@pytest.mark.hint(2)
def test_leaves_numpy_global_random_state_alone(impl):
    """Randomness comes only from the rng argument, never from np.random's global state."""
    # Reading the legacy global state is the point of this test.
    state = np.random.get_state()  # noqa: NPY002
    epoch(impl, 30, 8, np.random.default_rng(3))
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(state[1:3], after[1:3], strict=True)), (
        "minibatches(30, 8, rng) changed np.random's global state: use rng.permutation"
    )


@pytest.mark.hint(1)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_shuffle_false_keeps_the_order_even_with_an_rng(impl, n, batch_size, seed):
    """shuffle=False gives 0 .. n-1 in order, also when an rng is passed (it is then unused)."""
    got = epoch(impl, n, batch_size, np.random.default_rng(seed), shuffle=False)
    order = np.concatenate(got) if got else np.array([], dtype=int)
    assert order.tolist() == list(range(n)), (
        f"minibatches({n}, {batch_size}, rng, shuffle=False) visited the rows in the order "
        f"{order[:10].tolist()}...; expected 0 .. {n - 1} in order: shuffle=False never shuffles"
    )


@pytest.mark.hint(2)
def test_rng_none_draws_a_fresh_order_every_epoch(impl):
    """With rng=None each epoch has its own order, even after np.random.seed (no hidden seed)."""
    # Seeding NumPy's legacy global state must not make the orders repeat: rng=None means
    # np.random.default_rng(), seeded by the operating system.
    state = np.random.get_state()  # noqa: NPY002
    try:
        orders = []
        for _ in range(2):
            np.random.seed(0)  # noqa: NPY002
            orders.append(np.concatenate(epoch(impl, 50, 16, None)))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    # Two equal permutations of 50 rows from an unseeded generator: probability 1 / 50!.
    assert not np.array_equal(*orders), (
        "two epochs of minibatches(50, 16) with rng=None visited the rows in the same order: make "
        "a fresh np.random.default_rng() without a seed (not default_rng(0), not np.random)"
    )


BAD_COUNTS = [0, -1, 2.5, True, "10"]


@pytest.mark.hint(1)
@pytest.mark.parametrize("bad", BAD_COUNTS, ids=[repr(b) for b in BAD_COUNTS])
@pytest.mark.parametrize("argument", ["n", "batch_size"])
def test_n_and_batch_size_must_be_positive_integers(impl, argument, bad):
    """n and batch_size of 0, -1, 2.5, True or "10" raise an error naming the argument."""
    args = {"n": 10, "batch_size": 4, argument: bad}
    call = f"minibatches(n={args['n']!r}, batch_size={args['batch_size']!r})"
    # True is an int to Python (isinstance(True, int)), but a row count of True is a mistake.
    # \b: the message must name the argument as a word ("n: ...", "n must be ...").
    with pytest.raises((ValueError, TypeError), match=rf"\b{argument}\b") as caught:
        list(impl.minibatches(args["n"], args["batch_size"], np.random.default_rng(0)))
    if isinstance(bad, int) and not isinstance(bad, bool):
        assert caught.type is ValueError, f"{call} raised {caught.type.__name__}, not ValueError"


@pytest.mark.hint(1)
def test_numpy_integers_are_integers_too(impl):
    """n and batch_size may be NumPy integers (sizes computed with NumPy often are)."""
    got = epoch(impl, np.int64(10), np.int32(4), shuffle=False)
    assert [b.tolist() for b in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], (
        f"minibatches(np.int64(10), np.int32(4), shuffle=False) gave {[b.tolist() for b in got]}"
    )


# ------------------------------------------------------------------------- early stopping


def weights_of(epoch_number):
    """Stand-in for model.get_weights at a given epoch: one array holding the epoch number."""
    return lambda: [np.array([float(epoch_number)])]


def run(es, values):
    """Feed values epoch by epoch; return the list of update()'s answers."""
    return [es.update(e, v, weights_of(e)) for e, v in enumerate(values)]


@pytest.mark.hint(1)
def test_negative_patience_or_min_delta_is_rejected(impl):
    """EarlyStopping(patience=-1) and EarlyStopping(min_delta=-0.1) raise ValueError."""
    with pytest.raises(ValueError, match="patience"):
        impl.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="min_delta"):
        impl.EarlyStopping(min_delta=-0.1)


@pytest.mark.hint(1)
def test_first_value_is_an_improvement(impl):
    """A fresh EarlyStopping (best = inf) takes the first value: best 5.0, best_epoch 0, wait 0."""
    es = impl.EarlyStopping(patience=3)
    stop = es.update(0, 5.0, weights_of(0))
    assert not stop, f"update(0, 5.0, ...) returned {stop!r}; expected False"
    got = (es.best, es.best_epoch, es.wait)
    assert got == (5.0, 0, 0), f"after update(0, 5.0): (best, best_epoch, wait) = {got}"
    assert es.best_weights is not None and np.array_equal(es.best_weights[0], [0.0]), (
        f"after the first update best_weights is {es.best_weights!r}; expected get_weights()"
    )


@pytest.mark.hint(1)
def test_a_short_run_by_hand(impl):
    """patience 2, values 3, 2, 2.5, 2.1, 2.2: stop at epoch 4; best 2 at epoch 1."""
    es = impl.EarlyStopping(patience=2)
    waits, answers = [], []
    for e, v in enumerate([3.0, 2.0, 2.5, 2.1, 2.2]):
        answers.append(bool(es.update(e, v, weights_of(e))))
        waits.append(es.wait)
    # Epochs 2 and 3 are tolerated (wait 1, 2 <= patience); epoch 4 makes wait 3 > 2.
    assert answers == [False, False, False, False, True], f"update() answered {answers}"
    assert waits == [0, 0, 1, 2, 3], f"wait after each epoch: {waits}, expected [0, 0, 1, 2, 3]"
    assert (es.best, es.best_epoch) == (2.0, 1), f"best, best_epoch = {es.best}, {es.best_epoch}"


@pytest.mark.hint(2)
def test_keeps_the_best_weights_not_the_last(impl):
    """Values 3, 1, 2, 4, 5: best_weights are epoch 1's, not epoch 4's (the book's "winner")."""
    es = impl.EarlyStopping(patience=10)
    run(es, [3.0, 1.0, 2.0, 4.0, 5.0])
    assert es.best_weights is not None and np.array_equal(es.best_weights[0], [1.0]), (
        f"best_weights = {es.best_weights!r}; expected the weights of epoch 1 ([array([1.])]), "
        "the best epoch, not those of the last epoch"
    )


@pytest.mark.hint(2)
def test_no_copies_without_restore_best_weights(impl):
    """restore_best_weights=False: get_weights is never called and best_weights stays None."""

    def forbidden():
        raise AssertionError("get_weights() was called although restore_best_weights=False")

    es = impl.EarlyStopping(patience=1, restore_best_weights=False)
    for e, v in enumerate([3.0, 2.0, 2.5]):
        es.update(e, v, forbidden)
    assert es.best_weights is None, f"best_weights = {es.best_weights!r}, expected None"
    assert (es.best, es.best_epoch) == (2.0, 1), f"best, best_epoch = {es.best}, {es.best_epoch}"


@pytest.mark.hint(2)
@pytest.mark.parametrize("patience", [0, 1, 2, 5])
def test_patience_epochs_without_improvement_are_tolerated(impl, patience):
    """After the best epoch, patience worse epochs return False and the next one returns True."""
    es = impl.EarlyStopping(patience=patience)
    answers = [bool(a) for a in run(es, [1.0] + [2.0] * (patience + 1))]
    expected = [False] * (patience + 1) + [True]
    assert answers == expected, f"patience={patience}: update() answered {answers}"


@pytest.mark.hint(3)
def test_an_equal_value_is_not_an_improvement(impl):
    """Values 1.0, 1.0 (min_delta 0): the second is no improvement; best_epoch stays 0, wait 1."""
    es = impl.EarlyStopping(patience=3)
    run(es, [1.0, 1.0])
    got = (es.best_epoch, es.wait)
    assert got == (0, 1), f"after values 1.0, 1.0: (best_epoch, wait) = {got}, expected (0, 1)"


@pytest.mark.hint(3)
def test_an_improvement_must_beat_min_delta(impl):
    """min_delta 0.25, best 1.0: 0.75 is not an improvement (needs < 0.75); 0.5 is."""
    es = impl.EarlyStopping(patience=3, min_delta=0.25)
    run(es, [1.0, 0.75])
    got = (es.best, es.best_epoch, es.wait)
    assert got == (1.0, 0, 1), f"after 1.0, 0.75: (best, best_epoch, wait) = {got}"
    es.update(2, 0.5, weights_of(2))
    got = (es.best, es.best_epoch, es.wait)
    assert got == (0.5, 2, 0), f"after 1.0, 0.75, 0.5: (best, best_epoch, wait) = {got}"


@pytest.mark.hint(3)
def test_min_delta_is_absolute_not_relative(impl):
    """min_delta is an amount, not a fraction: min_delta 0.25 takes 10 -> 9.5 but not 0.5 -> 0.3."""
    # Absolute (Keras): an improvement is value < best - min_delta. Read as a fraction,
    # value < best * (1 - min_delta), the thresholds would be 7.5 and 0.375 instead of 9.75 and
    # 0.25, and both answers below would flip.
    for best, value, improves in ((10.0, 9.5, True), (0.5, 0.3, False)):
        es = impl.EarlyStopping(patience=3, min_delta=0.25)
        run(es, [best, value])
        expected = (value, 1, 0) if improves else (best, 0, 1)
        got = (es.best, es.best_epoch, es.wait)
        assert got == expected, (
            f"EarlyStopping(min_delta=0.25) after values {best}, {value}: (best, best_epoch, "
            f"wait) = {got}, expected {expected}: {value} < {best} - 0.25 is "
            f"{value < best - 0.25} (min_delta is an absolute amount, not a fraction of best)"
        )


@pytest.mark.hint(3)
def test_wait_restarts_after_an_improvement(impl):
    """patience 2, values 5, 6, 6, 4, 6, 6, 6: the improvement at epoch 3 resets wait; stop at 6."""
    es = impl.EarlyStopping(patience=2)
    answers = [bool(a) for a in run(es, [5.0, 6.0, 6.0, 4.0, 6.0, 6.0, 6.0])]
    assert answers == [False] * 6 + [True], f"update() answered {answers}"


@pytest.mark.hint(3)
@given(
    values=st.lists(st.integers(0, 6).map(float), min_size=1, max_size=25),
    patience=st.integers(0, 4),
)
def test_stops_exactly_when_the_best_is_more_than_patience_epochs_old(impl, values, patience):
    """min_delta 0: update first says stop at epoch e where e - argmin(values[:e+1]) > patience."""
    es = impl.EarlyStopping(patience=patience)
    for e, v in enumerate(values):
        # With min_delta 0 the best epoch is the first occurrence of the running minimum.
        best_epoch = int(np.argmin(values[: e + 1]))
        expected = e - best_epoch > patience
        got = es.update(e, v, weights_of(e))
        assert bool(got) == expected and es.best_epoch == best_epoch, (
            f"patience={patience}, values {values[: e + 1]}: at epoch {e} update returned {got!r} "
            f"with best_epoch {es.best_epoch}; expected {expected} with best_epoch {best_epoch}"
        )
        if expected:
            break


@pytest.mark.hint(3)
@given(
    values=st.lists(st.integers(0, 16).map(lambda k: k / 2), min_size=1, max_size=25),
    patience=st.integers(0, 4),
    min_delta=st.sampled_from([0.0, 0.5, 1.0, 2.5]),
)
def test_follows_the_rule_with_any_min_delta(impl, values, patience, min_delta):
    """Random curves on a grid of 0.5 (exact ties with best - min_delta): the statement's rule."""
    es = impl.EarlyStopping(patience=patience, min_delta=min_delta)
    best, best_epoch, wait = math.inf, -1, 0
    for e, v in enumerate(values):
        # The statement's rule, written out; every number here is exact in binary.
        if v < best - min_delta:
            best, best_epoch, wait, expected = v, e, 0, False
        else:
            wait, expected = wait + 1, wait + 1 > patience
        got = bool(es.update(e, v, weights_of(e)))
        state = (es.best, es.best_epoch, es.wait)
        assert (got, state) == (expected, (best, best_epoch, wait)), (
            f"patience={patience}, min_delta={min_delta}, values {values[: e + 1]}: at epoch {e} "
            f"update returned {got} with (best, best_epoch, wait) = {state}; expected {expected} "
            f"with {(best, best_epoch, wait)}"
        )
        if expected:
            break
