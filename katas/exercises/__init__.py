"""The book's end-of-chapter exercises, run through either backend: ``katas exercise N``."""

from __future__ import annotations

import argparse

from katas.argtypes import count, path_text, positive_float, positive_int, seed
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
    p.add_argument("--seed", type=seed, default=42, help="random seed, 0..2**32-1 (default 42)")
    p.add_argument(
        "--learning-rate", type=positive_float, default=None, help="the optimizer's learning rate"
    )
    p.add_argument("--max-epochs", type=positive_int, default=None)
    p.add_argument("--patience", type=positive_int, default=None)
    p.add_argument("--batch-size", type=positive_int, default=None)
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
    p.add_argument(
        "--data", type=path_text, default=None, help="MNIST file or folder (default: the cache)"
    )
    p.add_argument(
        "--out",
        type=path_text,
        default=None,
        metavar="DIR",
        help="where report.json and curves.png go (a new or empty folder; default: "
        "katas-runs/exercise8-partN-<time>)",
    )
    p.add_argument(
        "--augment",
        type=count,
        default=None,
        metavar="COPIES",
        help="add COPIES randomly shifted copies (up to 2 px) of the training set; 0: none "
        "(default: the part's own setting)",
    )
    p.add_argument(
        "--schedule",
        choices=("none", "exponential", "power", "plateau"),
        default=None,
        help="parts 2, 4, 5: a learning-rate schedule (NetworkConfig.lr_schedule with its "
        "defaults: exponential x0.1 per 10,000 steps, power, or plateau x0.1 after 5 epochs "
        "without a better val_loss); default: the part's own (none)",
    )
    # Part 3's own flags default to None so that giving one to another part is refused
    # (ex08.run fills in the defaults, ex08.SEARCH_DEFAULTS).
    p.add_argument(
        "--budget",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="part 3: time budget per backend; no trial starts after it (default 600)",
    )
    p.add_argument(
        "--trials", type=positive_int, default=None, help="part 3: trials sampled (default 50)"
    )
    p.add_argument(
        "--search-patience",
        type=positive_int,
        default=None,
        help="part 3: early-stopping patience of each trial (default 10)",
    )
    p.set_defaults(handler=run)


#: ``--devices`` above this is refused: no machine this project targets has more GPUs, and
#: splitting the CPU into more logical devices only multiplies TensorFlow's per-device set-up.
MAX_DEVICES = 64


def _devices(text: str) -> int | str:
    """``--devices``: an integer in 1..MAX_DEVICES or "all"."""
    if text == "all":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_DEVICES:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all' (at most {MAX_DEVICES} devices), got {text!r}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    import importlib

    if args.number not in EXERCISES:
        raise UserError(
            f"exercise {args.number} is not available yet; available: "
            + ", ".join(str(n) for n in EXERCISES)
        )
    return importlib.import_module(EXERCISES[args.number]).run(args)
