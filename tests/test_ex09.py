"""Exercise 9 (transfer learning to digits 5-9): the reused layers are copies, frozen, and only
the stages' layers train; the CLI writes a strict report and a PNG, answers bad flags with
exit 2 and bad --out before any work. Tiny synthetic data and an untrained base network
(``ex09.load_data`` and ``ex09.base_model`` patched): seconds, no MNIST; the zoo path uses a
tiny entry in a temporary ``DNN_KATAS_ZOO``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from katas import data
from katas.cli import main
from katas.exercises import ex08, ex09
from scratch.networks import build_network


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN / Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def base_model() -> Any:
    """An untrained network of the zoo entry's architecture (exercise 8.4's), seed 0."""
    return build_network(ex09.BASE_CONFIG, 784, 5, rng=0)


def tiny_split() -> data.Split:
    """60 / 30 / 40 random 'images', labels 0..4 from a fixed linear map (learnable)."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((784, 5))

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.random((n, 784), dtype=np.float32)
        return x, np.argmax(x @ w, axis=1).astype(np.int64)

    return data.Split(*part(60), *part(30), *part(40))


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[np.ndarray]]:
    """Exercise 9 on tiny_split() with base_model() as the zoo's model; returns its weights."""
    model = base_model()
    monkeypatch.setattr(ex09, "load_data", lambda settings, path: tiny_split())
    monkeypatch.setattr(ex09, "base_model", lambda quick, verbose: (model, {"entry": "t"}))
    return {layer.name: layer.get_weights() for layer in model.layers}


def ex9(*argv: str) -> int:
    return main(["exercise", "9", *argv])


def test_reused_network_copies_the_weights_and_freezes_them() -> None:
    """Hidden layers hold copies (not the base's arrays) and are frozen; the output trains."""
    source = base_model()
    base = {layer.name: layer.get_weights() for layer in source.layers}
    scratch = ex08.backend_module("scratch")

    model = ex09.reused_network(scratch, 4, source, np.random.default_rng(1))
    assert [layer.name for layer in model.layers][-1] == "logits"
    assert len(model.layers) == 13  # four blocks (Dense, BN, activation) + the new output
    for layer in model.layers[:-1]:
        assert not layer.trainable
        for got, want in zip(layer.get_weights(), base[layer.name], strict=True):
            np.testing.assert_array_equal(got, want)
    assert model.layers[-1].trainable
    model.layers[0].params["kernel"][0, 0] += 1.0
    assert base["hidden1"][0][0, 0] != model.layers[0].params["kernel"][0, 0]  # a copy


def test_stages_train_only_their_layers() -> None:
    """9.4 trains only the new output; 9.5's first stage (as run_seed runs it) also hidden3-4
    and their batch norms, never hidden1-2."""
    scratch = ex08.backend_module("scratch")

    split = tiny_split()
    settings = ex09.QUICK
    model = ex09.reused_network(scratch, 4, base_model(), np.random.default_rng(1))
    rng = np.random.default_rng(2)

    def snapshot() -> dict[str, list[np.ndarray]]:
        return {layer.name: layer.get_weights() for layer in model.layers}

    before = snapshot()
    ex09.train_stage(scratch, "scratch", model, split, settings, rng, "auto")
    after4 = snapshot()
    changed = {
        n for n in before if any((a != b).any() for a, b in zip(before[n], after4[n], strict=True))
    }
    assert changed == {"logits"}
    assert ex09.STAGES[0] == ("four_layers", ())
    assert ex09.STAGES[1][0] == "top_two_unfrozen"
    ex09.set_trainable(scratch, model, ex09.STAGES[1][1])
    ex09.train_stage(scratch, "scratch", model, split, settings, rng, "auto")
    after5 = snapshot()
    changed = {
        n for n in before if any((a != b).any() for a, b in zip(after4[n], after5[n], strict=True))
    }
    assert changed == {"logits", "hidden3", "hidden3_bn", "hidden4", "hidden4_bn"}


def test_quick_part_3_report_json_and_png(tiny, tmp_path: Path, capsys) -> None:
    """Part 3: exit 0, strict JSON with mean and sd per variant, the cached run equal to the
    uncached one seed by seed (same batches, same trajectory), a speed-up, report and PNG."""
    out = tmp_path / "run"
    assert ex9("--part", "3", "--backend", "scratch", "--quick", "--json", "--out", str(out)) == 0
    report = strict_loads(capsys.readouterr().out)
    s = report["scratch"]
    assert report["status"] == "ok" and set(s["variants"]) == {"frozen", "cached"}
    assert s["variants"]["frozen"]["test_accuracy"]["n"] == 2
    assert s["variants"]["frozen"]["test_accuracy"]["sd"] is not None
    assert s["speedup"] > 0 and s["variants"]["frozen"]["book_test_accuracy"] == 0.6402
    assert "history" not in json.dumps(report)  # histories stay in report.json
    saved = strict_loads((out / "report.json").read_text())
    frozen, cached = (saved["scratch"]["variants"][v] for v in ("frozen", "cached"))
    for a, b in zip(frozen["runs"], cached["runs"], strict=True):
        assert a["seed"] == b["seed"] and a["epochs"] == b["epochs"]
        # The same float32 operations, the features computed once instead of per batch: only
        # rounding may differ (observed: equal), far below what another init or batch order
        # moves (the losses differ in the 2nd digit).
        assert a["history"]["val_loss"] == pytest.approx(b["history"]["val_loss"], rel=1e-4)
        assert a["test_loss"] == pytest.approx(b["test_loss"], rel=1e-4)
    assert (out / "bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_part_5_table(tiny, tmp_path: Path, capsys) -> None:
    """Part 5 prints one row per variant (9.4 as its starting point) with the book's value."""
    argv = ("--part", "5", "--backend", "scratch", "--quick", "--seeds", "1")
    assert ex9(*argv, "--out", str(tmp_path / "r")) == 0
    text = capsys.readouterr().out
    for label in ("9.4 four hidden layers", "9.5 top two unfrozen", "9.5 all unfrozen"):
        assert label in text
    assert "9.5 from scratch" in text and "0.9134" in text


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--part", "1"], "exercise 9 part 1 is not available; parts: 2, 3, 4, 5"),
        (["--part", "6"], "exercise 9 part 6 is not available"),
        (["--seed", str(2**32 - 1), "--seeds", "3"], "the last seed would be"),
        (["--batch-size", "1000"], "--batch-size 1000: larger than the training set (60"),
    ],
)
def test_flags_refused_at_run(flags: list[str], needle: str, tiny, tmp_path: Path, capsys):
    """Flags that parse but do not fit: exit 2, one clear line, no folder left behind."""
    out = tmp_path / "r"
    assert ex9(*flags, "--backend", "scratch", "--quick", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--seeds", "0"], "argument --seeds: expected a positive integer"),
        (["--backend", "jax"], "argument --backend: invalid choice"),
        (["--learning-rate", "nan"], "argument --learning-rate"),
        (["--out", ""], "argument --out: expected a path"),
    ],
)
def test_flags_refused_at_parsing(flags: list[str], needle: str, capsys) -> None:
    """Impossible values stop argparse with exit 2, naming the flag."""
    with pytest.raises(SystemExit) as done:
        ex9(*flags)
    assert done.value.code == 2
    assert needle in capsys.readouterr().err


def test_out_that_is_a_file_costs_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    """--out naming a file: exit 2 before the data or the zoo is touched."""

    def boom(*args: Any) -> None:
        raise AssertionError("--out must be checked first")

    monkeypatch.setattr(ex09, "load_data", boom)
    monkeypatch.setattr(ex09, "base_model", boom)
    f = tmp_path / "f"
    f.write_text("keep")
    assert ex9("--backend", "scratch", "--out", str(f)) == 2
    assert "this is a file" in capsys.readouterr().err and f.read_text() == "keep"


def test_base_model_from_a_quick_zoo_entry(tmp_path: Path, monkeypatch) -> None:
    """--quick takes the zoo's newest mnist-0-4 entry, quick ones included, weights intact."""
    from katas.zoo import store

    monkeypatch.setenv("DNN_KATAS_ZOO", str(tmp_path / "zoo"))
    model = base_model()
    store.add(ex09.BASE_ENTRY, model, "scratch", recipe=ex09.BASE_ENTRY, quick=True)
    loaded, summary = ex09.base_model(quick=True, verbose=False)
    assert summary["version"] == 1 and summary["quick"] is True
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # a model stored under that name by other means (a Keras import) never stands in for it
    store.add(ex09.BASE_ENTRY, model, "scratch", recipe=None, quick=False)
    with pytest.raises(ValueError, match=r"mnist-0-4@2: not made by recipe mnist-0-4"):
        ex09.base_model(quick=True, verbose=False)


@pytest.mark.tf
def test_reused_network_in_tf_ref_holds_the_same_weights() -> None:
    """in_backend + reused_network give tf_ref the very weights scratch reuses."""
    tf_backend = ex08.backend_module("tf")
    source = base_model()
    model = ex09.reused_network(tf_backend, 5, ex09.in_backend(tf_backend, source), 0)
    for layer in model.layers[:-1]:
        assert not layer.trainable
        want = next(s for s in source.layers if s.name == layer.name).get_weights()
        for got, w in zip(layer.get_weights(), want, strict=True):
            np.testing.assert_array_equal(got, w)


@pytest.mark.tf
@pytest.mark.slow  # about 15 s, most of it importing TensorFlow
def test_quick_both_backends(tiny, tmp_path: Path, capsys) -> None:
    """--backend both: each backend reports every variant of the part, exit 0."""
    argv = ("--part", "2", "--backend", "both", "--quick", "--seeds", "1", "--json")
    assert ex9(*argv, "--out", str(tmp_path / "r")) == 0
    report = strict_loads(capsys.readouterr().out)
    for name in ("scratch", "tf"):
        assert report[name]["status"] == "ok"
        assert 0 <= report[name]["variants"]["frozen"]["test_accuracy"]["mean"] <= 1
