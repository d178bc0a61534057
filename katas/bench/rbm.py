"""How fast is scratch's RBM beside scikit-learn's? (issue 10's evidence)

``python -m katas.bench.rbm [--rows 60000] [--hidden 256] [--batch-size 100] [--binarize]
[--dtypes float32,float64] [--repeats 4] [--blas-threads 1] [--data PATH] [--numpy-path]
[--json]``

One epoch of a 784 x ``--hidden`` Bernoulli RBM on the book's 55,000 training + 5,000
validation MNIST images (grey levels in [0, 1], or thresholded at 0.5 with ``--binarize``),
batch 100, in one process and under one BLAS thread limit, for each dtype; ``--repeats``
rounds, each timing every implementation once (interleaved, the order rotated each round, so
that a shared machine's load falls on all alike); the best round of each is shown:

- ``sklearn``: ``sklearn.neural_network.BernoulliRBM`` (PCD-1), the reference;
- ``ours-sklearn``, ``ours-cd``, ``ours-pcd``: ``scratch.rbm.BernoulliRBM`` with each method
  (k = 1; cd/pcd with momentum 0.5 and weight decay 1e-4, as a DBN would train them), on the
  kernels ``scratch.fast`` selects (Numba by default); with ``--numpy-path`` also
  ``ours-*/numpy``, the same three under ``scratch.fast.use("numpy")``, in the same rounds;
- ``gemm-only``: the same epoch's matrix products alone (the four BLAS calls of a PCD-1 batch
  on arrays of the batch's shapes), the floor any kernel fusion (Numba) could approach: the
  rest of an epoch is elementwise work (sigmoids, uniforms, comparisons) that Numba might fuse;
- ``uniforms-only``: drawing the epoch's uniforms alone (scikit-learn's RandomState draws): a
  stream-exact kernel must still draw them, so gemm + uniforms bounds what fusion could save.

Prints seconds per epoch, images/s, the ratio to scikit-learn's, the gemm share, and for
``ours-sklearn`` the largest difference from scikit-learn's weights (0: bit for bit).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
from typing import Any

import numpy as np


def load(args: argparse.Namespace) -> np.ndarray:
    """The 55,000 training and 5,000 validation images, (60000, 784) float32 in [0, 1]
    (``katas.bench.workloads.rbm_images``, which ``katas bench`` uses too)."""
    from katas.bench.workloads import rbm_images
    from katas.errors import DataError, UserError

    try:
        return rbm_images(args.data, args.rows, args.binarize)
    except (DataError, OSError, ValueError) as err:
        raise SystemExit(f"rbm bench: cannot load MNIST ({err}); run `katas data fetch`") from err
    except UserError as err:  # more --rows than images
        raise SystemExit(f"rbm bench: {err}") from err


def gemm_epoch(x: np.ndarray, hidden: int, batch_size: int) -> float:
    """Seconds for the matrix products of one PCD-1 epoch alone: per batch v @ W.T (positive),
    h @ W (chain to visible), v~ @ W.T (negative hiddens), and the two statistics."""
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (hidden, x.shape[1])).astype(x.dtype)
    chain = np.zeros((batch_size, hidden), x.dtype)
    start = time.perf_counter()
    for lo in range(0, len(x), batch_size):
        v = x[lo : lo + batch_size]
        h_pos = v @ W.T
        v_neg = chain @ W
        h_neg = v_neg @ W.T
        _ = (v.T @ h_pos).T - h_neg.T @ v_neg
    return time.perf_counter() - start


def uniforms_epoch(x: np.ndarray, hidden: int, batch_size: int) -> float:
    """Seconds to draw one PCD-1 epoch's uniforms as scikit-learn does (RandomState.uniform,
    float64: (batch, D) then (batch, H) per batch): work no kernel can skip while keeping the
    random streams, so gemm + uniforms is the floor for a stream-exact implementation."""
    rng = np.random.RandomState(0)
    start = time.perf_counter()
    for _ in range(0, len(x), batch_size):
        rng.uniform(size=(batch_size, x.shape[1]))
        rng.uniform(size=(batch_size, hidden))
    return time.perf_counter() - start


def run(x: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """Every implementation on ``x`` (one dtype), timed one after the other."""
    from katas.bench.contenders import rbm_model
    from scratch import fast

    out: dict[str, Any] = {}
    models = {
        name: functools.partial(rbm_model, name, args.hidden, args.batch_size)
        for name in ("sklearn", "ours-sklearn", "ours-cd", "ours-pcd")
    }
    if args.numpy_path:  # the same three on scratch.fast's NumPy path, in the same rounds
        for name in ("ours-sklearn", "ours-cd", "ours-pcd"):
            models[f"{name}/numpy"] = models[name]
    times: dict[str, list[float]] = {name: [] for name in (*models, "gemm-only", "uniforms-only")}
    fitted = {}
    names = list(models)
    for round_ in range(args.repeats):  # interleaved rounds: load hits all alike
        # a different order each round, so that no implementation always runs first
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            model = models[name]()
            # ours limit BLAS themselves (as fit does): give them the limit the run is under
            extra = {} if name == "sklearn" else {"blas_threads": args.blas_threads}
            with fast.use("numpy" if name.endswith("/numpy") else fast.active()):
                start = time.perf_counter()
                model.fit(x, **extra)
                times[name].append(time.perf_counter() - start)
            fitted[name] = model
        times["gemm-only"].append(gemm_epoch(x, args.hidden, args.batch_size))
        times["uniforms-only"].append(uniforms_epoch(x, args.hidden, args.batch_size))
    for name, seconds in times.items():
        best = min(seconds)  # the least disturbed round of a shared machine
        out[name] = {"seconds": best, "all_seconds": seconds, "images_per_s": len(x) / best}
    reference = out["sklearn"]["seconds"]
    for name in out:
        out[name]["vs_sklearn"] = out[name]["seconds"] / reference
        if name in models:
            out[name]["gemm_share"] = out["gemm-only"]["seconds"] / out[name]["seconds"]
    ours, theirs = fitted["ours-sklearn"], fitted["sklearn"]
    out["ours-sklearn"]["max_abs_diff"] = float(
        max(
            np.abs(getattr(ours, a) - getattr(theirs, a)).max()
            for a in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m katas.bench.rbm")
    parser.add_argument("--rows", type=int, default=60_000, help="images (55k train + 5k valid)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=4, help="rounds; the best is shown")
    parser.add_argument("--binarize", action="store_true", help="threshold pixels at 0.5")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--blas-threads", type=int, default=None, help="default: fit's (1)")
    parser.add_argument("--data", default=None, help="MNIST file or folder (default: the cache)")
    parser.add_argument(
        "--numpy-path",
        action="store_true",
        help="also time ours on scratch.fast's NumPy path (ours-*/numpy), interleaved",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    if min(args.rows, args.hidden, args.batch_size, args.repeats) < 1:
        parser.error("--rows, --hidden, --batch-size and --repeats must be >= 1")
    if args.blas_threads is not None and args.blas_threads != -1 and args.blas_threads < 1:
        parser.error(
            f"--blas-threads: expected a positive integer or -1 (leave BLAS alone), "
            f"got {args.blas_threads}"
        )
    if not dtypes or set(dtypes) - {"float32", "float64"}:
        parser.error(f"--dtypes: expected float32 and/or float64, got {args.dtypes!r}")
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SystemExit("rbm bench: needs scikit-learn (pip install -e '.[dev]')") from None
    from scratch.threads import blas_info, blas_threads

    x = load(args)
    result: dict[str, Any] = {
        "rbm": f"{x.shape[1]} x {args.hidden}",
        "rows": len(x),
        "batch_size": args.batch_size,
        "data": "binarized" if args.binarize else "grey",
        "cpus": os.cpu_count(),
        "dtypes": {},
    }
    with blas_threads(args.blas_threads) as limit:
        result["blas_threads"] = limit
        result["blas"] = blas_info()
        for dtype in dtypes:
            result["dtypes"][dtype] = run(x.astype(dtype), args)
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"RBM {result['rbm']}, one epoch of {result['rows']} {result['data']} MNIST images, "
        f"batch {args.batch_size}, BLAS threads {limit} ({os.cpu_count()} CPUs), best of "
        f"{args.repeats}:"
    )
    for dtype, runs in result["dtypes"].items():
        print(f"  {dtype}")
        for name, r in runs.items():
            extra = f"  gemm share {r['gemm_share']:4.0%}" if "gemm_share" in r else ""
            if "max_abs_diff" in r:
                extra += f"   max |W - sklearn's| {r['max_abs_diff']:.1e}"
            print(
                f"    {name:<18} {r['seconds']:7.2f} s  {r['images_per_s']:8.0f} images/s  "
                f"x{r['vs_sklearn']:.2f} of sklearn's time{extra}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
