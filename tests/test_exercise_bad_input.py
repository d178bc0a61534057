"""Bad input to `katas exercise 8` and `katas compare lockstep` / `run_lockstep`: every case is a
clear message (exit 2) or correct behaviour, a diverged run is reported as one (exit 1) in strict
JSON, and finished results are never lost. Tiny synthetic data (``ex08.load_data`` patched), a
few epochs each; the TensorFlow cases are marked ``tf`` and import it inside the test."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from katas import data, jsonout
from katas.argtypes import SEED_MAX
from katas.cli import main
from katas.errors import BadInput, UserError
from katas.exercises import ex08, runner
from scratch.networks import GUIDELINES
from scratch.training import History

SMALL = GUIDELINES.replace(hidden_layers=1, units=8)


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN / Infinity, as every strict JSON reader does."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def tiny_split(seed: int = 0) -> data.Split:
    """200 / 50 / 50 random 'images' with labels 0..4 from a fixed linear map (learnable)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((784, 5))

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.random((n, 784), dtype=np.float32)
        return x, np.argmax(x @ w, axis=1).astype(np.int64)

    return data.Split(*part(200), *part(50), *part(50))


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> data.Split:
    """Exercise 8 trains on tiny_split() instead of MNIST."""
    split = tiny_split()
    monkeypatch.setattr(ex08, "load_data", lambda training, quick, path: split)
    return split


def ex8(*argv: str) -> int:
    return main(["exercise", "8", *argv])


QUICK = ("--part", "2", "--backend", "scratch", "--quick", "--max-epochs", "2")


# ------------------------------------------------------------------ 1. divergence


def check_diverged_report(report: dict[str, Any], name: str) -> None:
    r = report[name]
    assert r["status"] == "diverged" and r["diverged_at_epoch"] == 1, r
    assert r["kept_weights"] is None and r["epochs"] == 0
    assert r["test_accuracy"] is None and r["test_loss"] is None  # not NaN, not a number
    assert "not finite" in r["test_null_reason"]
    assert "no good weights to keep" in r["message"]
    assert f"{name}.test_accuracy" in report["non_finite"]
    assert report["status"] == "diverged"


def test_diverged_run_is_reported_in_strict_json_and_fails(tiny, tmp_path: Path, capsys) -> None:
    """scratch at learning rate 1000: exit 1, 'diverged at epoch 1', nulls instead of NaN."""
    out = tmp_path / "run"
    assert ex8(*QUICK, "--learning-rate", "1000", "--json", "--out", str(out)) == 1
    captured = capsys.readouterr()
    check_diverged_report(strict_loads(captured.out), "scratch")
    check_diverged_report(strict_loads((out / "report.json").read_text()), "scratch")
    assert "katas: scratch: training diverged at epoch 1" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.tf
def test_diverged_tf_run_is_reported_the_same_way(tiny, tmp_path: Path, capsys) -> None:
    """tf at learning rate 1000 (printed an accuracy and exit 0 before): the same report."""
    argv = ["--part", "2", "--backend", "both", "--quick", "--max-epochs", "2", "--json"]
    assert ex8(*argv, "--learning-rate", "1000", "--out", str(tmp_path / "run")) == 1
    report = strict_loads(capsys.readouterr().out)
    for name in ("scratch", "tf"):
        check_diverged_report(report, name)


def test_diverged_run_text_table(tiny, tmp_path: Path, capsys) -> None:
    """Without --json the table shows '-' for the missing scores (it crashed on None before)."""
    assert ex8(*QUICK, "--learning-rate", "1000", "--out", str(tmp_path / "run")) == 1
    out = capsys.readouterr().out
    assert "diverged at epoch 1" in out and "report:" in out


def history(val_loss: list[float], best: int | None, diverged: int | None) -> History:
    h = History(best_epoch=best, diverged_at_epoch=diverged)
    for v in val_loss:
        h.append(loss=1.0, val_loss=v, val_accuracy=0.5)
    return h


def test_outcome_names_the_epoch_and_the_kept_weights() -> None:
    """Divergence after good epochs: which epoch (1-based), and that the best one's weights
    were kept; a NaN validation loss (which fit records as divergence at that epoch) too; a
    clean run is 'ok'."""
    fine = {"loss": 0.1, "accuracy": 0.9}
    late = ex08.outcome("scratch", history([0.5, 0.4, 0.6], best=1, diverged=3), True, fine)
    assert late["status"] == "diverged" and late["diverged_at_epoch"] == 4
    assert late["kept_weights"] == 2 and "weights kept are epoch 2's" in late["message"]
    assert "test_null_reason" not in late
    nan_val = ex08.outcome("tf", history([0.5, math.nan], best=0, diverged=1), True, fine)
    assert nan_val["diverged_at_epoch"] == 2 and nan_val["kept_weights"] == 1
    ok = ex08.outcome("tf", history([0.5, 0.4], best=1, diverged=None), True, fine)
    assert ok == {"status": "ok", "diverged_at_epoch": None, "kept_weights": 2, "message": None}


def fixed_trials(*rates: float):
    def trials(seed: int):
        for lr in rates:
            yield {  # ELU: at lr 1000 its outputs overflow (dead ReLUs would stay finite)
                "units": 100,
                "batch_size": 50,
                "learning_rate": lr,
                "activation": "elu",
                "activation_kwargs": {},
            }

    return trials


@pytest.mark.parametrize(("rates", "code"), [((1000.0, 0.01), 0), ((1000.0, 3000.0), 1)])
def test_search_survives_diverged_trials(
    tiny, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, rates: tuple, code: int
) -> None:
    """Part 3 records a diverged trial and goes on; it fails only when no trial is usable."""
    monkeypatch.setattr(ex08, "iter_trials", fixed_trials(*rates))
    argv = ["--part", "3", "--backend", "scratch", "--quick", "--max-epochs", "2", "--json"]
    assert ex8(*argv, "--trials", "2", "--out", str(tmp_path / "run")) == code
    r = strict_loads(capsys.readouterr().out)["scratch"]
    assert r["trials_run"] == 2 and r["trials"][0]["status"] == "diverged"
    if code == 0:
        assert r["status"] == "ok" and r["best_trial"] == 2 and r["trials_diverged"] == 1
        assert 0 <= r["test_accuracy"] <= 1
    else:
        assert r["status"] == "diverged" and r["trials_diverged"] == 2
        assert "all 2 trials diverged" in r["message"]


def test_search_runs_its_first_trial_whatever_the_budget(
    tiny, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A budget spent before the first trial is drawn (a slow first draw, a tiny --budget) still
    gives one trial: the budget only stops later trials from starting."""
    import time as time_mod

    def slow_trials(seed: int):
        for trial in fixed_trials(0.01, 0.01)(seed):
            time_mod.sleep(0.05)  # longer than the budget below
            yield trial

    monkeypatch.setattr(ex08, "iter_trials", slow_trials)
    argv = ["--part", "3", "--backend", "scratch", "--quick", "--max-epochs", "1", "--json"]
    assert ex8(*argv, "--trials", "2", "--budget", "0.01", "--out", str(tmp_path / "r")) == 0
    r = strict_loads(capsys.readouterr().out)["scratch"]
    assert r["trials_run"] == 1, r


def nan_model(backend: str):
    import importlib

    layers = importlib.import_module(f"{backend}.layers")
    models = importlib.import_module(f"{backend}.models")
    model = models.Sequential([layers.Dense(3)], 4, rng=np.random.default_rng(0))
    # set_weights refuses non-finite weights; these finite ones make every output overflow
    # float32 (4 * 1e38 + 1e38 > 3.4e38), as a diverged model's do
    model.set_weights([np.full_like(w, 1e38) for w in model.get_weights()])
    return model


def check_nan_scores(backend: str) -> None:
    training = __import__(f"{backend}.training", fromlist=["evaluate"])
    model = nan_model(backend)
    x, y = np.ones((5, 4), np.float32), np.array([0, 1, 2, 0, 1])
    scores = training.evaluate(model, x, y)
    assert math.isnan(scores["loss"]) and math.isnan(scores["accuracy"]), scores
    with pytest.raises(ValueError, match="y"):  # bad labels are still an error
        training.evaluate(model, x, np.array([0, 1, 2, 0, 7]))


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # weights chosen to overflow
def test_scratch_evaluate_of_a_diverged_model_scores_nan() -> None:
    """scratch.training.evaluate with NaN outputs: NaN loss and accuracy (raised in the loss's
    input check before)."""
    check_nan_scores("scratch")


@pytest.mark.tf
def test_tf_evaluate_of_a_diverged_model_scores_nan() -> None:
    """tf_ref.training.evaluate with NaN outputs: NaN loss and accuracy (a made-up accuracy,
    argmax over NaN, before)."""
    check_nan_scores("tf_ref")


def test_jsonout_writes_strict_json_and_says_why() -> None:
    """NaN, inf and NumPy non-finite numbers become null and are listed; finite data keeps its
    schema; the text is strict JSON."""
    value = {"a": [1.0, math.nan], "b": {"c": np.float32("inf"), "d": np.array([2.0, -np.inf])}}
    text = jsonout.dumps(value)
    parsed = strict_loads(text)
    assert parsed["a"] == [1.0, None] and parsed["b"] == {"c": None, "d": [2.0, None]}
    assert parsed["non_finite"] == {"a[1]": "nan", "b.c": "inf", "b.d[1]": "-inf"}
    assert "non_finite" not in strict_loads(jsonout.dumps({"x": 1.5, "y": [np.int64(2)]}))


def test_lockstep_json_is_strict(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`compare lockstep --json` of a run whose losses went NaN prints strict JSON."""
    from katas import lockstep

    def fake(config, **kwargs):
        step = {
            "step": 1,
            "loss_scratch": math.nan,
            "loss_tf": math.inf,
            "rel_loss_diff": math.inf,
            "max_abs_weight_diff": math.nan,
        }
        return {
            "steps": 1,
            "dtype": "float64",
            "max_rel_loss_diff": math.inf,
            "max_abs_weight_diff": math.nan,
            "per_step": [step],
            "hyperparameters": {},
            "batch_size": 32,
            "seed": 42,
            "bound": 1e-9,
            "passed": False,
        }

    monkeypatch.setattr(lockstep, "run_lockstep", fake)
    assert main(["compare", "lockstep", "--json"]) == 1
    report = strict_loads(capsys.readouterr().out)
    assert report["per_step"][0]["loss_scratch"] is None and report["max_rel_loss_diff"] is None
    assert report["non_finite"]["per_step[0].loss_tf"] == "inf"


# ------------------------------------------------------------------ 3. --out


def never_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if exercise 8 gets as far as loading data."""

    def boom(*args: Any) -> None:
        raise AssertionError("--out must be checked before the data is loaded")

    monkeypatch.setattr(ex08, "load_data", boom)


def test_out_that_is_a_file(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """--out naming a file: exit 2 before any work, the file untouched."""
    never_load(monkeypatch)
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    assert ex8(*QUICK, "--out", str(f)) == 2
    assert "this is a file; expected a new or empty folder" in capsys.readouterr().err
    assert f.read_text() == "keep me"


def test_out_that_cannot_be_created(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out under a file cannot be created: exit 2 before any work."""
    never_load(monkeypatch)
    (tmp_path / "f").write_text("x")
    assert ex8(*QUICK, "--out", str(tmp_path / "f" / "run")) == 2
    assert "cannot create the folder" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only --out folder is refused by the probe file, before any work."""
    never_load(monkeypatch)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert ex8(*QUICK, "--out", str(ro)) == 2
    finally:
        ro.chmod(0o700)
    assert "cannot create the folder" in capsys.readouterr().err


def test_failed_run_leaves_no_empty_folder(tmp_path: Path, capsys) -> None:
    """A run that fails after claiming --out (here: the data is missing) removes the folder it
    created, so rerunning with the same --out works."""
    out = tmp_path / "run"
    assert ex8(*QUICK, "--data", str(tmp_path / "absent.npz"), "--out", str(out)) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def sabotage_out(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    """After training, replace the --out folder by a file: every write into it fails."""
    real = ex08.train_one

    def train_then_break(*args: Any, **kwargs: Any) -> dict[str, Any]:
        result = real(*args, **kwargs)
        out.rmdir()
        out.write_text("in the way")
        return result

    monkeypatch.setattr(ex08, "train_one", train_then_break)


def test_out_unusable_at_the_end_saves_elsewhere(
    tiny, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out breaks during the run: the results go to a temporary folder, said on stderr and
    in the JSON; exit 1 (the report is not where it was asked for)."""
    out = tmp_path / "run"
    sabotage_out(monkeypatch, out)
    assert ex8(*QUICK, "--json", "--out", str(out)) == 1
    captured = capsys.readouterr()
    report = strict_loads(captured.out)
    saved = Path(report["files"]["report"])
    assert saved.parent != out and "the results were saved in" in captured.err
    assert strict_loads(saved.read_text())["scratch"]["epochs"] == 2
    assert Path(report["files"]["curves"]).is_file()
    assert "could not write to --out" in report["files"]["problem"]


def test_results_written_nowhere_are_printed(
    tiny, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the fallback folder fails too, the whole report (histories included) is printed."""
    out = tmp_path / "run"
    sabotage_out(monkeypatch, out)

    def no_temp(prefix: str) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner.tempfile, "mkdtemp", no_temp)
    assert ex8(*QUICK, "--out", str(out)) == 1
    captured = capsys.readouterr()
    report = strict_loads(captured.out)
    assert len(report["scratch"]["history"]["loss"]) == 2
    assert report["files"]["report"] is None and "printed on stdout" in captured.err


def test_no_temporary_folder_is_said_in_words(tmp_path: Path, monkeypatch) -> None:
    """When --out fails and no temporary folder can even be made, the note says so (it named
    "the fallback folder None")."""

    def no_temp(prefix: str) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner.tempfile, "mkdtemp", no_temp)
    blocked = tmp_path / "file"
    blocked.write_text("in the way")  # a file where the folder should be: writing fails
    files, problem = runner.save_results(blocked, {"status": "ok"}, [], "katas-test-")
    assert files == {"report": None}
    assert "could not write to a temporary folder (" in problem and "None" not in problem


# ------------------------------------------------------------------ 4. --augment


def test_augment_is_bounded_by_memory(tiny, tmp_path: Path, capsys) -> None:
    """--augment 100000 on 200 images (63 GB): refused at once, naming flag, estimate, limit."""
    out = tmp_path / "run"
    assert ex8(*QUICK, "--augment", "100000", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "--augment 100000" in err and "need about 58.4 GiB" in err and "limit" in err
    assert not out.exists()


def test_check_augment_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate is (copies + 1) x rows x bytes per row; the limit the smaller of
    MAX_AUGMENT_BYTES and half the available memory; bad copies are refused."""
    x = np.zeros((10, 784), np.float32)
    monkeypatch.setattr(ex08, "_available_memory", lambda: None)
    monkeypatch.setattr(ex08, "MAX_AUGMENT_BYTES", 3 * 10 * 784 * 4)
    assert ex08.check_augment_memory(2, x) == 3 * 10 * 784 * 4
    with pytest.raises(BadInput, match=r"Use --augment 2 or fewer"):
        ex08.check_augment_memory(3, x)
    monkeypatch.setattr(ex08, "_available_memory", lambda: 2 * 2 * 10 * 784 * 4)
    with pytest.raises(BadInput, match="half the memory available"):
        ex08.check_augment_memory(2, x)
    for bad in (-1, 1.5, True):
        with pytest.raises(BadInput, match="expected an integer >= 0"):
            ex08.check_augment_memory(bad, x)


def test_exercise_python_entry_points_check_their_arguments() -> None:
    """augment_split and train_one name a bad split, training, seed or backend (a raw
    AttributeError, KeyError or NumPy's unnamed "expected non-negative integer" before)."""
    split, training = tiny_split(), ex08.Training(augment_copies=1)
    cases = [
        (lambda: ex08.augment_split("split", training, 0), "expected a katas.data.Split"),
        (lambda: ex08.augment_split(split, {"augment_copies": 1}, 0), "ex08.Training"),
        (lambda: ex08.augment_split(split, training, -1), "seed: expected an integer in 0"),
        (lambda: ex08.augment_split(split, training, 2.5), "seed: expected an integer in 0"),
        (lambda: ex08.train_one("jax", ex08.PART2, training, split, 0), "backend: expected"),
        (lambda: ex08.train_one("scratch", ex08.PART2, training, split, -3), "seed: expected"),
        (lambda: ex08.sample_trials(2, seed=-1), "seed: expected an integer in 0"),
    ]
    for call, needle in cases:
        with pytest.raises(BadInput, match=needle):
            call()


# ------------------------------------------------------------------ 5. flags and --data


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--seed", "-1"], f"argument --seed: expected a seed, an integer in 0..{SEED_MAX}"),
        (["--seed", str(2**32)], "argument --seed: expected a seed, an integer in 0.."),
        (["--seed", "1.5"], "argument --seed"),
        (["--devices", "0"], "argument --devices: expected a positive integer"),
        (["--devices", "65"], "argument --devices: expected a positive integer or 'all' (at most"),
        (["--budget", "nan"], "argument --budget: expected a positive number"),
        (["--budget", "inf"], "argument --budget: expected a positive number"),
        (["--trials", "0"], "argument --trials: expected a positive integer"),
        (["--max-epochs", "0"], "argument --max-epochs"),
        (["--patience", "-2"], "argument --patience"),
        (["--batch-size", "0"], "argument --batch-size"),
        (["--augment", "-1"], "argument --augment: expected an integer >= 0"),
        (["--learning-rate", "-0.1"], "argument --learning-rate"),
        (["--part", "two"], "argument --part: invalid int value"),
        (["--backend", "jax"], "argument --backend: invalid choice"),
    ],
)
def test_exercise_flags_refused_at_parsing(flags: list[str], needle: str, capsys) -> None:
    """Each impossible flag value stops argparse with exit 2 and names the flag."""
    with pytest.raises(SystemExit) as done:
        ex8(*flags)
    assert done.value.code == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--part", "9"], "part 9 is not available"),
        (["--part", "0"], "part 0 is not available"),
        (["--part", "2", "--trials", "5"], "--trials: part 3 only"),
        (
            ["--part", "4", "--budget", "10", "--search-patience", "2"],
            "--budget, --search-patience",
        ),
        (["--part", "3", "--learning-rate", "0.1"], "--learning-rate: part 3 searches these"),
        (["--part", "3", "--batch-size", "10"], "--batch-size: part 3 searches these"),
        (["--part", "2", "--batch-size", "100000"], "larger than the training set (200 images)"),
    ],
)
def test_exercise_flags_refused_at_run(
    flags: list[str], needle: str, tiny, tmp_path: Path, capsys
) -> None:
    """Flags that parse but do not fit the part (or the data): exit 2, one clear line."""
    assert ex8(*flags, "--backend", "scratch", "--quick", "--out", str(tmp_path / "r")) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["exercise", "8", "--data", ""],
        ["exercise", "8", "--out", " "],
        ["data", "info", "--path", ""],
        ["data", "fetch", "--from", ""],
        ["compare", "lockstep", "--data", ""],
    ],
)
def test_empty_paths_refused_at_parsing(argv: list[str], capsys) -> None:
    """An empty path flag names the flag (it read "path: ..." or "--out : not empty" before)."""
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert f"argument {argv[-2]}: expected a path" in capsys.readouterr().err


def test_part_1_refuses_training_flags(capsys, tmp_path: Path) -> None:
    """Part 1 only prints the network: training flags would be ignored, so they are refused."""
    argv = ["--part", "1", "--backend", "scratch", "--augment", "3", "--json"]
    assert ex8(*argv, "--out", str(tmp_path / "o")) == 2
    assert "--augment, --out, --json: part 1 only builds" in capsys.readouterr().err


def test_search_with_the_largest_seed(
    tiny, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Part 3 seeds trial i with seed + i: at --seed 2**32-1 that wraps instead of failing;
    --devices reaches every trial (it was dropped for part 3)."""
    monkeypatch.setattr(ex08, "iter_trials", fixed_trials(0.01, 0.01))
    seen = []
    real = ex08.train_one

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append((args[4], kwargs.get("devices")))
        return real(*args, **{**kwargs, "devices": None})

    monkeypatch.setattr(ex08, "train_one", spy)
    argv = ["--part", "3", "--backend", "scratch", "--quick", "--max-epochs", "1", "--json"]
    argv += ["--trials", "2", "--seed", str(SEED_MAX), "--devices", "2"]
    assert ex8(*argv, "--out", str(tmp_path / "run")) == 0
    assert seen == [(SEED_MAX, 2), (0, 2)]


def test_huge_epoch_and_trial_counts_cost_nothing(tiny, tmp_path: Path, capsys) -> None:
    """--max-epochs 10**9 and --trials 10**9 are fine: nothing is allocated per epoch or trial
    (the search draws its trials lazily; early stopping and the budget end the run)."""
    big = str(10**9)
    argv = ["--part", "2", "--backend", "scratch", "--quick", "--json", "--patience", "1"]
    argv += ["--learning-rate", "0.01"]  # overfits 200 images within a few epochs
    assert ex8(*argv, "--max-epochs", big, "--out", str(tmp_path / "a")) == 0
    assert strict_loads(capsys.readouterr().out)["config"]["max_epochs"] == 10**9
    argv = ["--part", "3", "--backend", "scratch", "--quick", "--json", "--max-epochs", "1"]
    assert ex8(*argv, "--trials", big, "--budget", "0.001", "--out", str(tmp_path / "b")) == 0
    assert strict_loads(capsys.readouterr().out)["scratch"]["trials_run"] == 1


def bad_data_paths(tmp_path: Path) -> list[tuple[str, Path, str]]:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00" * 100)
    good = tmp_path / "good.npz"
    rng = np.random.default_rng(0)
    np.savez(
        good,
        x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_train=np.arange(30, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:-200])
    (tmp_path / "empty").mkdir()
    return [
        ("missing file", tmp_path / "absent.npz", "no such file or directory"),
        ("missing folder", tmp_path / "absent" / "idx", "no such file or directory"),
        ("garbage", garbage, "cannot be read"),
        ("truncated", truncated, "truncated"),
        ("empty folder", tmp_path / "empty", "expected a directory with the four MNIST IDX"),
        ("not MNIST", good, "official MNIST counts"),
    ]


def test_exercise_bad_data(tmp_path: Path, capsys) -> None:
    """--data pointing at a missing file or folder, garbage, a truncated npz, an empty folder or
    another data set: exit 2 with the reason, and no output folder left behind."""
    for case, path, needle in bad_data_paths(tmp_path):
        out = tmp_path / f"run-{case.replace(' ', '-')}"
        assert ex8(*QUICK, "--data", str(path), "--out", str(out)) == 2, case
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err, (case, err)
        assert not out.exists(), case


def test_data_env_naming_a_file(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNN_KATAS_DATA naming a file: `data info`, `data fetch` and exercise 8 all say so."""
    f = tmp_path / "file"
    f.write_text("x")
    monkeypatch.setenv("DNN_KATAS_DATA", str(f))
    data.clear_cache()
    run = ["exercise", "8", *QUICK, "--out", str(tmp_path / "r")]
    for argv in (["data", "info"], ["data", "fetch"], run):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "found a file" in err and "DNN_KATAS_DATA" in err, (argv, err)


# ------------------------------------------------------------------ lockstep


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--seed", "-1"], "argument --seed: expected a seed, an integer in 0.."),
        (["--seed", str(SEED_MAX + 1)], "argument --seed: expected a seed, an integer in 0.."),
        (["--steps", "-5"], "argument --steps: expected a positive integer"),
        (["--batch-size", "x"], "argument --batch-size: expected a positive integer"),
    ],
)
def test_lockstep_flags_refused_at_parsing(flags: list[str], needle: str, capsys) -> None:
    """`katas compare lockstep` refuses a negative or huge seed (and kin) at parsing."""
    with pytest.raises(SystemExit) as done:
        main(["compare", "lockstep", *flags])
    assert done.value.code == 2
    assert needle in capsys.readouterr().err


def test_lockstep_bad_data_path(tmp_path: Path, capsys) -> None:
    """`compare lockstep --data` at garbage: exit 2 with the reason."""
    for case, path, needle in bad_data_paths(tmp_path):
        assert main(["compare", "lockstep", "--steps", "1", "--data", str(path)]) == 2, case
        assert needle in capsys.readouterr().err, case


XY = (np.zeros((8, 784)), np.arange(8) % 10)


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"config": "guidelines"}, BadInput, "config must be a scratch.networks.NetworkConfig"),
        ({"config": {"units": 5}}, BadInput, "NetworkConfig"),
        ({"steps": 0}, BadInput, "steps must be an integer >= 1"),
        ({"steps": True}, BadInput, "steps must be an integer >= 1"),
        ({"batch_size": 2.0}, BadInput, "batch_size must be an integer >= 1"),
        ({"dtype": None}, BadInput, "dtype must be one of"),
        ({"dtype": ["float64"]}, BadInput, "dtype must be one of"),
        ({"seed": -1}, BadInput, rf"seed: expected an integer in 0\.\.{SEED_MAX}"),
        ({"seed": 2**40}, BadInput, "seed: expected an integer in 0"),
        ({"seed": "42"}, BadInput, "seed: expected an integer"),
        ({"exact_hyperparameters": "yes"}, BadInput, "exact_hyperparameters must be True"),
        ({"y": XY[1]}, BadInput, "pass both x and y"),
        ({"x": XY[0], "y": XY[1], "data_path": "mnist.npz"}, BadInput, "not both"),
        ({"x": np.zeros(784), "y": XY[1][:1]}, ValueError, "x: expected"),
        ({"x": np.zeros((0, 784)), "y": XY[1][:0]}, ValueError, "non-empty"),
        ({"x": XY[0], "y": XY[1][:5]}, ValueError, "y"),
        ({"x": XY[0], "y": XY[1] + 5}, ValueError, "outside the valid range"),
        ({"x": XY[0], "y": XY[1].astype(float)}, TypeError, "integer class labels"),
        ({"x": np.full((8, 784), np.nan), "y": XY[1]}, ValueError, "x"),
        ({"x": XY[0].astype(int), "y": XY[1]}, TypeError, "floating-point"),
    ],
)
def test_run_lockstep_bad_arguments(kwargs: dict, error: type, needle: str) -> None:
    """run_lockstep answers a bad config, count, dtype, seed, flag or x/y with a ValueError or
    TypeError naming it, before TensorFlow is loaded (BadInput is both UserError and
    ValueError, so the CLI prints it as one line)."""
    kwargs = {"config": SMALL, **kwargs}
    config = kwargs.pop("config")
    with pytest.raises(error, match=needle) as err:
        from katas.lockstep import run_lockstep

        run_lockstep(config, **kwargs)
    if error is BadInput:
        assert isinstance(err.value, UserError) and isinstance(err.value, ValueError)


def test_runner_settings_from_replaces_only_the_flags_given() -> None:
    """runner.settings_from: QUICK under --quick, else the defaults, with only the named flags
    that were given (not None) replacing fields; a flag not named is never read."""
    from argparse import Namespace
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class S:
        seeds: int = 5
        patience: int = 10

    quick = S(seeds=2, patience=3)
    args = Namespace(quick=False, seeds=None, patience=7, other=1)
    assert runner.settings_from(args, S(), quick, ("seeds", "patience")) == S(5, 7)
    args = Namespace(quick=True, seeds=4, patience=None)
    assert runner.settings_from(args, S(), quick, ("seeds", "patience")) == S(4, 3)
    assert runner.settings_from(args, S(), quick, ("patience",)) == quick


def test_runner_seed_list_refuses_seeds_past_the_range() -> None:
    """runner.seed_list: seed, seed+1, ... up to SEED_MAX itself; one past names both flags."""
    assert runner.seed_list(3, 2) == [3, 4]
    assert runner.seed_list(SEED_MAX - 1, 2) == [SEED_MAX - 1, SEED_MAX]
    with pytest.raises(UserError, match=rf"--seed {SEED_MAX - 1} --seeds 3: the last seed"):
        runner.seed_list(SEED_MAX - 1, 3)


def test_runner_stats_and_fmt_skip_what_is_not_finite() -> None:
    """The exercises' one statistics helper and table cell (ex09, ex10 and pretrain share
    them): non-finite runs are left out of the statistics, and a missing value prints '-'."""
    s = runner.stats([0.5, None, math.nan, 0.7, math.inf])
    assert s["n"] == 2 and s["min"] == 0.5 and s["max"] == 0.7
    assert math.isclose(s["mean"], 0.6) and math.isclose(s["sd"], math.sqrt(0.02))
    assert runner.stats([0.5])["sd"] is None  # no spread from one run
    assert runner.stats([None, math.nan]) == {
        "mean": None, "sd": None, "min": None, "max": None, "n": 0
    }  # fmt: skip
    assert [runner.fmt(v, ".2f") for v in (0.123, None, math.nan, -math.inf)] == [
        "0.12", "-", "-", "-"
    ]  # fmt: skip
