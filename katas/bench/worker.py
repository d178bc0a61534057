"""One ``katas bench`` configuration in its own process.

``python -m katas.bench.worker CONFIG_JSON`` (a ``workloads.Configuration.to_dict()``) loads the
configuration's data, builds its contenders, runs ``warmup`` untimed epochs of each (compiling
Numba kernels and TensorFlow graphs, touching every buffer), then ``rounds`` rounds of one timed
epoch per contender, the order rotated by one each round (round r starts with contender r mod k),
so that a shared machine's load and any drift fall on every contender alike. Prints one JSON
line: each contender's epoch seconds, their median, samples/s at the median, the threads it used,
the workload's FLOPs, and this process's environment (BLAS, Numba, TensorFlow's threads, load).
It also measures the SGEMM rate at ``floor_threads`` first (``katas.bench.floor``), so that
the run's floor is the best rate seen across all its processes. A separate process per
configuration: no contender inherits another configuration's memory,
threads or compiled state.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from typing import Any

from katas.bench import floor
from katas.bench.workloads import RBM_HIDDEN, TF_CONTENDERS, Configuration


def rotated(names: list[str], round_: int) -> list[str]:
    """``names`` starting at ``round_ mod len(names)``: each round leads with the next one."""
    shift = round_ % len(names)
    return names[shift:] + names[:shift]


def flops(config: Configuration, rows: int) -> int:
    """The workload's matrix-product FLOPs per epoch (``katas.bench.floor``)."""
    from katas.bench.workloads import widths

    if config.kind == "rbm":
        return floor.rbm_flops(784, RBM_HIDDEN, rows)
    return floor.dense_flops(widths(config), rows)


def environment() -> dict[str, Any]:
    """What the figures were measured with: every thread pool threadpoolctl sees (BLAS library,
    version, kernel architecture, threads; OpenMP), the Numba version, TensorFlow's intra- and
    inter-op threads when it is loaded (0: its default, one per core), cores and load."""
    import numpy as np
    from threadpoolctl import threadpool_info

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "threadpools": [
            {
                k: lib.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "architecture",
                    "threading_layer",
                    "num_threads",
                )
            }
            for lib in threadpool_info()
        ],
    }
    try:
        import numba

        env["numba"] = numba.__version__
    except ImportError:
        env["numba"] = None
    import scratch.fast

    env["kernels_default"] = scratch.fast.active()
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        env["tensorflow"] = {
            "version": tf.__version__,
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        }
    else:
        env["tensorflow"] = None
    return env


def _force_tf_threads(config: Configuration) -> None:
    """``--tf-threads N``: TensorFlow's intra- and inter-op pools, set before TensorFlow starts
    (it refuses afterwards)."""
    if config.tf_threads is None or not set(config.contenders) & set(TF_CONTENDERS):
        return
    import tensorflow as tf

    n = config.tf_threads
    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)


def run(config: Configuration) -> dict[str, Any]:
    """Time every contender of ``config`` (see the module docstring); the figures as a dict."""
    from katas.bench import contenders, workloads

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _force_tf_threads(config)
    if config.kind == "mlp":
        data: tuple[Any, ...] = workloads.classifier_data(config)
    else:
        data = (workloads.images(config),)
    rows = len(data[0])
    # this process's own SGEMM rates, before TensorFlow or any contender starts its threads
    sgemm = {str(n): floor.sgemm_rate(n) for n in config.floor_threads}
    built = {name: contenders.make(name, config, data) for name in config.contenders}
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    names = list(built)
    for _ in range(config.warmup):
        for name in names:
            built[name].epoch()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(config.rounds):
        for name in rotated(names, round_):
            start = time.perf_counter()
            built[name].epoch()
            seconds[name].append(time.perf_counter() - start)
    out: dict[str, Any] = {
        "config": config.to_dict(),
        "rows": rows,
        "flops": flops(config, rows),
        "load_average_before": load_before,
        "sgemm_flops_per_s": sgemm,
        "contenders": {},
    }
    for name in names:
        median = statistics.median(seconds[name])
        out["contenders"][name] = {
            "seconds": seconds[name],
            "median_seconds": median,
            "samples_per_s": rows / median,
            "threads": built[name].threads,
        }
    out["environment"] = environment()
    return out


def sgemm(threads: list[int]) -> dict[str, Any]:
    """The SGEMM rate (FLOP/s) at each thread count, in this fresh process."""
    return {
        "size": floor.SGEMM_SIZE,
        "flops_per_s": {str(n): floor.sgemm_rate(n, repeats=10) for n in threads},
        "environment": environment(),
    }


def main(argv: list[str] | None = None) -> int:
    """``CONFIG_JSON`` -> one configuration's figures; ``--floor 1,2`` -> the SGEMM rates at
    those thread counts. One JSON line on stdout; a UserError (bad data, too many rows) is a
    JSON line ``{"error": ..., "error_ja": ...}`` and exit status 2."""
    from katas import jsonout
    from katas.errors import UserError

    argv = sys.argv[1:] if argv is None else argv
    try:
        if len(argv) == 2 and argv[0] == "--floor":
            result = sgemm([int(n) for n in argv[1].split(",")])
        elif len(argv) == 1:
            result = run(Configuration.from_dict(json.loads(argv[0])))
        else:
            print("usage: python -m katas.bench.worker CONFIG_JSON | --floor N,M", file=sys.stderr)
            return 2
    except UserError as err:
        print(jsonout.dumps({"error": str(err), "error_ja": err.text("ja")}))
        return 2
    print(jsonout.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
