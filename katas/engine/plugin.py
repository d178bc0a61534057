"""The pytest plugin a kata's tests run under (in the child process).

It provides the ``impl`` fixture (the module under test: the learner's file, the stub, the
reference or a mutant), registers the ``hint(n)`` marker that ties a test to a hint level, and
records each test's outcome for the parent process.
"""

from __future__ import annotations

import functools
import os
import types
from typing import Any

import pytest
from _pytest.outcomes import OutcomeException
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import StopTest

from katas.engine.testing import doc_in, lang

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
settings.load_profile("katas-proof" if os.environ.get("DNN_KATAS_PROOF") else "katas")


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
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            pytest.skip(
                f"{STUB_MARK}{fn.__name__} is still the stub (it raises NotImplementedError)"
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
        f"{name} raised {type(err).__name__}{detail} instead of returning: a kata function must "
        "return its result, never stop the program (no sys.exit(), exit(), os._exit(), "
        "KeyboardInterrupt or pytest.exit/skip/fail)"
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

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = len(session.items)
        self.progress("collected", n=self.collected)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        self.current = item
        self.progress("test", name=item.name, doc=_doc(item))

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
            entry.update(
                outcome="failed",
                message=entry["message"] or _failure_text(call.excinfo, report),
                longrepr=entry["longrepr"] + report.longreprtext,
            )

    def _record(self, item: pytest.Item, call: pytest.CallInfo, report: Any) -> None:
        marker = item.get_closest_marker("hint")
        message, outcome_name = "", report.outcome
        skip_text = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if report.skipped and STUB_MARK in skip_text:
            outcome_name = "failed"
            message = skip_text.split(STUB_MARK, 1)[1]
        elif report.skipped:
            # Kata tests never skip themselves: a skip is a test that did not pass.
            outcome_name = "failed"
            message = f"the test was skipped: {skip_text}".strip()
        elif report.failed:
            message = _failure_text(call.excinfo, report)
        entry = {
            "name": item.name,
            "doc": _doc(item),
            "outcome": outcome_name,
            "hint": marker.args[0] if marker and marker.args else None,
            "message": message,
            "longrepr": report.longreprtext if report.failed else "",
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
                "reason": self.interrupt or stopped or "the test run ended early",
            }
        return {"tests": self.results, "collected": self.collected, "problem": problem}


def _failure_text(excinfo: Any, report: Any) -> str:
    """The exception's own message plus hypothesis' minimal falsifying example, if any."""
    if excinfo is None:
        return report.longreprtext.strip().splitlines()[-1] if report.longreprtext else ""
    exc = excinfo.value
    plain = isinstance(exc, AssertionError | StoppedTheRun)
    text = str(exc) if plain else f"{type(exc).__name__}: {exc}"
    notes = [n for n in (getattr(exc, "__notes__", None) or []) if "Falsifying example" in n]
    for note in notes[:1]:
        # Hypothesis' minimal input, minus the noise: the module argument and its comments.
        keep = [
            line.split("  #")[0].rstrip()
            for line in note.splitlines()
            if "impl=" not in line and not line.strip().startswith("#")
        ]
        text += "\n" + "\n".join(keep)
    return text.strip()
