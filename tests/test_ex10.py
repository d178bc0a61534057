"""Exercise 10 (pretraining on "same digit?" pairs, then reusing DNN A): the splits never
overlap, both backends get the same validation and test pairs, the pair network is the book's,
part 4 reuses DNN A's very layers frozen and leaves them unchanged; the CLI writes strict JSON
and a PNG per part, refuses bad flags (exit 2) before any data is loaded. Tiny synthetic data
(``ex10.load_data`` patched): seconds, no MNIST."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from katas.cli import main
from katas.errors import UserError
from katas.exercises import ex10


def strict_loads(text: str) -> Any:
    """json.loads that refuses NaN / Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def tiny_images(n: int = 600, n_test: int = 200) -> tuple[np.ndarray, ...]:
    """Random 'images' with each digit's own mean pattern (learnable), labels cycling 0..9."""
    rng = np.random.default_rng(0)
    means = rng.random((10, 784), dtype=np.float32)

    def part(m: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(m) % 10
        x = np.clip(means[y] + 0.1 * rng.standard_normal((m, 784)), 0, 1).astype(np.float32)
        return x, y.astype(np.int64)

    return (*part(n), *part(n_test))


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Exercise 10 on tiny_images(); returns a list that counts the data loads."""
    loads: list[int] = []

    def load(settings: ex10.Settings, path: str | None) -> ex10.PairData:
        loads.append(1)
        return ex10.make_data(settings, tiny_images())

    monkeypatch.setattr(ex10, "load_data", load)
    return loads


def ex10_cli(*argv: str) -> int:
    return main(["exercise", "10", *argv])


def test_splits_are_disjoint_and_where_the_book_puts_them() -> None:
    """split #2 = the last split2_images rows, validation pairs from split #1's last
    valid_images rows, training pairs from the rest: no row in two of them."""
    s = ex10.Settings()
    d = ex10.make_data(s, tiny_images(n=60000, n_test=10))
    assert d.split2.tolist() == list(range(55000, 60000))
    assert d.valid_pairs_split.tolist() == list(range(50000, 55000))
    assert d.train_pairs_split.tolist() == list(range(50000))
    with pytest.raises(UserError, match="too few"):
        ex10.make_data(s, tiny_images(n=600))


def test_valid_and_test_pairs_depend_on_the_seed_only() -> None:
    """The same seed gives the same validation and test pairs (each backend gets them), from
    their own rows; another seed other pairs."""
    s = ex10.QUICK
    d = ex10.make_data(s, tiny_images())
    for which in ("valid", "test"):
        x1, y1, info = ex10.fixed_pairs(d, which, s, 3)
        x2, y2, _ = ex10.fixed_pairs(d, which, s, 3)
        x3, _, _ = ex10.fixed_pairs(d, which, s, 4)
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
        assert not np.array_equal(x1, x3)
        assert info["all_indices_inside_split"] and info["a_differs_from_b"]
        assert info["labels_match_digits"] and info["n_same"] == len(y1) // 2


@pytest.mark.parametrize("shared", [False, True])
def test_the_pair_network_is_the_books(shared: bool) -> None:
    """Towers of 5 x 100 ELU He-initialized layers (two, or one shared), 10 ELU, 1 logit."""
    backend = ex10.backend_module("scratch")
    m = ex10.pair_network(backend, shared, np.random.default_rng(0))
    towers, top, out = m.layers
    assert m.input_dim == 2 * 784 and out.units == 1 and top.units == 10
    assert (towers.tower_b is None) == shared
    for tower in [towers.tower_a] + ([] if shared else [towers.tower_b]):
        assert [(x.units, x.activation.name) for x in tower] == [(100, "elu")] * 5
        assert all(x.get_config()["kernel_initializer"] == "he_normal" for x in tower)
    assert towers.output_dim == 200


def test_part2_reports_the_pairs_and_draws_them(tiny: list[int], tmp_path: Path, capsys) -> None:
    """--part 2: exact halves, indices inside their splits, a != b, strict JSON, pairs.png."""
    out = tmp_path / "p2"
    assert ex10_cli("--part", "2", "--quick", "--json", "--out", str(out)) == 0
    printed = strict_loads(capsys.readouterr().out)
    report = strict_loads((out / "report.json").read_text())
    assert printed["pairs"] == report["pairs"]
    for key in ("train", "valid", "test"):
        s = report["pairs"][key]
        assert s["n_same"] == s["n_pairs"] // 2
        assert s["all_indices_inside_split"] and s["a_differs_from_b"]
        assert s["labels_match_digits"]
    assert report["pairs"]["label"].startswith("1 = same digit")
    assert (out / "pairs.png").stat().st_size > 0


def test_pairs_png_shows_the_first_training_pairs(
    tiny: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pairs.png's panels are the first pairs part 3 trains on (the seed's first draw of
    --pairs-per-epoch pairs), not a separate smaller draw: digits and labels match."""
    from katas.exercises import plotting

    titles: list[str] = []
    real = plotting._save

    def grab(fig: Any, path: Path) -> Path:
        titles.extend(ax.get_title() for ax in fig.axes if ax.get_title())
        return real(fig, path)

    monkeypatch.setattr(plotting, "_save", grab)
    s = ex10.QUICK
    d = ex10.make_data(s, tiny_images())
    ex10.plot_pairs(d, s, 42, tmp_path, n=16)
    rng = ex10.stream(42, 1)  # what train_pairs' first epoch draws
    a, b, same = ex10.make_pairs(d.y, d.train_pairs_split, s.pairs_per_epoch, rng)
    words = ["same (1)" if t else "different (0)" for t in same[:16]]
    assert titles == [f"{w}: {d.y[i]} / {d.y[j]}" for w, i, j in zip(words, a, b, strict=False)]


def test_part4_reuses_dnn_a_frozen_and_unchanged(tiny: list[int], tmp_path: Path) -> None:
    """transfer(frozen_tower=True) trains only the new softmax on DNN A's own layers (the same
    objects, frozen, their weights unchanged); the from-scratch net draws its own."""
    s = ex10.QUICK
    d = ex10.make_data(s, tiny_images())
    backend = ex10.backend_module("scratch")
    model, record = ex10.train_pairs(backend, "scratch", d, s, 0, "cpu", False)
    assert record["epochs"] == s.max_epochs and 0 <= record["test_accuracy"] <= 1
    before = [x.get_weights() for x in model.layers[0].tower_a]
    r = ex10.transfer(backend, "scratch", model, d, s, 0, True, "cpu")
    assert 0 <= r["test_accuracy"] <= 1 and r["epochs"] == s.transfer_epochs
    for layer, weights in zip(model.layers[0].tower_a, before, strict=True):
        assert not layer.trainable
        for got, want in zip(layer.get_weights(), weights, strict=True):
            np.testing.assert_array_equal(got, want)
    r = ex10.transfer(backend, "scratch", model, d, s, 0, False, "cpu")
    assert 0 <= r["test_accuracy"] <= 1


@pytest.mark.parametrize("part", [3, 4])
def test_parts_3_and_4_write_strict_reports(
    part: int, tiny: list[int], tmp_path: Path, capsys
) -> None:
    """--part 3/4 --quick (scratch): runs per seed, statistics, the book's numbers, the PNG."""
    out = tmp_path / f"p{part}"
    code = ex10_cli(
        "--part", str(part), "--backend", "scratch", "--quick", "--json", "--out", str(out)
    )
    assert code == 0
    report = strict_loads((out / "report.json").read_text())
    printed = strict_loads(capsys.readouterr().out)
    variants = report["scratch"]["variants"]
    assert set(variants) == ({"pairs"} if part == 3 else {"pairs", "frozen_a", "from_scratch"})
    assert variants["pairs"]["book_test_accuracy"] == 0.976
    assert len(variants["pairs"]["runs"]) == ex10.QUICK.seeds
    assert "history" not in printed["scratch"]["variants"]["pairs"]["runs"][0]
    assert "history" in variants["pairs"]["runs"][0]
    png = "curves.png" if part == 3 else "bars.png"
    assert (out / png).stat().st_size > 0
    if part == 4:
        assert variants["frozen_a"]["book_test_accuracy"] == 0.965
        assert variants["from_scratch"]["book_test_accuracy"] == 0.946


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--part", "5"], "part 5 is not available"),
        (["--part", "1"], "part 1 is not available"),
        (["--batch-size", "600", "--pairs-per-epoch", "500"], "--batch-size 600: larger"),
        # the batch size the user did not type is named as the default it is
        (["--pairs-per-epoch", "400"], r"batch size 500 \(the default\): larger"),
        (["--quick", "--pairs-per-epoch", "50"], r"batch size 100 \(--quick's default\)"),
        (["--batch-size", "1", "--pairs-per-epoch", "1"], "--pairs-per-epoch 1: at least 2"),
        (["--seed", str(2**32 - 1), "--seeds", "2"], "--seeds 2"),
        # part 2 trains nothing: a training flag there would be ignored in silence
        (["--part", "2", "--learning-rate", "0.1"], "--learning-rate would have no effect"),
        (["--part", "2", "--shared", "--seeds", "2"], "--seeds, --shared would have no effect"),
        (["--part", "2", "--optimizer", "nesterov"], "--optimizer would have no effect"),
    ],
)
def test_bad_flags_exit_2_before_any_work(
    argv: list[str], words: str, tiny: list[int], tmp_path: Path, capsys
) -> None:
    """Impossible flags: exit 2 with one clear line, no data loaded, no folder left."""
    out = tmp_path / "never"
    assert ex10_cli(*argv, "--out", str(out)) == 2
    assert re.search(words, capsys.readouterr().err)
    assert not tiny and not out.exists()


def test_bad_out_is_refused_before_the_data(tiny: list[int], tmp_path: Path, capsys) -> None:
    """--out a file or a non-empty folder: exit 2, nothing loaded."""
    file = tmp_path / "file"
    file.write_text("x")
    full = tmp_path / "full"
    full.mkdir()
    (full / "a").write_text("x")
    for out in (file, full):
        assert ex10_cli("--part", "3", "--quick", "--out", str(out)) == 2
    assert not tiny
    assert "--out" in capsys.readouterr().err


@pytest.mark.tf
def test_tf_backend_runs_part_4(tiny: list[int], tmp_path: Path) -> None:
    """--backend tf --part 4 --quick: the Keras Towers trains, DNN A is reused frozen."""
    out = tmp_path / "tf"
    code = ex10_cli(
        "--part", "4", "--backend", "tf", "--quick", "--seeds", "1", "--json", "--out", str(out)
    )
    assert code == 0
    report = strict_loads((out / "report.json").read_text())
    assert set(report["tf"]["variants"]) == {"pairs", "frozen_a", "from_scratch"}
    assert report["status"] == "ok"
