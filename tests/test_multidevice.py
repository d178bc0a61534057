"""Data-parallel training of the TF backend (``fit(..., devices=N)``) against one device.

TensorFlow fixes its logical devices when its runtime starts, and this process has started it,
so the training runs go to a subprocess that splits the CPU into two logical devices first
(``tf_ref.device.split_cpu``). The selection logic runs here on injected device lists.

Tolerance: with the same initial weights and batch order, a 2-replica step differs from the
1-device step only in the order of summation (each replica sums its half of the batch, then
the two halves' gradients are added), a few ulp per step in float64. Measured after 3 epochs
of 13 steps: <= 7e-16 relative in losses, <= 3e-16 absolute in weights and optimizer slots.
We allow 1e-12 relative (losses, and weights relative to their largest entry) and 1e-13
absolute (weights, slots): room for other BLAS/oneDNN kernels, while real mistakes (a replica's
loss scaled by its own row count, or halved as if gradients were averaged) were measured to
differ by 1e-4 to 1. The early-stopping run trains 12 epochs at a learning rate chosen to
overshoot, which amplifies rounding differences (measured 2.5e-12): 1e-9 there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from katas import data
from tf_ref.device import DeviceError, select_strategy, split_cpu, strategy_devices

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

ROOT = Path(__file__).resolve().parents[1]
RTOL, ATOL, RTOL_LONG = 1e-12, 1e-13, 1e-9
CLI = [sys.executable, "-m", "katas", "exercise", "8", "--backend", "tf", "--quick", "--json"]


def fake(cpus: int, gpus: int):
    """Physical and logical device lists as TF names them (logical: '/device:GPU:1')."""

    def physical(kind: str) -> list[str]:
        return [f"{kind}:{i}" for i in range({"CPU": 1, "GPU": min(gpus, 1)}[kind])]

    def logical(kind: str) -> list[str]:
        return [f"/device:{kind}:{i}" for i in range({"CPU": cpus, "GPU": gpus}[kind])]

    return physical, logical


# ------------------------------------------------------------------ selection, in-process


@pytest.mark.parametrize(
    ("devices", "requested", "cpus", "gpus", "expected"),
    [
        (None, "auto", 1, 0, ["/CPU:0"]),
        (1, "auto", 4, 2, ["/GPU:0"]),
        (1, "cpu", 4, 2, ["/CPU:0"]),
        (2, "auto", 4, 0, ["/device:CPU:0", "/device:CPU:1"]),
        (2, "auto", 4, 3, ["/device:GPU:0", "/device:GPU:1"]),  # GPUs preferred
        (2, "cpu", 2, 3, ["/device:CPU:0", "/device:CPU:1"]),
        ("all", "auto", 4, 3, [f"/device:GPU:{i}" for i in range(3)]),
        ("all", "auto", 1, 0, ["/device:CPU:0"]),
    ],
)
def test_strategy_devices(devices, requested, cpus, gpus, expected) -> None:
    assert strategy_devices(devices, requested, *fake(cpus, gpus)) == expected


def test_too_few_devices_explain_how_to_get_them() -> None:
    with pytest.raises(DeviceError, match=r"only 1 logical CPU.*split_cpu\(2\).*--devices N"):
        strategy_devices(2, "auto", *fake(1, 0))
    with pytest.raises(DeviceError, match=r"devices=3: .*only 2 logical GPU.*devices=2 or fewer"):
        strategy_devices(3, "auto", *fake(8, 2))
    with pytest.raises(DeviceError, match="sees no GPU"):
        strategy_devices(2, "gpu", *fake(4, 0))


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "two"])
def test_devices_must_be_a_positive_integer_or_all(bad) -> None:
    with pytest.raises((TypeError, ValueError), match="devices"):
        strategy_devices(bad, "auto", *fake(2, 0))


def test_select_strategy_builds_one_device_or_mirrored() -> None:
    import tensorflow as tf

    one = select_strategy(1, "auto", *fake(1, 0))
    assert isinstance(one, tf.distribute.OneDeviceStrategy) and one.num_replicas_in_sync == 1
    # A MirroredStrategy is only a plan until used, so fake GPUs show the GPU path's devices.
    two = select_strategy(2, "auto", *fake(2, 2))
    assert isinstance(two, tf.distribute.MirroredStrategy) and two.num_replicas_in_sync == 2
    names = [d.rsplit("/", 1)[1] for d in two.extended.worker_devices]
    assert names == ["device:GPU:0", "device:GPU:1"]


def test_after_start_split_cpu_and_fit_explain(capsys) -> None:
    import tensorflow as tf

    from katas.cli import main
    from tf_ref import layers, models, training

    tf.constant(0)  # the runtime has started (it has anyway once tf_ref.layers is imported)
    split_cpu(1)  # the unsplit CPU is one device already: nothing to do
    with pytest.raises(DeviceError, match=r"already started with 1 logical CPU.*subprocess"):
        split_cpu(3)
    model = models.Sequential([layers.Dense(2)], 3, rng=np.random.default_rng(0))
    with pytest.raises(DeviceError, match=r"split_cpu\(2\)"):
        training.fit(model, np.zeros((4, 3)), np.zeros(4, int), devices=2, verbose=False)
    assert main(["exercise", "8", "--backend", "tf", "--quick", "--devices", "2"]) == 2
    assert "split_cpu(2)" in capsys.readouterr().err


def test_cli_devices_flag(capsys) -> None:
    from katas.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["exercise", "8", "--devices", "all"]).devices == "all"
    assert parser.parse_args(["exercise", "8", "--devices", "2"]).devices == 2
    assert parser.parse_args(["exercise", "8"]).devices is None
    with pytest.raises(SystemExit):
        parser.parse_args(["exercise", "8", "--devices", "0"])
    assert "positive integer or 'all'" in capsys.readouterr().err


# ------------------------------------------------------- 1 vs 2 devices, in a subprocess

SCRIPT = r"""
import json, os, sys, tempfile
from tf_ref.device import split_cpu
split_cpu(2)  # before anything starts TensorFlow's runtime
import numpy as np
from tf_ref import layers, models, optimizers, training
split_cpu(2)  # again with the same n: harmless

replicas = []
class Spy(training._Replicated):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        replicas.append(self)
training._Replicated = Spy

def blobs(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return np.eye(3, 8)[y] * 4.0 + rng.standard_normal((n, 8)), y

def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))) if a.size else 0.0

def worst(xs, ys):
    return max(float(np.max(np.abs(np.asarray(a) - b), initial=0)) for a, b in zip(xs, ys))

def net(spec):
    return models.Sequential(spec(), 8, rng=np.random.default_rng(1), dtype="float64")

def run(spec, make_opt, n, devices, **kw):
    model = net(spec)
    model.set_weights(net(spec).get_weights())  # the same initial weights for every run
    opt = make_opt()
    x, y = blobs(n, 11)
    h = training.fit(model, x, y, optimizer=opt, batch_size=20, rng=np.random.default_rng(5),
                     verbose=False, devices=devices, **kw)
    return h, model, opt

def dense():
    return [layers.Dense(16, "elu", kernel_initializer="he_normal"), layers.Dense(3)]

out = {}
# 241 rows = 12 batches of 20 + 1 row: in the last batch replica 1 gets no rows at all.
for name, make in {
    "sgd": lambda: optimizers.SGD(0.0625),
    "adam": lambda: optimizers.Adam(0.0078125, beta_1=0.875, beta_2=0.9990234375),
}.items():
    x, y = blobs(241, 11)
    kw = dict(epochs=3, validation_data=(x[:50], y[:50]))
    (h1, m1, o1), (h2, m2, o2) = (run(dense, make, 241, d, **kw) for d in (1, 2))
    s1, s2 = o1.variables(), o2.variables()
    rep = replicas[-1]
    per_replica = [rep.strategy.experimental_local_results(v.value) for v in rep.clone_weights]
    out[name] = {
        "loss": rel(h1.history["loss"], h2.history["loss"]),
        "val_loss": rel(h1.history["val_loss"], h2.history["val_loss"]),
        "weights_rel": max(float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
                           for a, b in zip(m1.get_weights(), m2.get_weights())),
        "weights_abs": worst(m1.get_weights(), m2.get_weights()),
        "slots_abs": worst([s1[k] for k in sorted(s1)], [s2[k] for k in sorted(s1)]),
        "same_keys": sorted(s1) == sorted(s2),
        "iterations": [int(s1["iterations"]), int(s2["iterations"])],
        "replicas": [v.device.rsplit("/", 1)[1] for v in per_replica[0]],
        "replicas_equal": all(np.array_equal(r[0], r[1]) for r in per_replica),
    }

# A second fit continues from the optimizer state the first one handed back (Adam's step count
# enters its bias correction, so a lost state would show).
ends = []
for d in (1, 2):
    h, m, o = run(dense, lambda: optimizers.Adam(0.0078125, beta_1=0.875), 241, d, epochs=1)
    x, y = blobs(241, 11)
    h = training.fit(m, x, y, optimizer=o, batch_size=20, epochs=1, verbose=False, devices=d,
                     rng=np.random.default_rng(6))
    ends.append((h.history["loss"], m.get_weights(), o.iterations))
out["resume"] = {"loss": rel(ends[0][0], ends[1][0]), "weights_abs": worst(ends[0][1], ends[1][1]),
                 "iterations": [ends[0][2], ends[1][2]]}

# Early stopping and checkpoints: 247 rows (last batch 7 = 4 + 3), momentum, a learning rate
# high enough that validation stops improving.
tmp = tempfile.mkdtemp()
x, y = blobs(247, 12)
runs = {}
for d in (1, 2):
    path = os.path.join(tmp, f"ckpt{d}.npz")
    h, m, o = run(dense, lambda: optimizers.SGD(0.5, momentum=0.875), 247, d, epochs=25,
                  validation_data=blobs(60, 13), checkpoint_path=path,
                  early_stopping=training.EarlyStopping(patience=2))
    ckpt = np.load(path)
    runs[d] = (h, m, {k: ckpt[k] for k in ckpt.files if k != "meta"})
(h1, m1, c1), (h2, m2, c2) = runs[1], runs[2]
keys = sorted(c1)
best_restored = [c2["weights/" + k] for k in m2.named_weights()]
out["early_stopping"] = {
    "stopped": [h1.stopped_early, h2.stopped_early],
    "epochs": [h1.epochs, h2.epochs],
    "best_epoch": [h1.best_epoch, h2.best_epoch],
    "loss": rel(h1.history["loss"], h2.history["loss"]),
    "val_loss": rel(h1.history["val_loss"], h2.history["val_loss"]),
    "same_keys": keys == sorted(c2) and any(k.startswith("optimizer/momentum") for k in keys),
    "checkpoint_abs": worst([c1[k] for k in keys], [c2[k] for k in keys]),
    "restored_abs": worst(best_restored, list(m2.named_weights().values())),
}

# Performance scheduling: the replicas' optimizer must read the rate the plateau cuts.
from tf_ref import schedules
plateau_runs = [run(dense, lambda: optimizers.SGD(schedules.ReduceLROnPlateau(
                    0.5, factor=0.5, patience=1), momentum=0.875), 247, d, epochs=8,
                    validation_data=blobs(60, 13)) for d in (1, 2)]
(h1, m1, _), (h2, m2, _) = plateau_runs
out["plateau"] = {
    "learning_rate": [h1.history["learning_rate"], h2.history["learning_rate"]],
    "loss": rel(h1.history["loss"], h2.history["loss"]),
    "weights_abs": worst(m1.get_weights(), m2.get_weights()),
}

if hasattr(layers, "BatchNormalization"):  # synchronized statistics over the global batch
    def bn():
        return [layers.Dense(16), layers.BatchNormalization(), layers.Activation("elu"),
                layers.Dense(3)]
    (h1, m1, _), (h2, m2, _) = (run(bn, lambda: optimizers.SGD(0.0625), 241, d, epochs=2)
                                for d in (1, 2))
    out["batch_norm"] = {
        "loss": rel(h1.history["loss"], h2.history["loss"]),
        "weights_abs": worst(m1.get_weights(), m2.get_weights()),  # moving stats included
    }
if hasattr(layers, "Dropout"):
    try:
        run(lambda: [layers.Dense(4), layers.Dropout(0.5), layers.Dense(3)],
            lambda: optimizers.SGD(0.1), 40, 2, epochs=1)
        out["dropout"] = "trained"
    except ValueError as err:
        out["dropout"] = str(err)
def tied():  # a decoder sharing its encoder's kernel: refused by name, not a raw Keras error
    encoder = layers.Dense(4, name="enc")
    return [encoder, layers.DenseTranspose(encoder, name="dec")]
try:
    run(tied, lambda: optimizers.SGD(0.1), 40, 2, epochs=1)
    out["tied"] = "trained"
except ValueError as err:
    out["tied"] = str(err)
# Every loss with (N, D) targets: an autoencoder's [0, 1] targets (8 outputs) and an MSE
# regression (2 outputs); a replica's share is its rows' sum of per-row losses / the global batch.
def autoencoder():
    return [layers.Dense(4, "elu", kernel_initializer="he_normal"), layers.Dense(8)]
def regressor():
    return [layers.Dense(16, "elu", kernel_initializer="he_normal"), layers.Dense(2)]
out["losses"] = {}
for loss, spec in {"sigmoid_cross_entropy": autoencoder, "mean_squared_error": regressor}.items():
    x, _ = blobs(241, 11)
    t = 1 / (1 + np.exp(-x)) if loss == "sigmoid_cross_entropy" else x[:, :2] * 2 - x[:, 2:4]
    fits = []
    for d in (1, 2):
        model = net(spec)
        model.set_weights(net(spec).get_weights())
        h = training.fit(model, x, t, optimizer=optimizers.SGD(0.0625), loss=loss, epochs=3,
                         batch_size=20, rng=np.random.default_rng(5), verbose=False, devices=d,
                         validation_data=(x[:50], t[:50]))
        fits.append((h, model))
    (h1, m1), (h2, m2) = fits
    out["losses"][loss] = {
        "loss": rel(h1.history["loss"], h2.history["loss"]),
        "val_loss": rel(h1.history["val_loss"], h2.history["val_loss"]),
        "weights_abs": worst(m1.get_weights(), m2.get_weights()),
        "keys": sorted(h2.history),
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def two_device_runs() -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_two_devices_equal_one_in_float64(two_device_runs: dict, optimizer: str) -> None:
    r = two_device_runs[optimizer]
    # Really two replicas on the two logical CPUs, kept identical by the all-reduce.
    assert r["replicas"] == ["device:CPU:0", "device:CPU:1"] and r["replicas_equal"], r
    assert r["loss"] < RTOL and r["val_loss"] < RTOL, r
    assert r["weights_rel"] < RTOL and r["weights_abs"] < ATOL, r
    # The optimizer state came back into the caller's optimizer: 3 epochs x 13 steps.
    assert r["same_keys"] and r["iterations"] == [39, 39] and r["slots_abs"] < ATOL, r


def test_two_devices_second_fit_continues_optimizer_state(two_device_runs: dict) -> None:
    r = two_device_runs["resume"]
    assert r["iterations"] == [26, 26] and r["loss"] < RTOL and r["weights_abs"] < ATOL, r


def test_two_devices_early_stopping_and_checkpoint(two_device_runs: dict) -> None:
    r = two_device_runs["early_stopping"]
    assert r["stopped"] == [True, True], "test needs a run that stops early"
    assert r["epochs"][0] == r["epochs"][1] and r["best_epoch"][0] == r["best_epoch"][1], r
    assert r["loss"] < RTOL_LONG and r["val_loss"] < RTOL_LONG, r
    # The checkpoint holds the best epoch's weights and optimizer state in both runs...
    assert r["same_keys"] and r["checkpoint_abs"] < RTOL_LONG, r
    # ...and the model ends with those best weights, not the last epoch's.
    assert r["restored_abs"] == 0.0, r


def test_two_devices_batch_norm_and_dropout(two_device_runs: dict) -> None:
    if "batch_norm" not in two_device_runs:
        pytest.skip("tf_ref.layers has no BatchNormalization yet")
    r = two_device_runs["batch_norm"]
    assert r["loss"] < RTOL and r["weights_abs"] < ATOL, r
    assert "draws random numbers" in two_device_runs.get("dropout", "draws random numbers")


def test_two_devices_refuse_a_tied_decoder(two_device_runs: dict) -> None:
    """A DenseTranspose cannot be copied per replica (its kernel is the encoder's variable): a
    DeviceError (a ValueError) naming it, not Keras' NotImplementedError from its config."""
    assert "layer 'dec' (DenseTranspose) shares the kernel" in two_device_runs["tied"]


@pytest.mark.skipif(not data.npz_path().is_file(), reason="MNIST not cached")
def test_cli_exercise_8_on_two_devices() -> None:
    """``--devices 2`` splits the CPU itself; float32, 150 steps: equal to 1e-4."""
    reports = []
    for extra in ([], ["--devices", "2"]):
        done = subprocess.run(
            [*CLI, "--max-epochs", "1", *extra],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        assert done.returncode == 0, done.stderr[-3000:]
        reports.append(json.loads(done.stdout))
    one, two = reports
    assert two["config"]["devices"] == 2 and one["config"]["devices"] is None
    assert two["tf"]["test_loss"] == pytest.approx(one["tf"]["test_loss"], rel=1e-4)
    assert two["tf"]["test_accuracy"] > 0.9


def test_two_devices_follow_a_plateau_schedule(two_device_runs: dict) -> None:
    """The replicas' optimizer shares the plateau's rate variable: cut rates reach it."""
    r = two_device_runs["plateau"]
    one, two = r["learning_rate"]
    assert one == two and min(one) < max(one), r  # the same cuts, and at least one cut
    assert r["loss"] < RTOL_LONG and r["weights_abs"] < RTOL_LONG, r


@pytest.mark.parametrize("loss", ["sigmoid_cross_entropy", "mean_squared_error"])
def test_two_devices_train_every_loss_with_2d_targets(two_device_runs: dict, loss: str) -> None:
    """(N, D) targets (an autoencoder's [0, 1] pixels, an MSE regression) on two replicas train
    as on one device (the same tolerance as classification): each replica's share is its
    rows' per-row losses summed / the global batch size, not its entries' sum (off by D)."""
    r = two_device_runs["losses"][loss]
    assert r["loss"] < RTOL and r["val_loss"] < RTOL and r["weights_abs"] < ATOL, r
    metric = {"sigmoid_cross_entropy": ["val_mean_squared_error"], "mean_squared_error": []}
    assert r["keys"] == sorted(["learning_rate", "loss", "seconds", "val_loss", *metric[loss]])
