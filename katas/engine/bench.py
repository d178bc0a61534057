"""Benchmark: wall time of ``katas check KATA`` on a solved kata, as a learner runs it.

``python -m katas.engine.bench [--repeat N] [KATA ...]`` prints the median and the spread per
kata (the whole command: Python start-up, the child process, the tests). Timings are printed,
never asserted: machines here are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from katas.engine.registry import all_katas, find


def time_check(kata_id: str, repeat: int) -> list[float]:
    cmd = [sys.executable, "-m", "katas", "check", kata_id, "--impl", "reference"]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"katas check {kata_id} failed:\n{done.stdout}{done.stderr}")
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("katas", nargs="*", help="kata ids (default: all)")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    katas = [find(k) for k in args.katas] if args.katas else list(all_katas())
    print(f"{'kata':<26}{'median s':>10}{'min s':>8}{'max s':>8}   ({args.repeat} runs each)")
    medians = []
    for kata in katas:
        times = time_check(kata.id, args.repeat)
        medians.append(statistics.median(times))
        print(f"{kata.id:<26}{medians[-1]:>10.2f}{min(times):>8.2f}{max(times):>8.2f}")
    print(f"{'median over katas':<26}{statistics.median(medians):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
