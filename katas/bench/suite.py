"""``katas bench``'s run: the SGEMM floor, one worker process per configuration, the peak RSS
of an exercise-8 run, gathered into one record (``katas.bench.report`` prints it).

Everything heavy happens in child processes (``python -m katas.bench.worker``), one at a time:
the floor first, then each configuration (which measures the SGEMM rate again before its
contenders start), then the RSS run. A child that fails is recorded
with its error (the other figures are kept), never a lost run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from katas.bench.workloads import Configuration

#: A worker that runs longer than this is stopped (a full configuration takes a few minutes).
WORKER_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Options:
    """What to run (``katas bench``'s flags, checked)."""

    configurations: tuple[Configuration, ...]
    quick: bool
    data: str | None
    synthetic: bool
    blas_threads: int | None
    tf_threads: int | None
    rss: bool = True


def child_env() -> dict[str, str]:
    """This process's environment, TensorFlow's start-up chatter off."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run_worker(argv: list[str]) -> dict[str, Any]:
    """``python -m katas.bench.worker ARGV``'s JSON line, or ``{"error": ...}`` naming how it
    failed (exit status and the end of its stderr)."""
    cmd = [sys.executable, "-m", "katas.bench.worker", *argv]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=child_env(), timeout=WORKER_TIMEOUT_S,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {WORKER_TIMEOUT_S} s"}
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if done.returncode == 0 and isinstance(result, dict):
        return result
    if isinstance(result, dict) and "error" in result:
        return result
    return {"error": f"exit status {done.returncode}: {done.stderr.strip()[-2000:]}"}


def floor_threads(options: Options) -> list[int]:
    """The thread counts the SGEMM rate is measured at: 1, every core, and any forced count."""
    counts = {1, os.cpu_count() or 1}
    for forced in (options.blas_threads, options.tf_threads):
        if forced is not None and forced > 0:
            counts.add(forced)
    return sorted(counts)


def rss_command(quick: bool, data: str | None, out_dir: str) -> list[str]:
    """The exercise-8 run whose peak RSS is measured: part 2 (exercise 8's own training of the
    784-100x5-5 net, scratch backend) on the full MNIST (loaded whole, the book's split, its
    digits 0-4: 28,076 training rows), cut to 2 epochs (1 with ``--quick``): the memory a run
    needs is in place after its first epoch (data, network, optimizer state, the validation
    and test arrays); later epochs reuse it."""
    epochs = "1" if quick else "2"
    cmd = [
        sys.executable, "-m", "katas", "exercise", "8", "--part", "2", "--backend", "scratch",
        "--max-epochs", epochs, "--patience", epochs, "--out", out_dir, "--json", "--lang", "en",
    ]  # fmt: skip
    return cmd + (["--data", data] if data else [])


def peak_rss(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` and read its peak resident set size from the kernel (``os.wait4``'s
    ``ru_maxrss``: KiB on Linux, bytes on macOS): the largest RSS the process reached."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=err, env=child_env(), close_fds=True
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-2000:]
    scale = 1 if sys.platform == "darwin" else 1024
    out: dict[str, Any] = {
        "command": cmd,
        "peak_rss_bytes": usage.ru_maxrss * scale,
        "exit_status": proc.returncode,
        "seconds": time.perf_counter() - start,
    }
    if proc.returncode != 0:
        out["error"] = tail
    return out


def run(options: Options, progress: Callable[[str], None]) -> dict[str, Any]:
    """Every measurement of ``options``, in order; the record ``report`` prints."""
    record: dict[str, Any] = {"quick": options.quick, "synthetic": options.synthetic}
    threads = floor_threads(options)
    progress(f"SGEMM rate at {', '.join(map(str, threads))} thread(s)...")
    record["sgemm"] = run_worker(["--floor", ",".join(map(str, threads))])
    record["workloads"] = {}
    for i, config in enumerate(options.configurations, 1):
        config = dataclasses.replace(config, floor_threads=tuple(threads))
        progress(
            f"[{i}/{len(options.configurations)}] {config.id}: {', '.join(config.contenders)}..."
        )
        start = time.perf_counter()
        result = run_worker([json.dumps(config.to_dict())])
        result["wall_seconds"] = time.perf_counter() - start
        record["workloads"][config.id] = result
    if not options.rss:
        return record
    if options.synthetic:
        record["rss"] = {"skipped": "needs MNIST (--synthetic)"}
        return record
    progress("peak RSS of an exercise-8 run...")
    with tempfile.TemporaryDirectory(prefix="katas-bench-rss-") as tmp:
        record["rss"] = peak_rss(rss_command(options.quick, options.data, f"{tmp}/run"))
    return record
