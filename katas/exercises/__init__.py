"""The book's end-of-chapter exercises, run through either backend: ``katas exercise N``."""

from __future__ import annotations

import argparse

from katas.errors import UserError

EXERCISES = {8: "katas.exercises.ex08"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "exercise",
        help="run one of chapter 11's exercises in scratch, TensorFlow or both",
        description="Run a chapter 11 exercise. Exercise 8: deep net on MNIST digits 0-4.",
    )
    p.add_argument("number", type=int, help="exercise number (8)")
    p.add_argument("--part", type=int, default=2, help="part of the exercise (default 2)")
    p.add_argument("--backend", choices=("scratch", "tf", "both"), default="both")
    p.add_argument("--quick", action="store_true", help="a small subset, under a minute")
    p.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--learning-rate", type=float, default=None, help="Adam's learning rate")
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--patience", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="TF device")
    p.add_argument(
        "--devices",
        type=_devices,
        default=None,
        metavar="N",
        help="TF backend only (scratch ignores it): train data-parallel on N devices "
        "(tf.distribute.MirroredStrategy), N GPUs or, without a GPU, the CPU split into N "
        "logical devices (a test of the multi-device path, not faster); 'all': every visible "
        "GPU. Default: one device",
    )
    p.add_argument("--data", default=None, help="MNIST file or folder (default: the cache)")
    p.set_defaults(handler=run)


def _devices(text: str) -> int | str:
    """``--devices``: a positive integer or "all"."""
    if text == "all":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'all', got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    import importlib

    if args.number not in EXERCISES:
        raise UserError(
            f"exercise {args.number} is not available yet; available: "
            + ", ".join(str(n) for n in EXERCISES)
        )
    return importlib.import_module(EXERCISES[args.number]).run(args)
