"""The ``katas`` command line: sub-commands, error paths and exercise 8 end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from katas import data
from katas.cli import main

needs_mnist = pytest.mark.skipif(
    not data.npz_path().is_file(), reason="MNIST not cached: run `katas data fetch`"
)
# Exercise 8 end to end trains on (a quick subset of) real MNIST: seconds per test.
trains = pytest.mark.slow


def test_help_lists_subcommands(capsys) -> None:
    """`katas --help` lists every subcommand, and `katas zoo --help` every zoo subcommand."""
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    commands = ("data", "exercise", "start", "check", "hint", "reset", "watch", "compare", "zoo")
    for command in commands:
        assert re.search(rf"^\s+{command}\b", out, re.M), command
    with pytest.raises(SystemExit) as done:
        main(["zoo", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "show", "train", "export", "import", "remove"):
        assert re.search(rf"^\s+{command}\b", out, re.M), command


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "katas", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "exercise" in done.stdout


def test_unknown_exercise_is_a_clear_error(capsys) -> None:
    assert main(["exercise", "99"]) == 2
    assert "exercise 99 is not available" in capsys.readouterr().err


def test_unknown_part_is_a_clear_error(capsys) -> None:
    """An unknown exercise 8 part is one clear error line, exit 2."""
    assert main(["exercise", "8", "--part", "9", "--backend", "scratch"]) == 2
    assert "part 9 is not available" in capsys.readouterr().err


def test_part_1_prints_the_dnn(capsys) -> None:
    """Part 1 prints the 5 x 100 network with its 119,405 parameters."""
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
@trains
@pytest.mark.parametrize("backend", ["scratch", pytest.param("both", marks=pytest.mark.tf)])
def test_exercise_8_quick_json(capsys, tmp_path, backend: str) -> None:
    """A --quick part 2 run trains far above chance and reports its config as JSON."""
    out = tmp_path / "run"
    argv = ["exercise", "8", "--part", "2", "--backend", backend, "--quick", "--json"]
    code = main([*argv, "--out", str(out)])
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


@needs_mnist
@trains
@pytest.mark.tf
@pytest.mark.parametrize("part", [4, 5])
def test_exercise_8_parts_4_and_5_write_report_and_curves(capsys, tmp_path, part: int) -> None:
    """Parts 4 and 5 use batch norm (and dropout) and write report.json and curves.png."""
    out = tmp_path / f"p{part}"
    argv = ["exercise", "8", "--part", str(part), "--backend", "both", "--quick", "--json"]
    assert main([*argv, "--max-epochs", "3", "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    net = report["config"]["network"]
    assert net["batch_norm"] is True and net["batch_norm_momentum"] == 0.95
    assert net["dropout_rate"] == (0.5 if part == 5 else 0.0)
    for name in ("scratch", "tf"):
        # 3 epochs on 3000 images: far above chance (20%) for a working pipeline
        assert report[name]["test_accuracy"] > 0.8, report[name]
    saved = json.loads((out / "report.json").read_text())
    assert len(saved["scratch"]["history"]["val_loss"]) == report["scratch"]["epochs"]
    png = (out / "curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


@needs_mnist
@trains
def test_exercise_8_part_3_search_respects_budget(capsys, tmp_path) -> None:
    """Part 3 starts no trial after the budget is spent."""
    argv = ["exercise", "8", "--part", "3", "--backend", "scratch", "--quick", "--json"]
    argv += ["--trials", "3", "--budget", "0.001", "--max-epochs", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    r = json.loads(capsys.readouterr().out)["scratch"]
    # the first trial always runs; the budget (1 ms) is spent by then, so no second one starts
    assert r["trials_run"] == 1 and len(r["trials"]) == 1
    assert r["best"]["units"] in (10, 30, 50, 70, 90, 100, 120, 140, 160)
    assert 0 <= r["test_accuracy"] <= 1


def test_exercise_8_search_samples_the_books_grid() -> None:
    """The random search draws reproducibly from every value of the book's grid."""
    from katas.exercises import ex08

    trials = ex08.sample_trials(200, seed=0)
    assert trials == ex08.sample_trials(200, seed=0)  # reproducible
    for key in ("units", "batch_size", "learning_rate"):
        values = {t[key] for t in trials}
        assert values == set(ex08.SEARCH_SPACE[key]), key  # 200 draws hit every value
    for t in trials:
        ex08.trial_config(t)  # every trial is a valid NetworkConfig


def test_exercise_8_out_folder_must_be_new(tmp_path, capsys) -> None:
    """A non-empty --out is refused and left untouched."""
    (tmp_path / "old.txt").write_text("keep me")
    argv = ["exercise", "8", "--part", "2", "--backend", "scratch", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "old.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    "flag", [["--budget", "0"], ["--trials", "-1"], ["--learning-rate", "nan"], ["--patience", "x"]]
)
def test_exercise_8_bad_numbers_are_refused(flag, capsys) -> None:
    """Non-positive or non-numeric numbers stop argparse."""
    with pytest.raises(SystemExit) as exit_info:
        main(["exercise", "8", "--part", "3", *flag])
    assert exit_info.value.code == 2
    assert "expected a positive" in capsys.readouterr().err


@needs_mnist
@trains
def test_exercise_8_augment_adds_shifted_copies(capsys, tmp_path) -> None:
    """--augment 1 doubles the training set."""
    argv = ["exercise", "8", "--part", "2", "--backend", "scratch", "--quick", "--json"]
    assert main([*argv, "--augment", "1", "--max-epochs", "1", "--out", str(tmp_path)]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert config["augment_copies"] == 1 and config["n_train"] == 2 * 3000


def test_exercise_8_augment_split_keeps_valid_and_test() -> None:
    """augment_split appends copies after the originals and leaves valid/test alone."""
    from katas import data
    from katas.exercises import ex08

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (20, 784)).astype(np.uint8)
    y = rng.integers(0, 5, 20)
    split = data.Split(x, y, x[:4], y[:4], x[4:8], y[4:8])
    out = ex08.augment_split(split, ex08.Training(augment_copies=2), seed=1)
    assert out.x_train.shape == (60, 784) and list(out.y_train) == list(y) * 3
    np.testing.assert_array_equal(out.x_train[:20], x)  # the originals come first, untouched
    assert out.x_valid is split.x_valid and out.x_test is split.x_test
    again = ex08.augment_split(split, ex08.Training(augment_copies=2), seed=1)
    np.testing.assert_array_equal(out.x_train, again.x_train)  # same seed, same copies


@needs_mnist
@trains
def test_exercise_8_schedule_flag(capsys, tmp_path) -> None:
    """--schedule plateau reaches the config; part 3 refuses --schedule."""
    argv = ["exercise", "8", "--part", "2", "--backend", "scratch", "--quick", "--json"]
    argv += ["--schedule", "plateau", "--max-epochs", "2", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["config"]["network"]["lr_schedule"] == "plateau"
    saved = json.loads((tmp_path / "run" / "report.json").read_text())
    assert saved["scratch"]["history"]["learning_rate"] == [0.001, 0.001]  # patience 5 > 2
    assert main(["exercise", "8", "--part", "3", "--schedule", "plateau"]) == 2
    assert "parts 2, 4 and 5 only" in capsys.readouterr().err


# --- compare's verdict (issue 12, item 6) ---------------------------------------------------


def _verdict(yours, ref, lang="en", tf=None):
    from katas.engine import compare

    outputs = {"yours": {"out": yours}, "scratch": {"out": ref}}
    if tf is not None:
        outputs["tf_ref"] = {"out": tf}
    rows = compare.compare_outputs("x (2, 2)", outputs)
    return compare.verdict(rows, "dense", lang)


def test_compare_verdict_agrees_within_the_dtype_rounding() -> None:
    """Equal outputs (up to float32 rounding for float32): the verdict says they agree."""
    ref = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    text = _verdict(ref * (1 + 1e-7), ref, tf=ref)
    assert text.startswith("Verdict: your functions agree with scratch within float32"), text
    assert "tolerance 1e-04" in text and "with TensorFlow as closely as scratch does" in text


def test_compare_allows_tensorflow_the_gap_scratch_has() -> None:
    """TensorFlow off from scratch by more than rounding (Keras's float32 hyperparameters, other
    random draws): yours, equal to scratch, still agrees, and a note says where they differ; a
    mistake is still found, against scratch."""
    ref = np.array([1.0, 2.0])
    tf = ref * (1 + 1e-7)  # float64 data, a float32-rounded factor inside TensorFlow
    text = _verdict(ref, ref, tf=tf)
    assert text.startswith("Verdict: your functions agree with scratch within float64"), text
    assert "Note: scratch and TensorFlow differ by up to 1e-07" in text
    wrong = _verdict(ref * 2, ref, tf=tf)
    assert "off at case" in wrong and "yours 4, scratch 2, yours is 2 times it" in wrong


def test_compare_verdict_says_where_and_how_far_off() -> None:
    """A wrong element: the case, the index, both values and the error, in both languages."""
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    yours = ref.copy()
    yours[1, 0] = 1.5
    text = _verdict(yours, ref)
    assert "off at case 'x (2, 2)', output out, index (1, 0): yours 1.5, scratch 3" in text, text
    assert "the float64 tolerance is 1e-10" in text and "`katas check dense`" in text
    assert "yours is 1/2 of it" in text  # 1.5 / 3: a recognizable ratio is named
    ja = _verdict(yours, ref, "ja")
    assert "インデックス (1, 0) でずれています: あなた 1.5、scratch 3" in ja, ja


def test_compare_tolerance_follows_the_dtype() -> None:
    """A 1e-6 relative difference is float32 rounding but a real error in float64."""
    ref = np.array([1.0, 2.0])
    assert "agree" in _verdict((ref * (1 + 1e-6)).astype(np.float32), ref.astype(np.float32))
    assert "off at case" in _verdict(ref * (1 + 1e-6), ref)


def test_compare_verdict_for_outputs_that_cannot_be_compared() -> None:
    """Your output of the wrong shape: no 'agree', the verdict points at katas check."""
    text = _verdict(np.zeros(3), np.zeros(2))
    assert text.startswith("Verdict: your outputs could not be compared"), text


def test_compare_table_in_japanese() -> None:
    """The table's headings, pair names and notes are Japanese under ja."""
    from katas.engine import compare

    rows = compare.compare_outputs("c", {"yours": {"out": None}, "scratch": {"out": [1.0]}})
    table = compare.format_table(rows, "ja")
    assert table.splitlines()[0].startswith("ケース") and "あなた vs scratch" in table
    assert "数値の配列ではありません" in table


def test_lang_flag_is_the_commands_language_and_restored_after(monkeypatch, capsys) -> None:
    """--lang ja is $DNN_KATAS_LANG while the command runs, and unset again after it."""
    from katas.engine import commands

    seen = []
    monkeypatch.delenv("DNN_KATAS_LANG", raising=False)
    monkeypatch.setattr(
        commands, "cmd_list", lambda args: seen.append(os.environ.get("DNN_KATAS_LANG"))
    )
    main(["--lang", "ja", "list"])
    assert seen == ["ja"] and "DNN_KATAS_LANG" not in os.environ


def test_compare_verdict_names_a_recognizable_ratio_only() -> None:
    """1/32 (a mean for a sum over a batch of 32), 3x and a flipped sign are named; 0.7 is not."""
    ref = np.array([3.2, -6.4])
    assert "yours is 1/32 of it" in _verdict(ref / 32, ref)
    assert "yours is 3 times it" in _verdict(ref * 3, ref)
    assert "opposite sign" in _verdict(-ref, ref)
    text = _verdict(ref * 0.7, ref)
    assert "off at case" in text and "of it" not in text and "times it" not in text


def test_compare_exit_status_follows_the_verdict() -> None:
    """Outputs off beyond the tolerance make compare exit 1, like outputs that cannot be used."""
    from katas.engine import compare

    ref = {"out": np.array([1.0, 2.0])}
    off = compare.compare_outputs("c", {"yours": {"out": np.array([1.0, 3.0])}, "scratch": ref})
    same = compare.compare_outputs("c", {"yours": ref, "scratch": ref})
    assert compare.yours_off(off) and not compare.yours_off(same)


def test_compare_verdict_for_exact_outputs_says_so() -> None:
    """Yours exactly equal to scratch: the verdict says so (no "largest error 0 of ..."), in
    both languages; a nonzero error is still quoted."""
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    text = _verdict(ref.copy(), ref)
    assert "exactly equal: no error at all, tolerance 1e-10" in text, text
    assert "largest error" not in text
    ja = _verdict(ref.copy(), ref, "ja")
    assert "完全に一致しており、誤差はまったくありません" in ja and "0 倍" not in ja, ja
    assert "largest error 5e-11 of an output's largest value" in _verdict(ref * (1 + 5e-11), ref)
