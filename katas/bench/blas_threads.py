"""Does scratch's BLAS limit work when NumPy is imported first?

``python -m katas.bench.blas_threads [--rounds 3] [--batch-size 20] [--rows 5000] [--json]``

Trains the exercise-8 net (784-100x5-5, ELU, He, Adam; MNIST digits 0-4) with scratch's
``fit`` in a fresh process per run, TensorFlow imported in the same process, in three set-ups,
alternated round by round:

- ``preset``: ``OPENBLAS_NUM_THREADS=1`` set before Python starts (the old way: only works when
  set before NumPy loads OpenBLAS);
- ``numpy-first``: nothing set; NumPy and TensorFlow imported before scratch; ``fit``'s own
  limit (threadpoolctl, ``scratch.threads``) must do the job;
- ``unlimited``: as numpy-first with ``fit(blas_threads=-1)``: BLAS' own default, to show the
  size of the problem on this machine.

Prints samples/s per set-up (median over rounds of each run's median epoch, first epoch
excluded as warm-up), the ratios to ``preset``, and the BLAS library with its thread counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from statistics import median
from typing import Any

SETUPS = ("preset", "numpy-first", "unlimited")

# Run in a child process, so that each set-up starts with a fresh BLAS and import order.
CHILD = r"""
import json, sys
import numpy as np
import tensorflow as tf  # loaded in the same process, as in the measurement that motivated this
from scratch import networks, training
from scratch.threads import blas_info, blas_threads
from katas import data
from katas.exercises.ex08 import PART2

args = json.loads(sys.argv[1])
split = data.book_split(data.load_mnist(args["data"]))
x, y = data.filter_digits(split.x_train, split.y_train, range(5))
x, y = x[: args["rows"]], y[: args["rows"]]
rng = np.random.default_rng(0)
model = networks.build_network(PART2, 784, 5, rng=rng)
limit = None if args["setup"] != "unlimited" else -1
with blas_threads(limit):
    inside = blas_info()
history = training.fit(
    model, x, y, optimizer=networks.build_optimizer(PART2), epochs=args["epochs"],
    batch_size=args["batch_size"], rng=rng, verbose=False, blas_threads=limit,
)
seconds = history.history["seconds"][1:]
print(json.dumps({
    "samples_per_s": len(x) / float(np.median(seconds)),
    "blas_inside_fit": inside,
    "blas_after_fit": blas_info(),
    "tensorflow": tf.__version__,
}))
"""


def _env(setup: str) -> dict[str, str]:
    """This process's environment without any thread-count choice (scratch.threads' variables),
    plus ``OPENBLAS_NUM_THREADS=1`` for ``preset``."""
    from scratch.threads import BLAS_ENV_VARS, ENV_VAR

    env = {k: v for k, v in os.environ.items() if k not in (*BLAS_ENV_VARS, ENV_VAR)}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if setup == "preset":
        env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def run_once(setup: str, args: argparse.Namespace) -> dict[str, Any]:
    """One training run of ``setup`` in a fresh process; its figures."""
    payload = {
        "setup": setup,
        "rows": args.rows,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "data": args.data,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(payload)],
        env=_env(setup),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{setup}: the benchmark process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m katas.bench.blas_threads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--rows", type=int, default=5000, help="training rows (digits 0-4)")
    parser.add_argument("--epochs", type=int, default=4, help="per run; the first is warm-up")
    parser.add_argument("--data", default=None, help="MNIST file or folder (default: the cache)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.batch_size < 1 or args.rows < 1 or args.epochs < 2:
        parser.error("--rounds, --batch-size and --rows must be >= 1, --epochs >= 2")
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in SETUPS}
    for r in range(args.rounds):
        for setup in SETUPS if r % 2 == 0 else SETUPS[::-1]:  # alternate the order too
            runs[setup].append(run_once(setup, args))
            if not args.json:
                print(f"round {r + 1} {setup:<12} {runs[setup][-1]['samples_per_s']:>9.0f}")
    speed = {s: median(run["samples_per_s"] for run in runs[s]) for s in SETUPS}
    result = {
        "batch_size": args.batch_size,
        "rows": args.rows,
        "rounds": args.rounds,
        "samples_per_s": speed,
        "ratio_to_preset": {s: speed[s] / speed["preset"] for s in SETUPS},
        "blas_inside_fit": {s: runs[s][0]["blas_inside_fit"] for s in SETUPS},
        "blas_after_fit": {s: runs[s][0]["blas_after_fit"] for s in SETUPS},
        "cpus": os.cpu_count(),
        "tensorflow": runs["preset"][0]["tensorflow"],
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"\nexercise-8 net, batch {args.batch_size}, {args.rows} rows, TF loaded, medians:")
    for s in SETUPS:
        threads = [lib["num_threads"] for lib in result["blas_inside_fit"][s]]
        print(
            f"  {s:<12} {speed[s]:>9.0f} samples/s   x{result['ratio_to_preset'][s]:.2f} "
            f"of preset   BLAS threads inside fit: {threads}"
        )
    lib = (result["blas_inside_fit"]["preset"] or [{}])[0]
    print(f"  BLAS: {lib.get('internal_api')} {lib.get('version')} ({lib.get('architecture')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
