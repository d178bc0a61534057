"""How much does caching the frozen layers save? (book ch. 11, "Caching the Frozen Layers")

``python -m katas.bench.cache_frozen [--backend scratch|tf|both] [--epochs 100] [--rows 100]
[--batch-size 20] [--valid-rows 500] [--device auto|cpu|gpu] [--json]``

Exercise 9's set-up: a guidelines-like net, five frozen hidden layers of 100 ELU units (He
initialization) and a new trainable softmax layer for 5 classes, trained with Adam on ``--rows``
images per digit of 5-9 (500 rows of 784 pixels by default) and scored on validation images of
5-9 after every epoch. Each backend trains the same initial weights twice in this process,
with ``fit(cache_frozen=False)`` then ``fit(cache_frozen=True)``, on the same batches.

Prints, per backend: the seconds of each whole ``fit`` (the cached one includes computing the
features), the median epoch (the first excluded: TensorFlow traces its graph there), the
speed-up of the whole fit, and the final training and validation losses of both runs, which
must agree (the same trajectory; float32 rounding aside).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from statistics import median
from typing import Any

import numpy as np

HIDDEN, UNITS, CLASSES = 5, 100, 5


def _backend(name: str):
    """(layers, models, optimizers, training) of ``name``; TensorFlow only when asked."""
    if name == "scratch":
        from scratch import layers, models, optimizers, training
    else:
        from tf_ref import layers, models, optimizers, training
    return layers, models, optimizers, training


def build(name: str, weights: list[np.ndarray] | None = None):
    """784 -> 5 x 100 ELU (frozen) -> 5 logits in ``name``, with ``weights`` if given."""
    lay, mod, _, _ = _backend(name)
    stack = [
        lay.Dense(UNITS, "elu", kernel_initializer="he_normal", trainable=False)
        for _ in range(HIDDEN)
    ]
    net = mod.Sequential([*stack, lay.Dense(CLASSES)], 784, rng=np.random.default_rng(0))
    if weights is not None:
        net.set_weights(weights)
    return net


def load(args: argparse.Namespace) -> tuple[np.ndarray, ...]:
    """``--rows`` training images per digit of 5-9, the first ``--valid-rows`` validation ones."""
    from katas import data
    from katas.errors import DataError

    try:
        split = data.book_split(data.load_mnist(args.data))
    except (DataError, OSError, ValueError) as err:
        raise SystemExit(
            f"cache_frozen bench: cannot load MNIST ({err}); run `katas data fetch`"
        ) from err
    x, y = data.filter_digits(split.x_train, split.y_train, range(5, 10))
    x, y = data.first_n_per_class(x, y, args.rows)
    xv, yv = data.filter_digits(split.x_valid, split.y_valid, range(5, 10))
    return x, y, xv[: args.valid_rows], yv[: args.valid_rows]


def time_fit(name: str, weights, cache: bool, data: tuple, args) -> dict[str, Any]:
    """One fit from ``weights``; its wall time, median epoch and final losses."""
    _, _, opt, tr = _backend(name)
    x, y, xv, yv = data
    net = build(name, weights)
    extra = {} if name == "scratch" else {"device": args.device}
    start = time.perf_counter()
    history = tr.fit(
        net,
        x,
        y,
        optimizer=opt.Adam(learning_rate=0.001),
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=(xv, yv) if len(xv) else None,
        rng=np.random.default_rng(1),
        verbose=False,
        cache_frozen=cache,
        **extra,
    )
    seconds = time.perf_counter() - start
    h = history.history
    return {
        "seconds": seconds,
        "median_epoch_seconds": float(median(h["seconds"][1:] or h["seconds"])),
        "final_loss": h["loss"][-1],
        "final_val_loss": h.get("val_loss", [None])[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m katas.bench.cache_frozen")
    parser.add_argument("--backend", choices=("scratch", "tf", "both"), default="both")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--rows", type=int, default=100, help="training images per digit 5-9")
    parser.add_argument("--valid-rows", type=int, default=500, help="0: no validation set")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="tf")
    parser.add_argument("--data", default=None, help="MNIST file or folder (default: the cache)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.epochs < 2 or args.rows < 1 or args.batch_size < 1 or args.valid_rows < 0:
        parser.error("--epochs must be >= 2, --rows and --batch-size >= 1, --valid-rows >= 0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    data = load(args)
    weights = build("scratch").get_weights()  # drawn once, trained by every run
    backends = ("scratch", "tf") if args.backend == "both" else (args.backend,)
    result: dict[str, Any] = {
        "net": f"784-{'x'.join([str(UNITS)] * HIDDEN)} ELU frozen -> {CLASSES} softmax",
        "rows": len(data[0]),
        "valid_rows": len(data[2]),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "cpus": os.cpu_count(),
        "backends": {},
    }
    for name in backends:
        runs = {"uncached": time_fit(name, weights, False, data, args)}
        runs["cached"] = time_fit(name, weights, True, data, args)
        runs["speed_up"] = runs["uncached"]["seconds"] / runs["cached"]["seconds"]
        runs["epoch_speed_up"] = (
            runs["uncached"]["median_epoch_seconds"] / runs["cached"]["median_epoch_seconds"]
        )
        runs["loss_difference"] = abs(runs["uncached"]["final_loss"] - runs["cached"]["final_loss"])
        result["backends"][name] = runs
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{result['net']}, {result['rows']} rows (digits 5-9), {result['valid_rows']} "
        f"validation rows, {args.epochs} epochs, batch {args.batch_size}, Adam:"
    )
    for name, runs in result["backends"].items():
        u, c = runs["uncached"], runs["cached"]
        print(
            f"  {name:<8} fit {u['seconds']:7.2f} s uncached, {c['seconds']:7.2f} s cached: "
            f"x{runs['speed_up']:.2f}   epoch {1000 * u['median_epoch_seconds']:.1f} ms -> "
            f"{1000 * c['median_epoch_seconds']:.1f} ms: x{runs['epoch_speed_up']:.2f}"
        )
        val = (
            ""
            if u["final_val_loss"] is None
            else (f", val_loss {u['final_val_loss']:.6f} / {c['final_val_loss']:.6f}")
        )
        print(f"           final loss {u['final_loss']:.6f} / {c['final_loss']:.6f}{val}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
