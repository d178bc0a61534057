"""``fit(..., cache_frozen=True)``: the frozen bottom layers computed once, the layers above
trained on their outputs, with the very trajectory of uncached training (both backends), and
the frozen prefix found and checked by the shared plumbing (``training.frozen_prefix``)."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import layers, models, optimizers, regularizers, training

BACKENDS = [
    pytest.param("scratch", id="scratch"),
    pytest.param("tf", id="tf_ref", marks=pytest.mark.tf),
]


def backend(name: str):
    """(layers, models, optimizers, regularizers, training) of a backend; tf_ref is imported
    only when asked, so ``-m "not tf"`` never imports TensorFlow."""
    if name == "scratch":
        return layers, models, optimizers, regularizers, training
    from tf_ref import layers as tf_layers
    from tf_ref import models as tf_models
    from tf_ref import optimizers as tf_optimizers
    from tf_ref import regularizers as tf_regularizers
    from tf_ref import training as tf_training

    return tf_layers, tf_models, tf_optimizers, tf_regularizers, tf_training


def noisy_blobs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three overlapping Gaussian blobs in 8-D (float64): the validation loss stops improving
    after a few epochs, so early stopping acts."""
    y = rng.integers(0, 3, n)
    return np.eye(3, 8)[y] * 1.5 + rng.standard_normal((n, 8)), y


def stack(lay, reg, dropout_on_top: bool) -> list:
    """Frozen Dense (with a penalty, which must not count: it is frozen) -> frozen BN -> ELU,
    then a trainable top with penalties (and a Dropout, which draws from its own generator)."""
    return [
        lay.Dense(12, use_bias=False, trainable=False, kernel_regularizer=reg.L2(0.1)),
        lay.BatchNormalization(trainable=False),
        lay.Activation("elu"),
        lay.Dense(10, "elu", kernel_regularizer=reg.L2(0.01)),
        *([lay.Dropout(0.2)] if dropout_on_top else []),
        lay.Dense(3, kernel_regularizer=reg.L1L2(l1=1e-3, l2=1e-3), bias_regularizer=reg.L1(1e-3)),
    ]


def initial_weights(dropout_on_top: bool) -> list[np.ndarray]:
    """The stack's weights drawn once by scratch, the frozen BN's set to non-trivial values
    (gamma, beta, moving mean, moving variance), so that it really transforms its input."""
    net = models.Sequential(
        stack(layers, regularizers, dropout_on_top),
        8,
        rng=np.random.default_rng(5),
        dtype="float64",
    )
    weights = net.get_weights()
    rng = np.random.default_rng(6)
    weights[1:5] = [
        rng.uniform(0.5, 1.5, 12),
        rng.normal(0, 0.3, 12),
        rng.normal(0, 0.3, 12),
        rng.uniform(0.5, 2.0, 12),
    ]
    return weights


def transfer_net(name: str, dropout_on_top: bool = True):
    """The "reused lower layers" net in float64 in backend ``name``, from the same initial
    weights in both backends."""
    lay, mod, _, reg, _ = backend(name)
    net = mod.Sequential(
        stack(lay, reg, dropout_on_top), 8, rng=np.random.default_rng(5), dtype="float64"
    )
    net.set_weights(initial_weights(dropout_on_top))
    return net


def run(name: str, cache_frozen: bool, tmp_path, epochs: int = 40, dropout_on_top: bool = True):
    """One fit of transfer_net with early stopping and a checkpoint; (history, net, file)."""
    _, _, opt, _, tr = backend(name)
    rng = np.random.default_rng(7)
    x, y = noisy_blobs(200, rng)
    xv, yv = noisy_blobs(60, rng)
    net = transfer_net(name, dropout_on_top)
    path = tmp_path / f"{name}-{cache_frozen}.npz"
    history = tr.fit(
        net,
        x,
        y,
        optimizer=opt.Adam(learning_rate=0.05),
        epochs=epochs,
        batch_size=16,
        validation_data=(xv, yv),
        early_stopping=tr.EarlyStopping(patience=2),
        rng=np.random.default_rng(8),
        checkpoint_path=path,
        verbose=False,
        cache_frozen=cache_frozen,
    )
    return history, net, path


# float64: cached and uncached runs do the same operations on the same rows; only the frozen
# layers' matrix products see other row counts (the whole set in chunks instead of one batch),
# where BLAS may block the sums differently: ~1e-16 relative per value. Forty epochs of Adam
# amplify that by a few orders of magnitude at most, far below 1e-12 (measured: 0 here), while
# any real difference (another batch, a skipped penalty, training-mode BN) is >= 1e-4.
TOL = 1e-12


@pytest.mark.parametrize("name", BACKENDS)
def test_cached_fit_follows_the_uncached_trajectory(tmp_path, name: str) -> None:
    """Same per-epoch records, best epoch, restored weights and checkpoint, cached or not."""
    plain, plain_net, plain_file = run(name, False, tmp_path)
    cached, cached_net, cached_file = run(name, True, tmp_path)
    # the run exercises what it claims to: early stopping restored an earlier epoch
    assert plain.stopped_early and plain.best_epoch < plain.epochs - 1
    assert cached.history.keys() == plain.history.keys()
    assert cached.epochs == plain.epochs and cached.best_epoch == plain.best_epoch
    assert cached.stopped_early == plain.stopped_early
    for key in ("loss", "val_loss", "val_accuracy", "learning_rate"):
        np.testing.assert_allclose(cached.history[key], plain.history[key], rtol=0, atol=TOL)
    for a, b in zip(cached_net.get_weights(), plain_net.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    # the frozen layers are untouched, the trained ones moved
    start = initial_weights(True)
    assert all(
        np.array_equal(a, b) for a, b in zip(cached_net.get_weights()[:5], start[:5], strict=True)
    )
    assert not np.allclose(cached_net.get_weights()[5], start[5])
    with np.load(plain_file) as p, np.load(cached_file) as c:
        assert sorted(p.files) == sorted(c.files)
        for k in p.files:
            if k != "meta":
                np.testing.assert_allclose(c[k], p[k], rtol=0, atol=TOL, err_msg=k)
    meta = {
        f: training.check_checkpoint_meta(dict(np.load(f)), str(f))
        for f in (plain_file, cached_file)
    }
    assert meta[plain_file]["epoch"] == meta[cached_file]["epoch"] == plain.best_epoch


def count_calls(name: str, layer) -> list[int]:
    """Count the calls of ``layer``'s computation: scratch's ``forward``, or the Keras layer's
    ``call`` (run eagerly by predict, once per trace inside a compiled epoch)."""
    calls = [0]
    owner, attr = (layer, "forward") if name == "scratch" else (layer.keras_layer, "call")
    original = getattr(owner, attr)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(owner, attr, counted)
    return calls


@pytest.mark.parametrize("name", BACKENDS)
def test_frozen_layers_run_a_fixed_number_of_times(name: str) -> None:
    """Cached, the frozen layers run once per chunk of the data, not per batch or epoch."""
    _, _, _, _, tr = backend(name)
    rng = np.random.default_rng(7)
    x, y = noisy_blobs(200, rng)
    xv, yv = noisy_blobs(60, rng)
    counts = {}
    for cache_frozen in (False, True):
        for epochs in (2, 4):
            net = transfer_net(name)
            calls = count_calls(name, net.layers[0])
            tr.fit(
                net, x, y, epochs=epochs, batch_size=16, validation_data=(xv, yv), rng=8,
                verbose=False, cache_frozen=cache_frozen,
            )  # fmt: skip
            counts[cache_frozen, epochs] = calls[0]
    assert counts[False, 4] > counts[False, 2]  # the count does see the layer run
    # x (200 rows) and x_valid (60) fit in one 1024-row chunk each: two calls, whatever the epochs
    assert counts[True, 2] == counts[True, 4] == 2


# ------------------------------------------------------------- the frozen prefix and refusals


def built(lay, mod, *stack):
    return mod.Sequential(list(stack), 4, rng=np.random.default_rng(0))


def test_frozen_prefix_is_the_bottom_run_of_frozen_or_parameter_free_layers() -> None:
    """Frozen layers and layers without parameters count up to the lowest trainable layer."""
    L = layers
    net = built(
        L, models,
        L.Dense(5, trainable=False), L.BatchNormalization(trainable=False), L.Activation("elu"),
        L.Dropout(0.0), L.Dense(4), L.Dense(3, trainable=False), L.Activation("relu"), L.Dense(2),
    )  # fmt: skip
    assert training.frozen_prefix(net) == 4  # the frozen Dense above the trainable one trains on
    assert training.frozen_prefix(built(L, models, L.Activation("elu"), L.Dense(2))) == 1


def refusals(lay):
    """Models fit(cache_frozen=True) must refuse: (layers, the layer named, words of the why)."""
    return [
        ([lay.Dense(3), lay.Dense(2)], "dense", "is trainable, so there are no frozen layers"),
        (
            [lay.Dense(3, trainable=False), lay.Dropout(0.5), lay.Dense(2)],
            "dropout",
            "draws random numbers",
        ),
        (
            [
                lay.Dense(3, trainable=False),
                lay.BatchNormalization(center=False, scale=False),  # no parameters, trainable
                lay.Dense(2),
            ],
            "batch_normalization",
            "trainable batch normalization",
        ),
    ]


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("case", [0, 1, 2], ids=["empty", "dropout", "trainable-bn"])
def test_fit_refuses_what_cannot_be_cached_before_training(tmp_path, name: str, case: int) -> None:
    """An empty prefix, a Dropout or a batch-statistics BN in it: a ValueError naming the
    layer, raised before any training (weights unchanged, no checkpoint written)."""
    lay, mod, _, _, tr = backend(name)
    stack, layer_name, why = refusals(lay)[case]
    net = mod.Sequential(stack, 4, rng=np.random.default_rng(0))
    before = net.get_weights()
    x, y = np.random.default_rng(1).standard_normal((20, 4)), np.arange(20) % 2
    path = tmp_path / "best.npz"
    with pytest.raises(ValueError, match=rf"cache_frozen: .*'{layer_name}'.*{why}"):
        tr.fit(
            net, x, y, epochs=2, validation_data=(x, y), checkpoint_path=path, verbose=False,
            cache_frozen=True,
        )  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before, strict=True))
    assert not path.exists()
    tr.fit(net, x, y, epochs=1, verbose=False)  # the same model trains uncached


def test_frozen_prefix_refuses_an_injected_mask_and_an_unbuilt_model() -> None:
    """A Dropout(0) with a keep mask set differs between modes; an unbuilt model has no
    parameters to judge by yet; a model with nothing left on top has nothing to train."""
    L = layers
    drop = L.Dropout(0.0)
    net = built(L, models, L.Dense(3, trainable=False), drop, L.Dense(2))
    drop.set_mask(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"'dropout'.*injected keep mask"):
        training.frozen_prefix(net)
    drop.set_mask(None)
    assert training.frozen_prefix(net) == 2
    with pytest.raises(training.OrderError, match="not built"):
        training.frozen_prefix(models.Sequential([L.Dense(3, trainable=False), L.Dense(2)]))
    frozen = built(L, models, L.Dense(3, trainable=False), L.Activation("elu"))
    with pytest.raises(ValueError, match="nothing would be left to train"):
        training.frozen_prefix(frozen)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_fit_refuses_a_cache_frozen_that_is_not_a_bool(value) -> None:
    """cache_frozen is a flag: anything else is a TypeError naming it."""
    net = transfer_net("scratch")
    x, y = noisy_blobs(20, np.random.default_rng(0))
    with pytest.raises(TypeError, match="cache_frozen"):
        training.fit(net, x, y, epochs=1, verbose=False, cache_frozen=value)


@pytest.mark.tf
def test_scratch_and_tf_ref_cached_fits_keep_the_same_records(tmp_path) -> None:
    """Cached, both backends give the same History keys, epochs and (float64) losses."""
    ours, _, _ = run("scratch", True, tmp_path, dropout_on_top=False)
    theirs, _, _ = run("tf", True, tmp_path, dropout_on_top=False)
    assert ours.history.keys() == theirs.history.keys()
    assert ours.epochs == theirs.epochs and ours.best_epoch == theirs.best_epoch
    # same weights and batches, no dropout (the backends draw different masks); Keras keeps
    # Adam's hyperparameters in float32 (0.05 is 0.0500000007), scratch in float64: the
    # losses agree to ~1e-6 relative (measured 1.7e-6), not to float64's precision
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-4)


# ------------------------------------------------------------------------------ the bench


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A Keras-style mnist.npz of 5,100 random images (the book's split keeps the last 5,000
    for validation), made the "official" one for load_mnist's checks."""
    import hashlib

    from katas.data import sources

    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (5100, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(5100) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(20) % 10).astype(np.uint8),
    }
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    for part, name in (("train", "OFFICIAL_TRAIN_COUNTS"), ("test", "OFFICIAL_TEST_COUNTS")):
        counts = tuple(np.bincount(arrays[f"y_{part}"], minlength=10).tolist())
        monkeypatch.setattr(sources, name, counts)
    digests = {k: hashlib.sha256(np.ascontiguousarray(v)).hexdigest() for k, v in arrays.items()}
    monkeypatch.setattr(sources, "OFFICIAL_SHA256", digests)
    return path


@pytest.mark.parametrize("name", BACKENDS)
def test_bench_reports_both_runs_and_agreeing_losses(capsys, tiny_mnist, name: str) -> None:
    """The bench's JSON: both runs' seconds, the speed-ups and final losses that agree."""
    import json

    from katas.bench import cache_frozen

    argv = ["--backend", name, "--epochs", "3", "--rows", "4", "--valid-rows", "30"]
    assert cache_frozen.main([*argv, "--data", str(tiny_mnist), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["valid_rows"], report["epochs"]) == (20, 30, 3)
    runs = report["backends"][name]
    assert set(runs) == {"uncached", "cached", "speed_up", "epoch_speed_up", "loss_difference"}
    for run_ in (runs["uncached"], runs["cached"]):
        assert run_["seconds"] > 0 and run_["median_epoch_seconds"] > 0
    assert runs["speed_up"] == runs["uncached"]["seconds"] / runs["cached"]["seconds"]
    # float32, the same batches and steps: only the frozen products' row blocking differs
    assert runs["loss_difference"] <= 1e-5 * runs["uncached"]["final_loss"]
    assert runs["cached"]["final_val_loss"] == pytest.approx(
        runs["uncached"]["final_val_loss"], rel=1e-5
    )


# A fresh process: TensorFlow fixes its logical devices when its runtime starts.
TWO_DEVICES = r"""
import json, sys
from tf_ref.device import split_cpu
split_cpu(2)
import numpy as np
sys.path.insert(0, sys.argv[1])
import test_cache_frozen as t
from tf_ref import optimizers, training
rng = np.random.default_rng(7)
x, y = t.noisy_blobs(200, rng)
xv, yv = t.noisy_blobs(60, rng)
out = {}
for key, kw in {"one": {}, "cached2": {"cache_frozen": True, "devices": 2}}.items():
    net = t.transfer_net("tf", dropout_on_top=False)
    h = training.fit(net, x, y, optimizer=optimizers.Adam(learning_rate=0.05), epochs=6,
                     batch_size=16, validation_data=(xv, yv), rng=8, verbose=False, **kw)
    out[key] = {"loss": h.history["loss"], "weights": [w.tolist() for w in net.get_weights()]}
print(json.dumps(out))
"""


@pytest.mark.tf
def test_cached_fit_on_two_devices_follows_the_uncached_one() -> None:
    """tf_ref's cached top also trains data-parallel (devices=2), on the same trajectory."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", TWO_DEVICES, str(here)],
        capture_output=True,
        text=True,
        check=False,
        cwd=here.parent,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # float64; two replicas only reorder the sums of a step (tests/test_multidevice.py
    # measured <= 7e-16 relative): 1e-12 as there
    np.testing.assert_allclose(out["cached2"]["loss"], out["one"]["loss"], rtol=1e-12)
    for a, b in zip(out["cached2"]["weights"], out["one"]["weights"], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
