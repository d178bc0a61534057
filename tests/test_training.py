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
