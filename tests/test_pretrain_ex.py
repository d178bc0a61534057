"""The pretraining experiment (``katas exercise pretrain``): its data subsets (nested labeled
sets, a disjoint unlabeled pool, validation of matching size), one pretraining per seed reused
for every label count, a strict report and four PNGs, bad flags answered with exit 2 before any
work, ``--out`` probed first. Tiny synthetic data (``pretrain.load_split`` patched) and the
``--quick`` sizes: seconds, no MNIST; the TensorFlow run is marked tf and slow."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from katas import data
from katas.cli import main
from katas.exercises import pretrain

PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = ("accuracy", "filters", "gibbs", "free_energy_gap")


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN / Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def tiny_split() -> data.Split:
    """40 / 8 / 10 random 'images' per digit in [0, 1], shuffled; labels 0..9 (the split's
    shape is what matters here, not what can be learned from it)."""
    rng = np.random.default_rng(0)

    def part(per_digit: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.permutation(np.repeat(np.arange(10), per_digit)).astype(np.int64)
        x = rng.random((len(y), 784), dtype=np.float32)
        x[:, :78] = (y[:, None] / 9.0).astype(np.float32)  # a little signal per digit
        return x, y

    return data.Split(*part(40), *part(8), *part(10))


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The experiment on tiny_split(); returns the list of seeds pretrain() was called with."""
    calls: list[int] = []
    real = pretrain.pretrain

    def counted(backend: Any, x: np.ndarray, xv: np.ndarray, settings: Any, seed: int) -> Any:
        calls.append(seed)
        return real(backend, x, xv, settings, seed)

    monkeypatch.setattr(pretrain, "load_split", lambda path: tiny_split())
    monkeypatch.setattr(pretrain, "pretrain", counted)
    return calls


def run(*argv: str) -> int:
    return main(["exercise", "pretrain", *argv])


def test_subsets_are_nested_disjoint_and_matched() -> None:
    """Labeled sets hold n per digit and nest; the pool avoids the largest; validation matches
    n up to the rarest validation digit; another seed draws other images."""
    split = tiny_split()
    settings = replace(pretrain.QUICK, labels=(2, 5, 12), unlabeled=None)
    sets = pretrain.subsets(split, settings, seed=3)
    rows = {tuple(r) for r in split.x_train}
    assert len(rows) == len(split.x_train)  # rows identify images
    seen: set[tuple] = set()
    for n in (2, 5, 12):
        x, y = sets.train[n]
        assert np.bincount(y, minlength=10).tolist() == [n] * 10
        _, yv = sets.valid[n]
        assert np.bincount(yv, minlength=10).tolist() == [min(n, 8)] * 10  # 8 per digit
        now = {tuple(r) for r in x}
        assert seen <= now  # nested
        seen = now
    pool = {tuple(r) for r in sets.unlabeled}
    assert not pool & seen and len(pool) == len(split.x_train) - 120
    other = pretrain.subsets(split, settings, seed=4)
    assert not np.array_equal(other.train[2][0], sets.train[2][0])


def test_quick_run_report_json_and_pngs(tiny: list[int], tmp_path: Path, capsys) -> None:
    """--quick --json: exit 0, strict JSON with mean and sd per label count and variant, one
    pretraining per seed (reused for both label counts), report.json and four PNGs."""
    out = tmp_path / "run"
    argv = ("--quick", "--unlabeled", "200", "--json", "--out", str(out))
    assert run(*argv) == 0
    report = strict_loads(capsys.readouterr().out)
    assert tiny == [42, 43]  # once per seed, not once per label count
    s = report["scratch"]
    assert report["status"] == "ok" and set(s["labels"]) == {"2", "5"}
    for n in ("2", "5"):
        for variant in pretrain.VARIANTS:
            acc = s["labels"][n][variant]["test_accuracy"]
            assert acc["n"] == 2 and acc["sd"] is not None and 0 <= acc["mean"] <= 1
        assert s["labels"][n]["gain_finetuned_vs_random"]["paired"]["n"] == 2
    assert [p["n_unlabeled"] for p in s["pretraining"]] == [200, 200]
    assert "history" not in json.dumps(report)  # histories stay in report.json
    saved = strict_loads((out / "report.json").read_text())
    assert saved["config"]["labels"] == [2, 5] and saved["config"]["hidden"] == [16, 8]
    assert len(saved["scratch"]["pretraining"][0]["free_energy_gap"]) == 2  # one per RBM
    for key in FIGURES:
        assert report["files"][key] == str(out / f"{key}.png")
        assert (out / f"{key}.png").read_bytes()[:8] == PNG


def test_quick_run_prints_the_table(tiny: list[int], tmp_path: Path, capsys) -> None:
    """Without --json: one row per label count and variant, the gain line, the files."""
    assert run("--quick", "--unlabeled", "200", "--seeds", "1", "--out", str(tmp_path / "r")) == 0
    text = capsys.readouterr().out
    for label in pretrain.VARIANTS.values():
        assert label in text
    assert "gain (fine-tuned - random)" in text and "filters.png" in text


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--labels", "0,10"], "argument --labels: expected comma-separated positive integers"),
        (["--labels", "ten"], "argument --labels"),
        (["--labels", ""], "argument --labels"),
        (["--hidden", "256,x"], "argument --hidden: expected comma-separated positive"),
        (["--method", "autoencoder"], "argument --method: invalid choice"),
        (["--backend", "jax"], "argument --backend: invalid choice"),
        (["--seeds", "0"], "argument --seeds: expected a positive integer"),
        (["--unlabeled", "-3"], "argument --unlabeled"),
        (["--learning-rate", "nan"], "argument --learning-rate"),
        (["--out", ""], "argument --out: expected a path"),
    ],
)
def test_flags_refused_at_parsing(flags: list[str], needle: str, capsys) -> None:
    """Impossible values stop argparse with exit 2, naming the flag."""
    with pytest.raises(SystemExit) as done:
        run(*flags)
    assert done.value.code == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--labels", "40"], "--labels 40: expected fewer labeled images per digit than"),
        (["--unlabeled", "500"], "--unlabeled 500: only 350 training images are left"),
        (["--seed", str(2**32 - 1), "--seeds", "2"], "the last seed would be"),
    ],
)
def test_flags_refused_before_any_work(
    flags: list[str], needle: str, tiny: list[int], tmp_path: Path, capsys
) -> None:
    """Flags that parse but do not fit the data: exit 2, one clear line, nothing pretrained,
    no folder left behind."""
    out = tmp_path / "r"
    assert run("--quick", *flags, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert tiny == [] and not out.exists()


def test_out_is_probed_first(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """--out naming a file (or a non-empty folder): exit 2 before the data is loaded."""

    def boom(*args: Any) -> None:
        raise AssertionError("--out must be checked first")

    monkeypatch.setattr(pretrain, "load_split", boom)
    f = tmp_path / "f"
    f.write_text("keep")
    assert run("--out", str(f)) == 2
    assert "this is a file" in capsys.readouterr().err and f.read_text() == "keep"
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("")
    assert run("--out", str(full)) == 2
    assert "not empty" in capsys.readouterr().err


def test_gibbs_chains_snapshot_the_requested_steps() -> None:
    """gibbs_chains calls rbm.gibbs exactly max(steps) times, snapshotting after each count."""

    class Counter:
        def gibbs(self, v: np.ndarray) -> np.ndarray:
            return v + 1.0

    chains = pretrain.gibbs_chains(Counter(), np.zeros((2, 3)), (0, 1, 10))
    assert [float(c[0, 0]) for c in chains] == [0.0, 1.0, 10.0]


@pytest.mark.tf
@pytest.mark.slow  # TensorFlow's import and a few tiny fits
def test_quick_tf_backend(tiny: list[int], tmp_path: Path, capsys) -> None:
    """--backend tf: the same report shape from tf_ref's pretraining, exit 0."""
    argv = ("--quick", "--unlabeled", "200", "--seeds", "1", "--backend", "tf", "--json")
    assert run(*argv, "--out", str(tmp_path / "r")) == 0
    report = strict_loads(capsys.readouterr().out)
    assert report["tf"]["status"] == "ok" and tiny == [42]
    assert 0 <= report["tf"]["labels"]["5"]["rbm_finetuned"]["test_accuracy"]["mean"] <= 1
