"""The training loop, early stopping and checkpoints (scratch), and the TF loop against it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import layers, models, optimizers, training


def blobs(n: int, rng: np.random.Generator, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 8-D: any working loop reaches ~100%."""
    centers = np.eye(3, 8) * 4.0
    y = rng.integers(0, 3, n)
    x = centers[y] + rng.standard_normal((n, 8))
    return x.astype(dtype), y


def small_net(rng: np.random.Generator, dtype="float32") -> models.Sequential:
    return models.Sequential(
        [layers.Dense(16, "elu", kernel_initializer="he_normal"), layers.Dense(3)],
        8,
        rng=rng,
        dtype=dtype,
    )


@given(n=st.integers(1, 500), batch_size=st.integers(1, 64), seed=st.integers(0, 2**31))
def test_minibatches_cover_every_row_once(n: int, batch_size: int, seed: int) -> None:
    batches = list(training.minibatches(n, batch_size, np.random.default_rng(seed)))
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size
    again = list(training.minibatches(n, batch_size, np.random.default_rng(seed)))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))


def test_minibatches_shuffle_false_keeps_order() -> None:
    batches = list(training.minibatches(10, 4, shuffle=False))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_early_stopping_waits_patience_and_keeps_best() -> None:
    stopper = training.EarlyStopping(patience=2)
    values = [1.0, 0.5, 0.6, 0.7, 0.4]
    decisions = [stopper.update(e, v, lambda e=e: [np.array(e)]) for e, v in enumerate(values)]
    # epoch 1 is best; epochs 2 and 3 are two epochs without progress: patience 2 still waits,
    # the third non-improving epoch would stop. 0.4 at epoch 4 improves, so no stop at all.
    assert decisions == [False, False, False, False, False]
    assert stopper.best_epoch == 4 and stopper.best == 0.4
    assert [stopper.update(5 + i, 0.9, lambda: [np.array(-1)]) for i in range(3)] == [
        False,
        False,
        True,
    ]
    assert int(stopper.best_weights[0]) == 4


def test_fit_learns_and_restores_best_weights() -> None:
    rng = np.random.default_rng(0)
    x, y = blobs(600, rng)
    model = small_net(rng)
    stopper = training.EarlyStopping(patience=2)
    history = training.fit(
        model,
        x[:500],
        y[:500],
        optimizer=optimizers.Adam(0.01),
        epochs=40,
        batch_size=20,
        validation_data=(x[500:], y[500:]),
        early_stopping=stopper,
        rng=rng,
        verbose=False,
    )
    assert history.epochs >= 2
    best = history.history["val_loss"][history.best_epoch]
    assert best == min(history.history["val_loss"])
    # The weights in the model now are the best epoch's: re-scoring gives the best val loss.
    scores = training.evaluate(model, x[500:], y[500:])
    assert scores["loss"] == pytest.approx(best, rel=1e-6)
    assert scores["accuracy"] > 0.95


def test_early_stopping_restores_best_not_last() -> None:
    """A mutant that keeps the last weights would re-score at the last epoch's val loss."""
    rng = np.random.default_rng(1)
    x, y = blobs(300, rng)
    model = small_net(rng)
    # A learning rate large enough that validation loss gets worse after a few epochs.
    history = training.fit(
        model,
        x[:200],
        y[:200],
        optimizer=optimizers.SGD(2.0),
        epochs=30,
        batch_size=10,
        validation_data=(x[200:], y[200:]),
        early_stopping=training.EarlyStopping(patience=3),
        rng=rng,
        verbose=False,
    )
    vals = history.history["val_loss"]
    assert history.best_epoch != len(vals) - 1, "test needs a run whose last epoch is not best"
    rescored = training.evaluate(model, x[200:], y[200:])["loss"]
    assert rescored == pytest.approx(vals[history.best_epoch], rel=1e-6)
    assert rescored != pytest.approx(vals[-1], rel=1e-3)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_fit_stops_on_divergence() -> None:
    rng = np.random.default_rng(2)
    x, y = blobs(200, rng)
    x[:, 0] *= 1e20  # with SGD at lr 1e3, logits overflow to inf and the loss becomes NaN
    model = small_net(rng)
    history = training.fit(
        model, x, y, optimizer=optimizers.SGD(1e3), epochs=5, batch_size=50, rng=rng, verbose=False
    )
    assert history.diverged_at_epoch is not None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
@pytest.mark.parametrize("backend", ["scratch", pytest.param("tf_ref", marks=pytest.mark.tf)])
def test_fit_stops_when_only_the_validation_loss_is_not_finite(backend: str) -> None:
    """One step per epoch, whose loss (taken before the update) is finite, then weights so large
    that the validation outputs overflow: fit records the divergence at that epoch and stops,
    instead of training on with non-finite weights and reporting a finished run."""
    import importlib

    rng = np.random.default_rng(4)
    x, y = blobs(40, rng)
    model = small_net(rng)
    if backend == "tf_ref":
        mod_layers = importlib.import_module("tf_ref.layers")
        tf_model = importlib.import_module("tf_ref.models").Sequential(
            [mod_layers.Dense(16, "elu"), mod_layers.Dense(3)], 8, rng=rng
        )
        tf_model.set_weights(model.get_weights())
        model, fit_module = tf_model, importlib.import_module("tf_ref.training")
        opt = importlib.import_module("tf_ref.optimizers").SGD(1e37)
    else:
        fit_module, opt = training, optimizers.SGD(1e37)
    history = fit_module.fit(
        model,
        x,
        y,
        optimizer=opt,
        epochs=5,
        batch_size=40,
        validation_data=(x, y),
        rng=rng,
        verbose=False,
    )
    assert np.isfinite(history.history["loss"][0]), history.history
    assert not np.isfinite(history.history["val_loss"][0]), history.history
    assert history.diverged_at_epoch == 0 and history.epochs == 1


def test_progress_bar_prints_one_line_per_epoch_off_a_terminal() -> None:
    rng = np.random.default_rng(3)
    x, y = blobs(100, rng)
    out = io.StringIO()
    training.fit(small_net(rng), x, y, epochs=3, batch_size=25, rng=rng, stream=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3") and "loss" in lines[0]


def test_same_seed_same_training() -> None:
    def run() -> list[np.ndarray]:
        rng = np.random.default_rng(7)
        x, y = blobs(200, rng)
        model = small_net(rng)
        training.fit(model, x, y, epochs=2, batch_size=16, rng=rng, verbose=False)
        return model.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_resume_continues_exactly(tmp_path) -> None:
    """Saving weights + optimizer state mid-run and resuming gives bit-identical training."""
    rng = np.random.default_rng(4)
    x, y = blobs(120, rng)
    model = small_net(rng, "float64")
    opt = optimizers.Adam(0.01)
    loss = training.losses_mod.UNCHECKED["sparse_softmax_cross_entropy"]
    for i in range(5):
        training.train_step(model, opt, loss, x[i * 20 : i * 20 + 20].astype(np.float64), y[:20])
    path = training.save_checkpoint(tmp_path / "ck.npz", model, opt, {"epoch": 3})

    restored = small_net(np.random.default_rng(99), "float64")
    opt2 = optimizers.Adam(0.01)
    meta = training.load_checkpoint(path, restored, opt2)
    assert meta["epoch"] == 3 and opt2.iterations == 5
    xb = x[:20].astype(np.float64)
    for _ in range(3):
        training.train_step(model, opt, loss, xb, y[:20])
        training.train_step(restored, opt2, loss, xb, y[:20])
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_errors_are_clear(tmp_path) -> None:
    rng = np.random.default_rng(5)
    model = small_net(rng)
    with pytest.raises(FileNotFoundError, match="no file"):
        training.load_checkpoint(tmp_path / "missing.npz", model)
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a readable"):
        training.load_checkpoint(bad, model)
    path = training.save_checkpoint(tmp_path / "ok.npz", model)
    other = models.Sequential([layers.Dense(4), layers.Dense(3)], 8, rng=rng)
    with pytest.raises(ValueError, match="shape"):
        training.load_checkpoint(path, other)
    with pytest.raises(ValueError, match="no optimizer state"):
        training.load_checkpoint(path, model, optimizers.Adam())
    # A pickled object array inside the archive is refused, never unpickled.
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, meta=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a readable"):
        training.load_checkpoint(pickled, model)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "adamw"}, "optimizer"),
        ({"loss": "mse"}, "loss"),
        ({"early_stopping": training.EarlyStopping()}, "validation_data"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, match) -> None:
    rng = np.random.default_rng(6)
    x, y = blobs(50, rng)
    with pytest.raises((ValueError, TypeError), match=match):
        training.fit(small_net(rng), x, y, verbose=False, **kwargs)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda x, y: (x.astype(np.uint8), y), "scale"),
        (lambda x, y: (x[:, :5], y), "last dimension 8"),
        (lambda x, y: (np.where(x > 3, np.nan, x), y), "NaN"),
        (lambda x, y: (x[:0], y[:0]), "non-empty"),
        (lambda x, y: (x, y + 1), r"outside the valid range of \[0, 3\)"),
        (lambda x, y: (x, y.astype(np.float32)), "integer class labels"),
        (lambda x, y: (x, y[:-1]), "one per row"),
    ],
)
def test_fit_rejects_bad_data(mutate, match) -> None:
    rng = np.random.default_rng(8)
    x, y = mutate(*blobs(50, rng))
    with pytest.raises((ValueError, TypeError), match=match):
        training.fit(small_net(rng), x, y, verbose=False)


@pytest.mark.tf
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_scratch_fit_matches_tf_fit_in_float64(optimizer: str) -> None:
    """The whole loop against the oracle: same initial weights, same batches (same rng seed),
    float64. Hyperparameters are exact in float32 (0.0625, Adam's defaults only enter through
    beta powers, see docs/FACTS.md), so Keras' float32 rounding of constants cannot explain a gap.
    Per-epoch losses and final weights agree to ~1e-12 after 3 epochs of 13 steps; a wrong
    batch order, a missing 1/N or a different update would differ at 1e-3 or more."""
    from tf_ref import layers as tf_layers
    from tf_ref import models as tf_models
    from tf_ref import optimizers as tf_optimizers
    from tf_ref import training as tf_training

    rng = np.random.default_rng(11)
    x, y = blobs(250, rng, np.float64)
    spec = [("elu", 16), (None, 3)]
    ours = models.Sequential(
        [layers.Dense(n, a, kernel_initializer="he_normal") for a, n in spec], 8, dtype="float64"
    )
    ours.build(8, np.random.default_rng(0))
    theirs = tf_models.Sequential(
        [tf_layers.Dense(n, a) for a, n in spec], 8, rng=np.random.default_rng(1), dtype="float64"
    )
    theirs.set_weights(ours.get_weights())
    make = {
        "sgd": (lambda m: m.SGD(0.0625)),
        "adam": (lambda m: m.Adam(0.0078125, beta_1=0.875, beta_2=0.9990234375)),
    }[optimizer]
    kwargs = {"epochs": 3, "batch_size": 20, "verbose": False, "validation_data": (x[:50], y[:50])}
    h1 = training.fit(
        ours, x, y, optimizer=make(optimizers), rng=np.random.default_rng(5), **kwargs
    )
    h2 = tf_training.fit(
        theirs, x, y, optimizer=make(tf_optimizers), rng=np.random.default_rng(5), **kwargs
    )
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-11)
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-11)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ------------------------------------------- what fit leaves behind, in both backends
# Lockstep compares the two backends with each other; it cannot see a bug in what they share
# (prepare_fit, early stopping, checkpoint files) nor one that both make. These tests hold each
# backend to an explicit expectation instead: the same run replayed for fewer epochs.

BACKENDS = [
    pytest.param("scratch", id="scratch"),
    pytest.param("tf", id="tf_ref", marks=pytest.mark.tf),
]


def backend(name: str):
    """(layers, models, optimizers, training) of a backend; tf_ref is imported only when asked."""
    if name == "scratch":
        return layers, models, optimizers, training
    from tf_ref import layers as tf_layers
    from tf_ref import models as tf_models
    from tf_ref import optimizers as tf_optimizers
    from tf_ref import training as tf_training

    return tf_layers, tf_models, tf_optimizers, tf_training


def start_net(name: str, dtype: str = "float32"):
    """small_net in the backend, from the same initial weights in both (drawn by scratch)."""
    net = small_net(np.random.default_rng(2), dtype)
    if name == "scratch":
        return net
    tf_layers, tf_models, _, _ = backend(name)
    twin = tf_models.Sequential(
        [tf_layers.Dense(16, "elu"), tf_layers.Dense(3)],
        8,
        rng=np.random.default_rng(0),
        dtype=dtype,
    )
    twin.set_weights(net.get_weights())
    return twin


# 160 training rows in batches of 32 (5 steps per epoch), 80 validation rows. SGD at 0.3 with
# momentum 0.9 overshoots: val_loss is best at epoch 3 of 7 (scratch, float32), so the best
# epoch is neither the first nor the last and early stopping (patience 2) stops the run.
X, Y = blobs(240, np.random.default_rng(12))
N_BATCHES = 5


def run_fit(name: str, epochs: int, dtype: str = "float32", x=None, xv=None, **kwargs):
    """fit in backend ``name`` from start_net: (model, optimizer, history)."""
    _, _, opt_mod, train_mod = backend(name)
    model, optimizer = start_net(name, dtype), opt_mod.SGD(0.3, momentum=0.9)
    if name == "tf":  # bit-for-bit replays: on a GPU, TF's reductions may vary from run to run
        kwargs["device"] = "cpu"
    history = train_mod.fit(
        model,
        X[:160] if x is None else x,
        Y[:160],
        optimizer=optimizer,
        epochs=epochs,
        batch_size=32,
        validation_data=(X[160:] if xv is None else xv, Y[160:]),
        rng=np.random.default_rng(5),
        verbose=False,
        **kwargs,
    )
    return model, optimizer, history


def assert_same_weights(got: list[np.ndarray], expected: list[np.ndarray], what: str) -> None:
    """Bit for bit: both come from the same computation on the same machine."""
    assert len(got) == len(expected), what
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a.dtype == b.dtype and np.array_equal(a, b), f"{what}: weight {i} differs"


def record_epochs(values: list[float], min_delta: float) -> list[int]:
    """The epochs that set a record: lower than the last record by more than min_delta."""
    records: list[int] = []
    for epoch, value in enumerate(values):
        if not records or value < values[records[-1]] - min_delta:
            records.append(epoch)
    return records


@pytest.mark.parametrize("min_delta", [0.0, 0.005])
@pytest.mark.parametrize("name", BACKENDS)
def test_fit_checkpoint_holds_the_best_epoch(tmp_path, name: str, min_delta: float) -> None:
    """The file fit writes (checkpoint_path=) read back into a fresh model and optimizer holds
    exactly what the same run stopped after the best epoch holds: weights, optimizer slots and
    step count; its meta names that epoch and its losses. History.best_epoch, the file and the
    weights early stopping restores are that one epoch, also when min_delta makes the lowest
    val_loss no record (0.005: epoch 3 beats epoch 2 by less)."""
    _, _, opt_mod, train_mod = backend(name)
    path = tmp_path / "best.npz"
    stopper = train_mod.EarlyStopping(patience=2, min_delta=min_delta)
    model, _, history = run_fit(name, 30, early_stopping=stopper, checkpoint_path=path)
    vals = history.history["val_loss"]
    best = record_epochs(vals, min_delta)[-1]
    assert 0 < best < len(vals) - 1, f"test needs a best epoch in the middle, got {vals}"
    assert history.best_epoch == stopper.best_epoch == best

    fresh, fresh_opt = start_net(name), opt_mod.SGD(0.3, momentum=0.9)
    fresh.set_weights([w + 1 for w in fresh.get_weights()])  # nothing left from the start
    meta = train_mod.load_checkpoint(path, fresh, fresh_opt)
    assert meta["epoch"] == best
    assert meta["val_loss"] == vals[best] and meta["loss"] == history.history["loss"][best]

    replay, replay_opt, _ = run_fit(name, best + 1)
    assert_same_weights(fresh.get_weights(), replay.get_weights(), "checkpoint vs replay")
    assert fresh_opt.iterations == replay_opt.iterations == (best + 1) * N_BATCHES
    ours, theirs = fresh_opt.variables(), replay_opt.variables()
    assert ours.keys() == theirs.keys() == {"iterations", "momentum/0", "momentum/1",
                                           "momentum/2", "momentum/3"}  # fmt: skip
    assert_same_weights([ours[k] for k in sorted(ours)], [theirs[k] for k in sorted(ours)], "slots")
    assert_same_weights(model.get_weights(), replay.get_weights(), "restored vs replay")


@pytest.mark.parametrize("restore", [True, False])
@pytest.mark.parametrize("name", BACKENDS)
def test_restore_best_weights_decides_which_epoch_fit_keeps(name: str, restore: bool) -> None:
    """restore_best_weights=True leaves the best epoch's weights in the model, False the last
    epoch's: each equal to the same run replayed for that many epochs."""
    _, _, _, train_mod = backend(name)
    stopper = train_mod.EarlyStopping(patience=2, restore_best_weights=restore)
    model, _, history = run_fit(name, 30, early_stopping=stopper)
    assert history.stopped_early and history.best_epoch < history.epochs - 1
    assert (stopper.best_weights is not None) is restore
    kept = history.best_epoch + 1 if restore else history.epochs
    replay, _, _ = run_fit(name, kept)
    assert_same_weights(model.get_weights(), replay.get_weights(), f"restore={restore}")


@pytest.mark.parametrize(
    ("model_dtype", "data_dtype"), [("float32", "float64"), ("float64", "float32")]
)
@pytest.mark.parametrize("name", BACKENDS)
def test_fit_on_data_of_another_dtype_is_fit_on_data_cast_by_hand(
    name: str, model_dtype: str, data_dtype: str
) -> None:
    """x and the validation x in the other float dtype train exactly as x.astype(model dtype)
    does: the same losses, val_losses and weights, bit for bit (the cast happens once, up
    front, and nothing computes in the data's dtype)."""
    x, xv = X[:160].astype(data_dtype), X[160:].astype(data_dtype)
    model, _, history = run_fit(name, 2, model_dtype, x=x, xv=xv)
    by_hand, _, expected = run_fit(
        name, 2, model_dtype, x=x.astype(model_dtype), xv=xv.astype(model_dtype)
    )
    for key in ("loss", "val_loss", "val_accuracy"):
        assert history.history[key] == expected.history[key], key
    assert_same_weights(model.get_weights(), by_hand.get_weights(), "weights")
    assert all(w.dtype == np.dtype(model_dtype) for w in model.get_weights())


@pytest.mark.parametrize("name", BACKENDS)
def test_early_stopping_reused_for_a_second_fit_starts_over(name: str) -> None:
    """An EarlyStopping passed to a second fit does not carry the first run's best over: the
    second run trains as with a new one, and keeps its own weights, not the first model's."""
    _, _, _, train_mod = backend(name)
    stopper = train_mod.EarlyStopping(patience=2)
    run_fit(name, 30, early_stopping=stopper)
    model, _, history = run_fit(name, 2, early_stopping=stopper)
    replay, _, expected = run_fit(name, 2, early_stopping=train_mod.EarlyStopping(patience=2))
    assert history.epochs == 2 and not history.stopped_early
    assert history.history["val_loss"] == expected.history["val_loss"]
    assert_same_weights(model.get_weights(), replay.get_weights(), "second run")


# ------------------------------------------------------------- every loss, both backends
# scratch.targets.SPECS: class labels, 0/1 labels, targets in [0, 1] (an autoencoder's pixels),
# real values. Small problems each loss should learn, the same initial weights in both backends.


def two_blobs(n: int, rng: np.random.Generator, dtype=np.float64):
    """Two separated Gaussian blobs in 8-D and their 0/1 labels (N,)."""
    t = rng.integers(0, 2, n)
    x = np.where(t[:, None] == 1, 1.5, -1.5) * np.eye(1, 8) + rng.standard_normal((n, 8))
    return x.astype(dtype), t


def loss_problem(loss: str, rng: np.random.Generator, n: int = 200):
    """(x, y, output width) for ``loss``: labels of two blobs; the rows themselves, squashed
    into (0, 1), as an autoencoder's targets; a linear map of x plus noise as regression."""
    x, t = two_blobs(n, rng)
    if loss == "sigmoid_binary_cross_entropy":
        return x, t, 1
    if loss == "sigmoid_cross_entropy":
        x = 1 / (1 + np.exp(-x))
        return x, x, 8
    w = rng.standard_normal((8, 2))
    return x, x @ w + 0.1 * rng.standard_normal((n, 2)), 2


def net_for(name: str, n_out: int, dtype: str = "float64"):
    """8 -> Dense(16, elu) -> Dense(n_out), the same initial weights (drawn by scratch)."""
    net = models.Sequential(
        [layers.Dense(16, "elu", kernel_initializer="he_normal"), layers.Dense(n_out)],
        8,
        rng=np.random.default_rng(3),
        dtype=dtype,
    )
    if name == "scratch":
        return net
    tf_layers, tf_models, _, _ = backend(name)
    twin = tf_models.Sequential(
        [tf_layers.Dense(16, "elu"), tf_layers.Dense(n_out)], 8, rng=0, dtype=dtype
    )
    twin.set_weights(net.get_weights())
    return twin


NON_LABEL_LOSSES = ["sigmoid_binary_cross_entropy", "sigmoid_cross_entropy", "mean_squared_error"]
METRIC_KEYS = {
    "sigmoid_binary_cross_entropy": {"val_binary_accuracy"},
    "sigmoid_cross_entropy": {"val_mean_squared_error"},
    "mean_squared_error": set(),
}


@pytest.mark.parametrize("shape", ["(N,)", "(N, 1)"])
@pytest.mark.parametrize("name", BACKENDS)
def test_binary_loss_trains_a_one_unit_output(name: str, shape: str) -> None:
    """The measured bug: fit(loss="sigmoid_binary_cross_entropy") on a 1-unit output with
    labels 0/1 was refused ("outside the valid range of [0, 1)"); it trains, (N,) or (N, 1)
    labels alike, to a validation binary accuracy above 0.95 on two separated blobs (the
    Bayes rate is ~0.93 per axis at 1.5 sigma; the blobs differ by 3 sigma: ~0.93... so the
    bound is 0.9, far above the 0.5 of chance)."""
    _, _, opt_mod, train_mod = backend(name)
    x, t = two_blobs(300, np.random.default_rng(4))
    y = t if shape == "(N,)" else t[:, None]
    model = net_for(name, 1)
    history = train_mod.fit(
        model, x[:200], y[:200], optimizer=opt_mod.Adam(0.01), loss="sigmoid_binary_cross_entropy",
        epochs=10, batch_size=20, validation_data=(x[200:], y[200:]), rng=5, verbose=False,
    )  # fmt: skip
    assert set(history.history) == {
        "loss", "val_loss", "val_binary_accuracy", "learning_rate", "seconds"
    }  # fmt: skip
    assert history.history["val_binary_accuracy"][-1] >= 0.9
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    scores = train_mod.evaluate(model, x[200:], y[200:], "sigmoid_binary_cross_entropy")
    assert set(scores) == {"loss", "binary_accuracy"}


@pytest.mark.tf
@pytest.mark.parametrize("loss", NON_LABEL_LOSSES)
def test_every_loss_trains_the_same_in_both_backends(loss: str) -> None:
    """Binary labels, an autoencoder-like fit(model, x, x) on [0, 1] targets, an MSE
    regression: scratch and tf_ref from the same weights on the same batches (float64, SGD at
    0.0625, exact in float32) give the same per-epoch losses, validation scores and weights.
    Tolerance: the two sum the per-entry losses in other orders (TF: mean over each row, then
    over the batch), ~1e-16 relative per step, over 3 epochs of 8 steps: rtol 1e-10 leaves
    room, while a missing 1/D, a wrong target dtype or a different batch differ by > 1e-3."""
    rng = np.random.default_rng(6)
    x, y, n_out = loss_problem(loss, rng)
    kwargs = dict(
        loss=loss, epochs=3, batch_size=25, validation_data=(x[:50], y[:50]), verbose=False
    )
    runs = {}
    for name in ("scratch", "tf"):
        _, _, opt_mod, train_mod = backend(name)
        model = net_for(name, n_out)
        history = train_mod.fit(
            model, x, y, optimizer=opt_mod.SGD(0.0625), rng=np.random.default_rng(7), **kwargs
        )
        runs[name] = model, history
    (ours, h1), (theirs, h2) = runs["scratch"], runs["tf"]
    assert set(h1.history) == set(h2.history) == {
        "loss", "val_loss", "learning_rate", "seconds", *METRIC_KEYS[loss]
    }  # fmt: skip
    for key in h1.history:
        if key != "seconds":
            np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-10, err_msg=key)
    assert h1.history["loss"][-1] < h1.history["loss"][0]  # it learns something
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# SGD rates at which these problems overshoot: best epochs 3, 20 and 11 of 6, 23 and 14.
OVERSHOOT = {
    "sigmoid_binary_cross_entropy": 0.3,
    "sigmoid_cross_entropy": 1.0,
    "mean_squared_error": 0.05,
}


@pytest.mark.parametrize("loss", NON_LABEL_LOSSES)
@pytest.mark.parametrize("name", BACKENDS)
def test_early_stopping_and_checkpoint_watch_val_loss_for_every_loss(tmp_path, name, loss):
    """For every loss, the best epoch is the lowest val_loss (a record by is_new_best's rule),
    early stopping stops after patience epochs without one, the checkpoint holds that epoch
    (its meta and its weights: evaluate gives its val_loss again) and fit restores it.
    SGD with momentum 0.9 at a rate that overshoots (measured per loss) puts the best epoch
    before the last and well after the first."""
    _, _, opt_mod, train_mod = backend(name)
    x, y, n_out = loss_problem(loss, np.random.default_rng(8))
    xv, yv = x[:50], y[:50]
    model = net_for(name, n_out)
    path = tmp_path / "best.npz"
    stopper = train_mod.EarlyStopping(patience=1)
    history = train_mod.fit(
        model, x[50:], y[50:], optimizer=opt_mod.SGD(OVERSHOOT[loss], momentum=0.9), loss=loss,
        epochs=40,
        batch_size=25, validation_data=(xv, yv), early_stopping=stopper, rng=9, verbose=False,
        checkpoint_path=path,
    )  # fmt: skip
    vals = history.history["val_loss"]
    best = record_epochs(vals, 0.0)[-1]
    assert 0 < best and history.stopped_early and history.epochs == best + 3, vals  # 2 more
    assert history.best_epoch == stopper.best_epoch == best
    # restored weights: those of the best epoch (the same evaluation, rounding aside)
    assert train_mod.evaluate(model, xv, yv, loss)["loss"] == pytest.approx(vals[best], rel=1e-9)
    fresh = net_for(name, n_out)
    meta = train_mod.load_checkpoint(path, fresh)
    assert meta["epoch"] == best and meta["val_loss"] == vals[best]
    assert_same_weights(fresh.get_weights(), model.get_weights(), "checkpoint vs restored")


@pytest.mark.parametrize("name", BACKENDS)
def test_evaluate_scores_every_loss_and_nan_when_diverged(name: str) -> None:
    """evaluate returns {"loss", *metrics} for each loss, with every value NaN (no error)
    when the outputs are not finite."""
    _, _, _, train_mod = backend(name)
    rng = np.random.default_rng(10)
    for loss, keys in [
        ("sparse_softmax_cross_entropy", {"loss", "accuracy"}),
        *((loss, {"loss"} | {k[4:] for k in METRIC_KEYS[loss]}) for loss in NON_LABEL_LOSSES),
    ]:
        x, y, n_out = loss_problem(loss, rng) if loss in METRIC_KEYS else (*two_blobs(50, rng), 2)
        model = net_for(name, n_out)
        scores = train_mod.evaluate(model, x, y, loss)
        assert set(scores) == keys and all(np.isfinite(v) for v in scores.values()), loss
        model.set_weights([np.full_like(w, 1e300) for w in model.get_weights()])
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
            scores = train_mod.evaluate(model, x, y, loss)
        assert set(scores) == keys and all(np.isnan(v) for v in scores.values()), loss


@pytest.mark.parametrize(
    ("loss", "y", "match"),
    [
        ("sigmoid_binary_cross_entropy", np.full(40, 0.5), r"y: loss .* neither 0 nor 1"),
        (
            "sigmoid_binary_cross_entropy",
            np.zeros((40, 2)),
            r"y: .*\(40, 2\), but the model has 1 outputs",
        ),
        ("sigmoid_cross_entropy", np.full((40, 1), 2.0), r"y: .*got values in \[2.0, 2.0\]"),
        ("mean_squared_error", np.full(40, np.nan), "y: .*40 NaN or infinite"),
        ("mean_squared_error", np.zeros(39), "y: expected 40 rows of targets"),
        ("sparse_softmax_cross_entropy", np.zeros(40), "y: expected integer class labels"),
        ("mse", np.zeros(40), "loss: unknown name 'mse'; expected one of .*mean_squared_error"),
    ],
)
def test_fit_refuses_targets_the_loss_cannot_take_before_building(loss, y, match) -> None:
    """fit checks y as the loss's targets (wrong kind, width, range, NaN, rows, unknown loss)
    before anything is built or trained."""
    x = np.zeros((40, 8))
    model = models.Sequential([layers.Dense(1)], dtype="float64")
    with pytest.raises((TypeError, ValueError), match=match):
        training.fit(model, x, y, loss=loss, verbose=False)
    if "outputs" not in match:  # the width is known only once the model is built
        assert not model.built


def test_train_step_takes_a_loss_name_or_a_function() -> None:
    """scratch.train_step's loss_fn: a loss name (its targets checked as that loss wants), a
    registered function (the same step), or a function of your own (class labels)."""
    x, y, _ = loss_problem("sigmoid_cross_entropy", np.random.default_rng(11), 20)
    steps = []
    for loss_fn in ("sigmoid_cross_entropy", training.losses_mod.LOSSES["sigmoid_cross_entropy"]):
        model, opt = net_for("scratch", 8), optimizers.SGD(0.1)
        steps.append((training.train_step(model, opt, loss_fn, x, y), model.get_weights()))
    assert steps[0][0] == steps[1][0]
    assert_same_weights(steps[0][1], steps[1][1], "name vs function")
    with pytest.raises(ValueError, match=r"y_batch: loss 'sigmoid_cross_entropy' .*\[0, 1\]"):
        training.train_step(net_for("scratch", 8), optimizers.SGD(0.1), "sigmoid_cross_entropy",
                            x, 2 * y)  # fmt: skip
    with pytest.raises(ValueError, match=r"y_batch: .*neither 0 nor 1"):
        training.train_step(net_for("scratch", 8), optimizers.SGD(0.1),
                            "sigmoid_binary_cross_entropy", x, y)  # fmt: skip
    with pytest.raises(ValueError, match="loss: unknown name 'mse'"):
        training.train_step(net_for("scratch", 8), optimizers.SGD(0.1), "mse", x, y)
    with pytest.raises(TypeError, match="loss_fn: expected a loss name"):
        training.train_step(net_for("scratch", 8), optimizers.SGD(0.1), 3, x, y)

    def mine(logits, labels):
        return training.losses_mod.sparse_softmax_cross_entropy_value_and_grad(logits, labels)

    labels = np.arange(20) % 8
    value = training.train_step(net_for("scratch", 8), optimizers.SGD(0.1), mine, x, labels)
    assert np.isfinite(value)


@pytest.mark.tf
def test_tf_fit_called_again_reuses_its_compiled_epoch(monkeypatch) -> None:
    """A second tf_ref fit on the same model, optimizer, loss and batch size runs the graph the
    first traced (no retracing warning per call in a loop of fits) and trains as one longer
    fit would; a new optimizer or a frozen layer traces a new one."""
    _, _, tf_optimizers, tf_training = backend("tf")
    one, twice = start_net("tf", "float64"), start_net("tf", "float64")
    kwargs = {"batch_size": 32, "verbose": False, "device": "cpu"}
    tf_training.fit(one, X[:160], Y[:160], optimizer=tf_optimizers.SGD(0.1), epochs=2,
                    rng=np.random.default_rng(5), **kwargs)  # fmt: skip
    compiled = []
    compile_epoch = tf_training._compile_epoch
    monkeypatch.setattr(
        tf_training, "_compile_epoch", lambda *a: compiled.append(a) or compile_epoch(*a)
    )
    opt, rng = tf_optimizers.SGD(0.1), np.random.default_rng(5)
    for _ in range(2):
        tf_training.fit(twice, X[:160], Y[:160], optimizer=opt, epochs=1, rng=rng, **kwargs)
    (run_epoch,) = twice._compiled_epochs.values()
    assert len(compiled) == 1 and run_epoch.experimental_get_tracing_count() == 1
    # the same steps on the same batches: float64 sums in the same order
    assert_same_weights(twice.get_weights(), one.get_weights(), "two fits vs one")
    tf_training.fit(twice, X[:160], Y[:160], optimizer=tf_optimizers.SGD(0.1), epochs=1, **kwargs)
    twice.layers[0].trainable = False
    tf_training.fit(twice, X[:160], Y[:160], optimizer=tf_optimizers.SGD(0.1), epochs=1, **kwargs)
    assert len(twice._compiled_epochs) == 3 and len(compiled) == 3
