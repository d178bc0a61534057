"""The pretraining experiment (``katas exercise pretrain --method rbm|autoencoder|both``): its
data subsets (nested labeled sets, a disjoint unlabeled pool, validation of matching size), one
pretraining per stack and seed reused for every label count, the variants each method brings, a
strict report and the method's PNGs, the autoencoder settings passed through, bad flags
answered with exit 2 before any work, ``--out`` probed first. Tiny synthetic data
(``pretrain.load_split`` patched) and the ``--quick`` sizes: seconds, no MNIST; the TensorFlow
run is marked tf and slow."""

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
#: The PNGs each --method writes (report["files"] keys; the file is KEY.png).
FIGURES = {
    "rbm": ("accuracy", "filters", "gibbs", "free_energy_gap"),
    "autoencoder": (
        "accuracy",
        "filters_autoencoder",
        "filters_denoising",
        "reconstructions",
        "autoencoder_loss",
        "denoising",
    ),
}
FIGURES["both"] = tuple(dict.fromkeys(FIGURES["rbm"] + FIGURES["autoencoder"]))


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
def tiny(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The experiment on tiny_split(); returns the (stack, seed) pairs pretrain() was called
    with."""
    calls: list[tuple[str, int]] = []
    real = pretrain.pretrain

    def counted(
        backend: Any, stack: str, x: np.ndarray, xv: np.ndarray, settings: Any, seed: int
    ) -> Any:
        calls.append((stack, seed))
        return real(backend, stack, x, xv, settings, seed)

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


@pytest.mark.parametrize("method", ["both", "rbm", "autoencoder"])
def test_quick_run_report_json_and_pngs(
    method: str, tiny: list[tuple[str, int]], tmp_path: Path, capsys
) -> None:
    """--quick --json: exit 0, strict JSON with mean and sd per label count and variant (each
    stack's frozen and fine-tuned, the random ones of its architecture), each stack
    pretrained once per seed (reused for both label counts), a gain per stack, report.json
    and the method's PNGs."""
    out = tmp_path / "run"
    argv = ("--quick", "--method", method, "--unlabeled", "200", "--json", "--out", str(out))
    assert run(*argv) == 0
    report = strict_loads(capsys.readouterr().out)
    stacks = pretrain.METHOD_STACKS[method]
    assert tiny == [(stack, seed) for seed in (42, 43) for stack in stacks]
    s = report["scratch"]
    assert report["status"] == "ok" and set(s["labels"]) == {"2", "5"}
    variants = pretrain.variants_for(stacks)
    assert report["config"]["variants"] == variants
    expected = {"rbm": 4, "autoencoder": 6, "both": 10}[method]
    assert len(variants) == expected
    for n in ("2", "5"):
        assert set(s["labels"][n]) == {*variants, "gains"}
        for variant in variants:
            acc = s["labels"][n][variant]["test_accuracy"]
            assert acc["n"] == 2 and acc["sd"] is not None and 0 <= acc["mean"] <= 1
        assert set(s["labels"][n]["gains"]) == set(stacks)
        for stack, g in s["labels"][n]["gains"].items():
            assert g["paired"]["n"] == 2 and g["baseline"] == pretrain.STACKS[stack].baseline
            tuned = s["labels"][n][g["variant"]]["test_accuracy"]["mean"]
            base = s["labels"][n][g["baseline"]]["test_accuracy"]["mean"]
            assert g["mean_difference"] == pytest.approx(tuned - base)
    assert [p["n_unlabeled"] for p in s["pretraining"]] == [200, 200]
    assert "history" not in json.dumps(report)  # histories stay in report.json
    saved = strict_loads((out / "report.json").read_text())
    assert saved["config"]["labels"] == [2, 5] and saved["config"]["hidden"] == [16, 8]
    first = saved["scratch"]["pretraining"][0]["stacks"]
    assert set(first) == set(stacks)
    for stack, record in first.items():
        monitors = ("free_energy_gap",) if stack == "rbm" else ("loss", "val_loss")
        for key in monitors:  # one list per layer, one value per epoch
            assert [len(v) for v in record[key]] == [2, 2]
        if stack != "rbm":
            assert record["test_reconstruction_mse"] >= 0
    assert set(report["files"]) == {"report", *FIGURES[method]}
    for key in FIGURES[method]:
        assert report["files"][key] == str(out / f"{key}.png")
        assert (out / f"{key}.png").read_bytes()[:8] == PNG


def test_autoencoder_settings_reach_pretrain_stack(
    tiny: list[tuple[str, int]], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AE flags reach every layer's Autoencoder; only the denoising stack gets the noise;
    the loss is mean squared error (the book's; the ELU codings are not in [0, 1])."""
    import scratch.pretraining

    seen: list[dict[str, Any]] = []
    real = scratch.pretraining.pretrain_stack

    def spy(x: np.ndarray, hidden: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(x, hidden, **kwargs)

    monkeypatch.setattr(scratch.pretraining, "pretrain_stack", spy)
    flags = ["--ae-epochs", "1", "--ae-learning-rate", "0.002", "--ae-l2", "0", "--no-ae-tied"]
    flags += ["--noise", "gaussian", "--noise-level", "0.3", "--seeds", "1", "--json"]
    assert run("--quick", "--method", "autoencoder", *flags, "--out", str(tmp_path / "r")) == 0
    capsys.readouterr()
    assert [k["method"] for k in seen] == ["autoencoder", "autoencoder"]
    plain, noisy = (k["autoencoder"] for k in seen)
    common = {
        "activation": "elu",
        "tied": False,
        "l2": 0.0,
        "loss": "mean_squared_error",
        "optimizer": "adam",
        "learning_rate": 0.002,
        "batch_size": 150,
        "epochs": 1,
    }
    assert plain == common
    assert noisy == {**common, "noise": "gaussian", "noise_level": 0.3}
    assert all(k["random_state"] == 42 for k in seen)


def test_rbm_numbers_do_not_depend_on_the_method(
    tiny: list[tuple[str, int]], tmp_path: Path, capsys
) -> None:
    """The RBM variants draw from the same seeds whatever else runs: --method both repeats
    --method rbm's numbers exactly."""
    argv = ("--quick", "--unlabeled", "200", "--seeds", "1", "--json")
    assert run(*argv, "--method", "rbm", "--out", str(tmp_path / "a")) == 0
    alone = strict_loads(capsys.readouterr().out)["scratch"]["labels"]
    assert run(*argv, "--method", "both", "--out", str(tmp_path / "b")) == 0
    both = strict_loads(capsys.readouterr().out)["scratch"]["labels"]
    for n in ("2", "5"):
        for variant in pretrain.variants_for(("rbm",)):
            for a, b in zip(alone[n][variant]["runs"], both[n][variant]["runs"], strict=True):
                a.pop("seconds"), b.pop("seconds")  # wall time, the only thing that may differ
                assert a == b


def test_quick_run_prints_the_table(tiny: list[tuple[str, int]], tmp_path: Path, capsys) -> None:
    """Without --json: one row per label count and variant, a gain line per stack, the
    files."""
    assert run("--quick", "--unlabeled", "200", "--seeds", "1", "--out", str(tmp_path / "r")) == 0
    text = capsys.readouterr().out
    for label in pretrain.VARIANTS.values():
        assert label in text
    for line in ("RBM (fine-tuned - random)", "AE (fine-tuned - random ELU)", "DAE"):
        assert f"gain {line}" in text
    assert "filters.png" in text and "denoising.png" in text


def test_stack_reconstruct_encodes_up_and_decodes_down() -> None:
    """The stacked reconstruction runs transform bottom-up, then inverse_transform top-down."""
    calls: list[str] = []

    class Layer:
        def __init__(self, name: str) -> None:
            self.name = name

        def transform(self, x: np.ndarray) -> np.ndarray:
            calls.append(f"enc {self.name}")
            return x * 2.0

        def inverse_transform(self, h: np.ndarray) -> np.ndarray:
            calls.append(f"dec {self.name}")
            return h + 1.0

    out = pretrain.stack_reconstruct([Layer("1"), Layer("2")], np.ones((1, 3)))
    assert calls == ["enc 1", "enc 2", "dec 2", "dec 1"]
    assert out.tolist() == [[6.0, 6.0, 6.0]]  # ((1 * 2 * 2) + 1) + 1


def _stack_arrays(models: list[Any]) -> list[np.ndarray]:
    """Copies of every array a pretrained stack holds (RBM weights, autoencoder layers)."""
    out: list[np.ndarray] = []
    for m in models:
        if hasattr(m, "encoder_layers_"):
            out += [np.array(w) for x in m.model_.layers for w in x.weights.values()]
        else:
            out += [np.array(m.components_), np.array(m.intercept_hidden_)]
    return out


@pytest.mark.parametrize("stack", ["rbm", "autoencoder", "denoising"])
def test_variants_train_what_their_names_say_and_leave_the_stack(stack: str) -> None:
    """A frozen variant trains only its new softmax, a fine-tuned one every layer, and neither
    changes the stack the next label count reuses (its weights are copied, not shared)."""
    backend = pretrain.backend_module("scratch")
    split, settings = tiny_split(), pretrain.QUICK
    models, _, _ = pretrain.pretrain(backend, stack, split.x_train, split.x_valid, settings, 0)
    before = _stack_arrays(models)
    n_hidden = len(settings.hidden)
    for variant in ("frozen", "finetuned"):
        name = getattr(pretrain.STACKS[stack], variant)
        net = pretrain.network(backend, name, {stack: models}, settings, np.random.default_rng(1))
        start = [np.array(w) for w in net.get_weights()]
        xy = (split.x_train, split.y_train)
        pretrain.train(
            backend, "scratch", net, xy, xy, xy, settings, np.random.default_rng(2),
            variant == "frozen", "cpu",
        )  # fmt: skip
        moved = [not np.array_equal(a, b) for a, b in zip(start, net.get_weights(), strict=True)]
        # two arrays (kernel, bias) per layer: the hidden ones move only when fine-tuned
        assert moved == [variant == "finetuned"] * (2 * n_hidden) + [True, True], name
        for a, b in zip(before, _stack_arrays(models), strict=True):
            np.testing.assert_array_equal(a, b)  # exact: the stack is never written to


def test_variants_follow_the_stacks() -> None:
    """Each stack brings its frozen and fine-tuned variants and its architecture's random
    pair; the table order is VARIANTS' whatever the order of the stacks."""
    assert pretrain.variants_for(("rbm",)) == [
        "random_frozen",
        "random",
        "rbm_frozen",
        "rbm_finetuned",
    ]
    assert pretrain.variants_for(("denoising",)) == [
        "random_elu_frozen",
        "random_elu",
        "dae_frozen",
        "dae_finetuned",
    ]
    assert pretrain.variants_for(("denoising", "rbm", "autoencoder")) == list(pretrain.VARIANTS)


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--labels", "0,10"], "argument --labels: expected comma-separated positive integers"),
        (["--labels", "ten"], "argument --labels"),
        (["--labels", ""], "argument --labels"),
        (["--hidden", "256,x"], "argument --hidden: expected comma-separated positive"),
        (["--method", "dbn"], "argument --method: invalid choice"),
        (["--ae-epochs", "0"], "argument --ae-epochs: expected a positive integer"),
        (["--ae-learning-rate", "inf"], "argument --ae-learning-rate: expected a positive"),
        (["--ae-l2", "-0.0001"], "argument --ae-l2: expected a finite number >= 0"),
        (["--ae-l2", "nan"], "argument --ae-l2: expected a finite number >= 0"),
        (["--noise", "salt"], "argument --noise: invalid choice"),
        (["--noise-level", "0"], "argument --noise-level: expected a positive number"),
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
        (["--noise-level", "1"], "--noise-level 1: masking noise zeroes each input"),
        (["--noise", "masking", "--noise-level", "1.5"], "expected a rate in (0, 1)"),
        (["--method", "rbm", "--ae-epochs", "3"], "--ae-epochs: not used with --method rbm"),
        (["--method", "rbm", "--no-ae-tied", "--noise", "gaussian"], "--ae-tied, --noise: not"),
        (["--method", "autoencoder", "--rbm-epochs", "2"], "--rbm-epochs: not used with"),
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


def test_gaussian_noise_level_may_exceed_one(
    tiny: list[tuple[str, int]], tmp_path: Path, capsys
) -> None:
    """The rate-below-1 rule is masking's: a Gaussian standard deviation of 1.5 runs."""
    argv = ("--quick", "--method", "autoencoder", "--seeds", "1", "--json")
    assert run(*argv, "--noise", "gaussian", "--noise-level", "1.5", "--out", str(tmp_path)) == 0
    assert strict_loads(capsys.readouterr().out)["config"]["noise_level"] == 1.5


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
def test_quick_tf_backend(tiny: list[tuple[str, int]], tmp_path: Path, capsys) -> None:
    """--backend tf: the same report shape from tf_ref's pretraining (every stack), exit 0."""
    argv = ("--quick", "--unlabeled", "200", "--seeds", "1", "--backend", "tf", "--json")
    assert run(*argv, "--out", str(tmp_path / "r")) == 0
    report = strict_loads(capsys.readouterr().out)
    assert report["tf"]["status"] == "ok"
    assert tiny == [("rbm", 42), ("autoencoder", 42), ("denoising", 42)]
    for variant in ("rbm_finetuned", "ae_finetuned", "dae_frozen"):
        assert 0 <= report["tf"]["labels"]["5"][variant]["test_accuracy"]["mean"] <= 1
    assert set(report["files"]) == {"report", *FIGURES["both"]}
