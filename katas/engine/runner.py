"""Parent side of a check: start the child process, enforce the timeout, read its report.

Learner code runs only in the child (``katas.engine.child``). The child is started

- from a fresh temporary folder, with the folder holding the running ``katas`` package first on
  its ``PYTHONPATH``, so it imports the same ``katas`` and ``scratch`` as this process (never
  an installed copy, never a file lying in the learner's current folder);
- in its own process group with stdin closed, so a timeout stops every process learner code
  started, and ``input()`` cannot hang;
- with stdout and stderr read by a thread that keeps only the first and last few KiB (a
  learner printing megabytes costs no memory here) and counts the rest.

The child appends one JSON line per step to a progress file (which implementation, which phase,
how many tests were collected, which test started), so when it dies or is stopped the parent can
still say where: "exited with status 0 during test 3 of 7".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import katas
from katas.argtypes import seconds
from katas.engine.registry import Kata
from katas.errors import UserError

TIMEOUT_ENV = "DNN_KATAS_TIMEOUT"
DEFAULT_TIMEOUT_S = 30.0
# What the parent keeps of the child's output: the start (often the first error) and the end
# (what happened last). Enough for a traceback, never megabytes.
OUTPUT_HEAD = 2 * 1024
OUTPUT_TAIL = 6 * 1024
# Output above this is worth a word even when the tests finished: printing is slow.
CHATTY_BYTES = 1024 * 1024
PACKAGE_ROOT = Path(katas.__file__).resolve().parent.parent
# How often a waiting parent looks at its cancel event: a cancelled check ends this fast.
CANCEL_POLL_S = 0.05


class Cancelled(Exception):
    """A check stopped on request (the watch loop's ``q``, Ctrl-C, a newer save): its child
    and everything it started are gone, and there is no result to report or record."""


def default_timeout() -> float:
    """$DNN_KATAS_TIMEOUT (read now, not at import: a bad value must not break other commands)
    or 30 s."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT_S
    try:
        return seconds(raw)
    except argparse.ArgumentTypeError as err:
        raise UserError(
            f"{TIMEOUT_ENV}={raw!r}: {err}. Set it to a number of seconds, e.g. "
            f"{TIMEOUT_ENV}=60, or unset it for the default {DEFAULT_TIMEOUT_S:.0f} s.",
            ja=f"{TIMEOUT_ENV}={raw!r}: {err}。秒数を指定してください (例: {TIMEOUT_ENV}=60)。"
            f"既定の {DEFAULT_TIMEOUT_S:.0f} 秒にするには設定を外してください。",
        ) from None


def check_timeout(value: Any, name: str = "timeout") -> float:
    """``value`` as a time limit in seconds, or a UserError naming ``name`` (a bool is not a
    number of seconds, though Python counts True as 1)."""
    try:
        if isinstance(value, bool):
            raise TypeError(name)
        return seconds(str(float(value)))
    except (TypeError, ValueError, argparse.ArgumentTypeError):
        raise UserError(
            f"{name}: expected a number of seconds > 0 and at most a day, got {value!r}",
            ja=f"{name}: 0 より大きく 1 日以下の秒数を指定してください ({value!r} が渡されました)",
        ) from None


class BoundedOutput:
    """The first ``head`` and last ``tail`` bytes of a stream, and how many bytes it had."""

    def __init__(self, head: int = OUTPUT_HEAD, tail: int = OUTPUT_TAIL) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    @property
    def shown(self) -> int:
        """Bytes kept (and so shown)."""
        return len(self.head) + len(self.tail)

    def text(self) -> str:
        """What was kept; a marker where the middle was dropped."""
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        dropped = self.total - self.shown
        if dropped > 0:
            return f"{head}\n[... {size_text(dropped)} not kept ...]\n{tail}"
        return head + tail

    def describe(self) -> dict[str, Any]:
        """Plain data for a problem report."""
        return {"output_bytes": self.total, "output_shown": self.shown, "output": self.text()}


def size_text(n: int) -> str:
    """Bytes for people: 512 B, 3.4 KiB, 12.0 MiB."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


@dataclass
class ChildRun:
    """How a child process ended."""

    returncode: int | None  # None: stopped at the timeout
    timed_out: bool
    seconds: float
    output: BoundedOutput


def child_env(lang: str | None = None) -> dict[str, str]:
    """The environment of a child: this process's, with the running package first on the path
    and, when given, the learner's language in $DNN_KATAS_LANG (what the kata tests' messages,
    ``katas.engine.testing.say``, and the child's own sentences are written in)."""
    root = str(PACKAGE_ROOT)
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([root, *rest]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    if lang is not None:
        env["DNN_KATAS_LANG"] = lang
    return env


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop the child and everything it started (its process group); never raises."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows has no process groups
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_child(
    module: str,
    args: list[str],
    *,
    timeout: float,
    cwd: Path,
    passthrough: bool = False,
    lang: str | None = None,
    cancel: threading.Event | None = None,
) -> ChildRun:
    """Run ``python -m module *args`` in ``cwd`` for at most ``timeout`` seconds.

    ``passthrough`` leaves stdout/stderr on the terminal (``check -v``); otherwise both are read
    into a BoundedOutput. ``lang`` ("en" | "ja") is passed on in $DNN_KATAS_LANG. ``cancel``,
    when set (from another thread), stops the child's process group within ``CANCEL_POLL_S``
    and raises ``Cancelled``.
    """
    output = BoundedOutput()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=child_env(lang),
        stdin=subprocess.DEVNULL,
        stdout=None if passthrough else subprocess.PIPE,
        stderr=None if passthrough else subprocess.STDOUT,
        start_new_session=True,
    )
    reader = None
    if proc.stdout is not None:
        stream = proc.stdout

        def drain() -> None:
            for chunk in iter(lambda: stream.read1(65536), b""):
                output.feed(chunk)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
    timed_out = cancelled = False
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            if left <= 0:
                timed_out = True
                break
            try:
                proc.wait(timeout=left if cancel is None else min(left, CANCEL_POLL_S))
                break
            except subprocess.TimeoutExpired:
                pass
    finally:
        # Also after a normal exit: processes learner code started must not outlive the check
        # (nor keep the output pipe open). After Ctrl-C here, the child goes too.
        _kill_group(proc)
        proc.wait()
    if reader is not None and proc.stdout is not None:
        # A process that escaped the group (setsid) may hold the pipe: do not wait for it.
        reader.join(timeout=2)
        if not reader.is_alive():
            proc.stdout.close()
    if cancelled:
        raise Cancelled(module)
    return ChildRun(
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        seconds=time.perf_counter() - start,
        output=output,
    )


@dataclass
class CheckResult:
    """The outcome of one kata's tests against one implementation.

    ``collected`` is how many tests the kata has (as pytest collected them); the kata is solved
    only when every one of them ran and passed.
    """

    spec: str
    tests: list[dict[str, Any]] = field(default_factory=list)
    problem: dict[str, Any] | None = None
    seconds: float = 0.0
    collected: int | None = None
    output_bytes: int = 0

    @property
    def passed(self) -> bool:
        return (
            self.problem is None
            and bool(self.collected)
            and len(self.tests) == self.collected
            and all(t.get("outcome") == "passed" for t in self.tests)
        )

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The failing tests, the most telling first: tests written for a named mistake, then
        worked examples, then hypothesis tests; ties in the order of the test file."""
        failed = [t for t in self.tests if t.get("outcome") != "passed"]
        return sorted(failed, key=failure_rank)

    @property
    def n_passed(self) -> int:
        return sum(t.get("outcome") == "passed" for t in self.tests)


# The order failures are shown in, by the plugin's "kind" of a test (katas.engine.plugin).
FAILURE_KINDS = ("mistake", "example", "property")


def failure_rank(test: dict[str, Any]) -> tuple[int, int]:
    """Sort key of a failing test: its kind's rank, then its place in the test file.

    A named-mistake test ranks first only when its own verdict failed (``verdict``: it caught
    the mistake it is written for); when learner code crashed or returned something unusable
    before the test could judge, it is the worked example it also is (a stub, a ``None``
    returned: the first worked example of the file says more). A record without a kind or a
    place (an older child) keeps its place after the ranked ones.
    """
    kind = test.get("kind")
    if kind == "mistake" and test.get("verdict") is False:
        kind = "example"
    rank = FAILURE_KINDS.index(kind) if kind in FAILURE_KINDS else len(FAILURE_KINDS)
    place = test.get("place")
    return rank, place if isinstance(place, int) else 0


def read_events(path: Path) -> list[dict[str, Any]]:
    """The child's progress lines; a line cut short by a dying child is skipped."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _read_report(path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("tests"), list)]


def where_it_stopped(events: list[dict[str, Any]], index: int) -> dict[str, Any]:
    """From the progress lines: the phase implementation ``index`` was in, the test running,
    how many tests had started and how many the kata has."""
    mine = [e for e in events if e.get("impl") == index]
    info: dict[str, Any] = {"phase": None, "test": None, "started": 0, "collected": None}
    for event in mine:
        kind = event.get("event")
        if kind in ("import", "collect", "tf"):
            info["phase"] = kind
        elif kind == "case":
            info.update(phase="case", test=event.get("label"))
        elif kind == "collected":
            info["collected"] = event.get("n")
        elif kind == "test":
            info["phase"] = "test"
            info["test"] = event.get("doc") or event.get("name")
            info["started"] += 1
    return info


def stopped_problem(run: ChildRun, where: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Why a child gave no result: stopped at the timeout, exited early, or killed by a signal."""
    problem: dict[str, Any] = {**where, **run.output.describe()}
    if run.timed_out:
        problem.update(kind="timeout", seconds=timeout)
    elif run.returncode is not None and run.returncode < 0:
        number = -run.returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        problem.update(kind="killed", signal=name, number=number)
    else:
        problem.update(kind="exited", status=run.returncode)
    return problem


def run_check(
    kata: Kata,
    specs: list[str],
    *,
    timeout: float | None = None,
    verbose: bool = False,
    cwd: Path | None = None,
    lang: str = "en",
    cancel: threading.Event | None = None,
) -> list[CheckResult]:
    """Run ``kata``'s tests against each spec (reference / stub / a .py path) in one child.

    ``timeout`` (default: ``default_timeout()``) bounds the whole child; an implementation not
    finished by then gets a "timeout" problem saying where it was, and any after it a "not_run"
    problem. ``lang`` ("en" | "ja") is the language of the tests' descriptions and messages.
    ``verbose`` is accepted for the callers' sake: the child records every failure's full
    report either way, and its output is read (bounded), never passed to the terminal, so
    ``-v`` shows each failure once (``feedback.report``). ``cancel``: see ``run_child`` (a
    cancelled check raises ``Cancelled``).
    """
    timeout = default_timeout() if timeout is None else check_timeout(timeout)
    with tempfile.TemporaryDirectory(prefix="katas-") as tmp:
        report = Path(tmp) / "report.json"
        progress = Path(tmp) / "progress.jsonl"
        args = [str(kata.folder), "--report", str(report), "--progress", str(progress)]
        for spec in specs:
            args += ["--impl", spec]
        if verbose:
            args.append("--verbose")
        run = run_child(
            "katas.engine.child",
            args,
            timeout=timeout,
            cwd=cwd or Path(tmp),
            lang=lang,
            cancel=cancel,
        )
        entries = _read_report(report)[: len(specs)]
        events = read_events(progress)
    results = [
        CheckResult(
            spec,
            e["tests"],
            e.get("problem"),
            run.seconds,
            e.get("collected"),
            run.output.total,
        )
        for spec, e in zip(specs, entries, strict=False)
    ]
    if len(results) < len(specs):
        index = len(results)
        problem = stopped_problem(run, where_it_stopped(events, index), timeout)
        results.append(CheckResult(specs[index], [], problem, run.seconds, None, run.output.total))
        for spec in specs[index + 1 :]:
            skipped = {"kind": "not_run", "reason": problem["kind"]}
            results.append(CheckResult(spec, [], skipped, run.seconds, None, run.output.total))
    return results
