"""Unsupervised pretraining with few labels (book ch. 11, "Unsupervised Pretraining"; issue 10):
``katas exercise pretrain --method rbm``.

The seed's situation: plenty of images, few labels. MNIST, the book's 55k / 5k / 10k split,
pixels in [0, 1]. For every seed, ``n`` labeled training images per digit are drawn at random
(``--labels``, default 10, 100 and 1,000 per digit; the sets are nested: the 10 of a digit are
among its 100), and the training images outside the largest labeled set are the unlabeled pool
(``--unlabeled``: the first N of it in a seeded order; the labels of the pool are never read).
Early stopping watches a labeled validation set of matching size: ``min(n, smallest digit
count of the 5k validation split)`` per digit, drawn the same way from the validation split.
The test set is the whole 10k test split.

Pretraining (steps 1-3 of the seed, greedy, layer-wise: ``pretraining.pretrain_stack``): RBM 1 on
the pool's pixels, RBM 2 on RBM 1's hidden probabilities, ...; once per seed and backend, and
the same stack serves every label count. Then four networks of one architecture (sigmoid
``Dense`` layers of ``--hidden`` units and a 10-way softmax), trained with Adam on the labeled
images, early stopping on the validation loss (best weights kept):

* ``random_frozen``: random (Glorot) hidden layers, frozen, only the softmax trained: how much
  a random projection alone gives;
* ``random``: random initialization, everything trained (the baseline);
* ``rbm_frozen``: the RBM stack, frozen, a new softmax on top (step 4 of the seed);
* ``rbm_finetuned``: the RBM stack as initialization, everything trained.

Frozen variants train with ``cache_frozen=True`` (the stack's features computed once). Every
number is the mean and standard deviation (n - 1) over ``--seeds`` seeds (seed ``s`` draws the
labeled and validation subsets, the pool's order, the RBMs and the networks' initialization and
batches).

Settings (``Settings``): RBMs 2 x 256 hidden units, CD-1 (``method="cd"``) with momentum 0.5 and
weight decay 1e-4 on the weights (Hinton's guide), learning rate 0.05, batches of 100, 5 epochs
on the whole unlabeled pool (45,000 images with 1,000 labels per digit; ``--unlabeled N`` takes
fewer); Adam 0.003, batches of ``min(32, n_train)``, at most 300 epochs, patience 15. Nothing was
tuned (on the test set or otherwise): chosen once from the guide and exercise 9, then run.

Measured (``katas exercise pretrain --backend scratch --json``: seeds 42-44, a pool of 45,000
unlabeled images, 10,000 test images; test accuracy mean +- sd over the 3 seeds; 494 s wall on
the 2 shared cores, the first seeds beside other jobs):

    labels/digit  variant                  scratch test acc
    10            random init, frozen      0.1317 +- 0.0581
    10            random init, trained     0.7756 +- 0.0142
    10            RBM stack, frozen        0.8310 +- 0.0130
    10            RBM stack, fine-tuned    0.8268 +- 0.0076
                  gain (fine-tuned - random)        +0.0512   (paired: +0.051 +- 0.007)
    100           random init, frozen      0.7544 +- 0.0121
    100           random init, trained     0.8915 +- 0.0039
    100           RBM stack, frozen        0.9124 +- 0.0033
    100           RBM stack, fine-tuned    0.9206 +- 0.0041
                  gain (fine-tuned - random)        +0.0291   (paired: +0.029 +- 0.006)
    1000          random init, frozen      0.8604 +- 0.0051
    1000          random init, trained     0.9568 +- 0.0065
    1000          RBM stack, frozen        0.9499 +- 0.0049
    1000          RBM stack, fine-tuned    0.9634 +- 0.0039
                  gain (fine-tuned - random)        +0.0067   (paired: +0.007 +- 0.007)

(With a pool of 20,000 the gains were +0.049, +0.028 and +0.005: more unlabeled images help a
little, most at 1,000 labels per digit.)

What it shows, as Erhan et al. (2010) predict for a regularizer: pretraining helps most with the
fewest labels (+5.1 points at 10 per digit, every seed; +2.9 at 100, every seed) and barely at
1,000 per digit (+0.7 points: positive in all three seeds but small, 0.15 to 1.4 points, within
the seed-to-seed sd of either variant). With 10 labels per digit the frozen stack (only the
softmax trained on 100 images) is even the best variant: fine-tuning 270k weights on 100 images
gives some of the gain back. At 1,000 per digit the frozen stack falls behind training from
random (0.950 vs 0.957): the unsupervised features are good, not the best for the task. A frozen
*random* sigmoid stack is a poor feature extractor (about chance at 10 per digit, where early
stopping kept a near-initial softmax; not examined further), so the frozen RBM stack's 0.83 is
what the RBMs learned, not what the architecture gives. The free-energy gap
(``free_energy_gap.png``) of RBM 1 rises over the 5 epochs in every seed (0.01 -> 0.98,
0.79 -> 1.40, 0.45 -> 1.26): the RBM begins to fit the pool better than held-out images, so more
epochs would need that monitor watched. Only the scratch backend ran the three seeds; one seed
in both backends (``--backend both --seeds 1``, a 20,000-image pool) told the same story, the
two stacks being the same (the same draws).

Output (``--out``): ``report.json`` (per backend and label count: each variant's runs and their
statistics; the pretraining histories, seconds and free-energy gaps), ``accuracy.png`` (bars of
mean test accuracy, sd error bars), ``filters.png`` (the first RBM's weights as 28 x 28 tiles),
``gibbs.png`` (chains of the first RBM started from validation digits, columns after 0, 1, 10,
100 and 1000 Gibbs steps) and ``free_energy_gap.png`` (mean F(valid) - mean F(train) per RBM
epoch: the guide's overfitting monitor). Exit status and folder handling as exercise 8
(:mod:`katas.exercises.runner`): 0 ok; 1 a run diverged or the report was written elsewhere; 2
bad flags or data (before any work).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas import argtypes, data
from katas.errors import UserError
from katas.exercises import ex08, plotting, runner
from katas.exercises.ex09 import stats

N_CLASSES = 10
#: The Gibbs steps after which ``gibbs.png`` shows the chains (0: the starting images).
GIBBS_STEPS = (0, 1, 10, 100, 1000)
METHODS = ("rbm",)  # issue 11 adds "autoencoder"


@dataclass(frozen=True)
class Settings:
    """The experiment's sizes and training settings (see the module docstring)."""

    labels: tuple[int, ...] = (10, 100, 1000)
    hidden: tuple[int, ...] = (256, 256)
    unlabeled: int | None = None  # None: the whole pool (45,000 with 1,000 labels per digit)
    rbm_epochs: int = 5
    rbm_learning_rate: float = 0.05
    rbm_batch_size: int = 100
    rbm_momentum: float = 0.5
    rbm_weight_decay: float = 1e-4
    learning_rate: float = 0.003
    batch_size: int = 32
    max_epochs: int = 300
    patience: int = 15
    n_test: int | None = None  # None: the whole test split
    seeds: int = 3
    gibbs_steps: tuple[int, ...] = GIBBS_STEPS


#: ``--quick``: a smoke run (tiny subsets and networks, few epochs, 2 seeds), not a result.
QUICK = Settings(
    labels=(2, 5),
    hidden=(16, 8),
    unlabeled=300,
    rbm_epochs=2,
    max_epochs=3,
    patience=2,
    n_test=200,
    seeds=2,
    gibbs_steps=(0, 1, 5),
)

VARIANTS: dict[str, str] = {
    "random_frozen": "random init, frozen",
    "random": "random init, trained",
    "rbm_frozen": "RBM stack, frozen",
    "rbm_finetuned": "RBM stack, fine-tuned",
}


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, eq=False)
class Subsets:
    """One seed's data: the nested labeled training sets and validation sets per label count,
    the unlabeled pool (pixels only) and the test set."""

    train: dict[int, tuple[np.ndarray, np.ndarray]]
    valid: dict[int, tuple[np.ndarray, np.ndarray]]
    unlabeled: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def per_digit_orders(y: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """For each digit 0..9, the row indices of that digit in a random order drawn from ``rng``
    (the first n of each are a random n-per-digit subset; nested for growing n)."""
    return [rng.permutation(np.flatnonzero(y == d)) for d in range(N_CLASSES)]


def take(orders: list[np.ndarray], n: int) -> np.ndarray:
    """The first ``n`` indices of every digit's order, sorted (the subset in split order)."""
    return np.sort(np.concatenate([order[:n] for order in orders]))


def smallest_class(y: np.ndarray) -> int:
    """The number of images of the rarest digit in ``y``."""
    return int(np.bincount(y, minlength=N_CLASSES).min())


def check_sizes(split: data.Split, settings: Settings) -> None:
    """UserError (before any work) when the flags ask for more images than the split has."""
    most = max(settings.labels)
    rarest = smallest_class(split.y_train)
    if most >= rarest:
        raise UserError(
            f"--labels {most}: expected fewer labeled images per digit than the rarest digit "
            f"has in the training split ({rarest}), so that some are left unlabeled"
        )
    pool = len(split.y_train) - N_CLASSES * most
    if settings.unlabeled is not None and settings.unlabeled > pool:
        raise UserError(
            f"--unlabeled {settings.unlabeled}: only {pool} training images are left outside "
            f"the largest labeled set ({most} per digit); give at most {pool}"
        )


def subsets(split: data.Split, settings: Settings, seed: int) -> Subsets:
    """Seed ``seed``'s labeled, validation and unlabeled sets (see the module docstring)."""
    rng = np.random.default_rng([seed, 0])
    train_orders = per_digit_orders(split.y_train, rng)
    valid_orders = per_digit_orders(split.y_valid, rng)
    cap = smallest_class(split.y_valid)
    train, valid = {}, {}
    for n in settings.labels:
        i = take(train_orders, n)
        j = take(valid_orders, min(n, cap))
        train[n] = (split.x_train[i], split.y_train[i])
        valid[n] = (split.x_valid[j], split.y_valid[j])
    labeled = take(train_orders, max(settings.labels))
    pool = np.setdiff1d(np.arange(len(split.y_train)), labeled)
    pool = rng.permutation(pool)[: settings.unlabeled]
    x_test, y_test = split.x_test, split.y_test
    if settings.n_test is not None:
        x_test, y_test = x_test[: settings.n_test], y_test[: settings.n_test]
    return Subsets(train, valid, split.x_train[pool], x_test, y_test)


def load_split(path: str | None) -> data.Split:
    """The book's 55k / 5k / 10k split, float32 pixels in [0, 1]."""
    return data.book_split(data.load_mnist(path))


# ------------------------------------------------------------------------------ models


def backend_module(name: str) -> Any:
    """``scratch`` or ``tf_ref`` with the training modules and ``pretraining`` imported."""
    import importlib

    backend = ex08.backend_module(name)
    importlib.import_module(f"{backend.__name__}.pretraining")
    return backend


def pretrain(
    backend: Any, x_unlabeled: np.ndarray, x_valid: np.ndarray, settings: Settings, seed: int
) -> tuple[list[Any], list[Any], float]:
    """The RBM stack of one seed (``pretraining.pretrain_stack``): (RBMs, per-layer histories,
    wall seconds)."""
    rbm = {
        "method": "cd",
        "learning_rate": settings.rbm_learning_rate,
        "batch_size": settings.rbm_batch_size,
        "n_iter": settings.rbm_epochs,
        "momentum": settings.rbm_momentum,
        "weight_decay": settings.rbm_weight_decay,
    }
    start = time.perf_counter()
    models, histories = backend.pretraining.pretrain_stack(
        x_unlabeled,
        settings.hidden,
        method="rbm",
        rbm=rbm,
        x_valid=x_valid,
        random_state=seed,
    )
    return list(models), list(histories), time.perf_counter() - start


def network(
    backend: Any, variant: str, models: list[Any], settings: Settings, rng: np.random.Generator
) -> Any:
    """The ``variant``'s network: sigmoid Dense layers of ``settings.hidden`` units, random
    (Glorot, from ``rng``) or the RBM stack (``pretraining.dbn_classifier``), frozen or not, and
    a new 10-way linear output (the logits)."""
    frozen = variant.endswith("frozen")
    if variant.startswith("rbm"):
        return backend.pretraining.dbn_classifier(
            models, N_CLASSES, freeze=frozen, rng=rng, dtype="float32"
        )
    hidden = [
        backend.layers.Dense(units, "sigmoid", name=f"hidden{i + 1}")
        for i, units in enumerate(settings.hidden)
    ]
    model = backend.models.Sequential(
        [*hidden, backend.layers.Dense(N_CLASSES, name="logits")], 784, rng=rng, dtype="float32"
    )
    if frozen:
        backend.reuse.freeze(model.layers[:-1])
    return model


def train(
    backend: Any,
    backend_name: str,
    model: Any,
    train_xy: tuple[np.ndarray, np.ndarray],
    valid_xy: tuple[np.ndarray, np.ndarray],
    test_xy: tuple[np.ndarray, np.ndarray],
    settings: Settings,
    rng: np.random.Generator,
    frozen: bool,
    device: str,
) -> dict[str, Any]:
    """One ``fit`` (Adam, early stopping on the validation loss, best weights kept), then the
    test set: the record of one run."""
    extra: dict[str, Any] = {"device": device} if backend_name == "tf" else {}
    x, y = train_xy
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        history = backend.training.fit(
            model,
            x,
            y,
            optimizer=backend.optimizers.Adam(learning_rate=settings.learning_rate),
            epochs=settings.max_epochs,
            batch_size=min(settings.batch_size, len(y)),
            validation_data=valid_xy,
            early_stopping=backend.training.EarlyStopping(patience=settings.patience),
            rng=rng,
            verbose=False,
            cache_frozen=frozen,
            **extra,
        )
        seconds = time.perf_counter() - start
        test = backend.training.evaluate(model, *test_xy)
        valid = backend.training.evaluate(model, *valid_xy)
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


def epoch_values(history: Any, key: str) -> list[float]:
    """One RBM's per-epoch ``key`` values from its history (a list of per-epoch dicts or a dict
    of lists); [] when it was not recorded."""
    if isinstance(history, dict):
        return [float(v) for v in history.get(key, [])]
    return [float(epoch[key]) for epoch in history if key in epoch]


def gibbs_chains(rbm: Any, start: np.ndarray, steps: Sequence[int]) -> list[np.ndarray]:
    """The chains of ``rbm.gibbs`` started at ``start`` (n, D), after each of ``steps`` (sorted,
    0 = the start): a list of (n, D) arrays."""
    out, v, done = [], start, 0
    for target in steps:
        for _ in range(target - done):
            v = rbm.gibbs(v)
        done = target
        out.append(np.asarray(v, dtype=np.float64))
    return out


def run_backend(
    backend_name: str,
    split: data.Split,
    settings: Settings,
    seeds: list[int],
    device: str,
    verbose: bool,
) -> dict[str, Any]:
    """Every seed of one backend: pretrain once per seed, then every label count and variant.
    The first seed's first RBM is kept for the figures (filters, Gibbs chains)."""
    backend = backend_module(backend_name)
    runs = {n: {v: [] for v in VARIANTS} for n in settings.labels}
    pretraining: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    for seed in seeds:
        sets = subsets(split, settings, seed)
        models, histories, seconds = pretrain(
            backend, sets.unlabeled, split.x_valid, settings, seed
        )
        pretraining.append(
            {
                "seed": seed,
                "seconds": seconds,
                "n_unlabeled": len(sets.unlabeled),
                "free_energy_gap": [epoch_values(h, "free_energy_gap") for h in histories],
                "reconstruction_error": [
                    epoch_values(h, "reconstruction_error") for h in histories
                ],
            }
        )
        if verbose:
            print(
                f"  [{backend_name}] seed {seed}: pretrained {settings.hidden} on "
                f"{len(sets.unlabeled)} images in {seconds:.1f} s",
                file=sys.stderr,
            )
        if not figures:
            first = models[0]
            starts = split.x_valid[[int(np.flatnonzero(split.y_valid == d)[0]) for d in range(10)]]
            figures = {
                "filters": np.asarray(first.components_, dtype=np.float64),
                "gibbs": gibbs_chains(first, starts, settings.gibbs_steps),
            }
        for n in settings.labels:
            for k, variant in enumerate(VARIANTS):
                rng = np.random.default_rng([seed, 1, n, k])
                model = network(backend, variant, models, settings, rng)
                record = train(
                    backend,
                    backend_name,
                    model,
                    sets.train[n],
                    sets.valid[n],
                    (sets.x_test, sets.y_test),
                    settings,
                    rng,
                    variant.endswith("frozen"),
                    device,
                )
                runs[n][variant].append({"seed": seed, **record})
                if verbose:
                    print(
                        f"  [{backend_name}] seed {seed} {n}/digit {variant}: test "
                        f"{record['test_accuracy']:.4f}, {record['epochs']} epochs, "
                        f"{record['seconds']:.1f} s",
                        file=sys.stderr,
                    )
    return summarize(backend_name, runs, pretraining, figures)


def summarize(
    backend_name: str,
    runs: dict[int, dict[str, list[dict[str, Any]]]],
    pretraining: list[dict[str, Any]],
    figures: dict[str, Any],
) -> dict[str, Any]:
    """One backend's report: per label count and variant the runs and their statistics, the
    gain of pretraining (fine-tuned minus random, mean test accuracy), the pretraining records;
    ``_figures`` holds arrays for the PNGs (removed before the report is written)."""
    out: dict[str, Any] = {"labels": {}, "pretraining": pretraining}
    diverged = []
    for n, variants in runs.items():
        entry: dict[str, Any] = {}
        for name, rs in variants.items():
            diverged += [
                f"{n}/digit {name} seed {r['seed']}"
                for r in rs
                if r["diverged_at_epoch"] is not None
            ]
            entry[name] = {
                "label": VARIANTS[name],
                **{
                    key: stats([r[key] for r in rs])
                    for key in ("test_accuracy", "val_accuracy", "seconds", "epochs")
                },
                "runs": rs,
            }
        tuned, base = entry["rbm_finetuned"]["test_accuracy"], entry["random"]["test_accuracy"]
        gains = [
            a["test_accuracy"] - b["test_accuracy"]
            for a, b in zip(variants["rbm_finetuned"], variants["random"], strict=True)
        ]
        entry["gain_finetuned_vs_random"] = {
            "mean_difference": None
            if tuned["mean"] is None or base["mean"] is None
            else tuned["mean"] - base["mean"],
            "paired": stats(gains),
        }
        out["labels"][str(n)] = entry
    out["pretraining_seconds"] = stats([p["seconds"] for p in pretraining])
    out["status"] = "diverged" if diverged else "ok"
    out["message"] = (
        f"{backend_name}: training diverged (loss not finite) in {', '.join(diverged)}"
        if diverged
        else None
    )
    out["_figures"] = figures
    return out


# ----------------------------------------------------------------------------- figures


def plot_accuracy(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``accuracy.png``: mean test accuracy per label count x variant and backend, sd bars."""
    labels = report["config"]["labels"]
    groups = [f"{n}/digit {VARIANTS[v]}" for n in labels for v in VARIANTS]
    series = {}
    for name in backends:
        by_n = report[name]["labels"]
        cells = [by_n[str(n)][v]["test_accuracy"] for n in labels for v in VARIANTS]
        series[name] = ([c["mean"] for c in cells], [c["sd"] for c in cells])
    return plotting.bars(
        groups,
        series,
        [None] * len(groups),
        folder / "accuracy.png",
        f"Few labels, MNIST test accuracy, mean +- sd over {len(report['config']['seeds'])} seeds",
    )


def plot_filters(filters: np.ndarray, folder: Path, backend_name: str) -> Path:
    """``filters.png``: the first RBM's weight rows (up to 100) as 28 x 28 tiles."""
    return plotting.tiles(
        filters[:100],
        folder / "filters.png",
        f"First RBM's filters ({backend_name}; {len(filters)} hidden units, first 100 shown)",
        columns=10,
        symmetric=True,
    )


def plot_gibbs(chains: list[np.ndarray], steps: Sequence[int], folder: Path) -> Path:
    """``gibbs.png``: one row per chain (a validation digit 0..9), one column per step count."""
    grid = np.stack(chains, axis=1).reshape(-1, chains[0].shape[1])  # row-major: chain, step
    return plotting.tiles(
        grid,
        folder / "gibbs.png",
        "Gibbs chains of the first RBM; columns: after " + ", ".join(map(str, steps)) + " steps",
        columns=len(steps),
    )


def plot_gap(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``free_energy_gap.png``: mean F(valid) - mean F(train) per epoch, one line per backend,
    seed and RBM."""
    lines = []
    for name in backends:
        for p in report[name]["pretraining"]:
            for layer, gaps in enumerate(p["free_energy_gap"]):
                if gaps:
                    lines.append((f"{name} seed {p['seed']} RBM {layer + 1}", gaps))
    return plotting.epoch_lines(
        lines,
        folder / "free_energy_gap.png",
        "Free-energy gap (validation - training): it grows when an RBM overfits",
        ylabel="mean F(valid) - mean F(train)",
    )


def figures_for(report: dict[str, Any], backends: list[str], kept: dict[str, Any]) -> list:
    """The report's figures (runner.Figure list); the RBM pictures from the first backend."""
    first = backends[0]
    steps = report["config"]["gibbs_steps"]
    return [
        ("accuracy", lambda folder: plot_accuracy(report, backends, folder)),
        ("filters", lambda folder: plot_filters(kept[first]["filters"], folder, first)),
        ("gibbs", lambda folder: plot_gibbs(kept[first]["gibbs"], steps, folder)),
        ("free_energy_gap", lambda folder: plot_gap(report, backends, folder)),
    ]


# ----------------------------------------------------------------------------- table


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def print_table(report: dict[str, Any], backends: list[str]) -> None:
    """The table: label count, variant, per backend mean +- sd test accuracy; the gain."""
    head = f"{'labels/digit':<14}{'variant':<24}"
    head += "".join(f"{name + ' test acc':>24}" for name in backends)
    print(head)
    for n in report["config"]["labels"]:
        for v in VARIANTS:
            row = f"{n:<14}{VARIANTS[v]:<24}"
            for name in backends:
                t = report[name]["labels"][str(n)][v]["test_accuracy"]
                row += f"{_fmt(t['mean'], '.4f'):>15} +- {_fmt(t['sd'], '.4f')}"
            print(row)
        gains = [
            report[name]["labels"][str(n)]["gain_finetuned_vs_random"]["mean_difference"]
            for name in backends
        ]
        gain = "".join(f"{_fmt(g, '+.4f'):>24}" for g in gains)
        print(f"{'':<14}{'gain (fine-tuned - random)':<24}{gain}")
    for name in backends:
        s = report[name]["pretraining_seconds"]
        print(f"{name}: pretraining {_fmt(s['mean'], '.1f')} s per seed")
    files = report["files"]
    print("files: " + ", ".join(f"{k} {v}" for k, v in files.items() if k != "problem"))


# ----------------------------------------------------------------------------- flags and entry


def label_counts(text: str) -> tuple[int, ...]:
    """``--labels``: comma-separated positive integers (labeled images per digit), sorted."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [argtypes.positive_int(p) for p in parts]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers (labeled images per digit), e.g. "
            f"10,100,1000, got {text!r}"
        ) from None
    return tuple(sorted(set(values)))


def hidden_sizes(text: str) -> tuple[int, ...]:
    """``--hidden``: comma-separated positive integers (units per hidden layer), in order."""
    try:
        return tuple(argtypes.positive_int(p.strip()) for p in text.split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers (units per hidden layer), e.g. "
            f"256,256, got {text!r}"
        ) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """``katas exercise pretrain ...``: this experiment's sub-command and its flags."""
    p = subparsers.add_parser(
        "pretrain",
        help="unsupervised pretraining (RBMs) with few labels: random vs pretrained, frozen vs "
        "fine-tuned",
        description="MNIST with a few labels per digit, the rest unlabeled: a greedy RBM stack "
        "pretrained on the unlabeled images against random initialization, frozen and "
        "fine-tuned; mean and sd over several seeds; PNGs of the filters, Gibbs chains and the "
        "free-energy gap.",
    )
    p.add_argument("--method", choices=METHODS, default="rbm", help="pretraining (default rbm)")
    runner.add_common_flags(
        p,
        backend="scratch",
        seed_help="first seed (default 42)",
        quick_help="tiny subsets and networks: a smoke run",
        out_help="where report.json and the PNGs go (a new or empty folder; default: "
        "katas-runs/pretrain-<method>-<time>)",
    )
    p.add_argument(
        "--labels",
        type=label_counts,
        default=None,
        metavar="N,N,...",
        help="labeled training images per digit (default 10,100,1000; --quick: 2,5)",
    )
    p.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=None,
        metavar="H,H,...",
        help="hidden layers (one RBM each; default 256,256)",
    )
    p.add_argument(
        "--unlabeled",
        type=argtypes.positive_int,
        default=None,
        metavar="N",
        help="unlabeled images the RBMs train on (default: every training image outside the "
        "labeled sets, 45,000 with 1,000 labels per digit)",
    )
    p.add_argument("--rbm-epochs", type=argtypes.positive_int, default=None)
    runner.add_training_flags(
        p,
        seeds_help=f"seeds (default {Settings.seeds}; --quick: {QUICK.seeds})",
        learning_rate_help="Adam's",
    )
    p.set_defaults(handler=run)


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the defaults (or QUICK) with the flags given."""
    return runner.settings_from(
        args,
        Settings(),
        QUICK,
        (
            "labels",
            "hidden",
            "unlabeled",
            "rbm_epochs",
            "max_epochs",
            "patience",
            "learning_rate",
            "seeds",
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``katas exercise pretrain``: 0 success, 1 diverged or results written
    elsewhere, UserError (exit 2) for bad flags or data (before any training)."""
    settings = settings_from(args)
    seeds = runner.seed_list(args.seed, settings.seeds)
    backends = runner.backend_names(args.backend)
    kept: dict[str, Any] = {}
    report, out = runner.run_in_folder(
        args.out,
        f"pretrain-{args.method}",
        lambda: _train_all(args, settings, seeds, backends, kept),
    )
    return runner.finish(
        report,
        out,
        figures_for(report, backends, kept),
        f"katas-pretrain-{args.method}-",
        json_output=args.json,
        backends=backends,
        print_table=lambda r: print_table(r, backends),
    )


def _train_all(
    args: argparse.Namespace,
    settings: Settings,
    seeds: list[int],
    backends: list[str],
    kept: dict[str, Any],
) -> dict[str, Any]:
    split = load_split(args.data)
    check_sizes(split, settings)
    verbose = not args.json
    report: dict[str, Any] = {}
    for name in backends:
        if verbose:
            print(
                f"== {name}: labels per digit {', '.join(map(str, settings.labels))}, "
                f"{len(seeds)} seeds, hidden {settings.hidden}",
                file=sys.stderr,
            )
        report[name] = run_backend(name, split, settings, seeds, args.device, verbose)
        kept[name] = report[name].pop("_figures")
    report["config"] = {
        "experiment": "pretrain",
        "method": args.method,
        **asdict(settings),
        "seeds": seeds,
        "rbm": "CD-1 (method='cd'), momentum and weight decay on the weights",
        "optimizer": "adam (a new one per run)",
        "early_stopping": "val_loss, best weights restored",
        "quick": args.quick,
        "variants": dict(VARIANTS),
        "n_test": len(split.y_test) if settings.n_test is None else settings.n_test,
    }
    report["status"] = runner.overall_status(report, backends)
    return report
