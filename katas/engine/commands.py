"""The learner's sub-commands: start, list, check, watch, hint, reset, solution, next, goto,
show, status, compare (``compare lockstep``: katas/lockstep.py). ``katas`` with no sub-command
runs the watch loop at a terminal and prints ``katas status``'s summary elsewhere (a pipe, CI).

Only ``goto``, ``next`` and the watch loop's advance move the current kata; ``check`` records a
solve and nothing else.

Bad input never reaches a traceback: flags are checked by ``katas.argtypes`` (argparse names the
flag), kata names by ``registry.find``, paths here and in ``workspace.py``; each problem is a
UserError (one paragraph, exit status 2) or, for a file that cannot be tested, the teacher's
paragraph from ``feedback.py`` (exit status 1).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import threading
import time
import unicodedata
from pathlib import Path

from katas import argtypes
from katas.argtypes import positive_int
from katas.engine import feedback
from katas.engine.i18n import pick_lang, t
from katas.engine.registry import Kata, all_katas, find
from katas.engine.runner import CheckResult, default_timeout, run_check
from katas.engine.workspace import State, Workspace
from katas.errors import UserError

IMPL_WORDS = ("reference", "stub")


def _ctx(args: argparse.Namespace) -> tuple[Workspace, str]:
    lang = pick_lang(getattr(args, "lang", None))
    return Workspace(getattr(args, "workspace", None), lang), lang


def _state(ws: Workspace) -> State:
    """The saved state, or an empty one outside a workspace (a file is never taken for one)."""
    return ws.load() if ws.exists() else State()


def _current(ws: Workspace, state: State, name: str | None) -> Kata:
    if name is not None:
        return find(name)
    if state.current:
        try:
            return find(state.current)
        except UserError:  # a kata of another version: fall back to the first unsolved one
            pass
    unsolved = [k for k in all_katas() if k.id not in state.solved]
    return unsolved[0] if unsolved else all_katas()[-1]


def current_kata(ws: Workspace, state: State) -> Kata:
    """The current kata: the one ``goto`` / ``next`` / the watch loop chose, else the first
    unsolved one."""
    return _current(ws, state, None)


def _require_workspace(ws: Workspace, lang: str) -> None:
    if not ws.exists():
        raise UserError(t(lang, "no_workspace", path=ws.root))


def summary(ws: Workspace, lang: str) -> str:
    """Progress and the current kata in two lines (``katas status``; bare ``katas`` in a pipe)."""
    state = ws.load()
    kata = _current(ws, state, None)
    return "\n".join(
        [
            t(lang, "progress", solved=len(state.known_solved()), total=len(all_katas())),
            t(
                lang,
                "current",
                number=kata.number,
                title=feedback.title(kata, lang).split(". ", 1)[1],
                path=ws.path_for(kata),
            ),
        ]
    )


def interactive() -> bool:
    """Whether a person sits at a terminal: stdin and stdout both one (not a pipe, a test, CI)."""
    try:
        return bool(sys.stdin and sys.stdin.isatty() and sys.stdout.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def cmd_status(args: argparse.Namespace) -> int:
    """Bare ``katas``: the watch loop at a terminal; elsewhere (a pipe, a test, CI, where a loop
    would hang) the two-line summary of ``katas status``, exit 0."""
    ws, lang = _ctx(args)
    _require_workspace(ws, lang)  # exit 2, as every command that needs one: nothing to report
    if getattr(args, "command", None) is None and interactive():
        return cmd_watch(args)
    print(summary(ws, lang))
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    report = ws.start()
    marks = {"created": "  + ", "kept": "  = ", "blocked": "  ! "}
    for name, what in report:
        print(marks[what] + t(lang, "kata_file_folder" if what == "blocked" else what, name=name))
    print(t(lang, "started", path=ws.root))
    print()
    kata = _current(ws, ws.load(), None)
    print(kata.statement(lang))
    print(f"\n→ {ws.path_for(kata)}")
    return 1 if any(what == "blocked" for _, what in report) else 0


def list_rows(ws: Workspace, state: State, lang: str) -> list[dict]:
    """One row per kata: id, number, title, state (solved / started / new), reference, file."""
    return [
        {
            "id": kata.id,
            "number": kata.number,
            "title": kata.title.get(lang) or kata.title["en"],
            "state": ws.status(kata, state),
            "reference": list(kata.reference),
            "functions": list(kata.functions),
            "file": str(ws.path_for(kata)),
        }
        for kata in all_katas()
    ]


def cmd_list(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    rows = list_rows(ws, state, lang)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    marks = {"solved": "✔", "started": "…", "new": " "}
    width = max((_display_width(r["title"]) for r in rows), default=0)
    for r in rows:
        current = "→" if r["id"] == state.current else " "
        label = t(lang, "state_" + r["state"])
        title = _pad(r["title"], width)
        print(f"{current}{marks[r['state']]} {r['number']:>2}. {title} [{label}]  {r['id']}")
    return 0


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * (width - _display_width(text))


def _display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, so Japanese titles line up too."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _spec_for(ws: Workspace, kata: Kata, impl: str | None, lang: str = "en") -> str:
    """What the child tests: the learner's file, ``reference``, ``stub`` or a checked path."""
    if impl is None:
        return str(ws.path_for(kata))
    if impl in IMPL_WORDS:
        return impl
    if not impl.strip() or "\0" in impl:
        raise UserError(t(lang, "impl_bad", impl=repr(impl)))
    try:
        path = Path(impl).expanduser().resolve()
        if not path.exists():
            raise UserError(t(lang, "impl_missing", impl=impl))
        if path.is_dir():
            raise UserError(t(lang, "impl_folder", impl=impl))
        if path.suffix.lower() != ".py":
            raise UserError(t(lang, "impl_not_py", impl=impl))
        with path.open("rb"):
            pass
    except (OSError, RuntimeError) as err:  # unreadable, a symlink loop, a name too long...
        reason = getattr(err, "strerror", None) or err
        raise UserError(t(lang, "impl_unreadable", impl=impl, reason=reason)) from None
    return str(path)


def snapshot(path: Path) -> bytes | None:
    """The learner's file as it is now (None: absent or unreadable; the child says why)."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _changed_during_check(
    ws: Workspace, kata: Kata, before: bytes | None, lang: str
) -> dict | None:
    """A problem when the learner's file changed while it was checked. No version is lost: a
    deleted file is put back, a rewritten one has the checked version kept in backups/."""
    path = ws.path_for(kata)
    if before is None:
        return None
    after = snapshot(path)
    if after == before:
        return None
    if after is None and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(before)
        except OSError as err:
            reason = err.strerror or err
            raise UserError(t(lang, "cannot_restore", path=path, reason=reason)) from None
        return {"kind": "file_deleted", "path": str(path)}
    backup = ws.backup_bytes(kata, before)
    return {"kind": "file_changed", "path": str(path), "backup": str(backup)}


def run_one(
    ws: Workspace,
    lang: str,
    kata: Kata,
    impl: str | None,
    verbose: bool,
    timeout: float,
    cancel: threading.Event | None = None,
    record_pass: bool = True,
) -> CheckResult:
    """Check one kata (the learner's file when ``impl`` is None) and record a solve. The current
    kata is left as it is: only ``goto``, ``next`` and the watch loop's advance move it.
    ``cancel`` (the watch loop's) stops the check: ``runner.Cancelled``, nothing recorded.
    ``record_pass=False``: the caller records (the watch loop, whose checks run in a thread
    while its own thread writes the state too: one writer, no lost update)."""
    learner = impl is None
    if learner:
        _require_workspace(ws, lang)
    spec = _spec_for(ws, kata, impl, lang)
    before = snapshot(ws.path_for(kata)) if learner else None
    (result,) = run_check(kata, [spec], timeout=timeout, verbose=verbose, lang=lang, cancel=cancel)
    if learner:
        changed = _changed_during_check(ws, kata, before, lang)
        if changed is not None:
            result.problem = changed
        if record_pass:
            record(ws, kata, result)
    return result


def record(ws: Workspace, kata: Kata, result: CheckResult) -> None:
    """Remember a pass (the first time it happened); a failure changes nothing: a kata once
    solved stays solved, as its time in the state says."""
    if result.passed:
        state = ws.load()
        if kata.id not in state.solved:
            state.solved[kata.id] = time.time()
            ws.save(state)


def check_one(
    ws: Workspace, lang: str, kata: Kata, impl: str | None, verbose: bool, timeout: float
) -> bool:
    """Check one kata, print the teacher's report, record a solve. Returns True on pass."""
    result = run_one(ws, lang, kata, impl, verbose, timeout)
    print(feedback.report(kata, result, lang, verbose))
    return result.passed


def _first_line(kata: Kata, result: CheckResult, lang: str) -> str:
    """The start of what went wrong, in one short line (``check --all`` without -v)."""
    if result.problem is None and result.failures:
        first = result.failures[0]
        text = first.get("doc") or first.get("name") or ""
    else:
        text = feedback.report(kata, result, lang).strip()
    text = (text.splitlines() or [""])[0].strip()
    return text if len(text) <= 96 else text[:95] + "…"


def untouched(ws: Workspace, kata: Kata) -> bool:
    """The learner's file is still byte for byte the stub: not started. Its check cannot pass
    (the project's proof, tests/test_katas.py, shows every test of every stub fails), so
    ``check --all`` does not run it."""
    try:
        return snapshot(ws.path_for(kata)) == kata.stub.read_bytes()
    except OSError:  # an unreadable stub is the check's to report
        return False


def check_all(ws: Workspace, lang: str, impl: str | None, verbose: bool, timeout: float) -> bool:
    """Every kata, one line each while it runs (``-v``: each whole report), then a table. A
    learner's file that is still the stub is shown as not started, without running its tests."""
    rows: list[tuple[Kata, CheckResult | None, int]] = []
    katas = list(all_katas())
    for kata in katas:
        name = feedback.title(kata, lang)
        if impl is None and untouched(ws, kata):
            rows.append((kata, None, 0))
            print(f"· {name}  {t(lang, 'verdict_not_started')}", flush=True)
            continue
        result = run_one(ws, lang, kata, impl, verbose, timeout)
        n = result.collected or len(result.tests)
        rows.append((kata, result, n))
        mark = "✔" if result.passed else "✘"
        print(f"{mark} {name}  {result.n_passed}/{n}  {result.seconds:.1f} s", flush=True)
        if verbose:
            print(feedback.report(kata, result, lang, verbose) + "\n")
        elif not result.passed:
            print(f"      {_first_line(kata, result, lang)}", flush=True)
    print()
    print(summary_table(rows, lang))
    return all(result is not None and result.passed for _, result, _ in rows)


def summary_table(rows: list[tuple[Kata, CheckResult | None, int]], lang: str) -> str:
    """Plain aligned text (it reads the same in a pipe): kata, verdict, tests passed of total,
    seconds; then the totals. A row without a result is a kata not started (nothing ran): its
    tests and seconds are "-", and the totals count only the katas that ran."""
    head = [t(lang, "col_kata"), t(lang, "col_result"), t(lang, "col_tests"), t(lang, "col_s")]
    body = [
        [feedback.title(kata, lang), t(lang, "verdict_not_started"), "-", "-"]
        if result is None
        else [
            feedback.title(kata, lang),
            t(lang, "verdict_passed" if result.passed else "verdict_failed"),
            f"{result.n_passed}/{n}",
            f"{result.seconds:.1f}",
        ]
        for kata, result, n in rows
    ]
    widths = [max(_display_width(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        # Words to the left, numbers to the right of their column.
        out = [
            _pad(c, w) if i < 2 else " " * (w - _display_width(c)) + c
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    lines = [line(head), "  ".join("-" * w for w in widths)]
    lines += [line(r) for r in body]
    ran = [(result, n) for _, result, n in rows if result is not None]
    passed = sum(result.passed for result, _ in ran)
    tests = sum(result.n_passed for result, _ in ran)
    total_tests = sum(n for _, n in ran)
    seconds = sum(result.seconds for result, _ in ran)
    total = t(
        lang,
        "check_all_total",
        passed=passed,
        total=len(rows),
        tests=tests,
        total_tests=total_tests,
        seconds=f"{seconds:.1f}",
    )
    if len(ran) < len(rows):
        total += " " + t(lang, "check_all_not_started", n=len(rows) - len(ran))
    lines.append(total)
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    timeout = default_timeout() if args.timeout is None else args.timeout
    if args.all:
        if args.kata is not None:
            raise UserError(t(lang, "check_all_kata", kata=repr(args.kata)))
        if args.impl is not None and args.impl not in IMPL_WORDS:
            raise UserError(t(lang, "check_all_impl", impl=repr(args.impl)))
        if args.impl is None:
            _require_workspace(ws, lang)
        return 0 if check_all(ws, lang, args.impl, args.verbose, timeout) else 1
    kata = _current(ws, _state(ws), args.kata)
    return 0 if check_one(ws, lang, kata, args.impl, args.verbose, timeout) else 1


def hint_text(ws: Workspace, lang: str, kata: Kata, level: int | None) -> str:
    """Hint ``level`` (default: the one after the last shown, the last again after the last) of
    ``kata``, with its header; the level shown is recorded in the workspace's state."""
    state = _state(ws)
    hints = kata.hints(lang)
    if not hints:
        raise UserError(t(lang, "no_hints", id=kata.id))
    shown = state.hints.get(kata.id, 0)
    level = min(shown + 1, len(hints)) if level is None else level
    if not 1 <= level <= len(hints):
        raise UserError(t(lang, "hint_level_range", id=kata.id, total=len(hints), level=level))
    lines = [
        t(lang, "hint_header", level=level, total=len(hints), title=feedback.title(kata, lang)),
        hints[level - 1],
    ]
    if level == len(hints):
        lines.append("\n" + t(lang, "hint_last", id=kata.id))
    if ws.exists():
        state.hints[kata.id] = max(shown, level)
        ws.save(state)
    return "\n".join(lines)


def cmd_hint(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    kata = _current(ws, _state(ws), args.kata)
    print(hint_text(ws, lang, kata, args.level))
    return 0


def reset_kata(ws: Workspace, lang: str, kata: Kata) -> Path | None:
    """Put the stub back (the learner's file kept in backups/ first) and forget the solve."""
    _require_workspace(ws, lang)
    target = ws.path_for(kata)
    if target.is_dir():
        raise UserError(t(lang, "kata_file_folder", name=target) + ".")
    backup = ws.reset(kata)
    state = ws.load()
    state.solved.pop(kata.id, None)
    ws.save(state)
    return backup


def cmd_reset(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    kata = find(args.kata)
    _require_workspace(ws, lang)
    target = ws.path_for(kata)
    if target.is_dir():
        raise UserError(t(lang, "kata_file_folder", name=target) + ".")
    if target.exists() and not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():
            raise UserError(t(lang, "reset_needs_yes"))
        try:
            answer = input(t(lang, "reset_confirm", path=target)).strip().lower()
        except EOFError:  # Ctrl-D: no answer is a no
            answer = ""
        if answer not in ("y", "yes", "はい"):
            print(t(lang, "reset_cancelled"))
            return 1
    backup = reset_kata(ws, lang, kata)
    print(t(lang, "reset_done", backup=backup or "-"))
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    kata = _current(ws, state, args.kata)
    if kata.id not in state.solved and not args.force:
        raise UserError(t(lang, "solution_locked", id=kata.id))
    for name, fn in kata.reference_functions().items():
        target = kata.reference[kata.functions.index(name)]
        print("# " + t(lang, "solution_header", name=name, target=target))
        print(inspect.getsource(fn))
    return 0


def first_unsolved(state: State, after: Kata | None = None) -> Kata | None:
    """The first unsolved kata in course order: where `next` and the watch loop's advance go.

    When that is ``after`` itself (the current kata, still unsolved: the learner asks to move
    on), the next unsolved one after it instead, wrapping round (``after`` again only when it
    is the last unsolved kata). None when every kata is solved.
    """
    katas = list(all_katas())
    unsolved = [k for k in katas if k.id not in state.solved]
    if not unsolved:
        return None
    if after is None or unsolved[0].id != after.id:
        return unsolved[0]
    ids = [k.id for k in katas]
    start = ids.index(after.id) + 1
    for kata in katas[start:] + katas[:start]:
        if kata.id not in state.solved:
            return kata
    return None  # pragma: no cover - after itself is unsolved


def move_to(ws: Workspace, kata: Kata) -> None:
    """Make ``kata`` the current one (in a workspace; outside one there is nothing to keep)."""
    if ws.exists():
        state = ws.load()
        state.current = kata.id
        ws.save(state)


def _move(args: argparse.Namespace, kata: Kata) -> int:
    ws, lang = _ctx(args)
    move_to(ws, kata)
    print(kata.statement(lang))
    print(f"\n→ {ws.path_for(kata)}")
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    kata = first_unsolved(state, after=_current(ws, state, None))
    if kata is None:
        print(t(lang, "all_solved"))
        return 0
    return _move(args, kata)


def cmd_goto(args: argparse.Namespace) -> int:
    return _move(args, find(args.kata))


def cmd_show(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    print(_current(ws, _state(ws), args.kata).statement(lang))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """The watch loop (``katas/engine/tui.py``); bare ``katas`` at a terminal comes here too."""
    from katas.engine import tui

    ws, lang = _ctx(args)
    given = getattr(args, "timeout", None)
    timeout = default_timeout() if given is None else given
    verbose = bool(getattr(args, "verbose", False))
    _require_workspace(ws, lang)  # a broken state file is said on the loop's screen

    def check(kata: Kata, cancel: threading.Event) -> CheckResult:
        return run_one(ws, lang, kata, None, verbose, timeout, cancel, record_pass=False)

    return tui.run(
        ws,
        lang,
        check,
        poll=bool(getattr(args, "poll", False)),
        once=bool(getattr(args, "once", False)),
        verbose=verbose,
    )


LOCKSTEP_ONLY = ("steps", "dtype", "json", "batch_size", "data", "exact_hyperparameters")


def cmd_compare(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    if args.kata == "lockstep":
        from katas.lockstep import run_cli

        if args.impl is not None and args.impl != "workspace":  # your solved katas, scratch's side
            raise UserError(t(lang, "learner_lockstep_impl", value=args.impl))
        if args.timeout is not None and args.impl is None:
            raise UserError(t(lang, "learner_lockstep_timeout"))
        return run_cli(args)
    given = [name for name in LOCKSTEP_ONLY if getattr(args, name) not in (None, False)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(t(lang, "lockstep_only", flags=flags))
    from katas.engine import compare

    kata = _current(ws, _state(ws), args.kata)
    if not compare.has_cases(kata):
        raise UserError(t(lang, "no_compare_cases", id=kata.id))
    if args.impl is None:
        _require_workspace(ws, lang)
    spec = _spec_for(ws, kata, args.impl, lang)
    seed = 0 if args.seed is None else args.seed
    # The user's --timeout as given; only the default leaves room for TensorFlow's import.
    timeout = compare.DEFAULT_TIMEOUT_S if args.timeout is None else args.timeout
    outcome = compare.compare(kata, spec, seed=seed, timeout=timeout, lang=lang)
    print(outcome.text)
    return outcome.status


def register(sub: argparse._SubParsersAction) -> None:
    def add(name: str, handler, help_text: str, kata: str | None = "?") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        # Also accepted after the sub-command; SUPPRESS keeps the value given before it.
        p.add_argument("--lang", choices=("en", "ja"), default=argparse.SUPPRESS)
        p.add_argument("--workspace", type=argtypes.path, default=argparse.SUPPRESS)
        if kata == "?":
            p.add_argument("kata", nargs="?", help="kata id or number (default: the current one)")
        elif kata == "1":
            p.add_argument("kata", help="kata id or number")
        p.set_defaults(handler=handler)
        return p

    timeout_help = "seconds the tests may take (default: $DNN_KATAS_TIMEOUT, else 30)"
    add("start", cmd_start, "create your workspace (never overwrites a file)", kata=None)
    add("status", cmd_status, "your progress and the current kata, in two lines", kata=None)
    p = add("list", cmd_list, "list the katas and your progress", kata=None)
    p.add_argument("--json", action="store_true")
    p = add("check", cmd_check, "run a kata's tests against your file")
    p.add_argument("--impl", help="reference | stub | PATH: test something else than your file")
    p.add_argument("--all", action="store_true", help="check every kata")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's full report")
    p.add_argument("--timeout", type=argtypes.seconds, default=None, help=timeout_help)
    p = add(
        "watch",
        cmd_watch,
        "the watch loop (also bare `katas` at a terminal): checks the current kata at once, "
        "re-checks each kata file you save, moves on after a pass; keys h n r l c q",
        kata=None,
    )
    p.add_argument("--poll", action="store_true", help="poll instead of OS file events")
    p.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--timeout", type=argtypes.seconds, default=None, help=timeout_help)
    p = add("hint", cmd_hint, "show the next hint (again after the last)")
    p.add_argument("--level", type=positive_int, default=None, help="show this level")
    p = add("reset", cmd_reset, "put the stub back (your file is backed up first)", kata="1")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p = add("solution", cmd_solution, "show the reference implementation")
    p.add_argument("--force", action="store_true", help="show it before you solved the kata")
    add("next", cmd_next, "move to the first unsolved kata and show it", kata=None)
    add("goto", cmd_goto, "move to a kata and show it", kata="1")
    add("show", cmd_show, "show a kata's statement")
    p = add(
        "compare",
        cmd_compare,
        "your function vs scratch vs TensorFlow on random inputs; `compare lockstep`: train "
        "the practical-guidelines net in scratch and TensorFlow side by side, step by step",
        kata=None,
    )
    p.add_argument(
        "kata",
        nargs="?",
        help="kata id or number (default: the current one), or the word lockstep",
    )
    p.add_argument("--impl", help="reference | stub | PATH (default: your file)")
    p.add_argument("--seed", type=argtypes.seed, default=None, help="default 0 (lockstep: 42)")
    p.add_argument(
        "--timeout", type=argtypes.seconds, default=None, help="seconds (default 120: TensorFlow)"
    )
    g = p.add_argument_group("lockstep only (katas compare lockstep)")
    g.add_argument("--steps", type=positive_int, default=None, help="training steps (default 200)")
    g.add_argument("--dtype", choices=("float32", "float64"), default=None, help="default float64")
    g.add_argument("--batch-size", type=positive_int, default=None, help="default 32")
    g.add_argument(
        "--data",
        type=argtypes.path_text,
        default=None,
        help="MNIST file or folder (default: the cache)",
    )
    g.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    g.add_argument(
        "--exact-hyperparameters",
        action="store_true",
        help="give scratch the exact learning rate and momentum instead of Keras' float32 "
        "roundings of them (shows the drift this causes)",
    )
