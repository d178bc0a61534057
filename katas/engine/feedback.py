"""Turning a CheckResult into what a teacher would say: the most telling failing test (one
written for a named mistake, else a worked example, else a randomized one), its message, the
input that broke it, the learner's line that raised, what the learner's code printed, and which
hint to read. ``-v`` shows every failure once, each with pytest's full report."""

from __future__ import annotations

from typing import Any

from katas.engine.i18n import MESSAGES, t
from katas.engine.registry import Kata
from katas.engine.runner import CHATTY_BYTES, CheckResult, size_text

# How much of a stopped child's output is shown (the parent keeps a few KiB; a screenful is
# what helps).
SHOWN_LINES = 30
# The likely cause of a signal, by name; any other signal came from the code itself.
SIGNAL_CAUSES = {
    "SIGKILL": "killed_SIGKILL",
    "SIGSEGV": "killed_SIGSEGV",
    "SIGBUS": "killed_SIGSEGV",
}


def title(kata: Kata, lang: str) -> str:
    return f"{kata.number}. {kata.title.get(lang) or kata.title['en']}"


def _where(problem: dict[str, Any], lang: str) -> str:
    """ " during the test “...” (test 3 of 7)", " while your file was being imported", or ""."""
    phase = problem.get("phase")
    if phase == "test" and problem.get("test"):
        collected = problem.get("collected") or "?"
        started = problem.get("started", "?")
        return t(lang, "where_test", test=problem["test"], started=started, collected=collected)
    if phase == "case" and problem.get("test"):
        return t(lang, "where_case", test=problem["test"])
    if phase in ("import", "collect", "tf"):
        return t(lang, "where_" + phase)
    return ""


def _collapse(lines: list[str]) -> list[str]:
    """Runs of one repeated line as one line: a loop printing "step" a million times."""
    out: list[str] = []
    count = 0
    for i, line in enumerate(lines):
        count += 1
        if i + 1 < len(lines) and lines[i + 1] == line:
            continue
        out.append(line if count == 1 else f"{line}    [x{count}]")
        count = 0
    return out


def _output(problem: dict[str, Any], lang: str) -> list[str]:
    """The child's output (its start: a crash report names the newest frame first; and its
    end: what happened last), under a line saying how much there was."""
    total = problem.get("output_bytes") or 0
    text = (problem.get("output") or "").rstrip()
    if not total or not text:
        return []
    lines = _collapse(text.splitlines())
    if len(lines) > SHOWN_LINES:
        head = SHOWN_LINES // 3
        lines = [*lines[:head], "[...]", *lines[head - SHOWN_LINES :]]
    shown = len("\n".join(lines).encode("utf-8"))
    if total > shown:
        header = t(lang, "output_some", size=size_text(total), shown=size_text(shown))
    else:
        header = t(lang, "output_all")
    return [header, *("    " + line for line in lines)]


def explain_problem(kata: Kata, problem: dict, lang: str) -> str:
    """One paragraph for a file that could not be tested, or a run that did not finish."""
    kind = problem.get("kind", "")
    if kind == "missing_functions":
        return t(lang, kind, path=problem["path"], names=", ".join(problem["names"]), id=kata.id)
    if kind == "import_error":
        where = f" (line {problem['line']})" if problem.get("line") else ""
        return t(lang, kind, path=problem["path"], where=where, message=problem["message"])
    if kind == "syntax_error":
        line = problem.get("line")
        where = (f" on line {line}" if lang == "en" else f" ({line} 行目)") if line else ""
        fields = {k: problem.get(k) or "" for k in ("path", "text", "message")}
        return t(lang, kind, where=where, **fields)
    if kind == "timeout":
        lines = [t(lang, kind, seconds=problem["seconds"], where=_where(problem, lang))]
        total = problem.get("output_bytes") or 0
        if total >= CHATTY_BYTES:
            lines.append(t(lang, "timeout_chatty", size=size_text(total)))
        else:
            lines.append(t(lang, "timeout_loop"))
        sep = "" if lang == "ja" else " "  # Japanese runs sentences together
        return "\n".join([sep.join(lines), *_output(problem, lang)])
    if kind == "exited":
        text = t(lang, kind, status=problem.get("status"), where=_where(problem, lang))
        return "\n".join([text, *_output(problem, lang)])
    if kind == "killed":
        name = problem.get("signal", "?")
        text = t(lang, kind, signal=name, where=_where(problem, lang))
        text += ("" if lang == "ja" else " ") + t(lang, SIGNAL_CAUSES.get(name, "killed_other"))
        return "\n".join([text, *_output(problem, lang)])
    if kind == "incomplete":
        where = _where({**problem, "phase": "test", "started": problem.get("ran", 0) + 1}, lang)
        return t(lang, kind, where=where, **_fields(problem, "ran", "collected", "reason"))
    if kind in MESSAGES["en"]:
        try:
            return t(lang, kind, **{"id": kata.id, **problem})
        except (KeyError, IndexError, ValueError):
            pass
    return t(lang, "unknown_problem", path=problem.get("path", kata.id), kind=kind or "?")


def _fields(problem: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: problem.get(name, "?") for name in names}


def report(
    kata: Kata, result: CheckResult, lang: str, verbose: bool = False, next_line: bool = True
) -> str:
    """The text ``katas check`` prints for one result; ``next_line=False`` leaves out a pass's
    "Next: katas next" (the watch loop moves on by itself)."""
    if result.problem is not None:
        return explain_problem(kata, result.problem, lang)
    n = result.collected or len(result.tests)
    chatty = []
    if result.output_bytes >= CHATTY_BYTES:
        chatty = [t(lang, "chatty", size=size_text(result.output_bytes))]
    if result.passed:
        # "Next" is the first unsolved kata (commands.first_unsolved), which only the
        # workspace's state knows: name the command, not a kata that may be solved already.
        tail = [t(lang, "next")] if next_line else []
        return "\n".join([t(lang, "passed", title=title(kata, lang), n=n), *tail, *chatty])
    failures = result.failures
    if not failures:
        # Not every test ran, yet the child named no reason: still never a pass.
        if not result.collected:
            return explain_problem(kata, {"kind": "no_tests", "path": str(kata.tests)}, lang)
        problem = {"kind": "incomplete", "ran": len(result.tests), "collected": n}
        return explain_problem(kata, {**problem, "reason": t(lang, "unknown_cause")}, lang)
    lines = [t(lang, "failed", title=title(kata, lang), passed=result.n_passed, n=n)]
    if verbose:
        # Every failure once, the most telling first, each with pytest's full report of it.
        for i, failure in enumerate(failures, 1):
            name = failure.get("name", "?")
            doc = failure.get("doc") or name
            lines.append("")
            lines.append(t(lang, "failure_n", i=i, n=len(failures), doc=doc, name=name))
            lines.extend(failure_details(kata, failure, lang))
            longrepr = (failure.get("longrepr") or "").strip("\n")
            if longrepr:
                lines.append(t(lang, "pytest_report"))
                lines.extend("    " + line for line in longrepr.splitlines())
        lines.extend(chatty)
        return "\n".join(lines)
    first = failures[0]
    lines.append(t(lang, "first_failure", doc=first.get("doc") or first.get("name", "?")))
    lines.extend(failure_details(kata, first, lang))
    if len(failures) > 1:
        lines.append(t(lang, "more_failures", n=len(failures) - 1, id=kata.id))
    lines.extend(chatty)
    return "\n".join(lines)


def failure_details(kata: Kata, failure: dict[str, Any], lang: str) -> list[str]:
    """What one failing test says: its message, the input hypothesis found, the line of the
    learner's file that raised, what the learner's code printed, and the hint meant for it."""
    lines = ["    " + line for line in (failure.get("message") or "").splitlines() if line.strip()]
    if failure.get("example"):
        example = failure["example"].splitlines()
        lines.append("    " + t(lang, "failing_input", args=example[0]))
        lines.extend("      " + line for line in example[1:])
    where = failure.get("where")
    if isinstance(where, dict) and where.get("line"):
        fields = {k: where.get(k, "?") for k in ("function", "line", "file", "code")}
        lines.append("    " + t(lang, "raised_at", **fields))
    printed = (failure.get("printed") or "").rstrip()
    if printed:
        shown = len(printed.encode("utf-8"))
        total = failure.get("printed_bytes") or shown
        if total > shown + 1:  # +1: the final newline is not shown
            lines.append(t(lang, "printed_some", size=size_text(total)))
        else:
            lines.append(t(lang, "printed_all"))
        lines.extend("    | " + line for line in printed.splitlines())
    if failure.get("hint"):
        lines.append(t(lang, "read_hint", id=kata.id, level=failure["hint"]))
    return lines
