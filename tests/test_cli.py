"""The ``katas`` command line: sub-commands, error paths and exercise 8 end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from katas import data
from katas.cli import main

needs_mnist = pytest.mark.skipif(
    not data.npz_path().is_file(), reason="MNIST not cached: run `katas data fetch`"
)


def test_help_lists_subcommands(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("data", "exercise", "start", "check", "hint", "reset", "watch", "compare"):
        assert command in out


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "katas", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "exercise" in done.stdout


def test_unknown_exercise_is_a_clear_error(capsys) -> None:
    assert main(["exercise", "99"]) == 2
    assert "exercise 99 is not available" in capsys.readouterr().err


def test_unknown_part_is_a_clear_error(capsys) -> None:
    assert main(["exercise", "8", "--part", "9", "--backend", "scratch"]) == 2
    assert "part 9 is not available" in capsys.readouterr().err


def test_part_1_prints_the_dnn(capsys) -> None:
    assert main(["exercise", "8", "--part", "1", "--backend", "scratch"]) == 0
    out = capsys.readouterr().out
    assert out.count("hidden") == 5 and "logits" in out and "total parameters: 119405" in out


@needs_mnist
def test_data_info_json(capsys) -> None:
    assert main(["data", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["train_counts"] == list(data.OFFICIAL_TRAIN_COUNTS)
    assert info["test_counts"] == list(data.OFFICIAL_TEST_COUNTS)


@needs_mnist
@pytest.mark.parametrize("backend", ["scratch", "both"])
def test_exercise_8_quick_json(capsys, backend: str) -> None:
    code = main(["exercise", "8", "--part", "2", "--backend", backend, "--quick", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    names = ["scratch"] if backend == "scratch" else ["scratch", "tf"]
    for name in names:
        r = report[name]
        # 3000 training images, a few epochs: a working net is far above chance (20%); the
        # threshold only guards against a broken pipeline, the full run is the real evidence.
        assert r["test_accuracy"] > 0.9, r
        assert r["epochs"] >= 1 and r["seconds_per_epoch"] > 0
    assert report["config"]["quick"] is True and report["config"]["n_train"] == 3000
