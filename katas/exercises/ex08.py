"""Exercise 8 of chapter 11: a deep net on MNIST digits 0-4, in both backends.

8.1  ``dnn()``: 5 hidden layers of 100 neurons, He initialization, ELU.
8.2  Adam, a 5-way softmax output, batch 20, early stopping (patience 20) on the validation
     loss, keeping the best weights (the book saved a checkpoint whenever validation improved).

The book's notebook used Adam with learning rate 0.01 and printed 97.26% test accuracy after
training diverged at epoch 5; we default to 0.001 (Keras' default) which trains stably. Pass
``--learning-rate 0.01`` to see the book's instability.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np

from katas import data
from katas.errors import UserError


@dataclass(frozen=True)
class Config:
    """Exercise 8.2's hyperparameters (book values, except the learning rate: see above)."""

    n_hidden_layers: int = 5
    n_neurons: int = 100
    activation: str = "elu"
    initializer: str = "he_normal"
    learning_rate: float = 0.001
    batch_size: int = 20
    max_epochs: int = 1000
    patience: int = 20
    digits: tuple[int, ...] = (0, 1, 2, 3, 4)
    # --quick: first n rows of each split, few epochs (a smoke run, not a result).
    quick_sizes: tuple[int, int, int] = (3000, 500, 1000)
    quick_max_epochs: int = 8
    quick_patience: int = 3


def backend_module(backend: str) -> ModuleType:
    """``scratch`` or ``tf_ref`` with its submodules imported (TF only loads when asked for)."""
    name = {"scratch": "scratch", "tf": "tf_ref"}[backend]
    for sub in ("layers", "models", "optimizers", "training"):
        importlib.import_module(f"{name}.{sub}")
    return importlib.import_module(name)


def dnn(backend: ModuleType, config: Config, n_outputs: int) -> list[Any]:
    """Exercise 8.1's ``dnn()``: ``n_hidden_layers`` x ``n_neurons`` ``activation`` layers with
    ``initializer``, then a linear output layer (the logits) with the same initializer."""
    layers = backend.layers
    hidden = [
        layers.Dense(
            config.n_neurons,
            config.activation,
            kernel_initializer=config.initializer,
            name=f"hidden{i + 1}",
        )
        for i in range(config.n_hidden_layers)
    ]
    return [*hidden, layers.Dense(n_outputs, kernel_initializer=config.initializer, name="logits")]


def load_data(config: Config, quick: bool, path: str | None) -> data.Split:
    """The book's 55k/5k/10k split restricted to ``config.digits`` (relabelled 0..k-1)."""
    split = data.book_split(data.load_mnist(path))
    parts = []
    for x, y in (
        (split.x_train, split.y_train),
        (split.x_valid, split.y_valid),
        (split.x_test, split.y_test),
    ):
        parts.extend(data.filter_digits(x, y, config.digits))
    split = data.Split(*parts)
    if quick:
        split = data.subset(split, *config.quick_sizes)
    return split


def prepare_devices(devices: int | str | None, device: str) -> None:
    """``--devices N`` without a GPU: split the CPU into N logical devices before TF starts.

    Runs before the tf backend is imported (importing it starts TensorFlow's runtime). Only
    TensorFlow's device list is read here, which does not start it.
    """
    if devices is None or devices == "all" or devices < 2:
        return
    from tf_ref.device import DeviceError, select_device, split_cpu

    try:
        if select_device(device) == "/CPU:0":
            split_cpu(devices)
    except DeviceError as err:
        raise UserError(str(err)) from err


def train_one(
    backend_name: str,
    config: Config,
    split: data.Split,
    seed: int,
    device: str,
    verbose: bool,
    devices: int | str | None = None,
) -> dict[str, Any]:
    """Build, train and test one backend; returns the numbers the JSON report shows.

    ``device`` and ``devices`` only reach the tf backend's ``fit``; scratch ignores them.
    """
    backend = backend_module(backend_name)
    rng = np.random.default_rng(seed)
    n_outputs = len(config.digits)
    model = backend.models.Sequential(
        dnn(backend, config, n_outputs), split.x_train.shape[1], rng=rng
    )
    optimizer = backend.optimizers.Adam(learning_rate=config.learning_rate)
    stopper = backend.training.EarlyStopping(patience=config.patience)
    kwargs: dict[str, Any] = {"device": device, "devices": devices} if backend_name == "tf" else {}
    start = time.perf_counter()
    try:
        history = backend.training.fit(
            model,
            split.x_train,
            split.y_train,
            optimizer=optimizer,
            epochs=config.max_epochs,
            batch_size=config.batch_size,
            validation_data=(split.x_valid, split.y_valid),
            early_stopping=stopper,
            rng=rng,
            verbose=verbose,
            **kwargs,
        )
    except RuntimeError as err:
        from tf_ref.device import DeviceError

        if isinstance(err, DeviceError):  # a setting the user can fix, not a crash
            raise UserError(str(err)) from err
        raise
    elapsed = time.perf_counter() - start
    test = backend.training.evaluate(model, split.x_test, split.y_test)
    seconds = history.history.get("seconds", [])
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "epochs": history.epochs,
        "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
        "best_val_accuracy": None
        if history.best_epoch is None
        else history.history["val_accuracy"][history.best_epoch],
        "seconds_per_epoch": float(np.median(seconds)) if seconds else None,
        "seconds_total": elapsed,
        "stopped_early": history.stopped_early,
        "diverged_at_epoch": history.diverged_at_epoch,
    }


def run(args: argparse.Namespace) -> int:
    """Entry point of ``katas exercise 8``."""
    config = Config()
    overrides = {
        "learning_rate": args.learning_rate,
        "max_epochs": args.max_epochs,
        "patience": args.patience,
        "batch_size": args.batch_size,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if args.quick:
        config = replace(
            config,
            max_epochs=args.max_epochs or config.quick_max_epochs,
            patience=args.patience or config.quick_patience,
        )
    if args.part not in (1, 2):
        raise UserError(f"exercise 8 part {args.part} is not available yet; available: 1, 2")
    backends = ["scratch", "tf"] if args.backend == "both" else [args.backend]
    devices = getattr(args, "devices", None)
    if "tf" in backends:
        prepare_devices(devices, args.device)
    if args.part == 1:
        for name in backends:
            backend = backend_module(name)
            model = backend.models.Sequential(
                dnn(backend, config, len(config.digits)), 784, rng=np.random.default_rng(args.seed)
            )
            print(f"# {name}\n{model.summary()}\n")
        return 0
    split = load_data(config, args.quick, args.data)
    report: dict[str, Any] = {}
    for name in backends:
        if not args.json:
            print(
                f"== {name}: {len(split.y_train)} train / {len(split.y_valid)} valid / "
                f"{len(split.y_test)} test, lr {config.learning_rate}",
                file=sys.stderr,
            )
        report[name] = train_one(
            name, config, split, args.seed, args.device, not args.json, devices
        )
    cfg = asdict(config)
    for key in ("quick_sizes", "quick_max_epochs", "quick_patience"):
        cfg.pop(key)
    report["config"] = {
        **cfg,
        "quick": args.quick,
        "seed": args.seed,
        "devices": devices,
        "n_train": len(split.y_train),
        "n_valid": len(split.y_valid),
        "n_test": len(split.y_test),
    }
    if args.json:
        print(json.dumps(report, indent=None))
    else:
        print(f"{'backend':<10}{'test acc':>10}{'epochs':>8}{'best':>6}{'s/epoch':>9}")
        for name in backends:
            r = report[name]
            print(
                f"{name:<10}{r['test_accuracy']:>10.4f}{r['epochs']:>8}{r['best_epoch']!s:>6}"
                f"{r['seconds_per_epoch'] or 0:>9.2f}"
            )
        print("book (Adam 0.01, diverged after epoch 5): 0.9726")
    return 0
