"""Parent side of a check: start the child process, enforce the timeout, read its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from katas.engine.registry import Kata

DEFAULT_TIMEOUT = float(os.environ.get("DNN_KATAS_TIMEOUT", "30"))


@dataclass
class CheckResult:
    """The outcome of one kata's tests against one implementation."""

    spec: str
    tests: list[dict[str, Any]] = field(default_factory=list)
    problem: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            self.problem is None
            and bool(self.tests)
            and all(t["outcome"] == "passed" for t in self.tests)
        )

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [t for t in self.tests if t["outcome"] != "passed"]

    @property
    def n_passed(self) -> int:
        return sum(t["outcome"] == "passed" for t in self.tests)


def run_check(
    kata: Kata,
    specs: list[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    verbose: bool = False,
    cwd: Path | None = None,
) -> list[CheckResult]:
    """Run ``kata``'s tests against each spec (reference / stub / a .py path) in one child.

    ``timeout`` bounds the whole child; implementations not finished by then get a "timeout"
    problem (the usual cause is an infinite loop in learner code).
    """
    with tempfile.TemporaryDirectory(prefix="katas-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "katas.engine.child", kata.id, "--report", str(report)]
        for spec in specs:
            cmd += ["--impl", spec]
        if verbose:
            cmd.append("--verbose")
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
        start = time.perf_counter()
        timed_out, crash = False, ""
        try:
            done = subprocess.run(
                cmd,
                cwd=cwd or tmp,
                env=env,
                timeout=timeout,
                stdout=None if verbose else subprocess.PIPE,
                stderr=None if verbose else subprocess.PIPE,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                crash = (done.stderr or "")[-2000:]
        except subprocess.TimeoutExpired:
            timed_out = True
        seconds = time.perf_counter() - start
        entries = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else []
    results = [CheckResult(e["spec"], e["tests"], e["problem"], seconds) for e in entries]
    for spec in specs[len(results) :]:
        if timed_out:
            problem = {"kind": "timeout", "seconds": timeout}
        else:
            problem = {"kind": "crash", "message": crash or "the test process stopped"}
        results.append(CheckResult(spec, [], problem, seconds))
    return results
