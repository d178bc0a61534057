"""How long does a learner wait for `katas check`? Passing and failing checks, timed whole.

``python -m katas.bench.feedback [KATA ...] [--repeat 3] [--mutants 0] [--json]``

Each check is the command a learner runs, ``python -m katas check KATA --impl FILE`` in a fresh
process from an empty folder: the CLI's start-up, the child process (its imports: NumPy,
pytest, hypothesis, the kata's tests), the tests, the report. A passing check runs the kata's
reference; a failing one runs each of the kata's planted mistakes (``mutants/*.py``, the
wrong solutions the kata's own proof must catch) in turn. Prints, per kata and over all of
them, the median and the 95th percentile (nearest rank) of the wall time, the CPU time (user +
system, the check's processes together: less sensitive to other work on a shared machine),
the slowest failing mutant, and the child's bare start-up (its imports only).

Targets (issue 12): a failing check within 2 s (95th percentile at most 2.5 s on the 2-core
machine the project is developed on), a passing one within 1 s median. Timings are printed,
never asserted: machines are shared and noisy (run it ``nice``-free on an idle machine, and
compare ratios when it is not idle).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from katas.engine.registry import find

# Katas whose failing checks were slow before (issue 12: batch norm 15 s, Nesterov 18-22 s,
# max-norm 19 s) and the first one a learner meets.
DEFAULT_KATAS = ("dense", "nesterov", "batchnorm", "dropout", "regularization")
# What the child imports before it runs a test (katas.engine.child and its plugin).
CHILD_IMPORTS = "import katas.engine.child, pytest, hypothesis, katas.engine.plugin"


def timed(cmd: list[str], cwd: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its children, the finished process)."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu, done


def check(kata_id: str, impl: str, cwd: str, expect_pass: bool) -> tuple[float, float]:
    """Time one ``katas check``; a result other than the expected one stops the benchmark."""
    cmd = [sys.executable, "-m", "katas", "check", kata_id, "--impl", impl, "--lang", "en"]
    wall, cpu, done = timed(cmd, cwd)
    wanted = 0 if expect_pass else 1
    if done.returncode != wanted:
        raise SystemExit(
            f"katas check {kata_id} --impl {impl}: exit status {done.returncode}, expected "
            f"{wanted}:\n{done.stdout}{done.stderr}"
        )
    return wall, cpu


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (of 20 values, the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": p95(values),
        "max": max(values),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("katas", nargs="*", help=f"kata ids (default: {' '.join(DEFAULT_KATAS)})")
    p.add_argument("--repeat", type=int, default=3, help="runs of each check (default 3)")
    p.add_argument(
        "--mutants", type=int, default=0, help="mutants per kata, the first N (default 0: all)"
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = p.parse_args(argv)
    if args.repeat < 1 or args.mutants < 0:
        p.error("--repeat must be at least 1 and --mutants at least 0")
    katas = [find(k) for k in (args.katas or DEFAULT_KATAS)]
    env_note = (
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    )
    print(f"katas check, {args.repeat} run(s) of each ({env_note})")
    record: dict[str, Any] = {"katas": {}}
    all_pass: list[float] = []
    all_fail: list[float] = []
    all_fail_cpu: list[float] = []
    all_pass_cpu: list[float] = []
    with tempfile.TemporaryDirectory(prefix="katas-bench-") as cwd:
        starts = [timed([sys.executable, "-c", CHILD_IMPORTS], cwd)[0] for _ in range(args.repeat)]
        print(f"child start-up (imports only): median {statistics.median(starts):.2f} s")
        record["child_startup"] = summary(starts)
        header = (
            f"{'kata':<16}{'pass med':>9}{'fail med':>9}{'fail p95':>9}{'fail max':>9}"
            f"{'cpu pass':>9}{'cpu fail':>9}   slowest failing mutant"
        )
        print(header)
        for kata in katas:
            passing = [check(kata.id, "reference", cwd, True) for _ in range(args.repeat)]
            mutants = kata.mutants()[: args.mutants or None]
            failing: list[tuple[float, float, str]] = []
            for _ in range(args.repeat):
                for m in mutants:
                    wall, cpu = check(kata.id, str(m), cwd, False)
                    failing.append((wall, cpu, m.stem))
            pass_wall = [w for w, _ in passing]
            pass_cpu = [c for _, c in passing]
            fail_wall = [w for w, _, _ in failing]
            fail_cpu = [c for _, c, _ in failing]
            slowest = max(failing)
            all_pass += pass_wall
            all_pass_cpu += pass_cpu
            all_fail += fail_wall
            all_fail_cpu += fail_cpu
            print(
                f"{kata.id:<16}{statistics.median(pass_wall):>9.2f}"
                f"{statistics.median(fail_wall):>9.2f}{p95(fail_wall):>9.2f}{slowest[0]:>9.2f}"
                f"{statistics.median(pass_cpu):>9.2f}{statistics.median(fail_cpu):>9.2f}"
                f"   {slowest[2]}"
            )
            record["katas"][kata.id] = {
                "passing": summary(pass_wall),
                "passing_cpu": summary(pass_cpu),
                "failing": summary(fail_wall),
                "failing_cpu": summary(fail_cpu),
                "slowest": {"mutant": slowest[2], "seconds": slowest[0]},
            }
    record["passing"] = summary(all_pass)
    record["failing"] = summary(all_fail)
    record["failing_cpu"] = summary(all_fail_cpu)
    record["passing_cpu"] = summary(all_pass_cpu)
    print(
        f"all: passing median {record['passing']['median']:.2f} s ({len(all_pass)} checks); "
        f"failing median {record['failing']['median']:.2f} s, p95 {record['failing']['p95']:.2f} "
        f"s, max {record['failing']['max']:.2f} s ({len(all_fail)} checks); CPU medians: "
        f"passing {record['passing_cpu']['median']:.2f} s, failing "
        f"{record['failing_cpu']['median']:.2f} s (p95 {record['failing_cpu']['p95']:.2f} s)"
    )
    print("targets: failing within 2 s (p95 <= 2.5 s), passing median <= 1 s")
    if args.json:
        print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
