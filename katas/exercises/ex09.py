"""Exercise 9 of chapter 11: transfer learning from digits 0-4 to digits 5-9, in both backends.

The reused network is the model zoo's ``mnist-0-4`` (exercise 8.4's: 5 hidden layers of 90
units, Dense -> batch norm 0.95 -> leaky ReLU 0.1; :func:`katas.zoo.recipes.ensure` trains and
stores it on first use). It is loaded once (scratch), copied into each backend through its
config and weights, and every run reuses it the book's way in one call: copies of its lower n
hidden layers, frozen (``reuse.load_lower_layers``), under a new softmax; so both backends start
from the very same weights. The new data, as the book: the first 100 training images of each
digit 5-9 (from the 55k training split), the first 30 of each from the 5k validation split, and
every 5-9 test image (4,861); labels 5..9 become 0..4.

9.2  ``frozen``: all five hidden layers frozen (batch norm in inference mode), a new 5-way
     softmax trained on top; timed.
9.3  ``cached``: the same, with the frozen layers' outputs computed once
     (``fit(..., cache_frozen=True)``): the same batches and the same trajectory, so the same
     accuracy, in less time; the speed-up (uncached seconds / cached seconds) is printed.
9.4  ``four_layers``: only the lower four hidden layers reused (frozen), a new softmax.
9.5  from 9.4's trained model: ``top_two_unfrozen`` (hidden3 and hidden4 unfrozen, trained on),
     then ``all_unfrozen`` (every layer trained on); and ``from_scratch``: the same 4-hidden-
     layer architecture trained from a fresh initialization on the same 500 images.
     ``--part 5`` also reports 9.4 (its starting point).

Every stage: Adam with a new optimizer (the trainable set changed), batch 20, at most 1000
epochs, early stopping on the validation loss (patience 20, best weights kept). With 500
training images one run is noise: every variant runs ``--seeds`` times (default 5; seeds
``--seed``, ``--seed + 1``, ...; a seed sets the new layers' initialization and the batch
order), and the report gives the mean and the standard deviation (n - 1) of each number.

The settings were chosen on the validation split only, never on the test set: scratch, 5 seeds
each, mean validation accuracy: Adam 0.001 / 0.003 / 0.01 for the new softmax (9.2: 0.851 /
0.852 / 0.848; 9.4: 0.865 / 0.867 / 0.857), for training from scratch (0.928 / 0.932 / 0.932,
validation loss lowest at 0.003) and, after 9.4 at 0.003, for the unfrozen stages (all
unfrozen: 0.0001 / 0.0003 / 0.001 / 0.003 / 0.01 -> 0.908 / 0.905 / 0.919 / 0.952 / 0.943);
batch 20 against 50 (all unfrozen 0.952 vs 0.915). Hence 0.003 and batch 20 everywhere.

Measured (``katas exercise 9 --part N --backend both --json``, N = 5, 2, 3, 4 in turn, on a
fresh zoo whose mnist-0-4 the first run trained: 0.9965 test accuracy on digits 0-4, 40 s;
seeds 42-46, 500 / 150 / 4,861 images; test accuracy mean +- sd; seconds on 2 shared cores):

    variant                scratch            tf                 book
    9.2 frozen             0.8010 +- 0.0021   0.7998 +- 0.0048   0.6402
    9.3 cached             0.8010 +- 0.0021   0.7998 +- 0.0048   0.6116
    9.4 four layers        0.8511 +- 0.0017   0.8511 +- 0.0013   0.6910
    9.5 top two unfrozen   0.8862 +- 0.0036   0.8858 +- 0.0037   0.7809
    9.5 all unfrozen       0.9324 +- 0.0071   0.9308 +- 0.0014   0.9134
    9.5 from scratch       0.9152 +- 0.0091   0.9066 +- 0.0078   0.8482

Caching made 9.2's training 4.5x faster in scratch (0.99 -> 0.22 s per run) and 3.2x in tf
(2.08 -> 0.66 s; the book: 1.9 -> 1.1 s) with the very same accuracy (same batches, same
trajectory: the book's 9.3 number differs from its 9.2 only because it was another run). Every
variant beats the book's, most by far: this base network (batch norm, 0.9965 on 0-4) transfers
better than the book's 5 x 100 ELU one. Training from scratch on 500 images stays below reusing
every layer and fine-tuning them all, as in the book, but beats the frozen variants here.

Output (``--out``): ``report.json`` (per variant and backend: every run's numbers and
histories, the mean and sd, the book's number) and ``bars.png`` (one bar per variant and
backend, error bars of one sd, the book's value marked). Exit status, folder handling and the
strict JSON as exercise 8 (:mod:`katas.exercises.runner`): 0 ok; 1 a run diverged or the report
was written elsewhere; 2 bad flags or data.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas import data
from katas.cli_text import lang_of, pad, width
from katas.cli_text import t as tr
from katas.errors import UserError
from katas.exercises import ex08, plotting, runner
from katas.exercises.runner import fmt, stats
from scratch.networks import NetworkConfig

#: The network reused (the zoo recipe's) and its zoo entry.
BASE_CONFIG: NetworkConfig = ex08.PART4
BASE_ENTRY = "mnist-0-4"
DIGITS = (5, 6, 7, 8, 9)


@dataclass(frozen=True)
class Settings:
    """How every stage trains (chosen on the validation split, see the module docstring)."""

    learning_rate: float = 0.003
    batch_size: int = 20
    max_epochs: int = 1000
    patience: int = 20
    train_per_digit: int = 100
    valid_per_digit: int = 30
    n_test: int | None = None  # None: every 5-9 test image
    seeds: int = 5


#: ``--quick``: a smoke run (tiny subsets, few epochs, 2 seeds), not a result.
QUICK = Settings(
    max_epochs=4, patience=2, train_per_digit=10, valid_per_digit=5, n_test=300, seeds=2
)


@dataclass(frozen=True)
class Variant:
    label: str
    book: float  # the book's test accuracy (1st-ed. notebook)
    book_seconds: float | None = None


VARIANTS: dict[str, Variant] = {
    "frozen": Variant("9.2 frozen + new softmax", 0.6402, 1.9),
    "cached": Variant("9.3 cached frozen outputs", 0.6116, 1.1),
    "four_layers": Variant("9.4 four hidden layers", 0.6910),
    "top_two_unfrozen": Variant("9.5 top two unfrozen", 0.7809),
    "all_unfrozen": Variant("9.5 all unfrozen", 0.9134),
    "from_scratch": Variant("9.5 from scratch", 0.8482),
}
#: 9.4 -> 9.5: the stages trained one after another on one model, each with the hidden blocks
#: it unfreezes (1-based; None: every layer).
STAGES: tuple[tuple[str, tuple[int, ...] | None], ...] = (
    ("four_layers", ()),
    ("top_two_unfrozen", (3, 4)),
    ("all_unfrozen", None),
)
PARTS: dict[int, tuple[str, ...]] = {
    2: ("frozen",),
    3: ("frozen", "cached"),
    4: ("four_layers",),
    5: ("four_layers", "top_two_unfrozen", "all_unfrozen", "from_scratch"),
}


# ------------------------------------------------------------------------------ data


def load_data(settings: Settings, path: str | None) -> data.Split:
    """Digits 5-9 (relabelled 0..4): the first ``train_per_digit`` of each from the training
    split, the first ``valid_per_digit`` from the validation split, the test images (all, or
    the first ``n_test``)."""
    split = data.book_split(data.load_mnist(path))
    xt, yt = data.filter_digits(split.x_train, split.y_train, DIGITS)
    xv, yv = data.filter_digits(split.x_valid, split.y_valid, DIGITS)
    xs, ys = data.filter_digits(split.x_test, split.y_test, DIGITS)
    xt, yt = data.first_n_per_class(xt, yt, settings.train_per_digit)
    xv, yv = data.first_n_per_class(xv, yv, settings.valid_per_digit)
    if settings.n_test is not None:
        xs, ys = xs[: settings.n_test], ys[: settings.n_test]
    return data.Split(xt, yt, xv, yv, xs, ys)


def base_model(quick: bool, verbose: bool) -> tuple[Any, dict[str, Any]]:
    """The zoo's ``mnist-0-4`` as a scratch Sequential, and a summary of its manifest.

    Full runs use :func:`katas.zoo.recipes.ensure` (trained and stored on first use); ``quick``
    runs take the newest entry, quick ones included, and train a quick one if there is none."""
    from katas.zoo import recipes, store

    if quick:
        version = store.newest(BASE_ENTRY, include_quick=True)
        if version is None:
            recipes.train(BASE_ENTRY, "scratch", quick=True, quiet=not verbose)
            version = store.newest(BASE_ENTRY, include_quick=True)
        recipes.check_made_by(BASE_ENTRY, version)
        model, manifest = store.load(BASE_ENTRY, version, "scratch")
    else:
        model, manifest = recipes.ensure(BASE_ENTRY, backend="scratch", quiet=not verbose)
    metrics = manifest.get("metrics") or {}
    summary = {
        "entry": BASE_ENTRY,
        "version": manifest.get("version"),
        "quick": manifest.get("quick"),
        "trained_by": manifest.get("backend"),
        "test_accuracy_0_4": metrics.get("test_accuracy"),
    }
    return model, summary


# ------------------------------------------------------------------------------ models


def in_backend(backend: Any, model: Any) -> Any:
    """The scratch ``model`` as a model of ``backend``: the same config (plain JSON, the same in
    both backends), the weights copied."""
    copy = backend.models.Sequential.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def reused_network(backend: Any, hidden: int, base: Any, rng: np.random.Generator) -> Any:
    """The book's reuse in one call: copies of the lower ``hidden`` hidden blocks of ``base`` (a
    model of ``backend``), frozen (``reuse.load_lower_layers``: batch norm in inference mode),
    under a new 5-way output drawn from ``rng`` (the base's initializer)."""
    n_blocks = len(backend.reuse.hidden_blocks(base))
    if n_blocks < hidden:
        raise UserError(
            f"zoo entry {BASE_ENTRY}: it has {n_blocks} hidden layers, exercise 9 reuses up to "
            f"{hidden}; it is not exercise 8.4's network",
            ja=(
                f"zoo エントリ {BASE_ENTRY}: 隠れ層が {n_blocks} "
                f"層ありますが、演習 9 が再利用するのは最大 {hidden} "
                "層です。演習 8.4 のネットワークではありません"
            ),
        )
    lower = backend.reuse.load_lower_layers(base, hidden)
    top = backend.layers.Dense(
        len(DIGITS), kernel_initializer=BASE_CONFIG.kernel_initializer, name="logits"
    )
    return backend.models.Sequential([*lower, top], base.input_dim, rng=rng, dtype=base.dtype)


def set_trainable(backend: Any, model: Any, blocks: tuple[int, ...] | None) -> None:
    """Unfreeze hidden blocks ``blocks`` (1-based: a Dense with its batch norm and activation)
    of ``model``; None: every layer (``reuse.unfreeze``)."""
    if blocks is None:
        backend.reuse.unfreeze(model)
        return
    hidden = backend.reuse.hidden_blocks(model)
    for i in blocks:
        backend.reuse.unfreeze(hidden[i - 1])


def train_stage(
    backend: Any,
    backend_name: str,
    model: Any,
    split: data.Split,
    settings: Settings,
    rng: np.random.Generator,
    device: str,
    cache: bool = False,
) -> dict[str, Any]:
    """One ``fit`` with a new Adam (timed: wall seconds of the whole fit, the cached features'
    computation included), then the test set. The record of one run of one variant."""
    optimizer = backend.optimizers.Adam(learning_rate=settings.learning_rate)
    stopper = backend.training.EarlyStopping(patience=settings.patience)
    extra: dict[str, Any] = {"device": device} if backend_name == "tf" else {}
    if cache:
        extra["cache_frozen"] = True
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        history = backend.training.fit(
            model,
            split.x_train,
            split.y_train,
            optimizer=optimizer,
            epochs=settings.max_epochs,
            batch_size=settings.batch_size,
            validation_data=(split.x_valid, split.y_valid),
            early_stopping=stopper,
            rng=rng,
            verbose=False,
            **extra,
        )
        seconds = time.perf_counter() - start
        test = backend.training.evaluate(model, split.x_test, split.y_test)
        valid = backend.training.evaluate(model, split.x_valid, split.y_valid)
    best = history.best_epoch
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "val_accuracy": valid["accuracy"],
        "val_loss": valid["loss"],
        "seconds": seconds,
        "epochs": history.epochs,
        "best_epoch": None if best is None else best + 1,
        "diverged_at_epoch": ex08.first_non_finite_epoch(history),
        "history": {k: v for k, v in history.history.items() if k != "seconds"},
    }


def run_seed(
    backend_name: str,
    variants: tuple[str, ...],
    base: Any,
    split: data.Split,
    settings: Settings,
    seed: int,
    device: str = "auto",
) -> dict[str, dict[str, Any]]:
    """Every variant of ``variants`` for one seed: {variant: record}. ``base`` is the zoo model
    in this backend (never changed: the variants train copies). ``frozen`` and ``cached``
    draw from the same stream (same new softmax, same batches); the 9.5 stages continue from
    9.4's trained model."""
    backend = ex08.backend_module(backend_name)
    out: dict[str, dict[str, Any]] = {}

    def stream(k: int) -> np.random.Generator:
        return np.random.default_rng([seed, k])

    for name, cache in (("frozen", False), ("cached", True)):
        if name in variants:
            model = reused_network(backend, 5, base, stream(0))
            out[name] = train_stage(
                backend, backend_name, model, split, settings, stream(1), device, cache
            )
    chain = [v for v in ("four_layers", "top_two_unfrozen", "all_unfrozen") if v in variants]
    if chain:
        model = reused_network(backend, 4, base, stream(2))
        rng = stream(3)
        for name, unfreeze in STAGES:
            set_trainable(backend, model, unfreeze)
            out[name] = train_stage(backend, backend_name, model, split, settings, rng, device)
            if name == chain[-1]:
                break
    if "from_scratch" in variants:
        rng = stream(4)
        model = backend.networks.build_network(
            BASE_CONFIG.replace(hidden_layers=4), 784, len(DIGITS), rng=rng
        )
        out["from_scratch"] = train_stage(
            backend, backend_name, model, split, settings, rng, device
        )
    return {v: out[v] for v in variants}


def run_backend(
    backend_name: str,
    variants: tuple[str, ...],
    base: Any,
    split: data.Split,
    settings: Settings,
    seeds: list[int],
    device: str,
    verbose: bool,
) -> dict[str, Any]:
    """Every seed of one backend; per variant its runs and their statistics. ``base``: the zoo
    model (scratch), copied into this backend once."""
    base = in_backend(ex08.backend_module(backend_name), base)
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for seed in seeds:
        for name, record in run_seed(
            backend_name, variants, base, split, settings, seed, device
        ).items():
            runs[name].append({"seed": seed, **record})
            if verbose:
                print(
                    tr(lang_of(), "ex9_seed", backend=backend_name, seed=seed, name=name,
                       test=record["test_accuracy"], val=record["val_accuracy"],
                       epochs=record["epochs"], seconds=record["seconds"]),
                    file=sys.stderr,
                )  # fmt: skip
    out: dict[str, Any] = {"variants": {}}
    diverged = []
    for name in variants:
        rs = runs[name]
        diverged += [f"{name} seed {r['seed']}" for r in rs if r["diverged_at_epoch"] is not None]
        out["variants"][name] = {
            "label": VARIANTS[name].label,
            "book_test_accuracy": VARIANTS[name].book,
            "book_seconds": VARIANTS[name].book_seconds,
            **{
                key: stats([r[key] for r in rs])
                for key in ("test_accuracy", "val_accuracy", "seconds", "epochs")
            },
            "runs": rs,
        }
    if "cached" in variants:
        v = out["variants"]
        plain, cached = v["frozen"]["seconds"]["mean"], v["cached"]["seconds"]["mean"]
        out["speedup"] = plain / cached if plain and cached else None
    out["status"] = "diverged" if diverged else "ok"
    out["message"] = (
        f"{backend_name}: training diverged (loss not finite) in {', '.join(diverged)}; the "
        "statistics leave those test scores out where they are not finite"
        if diverged
        else None
    )
    if diverged:  # printed in Japanese, never saved (runner.finish)
        out["message_ja"] = (
            f"{backend_name}: {', '.join(diverged)} で訓練が発散しました "
            "(損失が有限ではありません)。"
            "統計では、有限でないテストのスコアを除いています"
        )
    return out


# ----------------------------------------------------------------------------- report


def plot_bars(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``bars.png``: mean test accuracy per variant and backend, sd error bars, book marked."""
    variants = list(report["config"]["variants"])
    series = {
        name: (
            [report[name]["variants"][v]["test_accuracy"]["mean"] for v in variants],
            [report[name]["variants"][v]["test_accuracy"]["sd"] for v in variants],
        )
        for name in backends
    }
    n = report["config"]["seeds"]
    return plotting.bars(
        [VARIANTS[v].label for v in variants],
        series,
        [VARIANTS[v].book for v in variants],
        folder / "bars.png",
        f"Exercise 9.{report['config']['part']}: digits 5-9, mean +- sd over {len(n)} seeds",
        reference_label="book (1st ed.)",
    )


def print_table(report: dict[str, Any], backends: list[str]) -> None:
    lang = lang_of()
    # headings as wide as they need (Japanese ones are wider); the numbers right-aligned below
    wb = max(9, width(tr(lang, "ex_col_backend")) + 1)
    wm = max(22, width(tr(lang, "ex_col_test_mean")) + 1)
    wv = max(9, width(tr(lang, "ex_col_val_acc")) + 1)
    print(
        pad(tr(lang, "ex_col_variant"), 28) + pad(tr(lang, "ex_col_backend"), wb)
        + pad(tr(lang, "ex_col_test_mean"), wm, True) + pad(tr(lang, "ex_col_val_acc"), wv, True)
        + pad(tr(lang, "ex_col_s"), 8, True) + pad(tr(lang, "ex_col_book"), 8, True)
    )  # fmt: skip
    for v in report["config"]["variants"]:
        for name in backends:
            r = report[name]["variants"][v]
            acc = r["test_accuracy"]
            print(
                f"{r['label']:<28}{name:<{wb}}{fmt(acc['mean'], '.4f'):>{wm - 9}} +- "
                f"{fmt(acc['sd'], '.4f')}{fmt(r['val_accuracy']['mean'], '.4f'):>{wv}}"
                f"{fmt(r['seconds']['mean'], '.2f'):>8}{r['book_test_accuracy']:>8.4f}"
            )
    for name in backends:
        if report[name].get("speedup") is not None:
            print(tr(lang, "ex9_speedup", backend=name, speedup=report[name]["speedup"]))
    for key in ("report", "bars"):
        print(f"{tr(lang, 'file_' + key)}: {report['files'][key]}")


# ----------------------------------------------------------------------------- flags and entry


def register(subparsers: argparse._SubParsersAction) -> None:
    """``katas exercise 9 ...``: this exercise's sub-command and its flags."""
    p = subparsers.add_parser(
        "9",
        help="transfer learning: the digits-0-4 net reused for digits 5-9 (parts 2-5)",
        description="Exercise 9: reuse the zoo's digits-0-4 network for digits 5-9 (100 "
        "training images per digit), frozen, cached, four layers, unfrozen, from scratch; "
        "mean and sd over several seeds beside the book's numbers.",
    )
    p.add_argument(
        "--part",
        type=int,
        default=2,
        help="2 frozen, 3 cached, 4 four layers, 5 unfrozen and from scratch (default 2)",
    )
    runner.add_common_flags(
        p,
        seed_help="first seed; runs use seed, seed+1, ... (default 42)",
        quick_help="tiny subsets, few epochs: a smoke run",
        out_help="where report.json and bars.png go (a new or empty folder; default: "
        "katas-runs/exercise9-partN-<time>)",
    )
    runner.add_training_flags(
        p,
        seeds_help=f"runs per variant (default {Settings.seeds}; --quick: {QUICK.seeds})",
        learning_rate_help=f"Adam's learning rate for every stage (default "
        f"{Settings.learning_rate})",
        batch_size=True,
    )
    p.set_defaults(handler=run)


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the defaults (or QUICK) with the flags given."""
    return runner.settings_from(
        args, Settings(), QUICK, ("learning_rate", "batch_size", "patience", "max_epochs", "seeds")
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``katas exercise 9``: 0 success, 1 diverged or results written elsewhere,
    UserError (exit 2) for bad flags or data."""
    if args.part not in PARTS:
        raise UserError(
            f"exercise 9 part {args.part} is not available; parts: "
            + ", ".join(str(p) for p in PARTS)
            + " (part 1 of the book's exercise is the data set itself)",
            ja=f"演習 9 のパート {args.part} はありません。パート: "
            + ", ".join(str(p) for p in PARTS)
            + " (本の演習のパート 1 はデータセットそのものです)",
        )
    settings = settings_from(args)
    seeds = runner.seed_list(args.seed, settings.seeds)
    backends = runner.backend_names(args.backend)
    report, out = runner.run_in_folder(
        args.out,
        f"exercise9-part{args.part}",
        lambda: _train_all(args, settings, seeds, backends),
    )
    return runner.finish(
        report,
        out,
        [("bars", lambda folder: plot_bars(report, backends, folder))],
        f"katas-exercise9-part{args.part}-",
        json_output=args.json,
        backends=backends,
        print_table=lambda r: print_table(r, backends),
    )


def _train_all(
    args: argparse.Namespace, settings: Settings, seeds: list[int], backends: list[str]
) -> dict[str, Any]:
    split = load_data(settings, args.data)
    if settings.batch_size > len(split.y_train):
        raise UserError(
            f"--batch-size {settings.batch_size}: larger than the training set "
            f"({len(split.y_train)} images)",
            ja=(
                f"--batch-size {settings.batch_size}: 訓練セット "
                f"({len(split.y_train)} 枚) より大きいです"
            ),
        )
    verbose = not args.json
    model, base = base_model(args.quick, verbose)
    variants = PARTS[args.part]
    report: dict[str, Any] = {}
    for name in backends:
        if verbose:
            print(
                tr(lang_of(), "ex9_start", backend=name, train=len(split.y_train),
                   valid=len(split.y_valid), test=len(split.y_test), seeds=len(seeds),
                   variants=", ".join(variants)),
                file=sys.stderr,
            )  # fmt: skip
        report[name] = run_backend(
            name, variants, model, split, settings, seeds, args.device, verbose
        )
    report["config"] = {
        "exercise": 9,
        "part": args.part,
        "variants": list(variants),
        **asdict(settings),
        "seeds": seeds,
        "optimizer": "adam (a new one per stage)",
        "early_stopping": "val_loss, best weights restored",
        "quick": args.quick,
        "base": base,
        "digits": list(DIGITS),
        "n_train": len(split.y_train),
        "n_valid": len(split.y_valid),
        "n_test": len(split.y_test),
    }
    report["book"] = {v: VARIANTS[v].book for v in variants}
    report["status"] = runner.overall_status(report, backends)
    return report
