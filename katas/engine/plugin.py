"""The pytest plugin a kata's tests run under (in the child process).

It provides the ``impl`` fixture (the module under test: the learner's file, the stub, the
reference or a mutant), registers the ``hint(n)`` and ``mistake(name)`` markers, and records
each test's outcome for the parent process: its kind (``mistake``: written for one named classic
mistake; ``example``: a worked example, no hypothesis; ``property``: a hypothesis test), its
place in the file, the failure's message, hypothesis' input, the line of the learner's file
that raised, and what the learner's code printed in the failing example.

The tests run in that order of kinds (ties in file order), so the failure a learner is shown
first is also the first one found; once a test has failed, the learner's profile runs the
remaining hypothesis tests briefly and without shrinking (see ``Recorder.pytest_runtest_call``).
"""

from __future__ import annotations

import functools
import os
import re
import sys
import traceback
import types
from typing import Any, TextIO

import pytest
from _pytest.outcomes import OutcomeException
from hypothesis import HealthCheck, Phase, settings
from hypothesis.control import current_build_context, currently_in_test_context
from hypothesis.errors import StopTest
from hypothesis.internal.conjecture import engine as hypothesis_engine

from katas.engine.testing import doc_in, lang, say

# Kata tests must answer in about a second: few examples, no example database in the
# learner's folder, no deadline (a slow first call is not a bug).
settings.register_profile(
    "katas",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=False,
    report_multiple_bugs=False,
    # No explain phase: its "# or any other generated value" comments are cut from the failure
    # text anyway (see _failure_text), and it reran every failing test many times (seconds).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
# The project's proof that every mutant is rejected needs a failure, not a minimal one:
# skipping the shrink phase there keeps the whole bug zoo inside the suite's time budget.
settings.register_profile(
    "katas-proof",
    parent=settings.get_profile("katas"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
PROOF = bool(os.environ.get("DNN_KATAS_PROOF"))
settings.load_profile("katas-proof" if PROOF else "katas")
if not PROOF:
    # A learner waits for the answer: hypothesis' shrinker may otherwise spend seconds (up to
    # its MAX_SHRINKING_SECONDS, 300 by default) turning a failing input into a minimal one.
    # No setting bounds it, but hypothesis keeps this engine constant monkeypatchable for that
    # purpose; past it the shrinker stops and the smallest failure found so far is reported
    # (the "very slow shrinking" warning it emits goes to hypothesis' reporter, silenced in
    # the child). A fraction of a second already shrinks the katas' small integer inputs.
    hypothesis_engine.MAX_SHRINKING_SECONDS = 0.6  # type: ignore[assignment]

# After a first failure the kata is not solved whatever the rest says: the remaining hypothesis
# tests run with this many examples and no shrinking, so a wrong answer reports fast.
EXAMPLES_AFTER_A_FAILURE = 8
# The learner's own output shown under a failure: its end, as a screen shows it.
PRINTED_LINES = 20
PRINTED_BYTES = 2048
KINDS = ("mistake", "example", "property")


STUB_MARK = "[stub] "
# What learner code may raise to stop the whole run rather than fail one test: pytest.exit's
# exception (an Exception), pytest.skip/fail/xfail's (OutcomeException, a BaseException), and
# Python's own. Hypothesis' StopTest (a BaseException) ends a generated example: it passes.
STOPPERS = (pytest.exit.Exception, OutcomeException, KeyboardInterrupt, SystemExit, GeneratorExit)


class StoppedTheRun(Exception):
    """A kata function raised a BaseException (SystemExit, KeyboardInterrupt, pytest.exit, ...)
    that would end the whole test run instead of returning: turned into this test's failure."""


def _fail_fast(fn: Any) -> Any:
    """Turn a stub's NotImplementedError into an immediate test failure, and anything that would
    stop the run (``sys.exit()``, ``KeyboardInterrupt``, ``pytest.skip()`` ...) into a failure
    of the test that called it.

    A stub raises pytest's *skip* exception with a marker, which hypothesis re-raises at once
    instead of searching for a "simpler" failure (seconds for nothing); the recorder turns that
    skip back into a failure.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # pytest's report (-v) goes from the test to the learner's code
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            pytest.skip(
                STUB_MARK
                + say(
                    f"{fn.__name__} is still the stub (it raises NotImplementedError)",
                    f"{fn.__name__} はまだスタブのままです (NotImplementedError を送出します)",
                )
            )
        except StopTest:
            raise
        except STOPPERS as err:
            raise _stopped(fn.__name__, err) from None
        except Exception:
            raise
        except BaseException as err:  # a learner's own BaseException subclass
            raise _stopped(fn.__name__, err) from None

    return wrapper


def _stopped(name: str, err: BaseException) -> StoppedTheRun:
    detail = f"({err})" if str(err) else ""
    return StoppedTheRun(
        say(
            f"{name} raised {type(err).__name__}{detail} instead of returning: a kata function "
            "must return its result, never stop the program (no sys.exit(), exit(), "
            "os._exit(), KeyboardInterrupt or pytest.exit/skip/fail)",
            f"{name} が値を返さずに {type(err).__name__}{detail} を送出しました。カタの関数は"
            "結果を返すもので、プログラムを止めてはいけません (sys.exit()、exit()、os._exit()、"
            "KeyboardInterrupt、pytest.exit/skip/fail は使わないでください)",
        )
    )


def wrap_module(module: types.ModuleType, names: tuple[str, ...]) -> types.ModuleType:
    """A shallow copy of ``module`` whose kata functions fail fast when unwritten."""
    wrapped = types.ModuleType(module.__name__)
    wrapped.__dict__.update(module.__dict__)
    for name in names:
        wrapped.__dict__[name] = _fail_fast(getattr(module, name))
    return wrapped


def _doc(item: pytest.Item) -> str:
    """The test's description in the learner's language (``testing.doc_in``)."""
    return doc_in(getattr(getattr(item, "obj", None), "__doc__", None), lang())


class Recorder:
    """Collects one record per test (outcome, failure text, hint level) and counts what pytest
    collected, so that a run that stopped early can never pass for a complete one."""

    def __init__(self, module: types.ModuleType, progress: Any = None) -> None:
        self.module = module
        self.learner_file = str(getattr(module, "__file__", "") or "")
        self.printed = Printed()
        self.failed_before = False
        self.place: dict[str, int] = {}
        self.progress = progress or (lambda event, **data: None)
        self.results: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self.collected: int | None = None
        self.collect_errors: list[str] = []
        self.current: pytest.Item | None = None
        self.interrupt = ""

    @pytest.fixture(scope="session")
    def impl(self) -> types.ModuleType:
        return self.module

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "hint(level): the hint level that helps with this test")
        config.addinivalue_line(
            "markers",
            "mistake(name): a test written for one named classic mistake (its failure is the "
            "most telling one, so it is shown first)",
        )

    def pytest_collectstart(self) -> None:
        self.progress("collect")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(report.longreprtext.strip()[-2000:])

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Named-mistake tests first, then worked examples, then hypothesis tests (a stable
        sort: file order within each kind), the order a learner is shown their failures in."""
        self.place = {item.nodeid: i for i, item in enumerate(items)}
        items.sort(key=lambda item: KINDS.index(kind_of(item)))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = len(session.items)
        self.progress("collected", n=self.collected)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        self.current = item
        self.progress("test", name=item.name, doc=_doc(item))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        """Run the test with the learner's prints teed into ``self.printed``; after a failure,
        a hypothesis test gets a short run (learner profile only: the proof keeps its own)."""
        test = getattr(item, "obj", None)
        if self.failed_before and not PROOF and getattr(test, "is_hypothesis_test", False):
            # What @settings would set, set late: hypothesis reads it when the test is called.
            # (@settings itself refuses a test that already has one.)
            current = test._hypothesis_internal_use_settings
            test._hypothesis_internal_use_settings = settings(
                current,
                max_examples=min(current.max_examples, EXAMPLES_AFTER_A_FAILURE),
                phases=[p for p in current.phases if p is not Phase.shrink],
            )
        self.printed.reset()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Tee(saved[0], self.printed), Tee(saved[1], self.printed)
        try:
            yield
        finally:
            # Learner code may have replaced them itself: put back what was there.
            sys.stdout, sys.stderr = saved

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        exc = excinfo.value
        self.interrupt = f"{type(exc).__name__}: {exc}".rstrip(": ")

    def pytest_internalerror(self, excrepr: Any) -> None:
        self.interrupt = self.interrupt or str(excrepr).strip().splitlines()[-1]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self._record(item, call, report)
        elif report.when == "teardown" and report.failed and item.nodeid in self.by_id:
            # A test whose clean-up failed did not pass either.
            entry = self.by_id[item.nodeid]
            message, example, where = _failure(call.excinfo, report, self.learner_file)
            entry.update(
                outcome="failed",
                message=entry["message"] or message,
                example=entry["example"] or example,
                where=entry["where"] or where,
                longrepr=entry["longrepr"] + _clean_longrepr(report.longreprtext),
            )
            self.failed_before = True

    def _record(self, item: pytest.Item, call: pytest.CallInfo, report: Any) -> None:
        marker = item.get_closest_marker("hint")
        mistake = item.get_closest_marker("mistake")
        message, outcome_name, example, where = "", report.outcome, "", None
        skip_text = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if report.skipped and STUB_MARK in skip_text:
            outcome_name = "failed"
            message = skip_text.split(STUB_MARK, 1)[1]
        elif report.skipped:
            # Kata tests never skip themselves: a skip is a test that did not pass.
            outcome_name = "failed"
            message = say(
                f"the test was skipped: {skip_text}", f"テストがスキップされました: {skip_text}"
            ).strip()
        elif report.failed:
            message, example, where = _failure(call.excinfo, report, self.learner_file)
        failed = outcome_name != "passed"
        self.failed_before = self.failed_before or failed
        printed = self.printed.text() if failed and report.when == "call" else ""
        entry = {
            "name": item.name,
            "doc": _doc(item),
            "outcome": outcome_name,
            "hint": marker.args[0] if marker and marker.args else None,
            "kind": kind_of(item),
            "mistake": mistake.args[0] if mistake and mistake.args else None,
            # The test's own verdict failed (an assertion, not an exception on the way to it):
            # only then has a named-mistake test caught its mistake (runner.failure_rank).
            "verdict": failed and report.failed and _is_verdict(call.excinfo, self.learner_file),
            "place": self.place.get(item.nodeid, len(self.place)),
            "message": message,
            "example": example,
            "where": where,
            "printed": printed,
            "printed_bytes": self.printed.total if printed else 0,
            "longrepr": _clean_longrepr(report.longreprtext) if report.failed else "",
            "seconds": round(float(getattr(report, "duration", 0.0)), 4),
        }
        self.results.append(entry)
        self.by_id[item.nodeid] = entry

    def summary(self, kata: Any, stopped: str = "") -> dict[str, Any]:
        """The report entry: tests, the collected count and, when not every test ran, why."""
        ran = len(self.results)
        where = {"collected": self.collected, "ran": ran}
        problem = None
        if self.collect_errors:
            problem = {
                "kind": "collection_error",
                "path": str(kata.tests),
                "message": self.collect_errors[0],
            }
        elif not self.collected:
            problem = {"kind": "no_tests", "path": str(kata.tests), **where}
        elif ran < self.collected or stopped or self.interrupt:
            current = self.current
            problem = {
                "kind": "incomplete",
                **where,
                "test": (_doc(current) or current.name) if current is not None else None,
                "reason": self.interrupt
                or stopped
                or say("the test run ended early", "テストの実行が途中で終わったこと"),
            }
        return {"tests": self.results, "collected": self.collected, "problem": problem}


def kind_of(item: pytest.Item) -> str:
    """ "mistake" (marked ``@pytest.mark.mistake``), "property" (a hypothesis ``@given`` test)
    or "example" (a deterministic test: a worked example)."""
    if item.get_closest_marker("mistake") is not None:
        return "mistake"
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return "property"
    return "example"


def _failure(excinfo: Any, report: Any, learner_file: str) -> tuple[str, str, dict | None]:
    """(message, hypothesis' input, where in the learner's file it was raised) for a failure.

    The message of a test's own assertion is its text alone; any other exception, or one
    raised inside the learner's file, reads "Type: message" with the learner's line beside it.
    """
    if excinfo is None:
        return (report.longreprtext.strip().splitlines() or [""])[-1], "", None
    exc = excinfo.value
    where = learner_frame(exc, learner_file)
    plain = isinstance(exc, AssertionError | StoppedTheRun) and where is None
    text = str(exc) if plain else f"{type(exc).__name__}: {exc}".rstrip(": ")
    if not text.strip():  # a bare ``assert`` (kata tests always give a message)
        text = type(exc).__name__
    notes = [n for n in (getattr(exc, "__notes__", None) or []) if "Falsifying example" in n]
    return text.strip(), falsifying_input(notes[0]) if notes else "", where


def _is_verdict(excinfo: Any, learner_file: str) -> bool:
    """Whether a failure is the test's own assertion (not learner code raising, nor an error
    on the way to the assertion such as unpacking a None the learner returned)."""
    if excinfo is None:
        return False
    exc = excinfo.value
    return isinstance(exc, AssertionError) and learner_frame(exc, learner_file) is None


def learner_frame(exc: BaseException, learner_file: str) -> dict[str, Any] | None:
    """The deepest frame of ``exc``'s traceback inside the learner's file, as plain data:
    {"function", "line", "file" (its name), "code"}; None when the error arose elsewhere."""
    if not learner_file:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == learner_file]
    if not frames:
        return None
    frame = frames[-1]
    return {
        "function": frame.name,
        "line": frame.lineno,
        "file": os.path.basename(learner_file),
        "code": (frame.line or "").strip(),
    }


# NumPy's scalar reprs in hypothesis' example lines ("np.float64(0.5)", "np.True_").
_NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool)\w*\(([^()]*)\)")
_NUMPY_BOOL = re.compile(r"\bnp\.(True|False)_")
# The ``impl`` argument's repr, "impl = <module 'kata_impl_dense' (...)>": noise in a report.
_MODULE_ARG = re.compile(r"\bimpl\s*=\s*<module ")


def plain_reprs(text: str) -> str:
    """NumPy scalar reprs as plain numbers: np.float64(0.5) -> 0.5, np.True_ -> True."""
    return _NUMPY_BOOL.sub(r"\1", _NUMPY_SCALAR.sub(r"\1", text))


def falsifying_input(note: str) -> str:
    """Hypothesis' falsifying example as the learner reads it: "n=2, d=1, seed=17" (the
    module argument, hypothesis' comments and NumPy reprs left out)."""
    lines = [line.split("  #")[0].rstrip() for line in note.splitlines()]
    args = [
        line.strip().rstrip(",")
        for line in lines[1:]
        if line.strip()
        and line.strip() not in (")", "")
        and not line.strip().startswith(("#", "impl="))
    ]
    if len(lines) > 1 and lines[-1].strip() == ")":
        return plain_reprs(", ".join(args))
    # Not the usual layout: keep the lines (minus the module and the comments) as they are.
    keep = [line for line in lines if line.strip() and "impl=" not in line]
    return plain_reprs("\n".join(keep[1:] if keep and "Falsifying" in keep[0] else keep))


def _clean_longrepr(text: str) -> str:
    """pytest's report of a failure (for ``-v``), without the module argument's repr."""
    lines = [line for line in text.splitlines() if not _MODULE_ARG.search(line)]
    return plain_reprs("\n".join(lines))


class Printed:
    """The end of what learner code printed during one test, or for a hypothesis test during
    its last example (the final, minimal one when it failed): a new example starts afresh."""

    KEEP = 4 * PRINTED_BYTES

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.total = 0
        self.context: Any = None
        self.final = True

    def write(self, text: str) -> None:
        context = current_build_context() if currently_in_test_context() else None
        if context is not self.context:
            self.reset()
            self.context = context
            self.final = context is None or bool(getattr(context, "is_final", False))
        self.total += len(text.encode("utf-8", errors="replace"))
        self.parts.append(text)
        self.size += len(text)
        if self.size > 2 * self.KEEP:
            joined = "".join(self.parts)[-self.KEEP :]
            self.parts, self.size = [joined], len(joined)

    def text(self) -> str:
        """The last PRINTED_LINES lines (at most PRINTED_BYTES) of the final example's output;
        "" when it printed nothing (output of earlier examples is not its output)."""
        if not self.final:
            return ""
        lines = "".join(self.parts)[-self.KEEP :].splitlines()[-PRINTED_LINES:]
        data = "\n".join(lines).encode("utf-8", errors="replace")[-PRINTED_BYTES:]
        return data.decode("utf-8", errors="ignore").strip("\n")


class Tee:
    """A text stream writing through to ``stream`` (the parent still counts and bounds all
    output) while ``printed`` keeps the end of it."""

    def __init__(self, stream: TextIO, printed: Printed) -> None:
        self._stream = stream
        self._printed = printed

    def write(self, text: str) -> int:
        self._printed.write(str(text))
        return self._stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
