"""``katas compare lockstep``: scratch and tf_ref trained side by side on the same weights,
batches and dropout masks (katas/lockstep.py). Small synthetic data, a few steps each."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from katas.cli import main
from katas.data import sources
from katas.errors import UserError
from katas.lockstep import BOUND_FLOAT64, keras_rounded, run_lockstep, table_steps
from scratch.networks import GUIDELINES

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

SMALL = GUIDELINES.replace(hidden_layers=2, units=16)  # still He, ELU, BN, dropout, Nesterov 0.9


@pytest.fixture(scope="module")
def xy() -> tuple[np.ndarray, np.ndarray]:
    """A learnable toy problem: 256 'images' in [0, 1], labels from a fixed linear map."""
    rng = np.random.default_rng(7)
    x = rng.random((256, 784), dtype=np.float32)
    y = np.argmax(x @ rng.standard_normal((784, 10)), axis=1).astype(np.int64)
    return x, y


@pytest.fixture(scope="module")
def float64_run(xy) -> dict:
    # batch 24: 256 = 10 x 24 + 16, so a short last batch and a second epoch are crossed
    return run_lockstep(SMALL, steps=15, dtype="float64", batch_size=24, seed=3, x=xy[0], y=xy[1])


def test_float64_agrees_step_by_step_and_trains(float64_run) -> None:
    """float64: every step's losses agree within the bound and training lowers the loss."""
    r = float64_run
    assert r["dtype"] == "float64" and r["steps"] == 15 and len(r["per_step"]) == 15
    assert [s["step"] for s in r["per_step"]] == list(range(1, 16))
    assert r["max_rel_loss_diff"] <= BOUND_FLOAT64
    assert r["max_abs_weight_diff"] < 1e-12
    assert r["bound"] == BOUND_FLOAT64 and r["passed"] is True
    losses = [s["loss_tf"] for s in r["per_step"]]
    assert all(math.isfinite(v) for v in losses)
    assert len(set(losses)) == len(losses), "every step sees a new batch and new weights"
    assert np.mean(losses[-5:]) < np.mean(losses[:5]), "training lowers the loss"


def test_float64_hyperparameters_are_keras_rounded_by_default(float64_run) -> None:
    """By default scratch gets Keras's float32-rounded rate and momentum."""
    h = float64_run["hyperparameters"]
    assert h["mode"] == "keras_rounded"
    assert h["tf"] == {"learning_rate": 0.01, "momentum": 0.9}
    assert (
        h["scratch"]
        == h["keras_effective"]
        == {
            "learning_rate": keras_rounded(0.01),
            "momentum": keras_rounded(0.9),
        }
    )
    assert keras_rounded(0.9) != 0.9 and keras_rounded(0.875) == 0.875


def test_exact_hyperparameters_show_the_keras_rounding_drift(xy, float64_run) -> None:
    """--exact-hyperparameters shows the drift the rounding causes."""
    exact = run_lockstep(
        SMALL,
        steps=15,
        dtype="float64",
        batch_size=24,
        seed=3,
        x=xy[0],
        y=xy[1],
        exact_hyperparameters=True,
    )
    assert exact["hyperparameters"]["mode"] == "exact"
    assert exact["hyperparameters"]["scratch"] == {"learning_rate": 0.01, "momentum": 0.9}
    # float32(0.9) vs 0.9 differ by 2.4e-8 relative: far above float64 noise (~1e-16).
    assert exact["max_abs_weight_diff"] > 1e3 * float64_run["max_abs_weight_diff"]
    assert exact["max_rel_loss_diff"] > float64_run["max_rel_loss_diff"]
    assert exact["max_rel_loss_diff"] > 1e-12


def test_float32_gap_is_finite_nonzero_and_unjudged(xy) -> None:
    """float32: a small, finite, nonzero gap and no pass/fail verdict."""
    r = run_lockstep(SMALL, steps=10, dtype="float32", batch_size=32, seed=3, x=xy[0], y=xy[1])
    assert r["bound"] is None and r["passed"] is None
    assert math.isfinite(r["max_rel_loss_diff"]) and math.isfinite(r["max_abs_weight_diff"])
    assert r["max_abs_weight_diff"] > 0, "float32 rounding differs between the backends"
    assert r["max_rel_loss_diff"] < 1e-4 and r["max_abs_weight_diff"] < 1e-4


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"steps": 2.5}, "steps must be an integer >= 1"),
        ({"dtype": "float16"}, "dtype must be one of float32, float64"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"x": np.zeros((4, 784))}, "pass both x and y"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs: dict, needle: str) -> None:
    """run_lockstep refuses bad steps, dtype, batch size and x without y."""
    with pytest.raises(UserError, match=needle):
        run_lockstep(SMALL, **kwargs)


def test_table_steps() -> None:
    """The table shows every step up to 20, then 1-2-5 steps and the last."""
    assert table_steps(1) == [1]
    assert table_steps(20) == list(range(1, 21))
    assert table_steps(21) == [1, 2, 5, 10, 20, 21]
    assert table_steps(200) == [1, 2, 5, 10, 20, 50, 100, 200]
    assert table_steps(1234) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1234]


# ------------------------------------------------------------------------------ the CLI


@pytest.fixture
def tiny_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Keras-style mnist.npz with 5,064 training images (the book's split keeps the last
    5,000 for validation, leaving 64 to train on); its label counts stand in for the official
    ones, which load_mnist verifies."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (5064, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 5064).astype(np.uint8),
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(20) % 10).astype(np.uint8),
    }
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    # load_mnist verifies the official label counts and content digests: make these the official
    for part, name in (("train", "OFFICIAL_TRAIN_COUNTS"), ("test", "OFFICIAL_TEST_COUNTS")):
        counts = tuple(np.bincount(arrays[f"y_{part}"], minlength=10).tolist())
        monkeypatch.setattr(sources, name, counts)
    digests = {k: hashlib.sha256(np.ascontiguousarray(v)).hexdigest() for k, v in arrays.items()}
    monkeypatch.setattr(sources, "OFFICIAL_SHA256", digests)
    return path


def test_cli_json_schema(capsys, tiny_mnist: Path) -> None:
    """`compare lockstep --json` prints one object with exactly the documented keys."""
    argv = ["compare", "lockstep", "--steps", "3", "--batch-size", "16", "--seed", "5"]
    assert main([*argv, "--data", str(tiny_mnist), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)  # one JSON object and nothing else
    assert set(report) == {
        "steps",
        "dtype",
        "max_rel_loss_diff",
        "max_abs_weight_diff",
        "per_step",
        "hyperparameters",
        "batch_size",
        "seed",
        "bound",
        "passed",
    }
    assert (report["steps"], report["dtype"], report["batch_size"], report["seed"]) == (
        3,
        "float64",
        16,
        5,
    )
    assert report["bound"] == BOUND_FLOAT64 and report["passed"] is True
    assert report["max_rel_loss_diff"] <= BOUND_FLOAT64
    assert [sorted(r) for r in report["per_step"]] == [
        sorted(["step", "loss_scratch", "loss_tf", "rel_loss_diff", "max_abs_weight_diff"])
    ] * 3
    assert report["hyperparameters"]["mode"] == "keras_rounded"


def test_cli_text_report(capsys, tiny_mnist: Path) -> None:
    """The float32 text report explains the gap and gives no verdict."""
    argv = ["compare", "lockstep", "--steps", "2", "--dtype", "float32"]
    assert main([*argv, "--data", str(tiny_mnist)]) == 0
    out = capsys.readouterr().out
    assert "float32: no pass/fail" in out and "rounds the learning rate" in out
    assert "PASS" not in out and "FAIL" not in out
    assert "max rel loss diff" in out


def test_cli_missing_data_says_how_to_get_it(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No MNIST in the cache: exit 2 and how to fetch it."""
    monkeypatch.setenv("DNN_KATAS_DATA", str(tmp_path / "empty"))
    assert main(["compare", "lockstep", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert "MNIST is not in the cache" in err and "katas data fetch" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
        (["--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
        (["--batch-size", "-3"], "argument --batch-size: expected a positive integer"),
    ],
)
def test_cli_bad_arguments(capsys, argv: list[str], needle: str) -> None:
    """Bad --steps, --dtype or --batch-size stop argparse, naming the flag."""
    with pytest.raises(SystemExit) as done:
        main(["compare", "lockstep", *argv])
    assert done.value.code == 2
    assert needle in capsys.readouterr().err


def test_cli_lockstep_flags_are_refused_for_a_kata(capsys) -> None:
    """Lockstep-only flags given to a kata's compare are refused."""
    assert main(["compare", "dense", "--steps", "3", "--json"]) == 2
    assert "--steps, --json: only for `katas compare lockstep`" in capsys.readouterr().err


def test_compare_help_lists_lockstep(capsys) -> None:
    """`katas compare --help` mentions lockstep and its flags."""
    with pytest.raises(SystemExit) as done:
        main(["compare", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "lockstep" in out and "--exact-hyperparameters" in out
