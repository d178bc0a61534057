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
from hypothesis import HealthCheck, Phase, settings

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


def _fail_fast(fn: Any) -> Any:
    """Turn a stub's NotImplementedError into an immediate test failure.

    It raises pytest's *skip* exception with a marker, which hypothesis re-raises at once instead
    of searching for a "simpler" failure (seconds for nothing); the recorder turns that skip back
    into a failure.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            pytest.skip(
                f"{STUB_MARK}{fn.__name__} is still the stub (it raises NotImplementedError)"
            )

    return wrapper


def wrap_module(module: types.ModuleType, names: tuple[str, ...]) -> types.ModuleType:
    """A shallow copy of ``module`` whose kata functions fail fast when unwritten."""
    wrapped = types.ModuleType(module.__name__)
    wrapped.__dict__.update(module.__dict__)
    for name in names:
        wrapped.__dict__[name] = _fail_fast(getattr(module, name))
    return wrapped


class Recorder:
    """Collects one record per test: outcome, failure text and hint level."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.results: list[dict[str, Any]] = []

    @pytest.fixture(scope="session")
    def impl(self) -> types.ModuleType:
        return self.module

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "hint(level): the hint level that helps with this test")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            marker = item.get_closest_marker("hint")
            doc = (getattr(item, "obj", None).__doc__ or "").strip().split("\n")[0]
            message, outcome_name = "", report.outcome
            skip_text = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            if report.skipped and STUB_MARK in skip_text:
                outcome_name = "failed"
                message = skip_text.split(STUB_MARK, 1)[1]
            elif report.failed:
                message = _failure_text(call.excinfo, report)
            self.results.append(
                {
                    "name": item.name,
                    "doc": doc,
                    "outcome": outcome_name,
                    "hint": marker.args[0] if marker else None,
                    "message": message,
                    "longrepr": report.longreprtext if report.failed else "",
                }
            )


def _failure_text(excinfo: Any, report: Any) -> str:
    """The exception's own message plus hypothesis' minimal falsifying example, if any."""
    if excinfo is None:
        return report.longreprtext.strip().splitlines()[-1] if report.longreprtext else ""
    exc = excinfo.value
    text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, AssertionError) else str(exc)
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
