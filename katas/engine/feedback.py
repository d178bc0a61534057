"""Turning a CheckResult into what a teacher would say: one failing test, its message, the
input that broke it, and which hint to read. ``-v`` adds pytest's full report."""

from __future__ import annotations

from katas.engine.i18n import t
from katas.engine.registry import Kata, all_katas
from katas.engine.runner import CheckResult


def title(kata: Kata, lang: str) -> str:
    return f"{kata.number}. {kata.title.get(lang) or kata.title['en']}"


def explain_problem(kata: Kata, problem: dict, lang: str) -> str:
    """One paragraph for a file that could not be tested at all."""
    kind = problem["kind"]
    if kind == "missing_functions":
        return t(lang, kind, path=problem["path"], names=", ".join(problem["names"]), id=kata.id)
    if kind == "import_error":
        where = f" (line {problem['line']})" if problem.get("line") else ""
        return t(lang, kind, path=problem["path"], where=where, message=problem["message"])
    if kind == "syntax_error":
        return t(lang, kind, **{k: problem.get(k) for k in ("path", "line", "text", "message")})
    return t(lang, kind, **{k: v for k, v in problem.items() if k != "kind"})


def next_kata(kata: Kata) -> Kata | None:
    katas = all_katas()
    i = [k.id for k in katas].index(kata.id)
    return katas[i + 1] if i + 1 < len(katas) else None


def report(kata: Kata, result: CheckResult, lang: str, verbose: bool = False) -> str:
    """The text ``katas check`` prints for one result."""
    if result.problem is not None:
        return explain_problem(kata, result.problem, lang)
    n = len(result.tests)
    if result.passed:
        nxt = next_kata(kata)
        tail = t(lang, "next", next=nxt.id) if nxt else t(lang, "all_done")
        return f"{t(lang, 'passed', title=title(kata, lang), n=n)}\n{tail}"
    lines = [t(lang, "failed", title=title(kata, lang), passed=result.n_passed, n=n)]
    failures = result.failures
    first = failures[0]
    lines.append(t(lang, "first_failure", doc=first["doc"] or first["name"]))
    lines.extend("    " + line for line in first["message"].splitlines() if line.strip())
    if first["hint"]:
        lines.append(t(lang, "read_hint", id=kata.id, level=first["hint"]))
    if len(failures) > 1:
        lines.append(t(lang, "more_failures", n=len(failures) - 1, id=kata.id))
    if verbose:
        for f in failures:
            lines.append(f"\n--- {f['name']}\n{f['longrepr']}")
    return "\n".join(lines)
