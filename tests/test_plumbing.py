"""The plumbing both backends share, against explicit expectations: batch order, early
stopping, History, the progress line, fit's set-up (``prepare_fit``, ``performance_schedule``,
``is_new_best``), checkpoint files, layer names, the summary table, the guidelines net's layer
recipe (``assemble_layers``) and ``scratch.checks``.

``tf_ref`` imports these very objects, so a bug in one of them is in both backends at once and
no scratch-vs-TensorFlow comparison can see it: only tests like these can. TF-free on purpose
(each planted-bug run of ``test_mutants_caught`` on this file takes about a second).
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import checks, layers, models, networks, optimizers, schedules, training
from scratch import constraints as constraints_mod
from scratch import regularizers as regularizers_mod

SEEDS = st.integers(0, 2**32 - 1)


def tiny_model(dtype: str = "float32", seed: int = 0, batch_norm: bool = True) -> models.Sequential:
    """5 inputs -> Dense(4) [-> BN] -> ELU -> Dense(3): params, BN state, 4 trainable arrays."""
    stack = (
        [layers.Dense(4, use_bias=False), layers.BatchNormalization(), layers.Activation("elu")]
        if batch_norm
        else [layers.Dense(4, "elu")]
    )
    return models.Sequential(
        [*stack, layers.Dense(3)], 5, rng=np.random.default_rng(seed), dtype=dtype
    )


def tiny_data(n: int, dtype: str = "float32", seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 5)).astype(dtype), rng.integers(0, 3, n)


def train_a_little(model: models.Sequential, optimizer: optimizers.Optimizer, steps: int = 3):
    """A few real steps, so that every slot and the BN moving statistics hold non-trivial values."""
    x, y = tiny_data(8 * steps, model.dtype.name)
    loss = training.losses_mod.UNCHECKED["sparse_softmax_cross_entropy"]
    for i in range(steps):
        training.train_step(model, optimizer, loss, x[i * 8 : i * 8 + 8], y[i * 8 : i * 8 + 8])


# ------------------------------------------------------------------------------ minibatches


@given(n=st.integers(1, 300), batch_size=st.integers(1, 80), seed=SEEDS)
def test_an_epoch_is_one_permutation_cut_in_order(n: int, batch_size: int, seed: int) -> None:
    """An epoch is rng.permutation(n) cut into batch_size pieces, the remainder last: every row
    exactly once, and the same rng state gives the same batches (in either backend)."""
    batches = list(training.minibatches(n, batch_size, np.random.default_rng(seed)))
    full, rest = divmod(n, batch_size)
    assert [len(b) for b in batches] == [batch_size] * full + ([rest] if rest else [])
    order = np.concatenate(batches)
    assert order.dtype.kind in "iu"
    np.testing.assert_array_equal(order, np.random.default_rng(seed).permutation(n))


def test_each_epoch_draws_a_fresh_order_from_the_rng() -> None:
    """Two epochs from one rng differ, and so do two seeds (each equal by chance with
    probability 1/50!, i.e. never)."""
    rng = np.random.default_rng(0)
    first, second = (np.concatenate(list(training.minibatches(50, 7, rng))) for _ in range(2))
    assert not np.array_equal(first, second)
    other = np.concatenate(list(training.minibatches(50, 7, np.random.default_rng(1))))
    assert not np.array_equal(first, other)


@given(n=st.integers(1, 200), batch_size=st.integers(1, 64))
def test_shuffle_false_gives_the_rows_in_order_and_draws_nothing(n: int, batch_size: int) -> None:
    """shuffle=False: rows 0..n-1 in order, same batch sizes, and the rng is left untouched."""
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    batches = list(training.minibatches(n, batch_size, rng, shuffle=False))
    np.testing.assert_array_equal(np.concatenate(batches), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1]) <= batch_size
    assert rng.bit_generator.state == before


@pytest.mark.parametrize(
    ("n", "batch_size", "error", "match"),
    [
        (0, 4, ValueError, "n: expected a finite value > 0, got 0"),
        (4, 0, ValueError, "batch_size: expected a finite value > 0, got 0"),
        (4.0, 2, TypeError, "n: expected an integer, got 4.0"),
        (4, True, TypeError, "batch_size: expected an integer, got True"),
    ],
)
def test_minibatches_refuse_bad_sizes_at_the_call(n, batch_size, error, match) -> None:
    """Bad sizes fail when minibatches is called, not at the first next()."""
    with pytest.raises(error, match=match):
        training.minibatches(n, batch_size, np.random.default_rng(0))


# --------------------------------------------------------------------------- early stopping

# Values on a 1/8 grid: ties and "exactly min_delta better" happen often and are exact in binary.
GRID = st.sampled_from([k / 8 for k in range(17)])


def stopping_rule(values: list[float], patience: int, min_delta: float):
    """The rule written out: an epoch is a record when it beats the last record by more than
    min_delta; training stops at the first epoch that is more than ``patience`` epochs past the
    last record. Returns (stop epoch or None, record epochs)."""
    records: list[int] = []
    for epoch, value in enumerate(values):
        if not records or value < values[records[-1]] - min_delta:
            records.append(epoch)
        elif epoch - records[-1] > patience:
            return epoch, records
    return None, records


@given(
    values=st.lists(GRID, min_size=1, max_size=30),
    patience=st.integers(0, 4),
    min_delta=st.sampled_from([0.0, 1 / 8, 2 / 8]),
)
def test_early_stopping_follows_the_rule(values, patience, min_delta) -> None:
    """Stop epoch, best epoch, best value, wait and the kept weights follow ``stopping_rule``:
    patience counts epochs without a record, a record must beat the best by more than
    min_delta (a tie is none), and a record resets the count."""
    stopper = training.EarlyStopping(patience=patience, min_delta=min_delta)
    stop, records = stopping_rule(values, patience, min_delta)
    stopped = None
    for epoch, value in enumerate(values):
        if stopper.update(epoch, value, lambda epoch=epoch: [np.array(epoch)]):
            stopped = epoch
            break
    assert stopped == stop
    seen = values if stop is None else values[: stop + 1]
    assert stopper.best_epoch == records[-1] and stopper.best == values[records[-1]]
    assert stopper.wait == len(seen) - 1 - records[-1]
    assert int(stopper.best_weights[0]) == records[-1]


def test_early_stopping_examples() -> None:
    """Spelled out: patience 2 stops on the third epoch without a record; min_delta 0.25 makes
    0.75 after 1.0 a non-record (a tie with best - min_delta) and 0.5 a record."""
    stopper = training.EarlyStopping(patience=2)
    decisions = [stopper.update(e, v, lambda: []) for e, v in enumerate([1.0, 0.5, 0.5, 0.6, 0.7])]
    assert decisions == [False, False, False, False, True] and stopper.best_epoch == 1
    stopper = training.EarlyStopping(patience=5, min_delta=0.25)
    for epoch, value in enumerate([1.0, 0.75, 0.5]):
        stopper.update(epoch, value, lambda: [])
    assert stopper.best_epoch == 2 and stopper.best == 0.5 and stopper.wait == 0


def test_without_restore_best_weights_no_weights_are_copied() -> None:
    """restore_best_weights=False: get_weights is never called and best_weights stays None."""

    def get_weights() -> list[np.ndarray]:
        raise AssertionError("get_weights called although restore_best_weights=False")

    stopper = training.EarlyStopping(patience=1, restore_best_weights=False)
    for epoch, value in enumerate([1.0, 0.5, 0.7]):
        stopper.update(epoch, value, get_weights)
    assert stopper.best_weights is None and stopper.best_epoch == 1


def test_reset_forgets_an_earlier_run() -> None:
    """reset() gives the state of a new EarlyStopping (what fit does first)."""
    stopper = training.EarlyStopping(patience=0)
    for epoch, value in enumerate([0.5, 0.9]):
        stopper.update(epoch, value, lambda: [np.zeros(2)])
    stopper.reset()
    fresh = training.EarlyStopping(patience=0)
    assert (stopper.best, stopper.best_epoch, stopper.wait, stopper.best_weights) == (
        fresh.best,
        fresh.best_epoch,
        fresh.wait,
        fresh.best_weights,
    )


def test_is_new_best_is_early_stoppings_rule() -> None:
    """fit's best epoch: beats the best by more than early stopping's min_delta (any decrease
    without early stopping), the same test early stopping makes. Every pair on the 1/8 grid,
    so the boundary (exactly min_delta better) is always among them."""
    grid = [k / 8 for k in range(17)]
    for min_delta in (0.0, 1 / 8, 3 / 8):
        stopper = training.EarlyStopping(min_delta=min_delta)
        for best in [*grid, np.inf]:
            for value in grid:
                expected = value < best - min_delta
                assert training.is_new_best(value, best, stopper) is expected, (value, best)
                assert training.is_new_best(value, best, None) is (value < best)
                stopper.reset()
                stopper.best = best
                stopper.update(7, value, lambda: [])
                assert (stopper.best_epoch == 7) is expected, (value, best, min_delta)


# ---------------------------------------------------------------------------------- History


def test_history_collects_floats_per_key_and_counts_epochs() -> None:
    """append adds one float per key (JSON-able, NumPy scalars converted); epochs counts the
    loss entries; the flags start unset."""
    history = training.History()
    assert (history.epochs, history.history, history.best_epoch) == (0, {}, None)
    assert not history.stopped_early and history.diverged_at_epoch is None
    history.append(loss=np.float32(0.5), val_loss=1)
    history.append(loss=0.25, val_loss=np.float64(2.0), learning_rate=0.125)
    assert history.history == {
        "loss": [0.5, 0.25],
        "val_loss": [1.0, 2.0],
        "learning_rate": [0.125],
    }
    assert all(type(v) is float for values in history.history.values() for v in values)
    assert history.epochs == 2
    json.dumps(history.history)
    assert training.History().history is not training.History().history


# ------------------------------------------------------------------------------ ProgressBar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_off_a_terminal_prints_one_line_at_close() -> None:
    """Off a terminal (a file, a pipe, CI logs) updates print nothing and close prints one
    line: losses to 4 decimals, the learning rate to 3 significant digits."""
    out = io.StringIO()
    bar = training.ProgressBar(10, "epoch 2/5", out)
    for done in range(1, 11):
        bar.update(done, loss=0.5)
    assert out.getvalue() == ""
    bar.close(loss=0.123456, val_loss=2, learning_rate=0.000625)
    assert re.fullmatch(
        r"epoch 2/5 \d+\.\ds - loss 0\.1235 - val_loss 2\.0000 - learning_rate 0\.000625\n",
        out.getvalue(),
    ), out.getvalue()


def test_progress_bar_on_a_terminal_redraws_in_place() -> None:
    """On a terminal the bar is redrawn with a carriage return (at most every 0.1 s, always
    when done), and close ends the line."""
    out = FakeTerminal()
    bar = training.ProgressBar(4, "epoch 1/1", out)
    bar.update(1, loss=1.0)
    bar.update(2, loss=1.0)  # within 0.1 s of the first draw: skipped
    bar.update(4, loss=0.25)
    draws = out.getvalue().split("\r")[1:]
    assert draws == [
        "epoch 1/1 [======..................] 1/4 loss 1.0000",
        "epoch 1/1 [========================] 4/4 loss 0.2500",
    ]
    bar.close(loss=0.25)
    assert out.getvalue().endswith(" - loss 0.2500\n") and "\repoch 1/1 " in out.getvalue()


# ------------------------------------------------------------------ prepare_fit, schedules


@pytest.mark.parametrize("model_dtype", ["float32", "float64"])
@pytest.mark.parametrize("data_dtype", ["float32", "float64"])
def test_prepare_fit_casts_x_and_validation_x_to_the_model_dtype(model_dtype, data_dtype) -> None:
    """x and the validation x come back in the model's dtype with the same values (rounded
    once, as x.astype would); labels and the rng come back as given."""
    model = tiny_model(model_dtype)
    x, y = tiny_data(20, data_dtype)
    xv, yv = tiny_data(6, data_dtype, seed=2)
    rng = np.random.default_rng(4)
    x2, y2, (xv2, yv2), rng2 = training.prepare_fit(model, x, y, 2, 4, (xv, yv), None, rng)
    assert x2.dtype == xv2.dtype == np.dtype(model_dtype)
    np.testing.assert_array_equal(x2, x.astype(model_dtype))
    np.testing.assert_array_equal(xv2, xv.astype(model_dtype))
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_array_equal(yv2, yv)
    assert rng2 is rng


def test_prepare_fit_builds_an_unbuilt_model_from_the_rng() -> None:
    """An unbuilt model is built for x's width with weights drawn from the given rng, which is
    returned (advanced) for the batches; without an rng a new Generator comes back."""
    unbuilt = models.Sequential([layers.Dense(4, "elu"), layers.Dense(3)])
    x, y = tiny_data(10)
    rng = np.random.default_rng(9)
    *_, rng2 = training.prepare_fit(unbuilt, x, y, 1, 4, None, None, rng)
    built = models.Sequential(
        [layers.Dense(4, "elu"), layers.Dense(3)], 5, rng=np.random.default_rng(9)
    )
    for a, b in zip(unbuilt.get_weights(), built.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert rng2 is rng
    *_, fresh = training.prepare_fit(tiny_model(), x, y, 1, 4, None, None, None)
    assert isinstance(fresh, np.random.Generator)


def test_prepare_fit_resets_early_stopping_and_needs_validation_for_it() -> None:
    """A used EarlyStopping starts over (a second fit must not inherit the first's best), and
    early stopping without validation data is refused."""
    x, y = tiny_data(10)
    stopper = training.EarlyStopping(patience=0)
    stopper.update(0, 0.1, lambda: [np.zeros(1)])
    training.prepare_fit(tiny_model(), x, y, 1, 4, (x, y), stopper, None)
    assert stopper.best == np.inf and stopper.best_weights is None and stopper.best_epoch == -1
    with pytest.raises(ValueError, match="early_stopping: needs validation_data"):
        training.prepare_fit(tiny_model(), x, y, 1, 4, None, training.EarlyStopping(), None)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": np.zeros(5, np.float32)}, ValueError, "x: expected a 2-D array, got shape"),
        ({"x": np.zeros((4, 5), np.int64)}, TypeError, "x: expected a floating-point array"),
        ({"epochs": 0}, ValueError, "epochs: expected a finite value > 0"),
        ({"batch_size": 2.5}, TypeError, "batch_size: expected an integer"),
    ],
)
def test_prepare_fit_checks_before_building(kwargs, error, match) -> None:
    """Bad x, epochs or batch_size are refused with the argument's name, and an unbuilt model
    stays unbuilt (nothing drawn from the rng)."""
    x, y = tiny_data(4)
    args = {"x": x, "epochs": 1, "batch_size": 2, **kwargs}
    unbuilt = models.Sequential([layers.Dense(3)])
    with pytest.raises(error, match=match):
        training.prepare_fit(
            unbuilt, args["x"], y, args["epochs"], args["batch_size"], None, None, None
        )
    assert not unbuilt.built


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_prepare_fit_checks_the_targets_of_the_loss(dtype) -> None:
    """y and the validation y are checked as the loss's targets: 0/1 labels (N,) of a 1-unit
    output come back (N, 1) in the model's dtype, integer regression targets as floats; a
    target the loss cannot take is refused before the model is built, a width that does not
    fit the outputs once it is."""
    x, _ = tiny_data(6)
    one_unit = models.Sequential([layers.Dense(1)], dtype=dtype)
    t = np.array([0, 1, 1, 0, 1, 0])
    _, y2, (_, yv2), _ = training.prepare_fit(
        one_unit, x, t, 1, 2, (x, t.astype(bool)), None, 0, "sigmoid_binary_cross_entropy"
    )
    assert y2.shape == yv2.shape == (6, 1) and y2.dtype == yv2.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y2[:, 0], t)
    np.testing.assert_array_equal(yv2[:, 0], t)
    _, y3, _, _ = training.prepare_fit(
        tiny_model(dtype), x, np.arange(18).reshape(6, 3), 1, 2, None, None, 0,
        "mean_squared_error",
    )  # fmt: skip
    assert y3.dtype == np.dtype(dtype) and y3[5, 2] == 17
    unbuilt = models.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match=r"y_valid: loss 'sigmoid_cross_entropy' .*\[0, 1\]"):
        training.prepare_fit(
            unbuilt, x, np.zeros((6, 3)), 1, 2, (x, np.full((6, 3), 3.0)), None, 0,
            "sigmoid_cross_entropy",
        )  # fmt: skip
    assert not unbuilt.built
    with pytest.raises(ValueError, match=r"y: .*got shape \(6, 2\), but the model has 3 out"):
        training.prepare_fit(
            unbuilt, x, np.zeros((6, 2)), 1, 2, None, None, 0, "mean_squared_error"
        )
    with pytest.raises(ValueError, match="loss: unknown name 'mae'"):
        training.prepare_fit(tiny_model(), x, t, 1, 2, None, None, 0, "mae")


class ScriptedScores:
    """A stand-in for a backend's evaluate: the next scripted val_loss and binary accuracy,
    recording what it was asked to score."""

    def __init__(self, val_losses: list[float]) -> None:
        self.values, self.calls = list(val_losses), []

    def __call__(self, net, x, y, loss):
        self.calls.append((net, x, y, loss))
        return {"loss": self.values.pop(0), "binary_accuracy": 0.5}


def epoch_end_for(val_losses, tmp_path=None, **kwargs):
    """An EpochEnd for the binary loss over tiny_model, SGD and scripted validation scores."""
    model = tiny_model()
    scores = ScriptedScores(val_losses)
    end = training.EpochEnd(
        model=model, net=model, optimizer=optimizers.SGD(0.5), loss="sigmoid_binary_cross_entropy",
        evaluate=scores, validation_data=(np.zeros((2, 5)), np.zeros((2, 1))),
        early_stopping=kwargs.pop("early_stopping", None), plateau=None, epochs=len(val_losses),
        checkpoint_path=None if tmp_path is None else tmp_path / "best.npz",
        verbose=kwargs.pop("verbose", False), stream=kwargs.pop("stream", None), **kwargs,
    )  # fmt: skip
    return end, model, scores


def test_epoch_end_records_the_losss_metrics_and_keeps_the_best_epoch(tmp_path) -> None:
    """The shared end of an epoch: the record is loss, seconds, val_loss, val_<metric> of the
    loss, learning_rate; the best epoch (lowest val_loss) is the checkpoint's and the restored
    one; early stopping stops after patience epochs without a record; the progress line shows
    the record (seconds aside), once per epoch."""
    stream = io.StringIO()
    stopper = training.EarlyStopping(patience=1)
    end, model, scores = epoch_end_for(
        [0.9, 0.4, 0.6, 0.7, 0.1], tmp_path, early_stopping=stopper, verbose=True, stream=stream
    )
    stops, weights = [], []
    for epoch in range(5):
        bar = end.begin(epoch, 3)
        model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])  # "trained"
        weights.append(model.get_weights())
        stops.append(end.end(epoch, 1.0 - epoch / 10, bar))
        if stops[-1]:
            break
    assert stops == [False, False, False, True]  # epochs 2 and 3 without a record
    history = end.finish()
    assert list(history.history) == [
        "loss", "seconds", "val_loss", "val_binary_accuracy", "learning_rate"
    ]  # fmt: skip
    assert history.history["val_loss"] == [0.9, 0.4, 0.6, 0.7]
    assert history.history["val_binary_accuracy"] == [0.5] * 4
    assert history.best_epoch == 1 and history.stopped_early
    assert all(call[3] == "sigmoid_binary_cross_entropy" for call in scores.calls)
    for got, best in zip(model.get_weights(), weights[1], strict=True):
        np.testing.assert_array_equal(got, best)  # the best epoch's weights put back
    meta = training.load_checkpoint(tmp_path / "best.npz", tiny_model())
    assert meta["epoch"] == 1 and meta["val_loss"] == 0.4 and meta["val_binary_accuracy"] == 0.5
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4 and lines[1].startswith("epoch 2/5 ")
    assert "val_binary_accuracy 0.5000 - learning_rate 0.5" in lines[1]


def test_epoch_end_stops_on_divergence_and_runs_the_checkpoint_hook(tmp_path) -> None:
    """A non-finite batch loss (diverged) or validation loss stops training and is recorded;
    before_checkpoint runs before each checkpoint write (tf_ref's replicas hand back their
    optimizer state there)."""
    hooks = []
    end, _, _ = epoch_end_for([0.5, np.inf], tmp_path, before_checkpoint=lambda: hooks.append(1))
    end.begin(0, 1)
    assert not end.end(0, 0.3, None) and hooks == [1]
    end.begin(1, 1)
    assert end.end(1, 0.2, None) and end.history.diverged_at_epoch == 1 and hooks == [1]
    stream = io.StringIO()
    end, _, _ = epoch_end_for([0.5], verbose=True, stream=stream)
    end.diverged(0, end.begin(0, 4))
    assert end.history.diverged_at_epoch == 0 and end.history.epochs == 0
    assert stream.getvalue().endswith("loss nan\n")


def test_performance_schedule_is_found_only_for_plateau_rates() -> None:
    """fit updates a ReduceLROnPlateau rate (anything with update) and nothing else; it needs
    validation data to watch."""
    plateau = schedules.ReduceLROnPlateau(0.1)
    assert training.performance_schedule(optimizers.SGD(plateau), ("x", "y")) is plateau
    for rate in (0.1, schedules.ExponentialDecay(0.1, 10, 0.5), lambda step: 0.1):
        assert training.performance_schedule(optimizers.SGD(rate), None) is None
    with pytest.raises(ValueError, match="learning_rate: a ReduceLROnPlateau schedule watches"):
        training.performance_schedule(optimizers.SGD(plateau), None)


# ------------------------------------------------------------------------------ checkpoints

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.1),
    "momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: optimizers.Adagrad(0.1),
    "rmsprop": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda: optimizers.Adam(0.01, amsgrad=True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_checkpoint_round_trip_is_exact(tmp_path, name: str, dtype: str) -> None:
    """save -> load into a fresh model and optimizer gives back every weight (BN statistics
    included) and every optimizer variable bit for bit, in the model's dtype, and the meta."""
    model, optimizer = tiny_model(dtype), OPTIMIZERS[name]()
    train_a_little(model, optimizer)
    meta = {"epoch": np.int64(3), "val_loss": np.float32(0.25), "note": "best", "lr": [0.1, 0.01]}
    path = training.save_checkpoint(tmp_path / "sub" / "ck.npz", model, optimizer, meta)
    with np.load(path) as npz:
        assert all(npz[k].dtype == np.dtype(dtype) for k in npz.files if k.startswith("weights/"))
    fresh, fresh_opt = tiny_model(dtype, seed=5), OPTIMIZERS[name]()
    loaded = training.load_checkpoint(path, fresh, fresh_opt)
    assert loaded == {
        "format": training.CHECKPOINT_FORMAT,
        "weights": list(model.named_weights()),
        "optimizer": type(optimizer).__name__,
        "epoch": 3,
        "val_loss": 0.25,
        "note": "best",
        "lr": [0.1, 0.01],
    }
    for key, w in model.named_weights().items():
        got = fresh.named_weights()[key]
        assert got.dtype == w.dtype and np.array_equal(got, w), key
    ours, theirs = optimizer.variables(), fresh_opt.variables()
    assert ours.keys() == theirs.keys()
    for key, value in ours.items():
        assert theirs[key].dtype == value.dtype and np.array_equal(theirs[key], value), key


def test_checkpoint_from_a_float64_model_loads_into_a_float32_one(tmp_path) -> None:
    """Weights and slots are rounded into the float32 arrays; the model keeps its dtype."""
    wide, opt = tiny_model("float64"), optimizers.Adam()
    train_a_little(wide, opt)
    path = training.save_checkpoint(tmp_path / "ck.npz", wide, opt)
    narrow, opt32 = tiny_model("float32"), optimizers.Adam()
    training.load_checkpoint(path, narrow, opt32)
    for key, w in wide.named_weights().items():
        got = narrow.named_weights()[key]
        assert got.dtype == np.float32 and np.array_equal(got, w.astype(np.float32)), key
    for key, value in opt.variables().items():
        if key != "iterations":
            got = opt32.variables()[key]
            assert got.dtype == np.float32 and np.array_equal(got, value.astype(np.float32))


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_checkpoint(tmp_path, monkeypatch, failure) -> None:
    """A write that dies half-way (full disk, Ctrl-C) leaves the earlier checkpoint intact and
    loadable, and no partial or temporary file behind."""
    model = tiny_model()
    path = training.save_checkpoint(tmp_path / "ck.npz", model, meta={"epoch": 1})
    before = path.read_bytes()

    def dies_half_way(fh, **arrays):
        fh.write(b"PK\x03\x04 half a zip")
        raise failure

    monkeypatch.setattr(training.np, "savez", dies_half_way)
    with pytest.raises(type(failure)):
        training.save_checkpoint(path, tiny_model(seed=3), meta={"epoch": 2})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert training.load_checkpoint(path, tiny_model(seed=4))["epoch"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]


def test_checkpoint_meta_must_be_json_and_not_the_files_own_keys(tmp_path) -> None:
    """Meta that JSON cannot hold, or that would overwrite the checkpoint's own keys, is
    refused before anything is written."""
    model = tiny_model()
    with pytest.raises(TypeError, match="meta: expected JSON-serialisable values"):
        training.save_checkpoint(tmp_path / "a.npz", model, meta={"weights_now": np.zeros(3)})
    with pytest.raises(ValueError, match=r"meta: the keys \['format'\] are the checkpoint's own"):
        training.save_checkpoint(tmp_path / "b.npz", model, meta={"format": "mine"})
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_of_another_model_or_optimizer_is_refused_untouched(tmp_path) -> None:
    """Extra weights (a bigger model's file), another optimizer's state (Adam's momentum is not
    SGD's) or other slots are refused, and neither the model nor the optimizer has changed."""
    big = models.Sequential(
        [layers.Dense(4, "elu"), layers.Dense(3), layers.Dense(3)], 5, rng=np.random.default_rng(0)
    )
    path = training.save_checkpoint(tmp_path / "big.npz", big)
    small = tiny_model(batch_norm=False)
    before = small.get_weights()
    with pytest.raises(ValueError, match=r"holds weights the model does not have, \['dense_2/"):
        training.load_checkpoint(path, small)
    for a, b in zip(small.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)

    adam = optimizers.Adam()
    source = tiny_model(batch_norm=False, seed=1)
    train_a_little(source, adam)
    path = training.save_checkpoint(tmp_path / "adam.npz", source, adam)
    momentum = optimizers.SGD(0.1, momentum=0.9)
    train_a_little(small, momentum, steps=1)
    before, state = small.get_weights(), momentum.variables()
    with pytest.raises(ValueError, match="of class Adam, this optimizer is of class SGD"):
        training.load_checkpoint(path, small, momentum)
    rmsprop = optimizers.RMSprop(momentum=0.5)  # slots "momentum" and "velocity", as Adam's
    with pytest.raises(ValueError, match="of class Adam, this optimizer is of class RMSprop"):
        training.load_checkpoint(path, small, rmsprop)
    assert rmsprop.variables() == {"iterations": 0}
    path = training.save_checkpoint(tmp_path / "sgd.npz", small, momentum)
    with pytest.raises(ValueError, match=r"optimizer state has \['iterations', 'momentum/0'"):
        training.load_checkpoint(path, small, optimizers.SGD(0.1))  # no momentum: no slots
    for a, b in zip(small.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    for key, value in momentum.variables().items():
        np.testing.assert_array_equal(value, state[key])


# ---------------------------------------------------------------- layer names and summaries

KINDS = {
    "dense": lambda name: layers.Dense(2, name=name),
    "activation": lambda name: layers.Activation("relu", name=name),
    "batch_normalization": lambda name: layers.BatchNormalization(name=name),
    "dropout": lambda name: layers.Dropout(0.5, name=name),
}


@given(st.lists(st.tuples(st.sampled_from(list(KINDS)), st.booleans()), min_size=1, max_size=12))
def test_unnamed_layers_get_keras_style_names(spec) -> None:
    """Unnamed layers of each kind are named kind, kind_1, kind_2, ... in order (a counter per
    kind); given names are kept and take no number."""
    stack = [KINDS[kind](f"mine{i}" if named else None) for i, (kind, named) in enumerate(spec)]
    models.name_layers(stack)
    counts: dict[str, int] = {}
    for i, ((kind, named), layer) in enumerate(zip(spec, stack, strict=True)):
        if named:
            assert layer.name == f"mine{i}"
            continue
        n = counts.get(kind, 0)
        assert layer.name == (kind if n == 0 else f"{kind}_{n}")
        counts[kind] = n + 1


def test_duplicate_layer_names_are_refused() -> None:
    """Names are checkpoint keys: two layers called the same are refused, with the names."""
    with pytest.raises(ValueError, match=r"names must be unique, got \['a', 'dense', 'a'\]"):
        models.name_layers([layers.Dense(2, name="a"), layers.Dense(2), layers.Dense(2, name="a")])
    # a default name skips a name already taken (a reused layer keeps its "dense")
    stack = [layers.Dense(2, name="dense"), layers.Dense(2)]
    models.name_layers(stack)
    assert [layer.name for layer in stack] == ["dense", "dense_1"]


def test_summary_table_counts_every_weight() -> None:
    """One row per layer (name, output width, weights incl. BN's moving statistics, trainable),
    then the total: 5*4 + 4*4 + 0 + (4*3 + 3) = 51."""
    model = tiny_model()
    model.layers[-1].trainable = False
    lines = model.summary().splitlines()
    assert lines[0].split() == ["layer", "output", "params", "trainable"]
    rows = [line.split() for line in lines[1:-1]]
    assert rows == [
        ["dense", "4", "20", "True"],
        ["batch_normalization", "4", "16", "True"],
        ["activation", "4", "0", "True"],
        ["dense_1", "3", "15", "False"],
    ]
    assert lines[-1] == "total parameters: 51"


# ------------------------------------------------------------------- the layer recipe

CONFIGS = st.builds(
    networks.NetworkConfig,
    hidden_layers=st.integers(0, 4),
    units=st.integers(1, 6),
    activation=st.sampled_from(["elu", "relu", "selu"]),
    batch_norm=st.booleans(),
    dropout_rate=st.sampled_from([0.0, 0.25, 0.5]),
    dropout_placement=st.sampled_from(networks.DROPOUT_PLACEMENTS),
    l1=st.sampled_from([0.0, 1e-3]),
    l2=st.sampled_from([0.0, 1e-4]),
    max_norm=st.sampled_from([None, 2.0]),
)


def recipe(config: networks.NetworkConfig, n_outputs: int = 10) -> list:
    return networks.assemble_layers(config, n_outputs, layers, regularizers_mod, constraints_mod)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        (
            {"hidden_layers": 2},
            "hidden1_dropout hidden1 hidden1_bn hidden1_out hidden2_dropout hidden2 hidden2_bn "
            "hidden2_out logits",
        ),
        (
            {"hidden_layers": 2, "dropout_placement": "hidden"},
            "hidden1 hidden1_bn hidden1_out hidden1_dropout hidden2 hidden2_bn hidden2_out "
            "hidden2_dropout logits",
        ),
        ({"hidden_layers": 2, "batch_norm": False, "dropout_rate": 0.0}, "hidden1 hidden2 logits"),
        ({"hidden_layers": 0}, "logits"),
    ],
)
def test_recipe_examples(changes, names) -> None:
    """The book's notebook layouts, layer by layer: "book" dropout on the pixels and each hidden
    layer's input, "hidden" dropout after each hidden layer; never after the logits."""
    assert [layer.name for layer in recipe(networks.GUIDELINES.replace(**changes))] == names.split()


@given(config=CONFIGS, n_outputs=st.integers(1, 12))
def test_recipe_structure(config: networks.NetworkConfig, n_outputs: int) -> None:
    """For any config: hidden blocks Dense[no bias] -> BN -> activation (BN) or Dense with the
    activation; dropout of the config's rate before each hidden Dense ("book") or after each
    block ("hidden"), none at rate 0 and none after the logits; a linear logits layer last;
    penalties on every kernel, max-norm on the hidden kernels only."""
    stack = recipe(config, n_outputs)
    h, drop = config.hidden_layers, config.dropout_rate > 0
    logits = stack[-1]
    assert isinstance(logits, layers.Dense) and logits.name == "logits"
    assert logits.units == n_outputs and logits.use_bias and logits.activation.name == "linear"
    assert "kernel" not in logits.constraints
    dense = [layer for layer in stack if isinstance(layer, layers.Dense)]
    assert [d.name for d in dense] == [f"hidden{i}" for i in range(1, h + 1)] + ["logits"]
    dropouts = [i for i, layer in enumerate(stack) if isinstance(layer, layers.Dropout)]
    assert len(dropouts) == (h if drop else 0)
    assert all(stack[i].rate == config.dropout_rate for i in dropouts)
    for i in range(1, h + 1):
        k = stack.index(next(d for d in dense if d.name == f"hidden{i}"))
        block = stack[k : k + (3 if config.batch_norm else 1)]
        assert block[0].units == config.units and block[0].use_bias is not config.batch_norm
        if config.batch_norm:
            assert isinstance(block[1], layers.BatchNormalization)
            assert block[1].momentum == config.batch_norm_momentum
            assert isinstance(block[2], layers.Activation)
            assert block[0].activation.name == "linear"
        act = block[-1].activation
        assert act.name == config.activation
        if drop and config.dropout_placement == "book":
            assert k - 1 in dropouts
        if drop and config.dropout_placement == "hidden":
            assert k + len(block) in dropouts
        assert ("kernel" in block[0].constraints) is (config.max_norm is not None)
    if config.batch_norm:
        assert sum(isinstance(layer, layers.BatchNormalization) for layer in stack) == h
    else:
        assert not any(
            isinstance(layer, (layers.BatchNormalization, layers.Activation)) for layer in stack
        )
    for d in dense:
        assert ("kernel" in d.regularizers) is bool(config.l1 or config.l2)
        assert "bias" not in d.regularizers


# --------------------------------------------------------------------------- scratch.checks


@pytest.mark.parametrize("dtype", ["float32", "float64", np.float32, np.dtype("float64")])
def test_as_dtype_accepts_the_two_float_types(dtype) -> None:
    """float32 and float64, by name, type or dtype."""
    assert checks.as_dtype(dtype) in checks.FLOAT_DTYPES


@pytest.mark.parametrize("dtype", ["float16", "int32", int, "banana", None, object])
def test_as_dtype_refuses_everything_else(dtype) -> None:
    """Anything else is a TypeError naming dtype and the two choices."""
    with pytest.raises(TypeError, match="dtype: expected 'float32' or 'float64'"):
        checks.as_dtype(dtype)


FLOAT_ARRAYS = st.tuples(
    st.sampled_from(["float32", "float64"]),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    SEEDS,
).map(lambda t: np.random.default_rng(t[2]).standard_normal(t[1]).astype(t[0]))


@given(x=FLOAT_ARRAYS, cast=st.sampled_from([None, "float32", "float64"]))
def test_float_arrays_pass_unchanged_or_cast_when_asked(x: np.ndarray, cast) -> None:
    """A finite float array comes back with its values; in its own dtype unless ``dtype`` is
    given, then in that one (Keras casts floating input the same way)."""
    out = checks.check_float_array(x, "x", dtype=None if cast is None else np.dtype(cast))
    assert out.dtype == (x.dtype if cast is None else np.dtype(cast))
    np.testing.assert_array_equal(out, x.astype(out.dtype))


@given(x=FLOAT_ARRAYS, n_bad=st.integers(1, 3), bad=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_entries_are_counted_and_refused(x: np.ndarray, n_bad: int, bad) -> None:
    """NaN or infinite entries are refused with their count; finite=False lets them through."""
    x = x.copy()
    n_bad = min(n_bad, x.size)
    x.reshape(-1)[:n_bad] = bad
    with pytest.raises(ValueError, match=f"x: expected finite values, got {n_bad} NaN or infinite"):
        checks.check_float_array(x, "x")
    assert checks.check_float_array(x, "x", finite=False) is x


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (np.arange(4), {}, TypeError, "x: expected a floating-point array, got dtype int64"),
        (np.zeros(4, np.uint8), {}, TypeError, r"dtype uint8 \(scale uint8 pixels with x / 255"),
        (np.zeros(4, bool), {}, TypeError, "got dtype bool"),
        ({"a": 1}, {}, TypeError, "x: expected a NumPy array, got dict"),
        (None, {}, TypeError, "x: expected a NumPy array, got NoneType"),
        (np.zeros((2, 3)), {"ndim": 1}, ValueError, r"x: expected a 1-D array, got shape \(2, 3\)"),
        (np.zeros((2, 3)), {"width": 4}, ValueError, r"x: expected last dimension 4, got shape"),
        (np.zeros((0, 3)), {}, ValueError, r"x: expected a non-empty array, got shape \(0, 3\)"),
    ],
)
def test_float_array_refusals_name_the_argument(value, kwargs, error, match) -> None:
    """Integers (never silently cast: unscaled pixels), other objects, the wrong rank, width or
    an empty array are refused with the argument's name, what was expected and what came."""
    with pytest.raises(error, match=match):
        checks.check_float_array(value, "x", **kwargs)


def test_float_array_small_cases() -> None:
    """Lists and scalars become arrays; an empty array passes only with allow_empty."""
    np.testing.assert_array_equal(checks.check_float_array([[0.5, 1.0]], "x"), [[0.5, 1.0]])
    assert checks.check_float_array(np.zeros((0, 3)), "x", allow_empty=True).shape == (0, 3)


@given(n_classes=st.integers(1, 20), n=st.integers(1, 30), seed=SEEDS)
def test_labels_in_range_pass_and_the_edges_fail(n_classes: int, n: int, seed: int) -> None:
    """Labels 0..K-1 pass unchanged; -1 or K anywhere is refused with the value and the range."""
    y = np.random.default_rng(seed).integers(0, n_classes, n)
    y[0] = n_classes - 1
    np.testing.assert_array_equal(checks.check_labels(y, "y", n_classes=n_classes, n_rows=n), y)
    for bad in (-1, n_classes):
        wrong = y.copy()
        wrong[-1] = bad
        with pytest.raises(
            ValueError, match=rf"y: .* {bad} which is outside .* \[0, {n_classes}\)"
        ):
            checks.check_labels(wrong, "y", n_classes=n_classes)


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "match"),
    [
        (
            np.array([0.0, 1.0]),
            {},
            TypeError,
            "y: expected integer class labels, got dtype float64",
        ),
        (np.zeros((2, 1), int), {}, ValueError, r"y: expected a 1-D array of labels, got shape"),
        (
            np.zeros(3, int),
            {"n_rows": 4},
            ValueError,
            r"y: expected 4 labels \(one per row\), got 3",
        ),
        (np.zeros(0, int), {}, ValueError, "y: expected at least one label"),
    ],
)
def test_label_refusals_name_the_argument(value, kwargs, error, match) -> None:
    """Float labels, a 2-D array, a count that does not match x or no labels are refused."""
    with pytest.raises(error, match=match):
        checks.check_labels(value, "y", n_classes=3, **kwargs)


@given(
    value=st.integers(-3, 3) | st.floats(allow_nan=True, allow_infinity=True, width=64),
    integer=st.booleans(),
    zero=st.booleans(),
)
def test_check_positive_rule(value, integer: bool, zero: bool) -> None:
    """A finite number > 0 (>= 0 with zero=True); with integer=True an int (2.0 is not one)."""
    ok_type = isinstance(value, int) if integer else True
    ok_value = np.isfinite(value) and (value > 0 or (zero and value == 0))
    if ok_type and ok_value:
        checks.check_positive(value, "v", integer=integer, zero=zero)
    else:
        with pytest.raises(TypeError if not ok_type else ValueError, match="v: expected"):
            checks.check_positive(value, "v", integer=integer, zero=zero)


@pytest.mark.parametrize("value", [True, False, "3", None, [1], np.ones(2)])
def test_check_positive_refuses_non_numbers(value) -> None:
    """Booleans (True is not 1 epoch), strings, None and arrays are TypeErrors."""
    for integer in (False, True):
        with pytest.raises(TypeError, match=r"v: expected an? (number|integer)"):
            checks.check_positive(value, "v", integer=integer)
    checks.check_positive(np.int64(3), "v", integer=True)
    checks.check_positive(np.float32(0.5), "v")


def test_check_choice_lists_the_valid_names() -> None:
    """An unknown name is refused with the sorted valid ones."""
    assert checks.check_choice("b", "loss", ["b", "a"]) == "b"
    with pytest.raises(ValueError, match=r"loss: unknown name 'c'; expected one of a, b$"):
        checks.check_choice("c", "loss", ["b", "a"])


def test_logits_with_labels_or_targets() -> None:
    """Softmax losses take (N, K) logits and N labels in [0, K); sigmoid losses same-shaped
    targets in [0, 1]."""
    logits = np.zeros((2, 3))
    checks.check_logits_labels(logits, np.array([0, 2]))
    with pytest.raises(ValueError, match=r"labels: expected 2 labels \(one per row\)"):
        checks.check_logits_labels(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"outside the valid range of \[0, 3\)"):
        checks.check_logits_labels(logits, np.array([0, 3]))
    checks.check_logits_targets(logits, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"targets: expected shape \(2, 3\)"):
        checks.check_logits_targets(logits, np.ones(3))
    with pytest.raises(ValueError, match=r"targets: expected probabilities in \[0, 1\]"):
        checks.check_logits_targets(logits, np.full((2, 3), 1.5))
