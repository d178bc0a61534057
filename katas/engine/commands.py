"""The learner's sub-commands: start, list, check, watch, hint, reset, solution, next, goto,
show, compare (``compare lockstep``: katas/lockstep.py). ``katas`` with no sub-command prints
progress and the current kata.

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
import time
import unicodedata
from pathlib import Path

from katas import argtypes
from katas.argtypes import positive_int
from katas.engine import feedback
from katas.engine.i18n import pick_lang, t
from katas.engine.registry import Kata, all_katas, find
from katas.engine.runner import default_timeout, run_check
from katas.engine.workspace import State, Workspace
from katas.errors import UserError

IMPL_WORDS = ("reference", "stub")
# watch: how long after a check an event for unchanged bytes counts as the check's own echo
# (the polling observer reports up to half a second late, plus the debounce).
ECHO_S = 2.0


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


def _require_workspace(ws: Workspace, lang: str) -> None:
    if not ws.exists():
        raise UserError(t(lang, "no_workspace", path=ws.root))


def cmd_status(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    _require_workspace(ws, lang)  # exit 2, as every command that needs one: nothing to report
    state = ws.load()
    kata = _current(ws, state, None)
    print(t(lang, "progress", solved=len(state.known_solved()), total=len(all_katas())))
    print(
        t(
            lang,
            "current",
            number=kata.number,
            title=feedback.title(kata, lang).split(". ", 1)[1],
            path=ws.path_for(kata),
        )
    )
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    report = ws.start()
    marks = {"created": "  + ", "kept": "  = ", "blocked": "  ! "}
    for name, what in report:
        print(marks[what] + t(lang, "kata_file_folder" if what == "blocked" else what, name=name))
    print(t(lang, "started", path=ws.root))
    print()
    print(_current(ws, ws.load(), None).statement(lang))
    return 1 if any(what == "blocked" for _, what in report) else 0


def cmd_list(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    rows = []
    for kata in all_katas():
        rows.append(
            {
                "id": kata.id,
                "number": kata.number,
                "title": kata.title.get(lang) or kata.title["en"],
                "state": ws.status(kata, state),
                "reference": list(kata.reference),
                "functions": list(kata.functions),
                "file": str(ws.path_for(kata)),
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    marks = {"solved": "✔", "started": "…", "new": " "}
    width = max((_display_width(r["title"]) for r in rows), default=0)
    for r in rows:
        current = "→" if r["id"] == state.current else " "
        label = t(lang, "state_" + r["state"])
        title = r["title"] + " " * (width - _display_width(r["title"]))
        print(f"{current}{marks[r['state']]} {r['number']:>2}. {title} [{label}]  {r['id']}")
    return 0


def _display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, so Japanese titles line up too."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _spec_for(ws: Workspace, kata: Kata, impl: str | None) -> str:
    """What the child tests: the learner's file, ``reference``, ``stub`` or a checked path."""
    if impl is None:
        return str(ws.path_for(kata))
    if impl in IMPL_WORDS:
        return impl
    expected = "reference, stub or the path of a .py file"
    if not impl.strip() or "\0" in impl:
        raise UserError(f"--impl: expected {expected}, got {impl!r}")
    try:
        path = Path(impl).expanduser().resolve()
        if not path.exists():
            raise UserError(f"--impl {impl}: there is no such file (expected {expected})")
        if path.is_dir():
            raise UserError(f"--impl {impl}: that is a folder (expected {expected})")
        if path.suffix.lower() != ".py":
            raise UserError(f"--impl {impl}: not a .py file (expected {expected})")
        with path.open("rb"):
            pass
    except (OSError, RuntimeError) as err:  # unreadable, a symlink loop, a name too long...
        reason = getattr(err, "strerror", None) or err
        raise UserError(f"--impl {impl}: cannot read it ({reason})") from None
    return str(path)


def _snapshot(path: Path) -> bytes | None:
    """The learner's file as it is now (None: absent or unreadable; the child says why)."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _changed_during_check(ws: Workspace, kata: Kata, before: bytes | None) -> dict | None:
    """A problem when the learner's file changed while it was checked. No version is lost: a
    deleted file is put back, a rewritten one has the checked version kept in backups/."""
    path = ws.path_for(kata)
    if before is None:
        return None
    after = _snapshot(path)
    if after == before:
        return None
    if after is None and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(before)
        except OSError as err:
            raise UserError(f"cannot restore {path}: {err.strerror or err}") from None
        return {"kind": "file_deleted", "path": str(path)}
    backup = ws.backup_bytes(kata, before)
    return {"kind": "file_changed", "path": str(path), "backup": str(backup)}


def check_one(
    ws: Workspace, lang: str, kata: Kata, impl: str | None, verbose: bool, timeout: float
) -> bool:
    """Check one kata, print the teacher's report, record a solve. Returns True on pass."""
    learner = impl is None
    if learner:
        _require_workspace(ws, lang)
    spec = _spec_for(ws, kata, impl)
    before = _snapshot(ws.path_for(kata)) if learner else None
    (result,) = run_check(kata, [spec], timeout=timeout, verbose=verbose, lang=lang)
    if learner:
        changed = _changed_during_check(ws, kata, before)
        if changed is not None:
            result.problem = changed
    print(feedback.report(kata, result, lang, verbose))
    if learner:
        state = ws.load()
        state.current = kata.id
        if result.passed:
            state.solved.setdefault(kata.id, time.time())
        ws.save(state)
    return result.passed


def cmd_check(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    timeout = default_timeout() if args.timeout is None else args.timeout
    if args.all:
        if args.kata is not None:
            raise UserError(
                f"check --all checks every kata: give no kata with it, got {args.kata!r}"
            )
        if args.impl is not None and args.impl not in IMPL_WORDS:
            raise UserError(
                "check --all --impl takes reference or stub: one file cannot be every kata "
                f"(got {args.impl!r})"
            )
        katas = list(all_katas())
    else:
        katas = [_current(ws, _state(ws), args.kata)]
    ok = True
    for kata in katas:
        ok &= check_one(ws, lang, kata, args.impl, args.verbose, timeout)
    return 0 if ok else 1


def cmd_hint(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    kata = _current(ws, state, args.kata)
    hints = kata.hints(lang)
    if not hints:
        raise UserError(f"{kata.id} has no hints")
    shown = state.hints.get(kata.id, 0)
    level = min(shown + 1, len(hints)) if args.level is None else args.level
    if not 1 <= level <= len(hints):
        raise UserError(f"hint --level: {kata.id} has hints 1 to {len(hints)}; got {level}")
    print(t(lang, "hint_header", level=level, total=len(hints), title=feedback.title(kata, lang)))
    print(hints[level - 1])
    if level == len(hints):
        print("\n" + t(lang, "hint_last", id=kata.id))
    if ws.exists():
        state.hints[kata.id] = max(shown, level)
        ws.save(state)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    kata = find(args.kata)
    _require_workspace(ws, lang)
    target = ws.path_for(kata)
    if target.is_dir():
        raise UserError(t(lang, "kata_file_folder", name=target) + ".")
    if target.exists() and not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():
            raise UserError("reset needs confirmation: run it in a terminal, or pass --yes")
        try:
            answer = input(t(lang, "reset_confirm", path=target)).strip().lower()
        except EOFError:  # Ctrl-D: no answer is a no
            answer = ""
        if answer not in ("y", "yes", "はい"):
            print(t(lang, "reset_cancelled"))
            return 1
    backup = ws.reset(kata)
    print(t(lang, "reset_done", backup=backup or "-"))
    state = ws.load()
    state.solved.pop(kata.id, None)
    ws.save(state)
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = _state(ws)
    kata = _current(ws, state, args.kata)
    if kata.id not in state.solved and not args.force:
        raise UserError(t(lang, "solution_locked", id=kata.id))
    for name, fn in kata.reference_functions().items():
        target = kata.reference[kata.functions.index(name)]
        print(f"# {name}  (reference: {target})")
        print(inspect.getsource(fn))
    return 0


def _move(args: argparse.Namespace, kata: Kata) -> int:
    ws, lang = _ctx(args)
    if ws.exists():
        state = ws.load()
        state.current = kata.id
        ws.save(state)
    print(kata.statement(lang))
    print(f"\n→ {ws.path_for(kata)}")
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    kata = feedback.next_kata(_current(ws, _state(ws), None))
    if kata is None:
        print(t(lang, "all_done"))
        return 0
    return _move(args, kata)


def cmd_goto(args: argparse.Namespace) -> int:
    return _move(args, find(args.kata))


def cmd_show(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    print(_current(ws, _state(ws), args.kata).statement(lang))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from katas.engine.watch import watch

    ws, lang = _ctx(args)
    timeout = default_timeout() if args.timeout is None else args.timeout
    _require_workspace(ws, lang)
    print(t(lang, "watching", path=ws.root))
    by_file = {ws.path_for(k).name: k for k in all_katas()}
    # What each file held when its last check ended: an event that soon after, for the same
    # bytes, was caused by the check itself (a learner file rewriting itself), not by a save,
    # and re-checking it would loop for ever.
    after_check: dict[str, tuple[bytes | None, float]] = {}

    def on_change(path: Path) -> None:
        kata = by_file.get(path.name)
        if kata is None:
            return
        last = after_check.get(path.name)
        if last and last[0] == _snapshot(path) and time.monotonic() - last[1] < ECHO_S:
            return
        print(f"\n[{time.strftime('%H:%M:%S')}] {path.name}")
        check_one(ws, lang, kata, None, args.verbose, timeout)
        after_check[path.name] = (_snapshot(path), time.monotonic())

    watch(ws.root, on_change, poll=args.poll, once=args.once)
    return 0


LOCKSTEP_ONLY = ("steps", "dtype", "json", "batch_size", "data", "exact_hyperparameters")


def cmd_compare(args: argparse.Namespace) -> int:
    if args.kata == "lockstep":
        from katas.lockstep import run_cli

        lang = pick_lang(getattr(args, "lang", None))
        if args.impl is not None and args.impl != "workspace":  # your solved katas, scratch's side
            raise UserError(t(lang, "learner_lockstep_impl", value=args.impl))
        if args.timeout is not None and args.impl is None:
            raise UserError(t(lang, "learner_lockstep_timeout"))
        return run_cli(args)
    given = [name for name in LOCKSTEP_ONLY if getattr(args, name) not in (None, False)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(f"{flags}: only for `katas compare lockstep`, not for a kata")
    from katas.engine import compare

    ws, lang = _ctx(args)
    kata = _current(ws, _state(ws), args.kata)
    if not compare.has_cases(kata):
        raise UserError(f"kata {kata.id} has no comparison cases (no compare.py in its folder)")
    if args.impl is None:
        _require_workspace(ws, lang)
    spec = _spec_for(ws, kata, args.impl)
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
    p = add("list", cmd_list, "list the katas and your progress", kata=None)
    p.add_argument("--json", action="store_true")
    p = add("check", cmd_check, "run a kata's tests against your file")
    p.add_argument("--impl", help="reference | stub | PATH: test something else than your file")
    p.add_argument("--all", action="store_true", help="check every kata")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's full report")
    p.add_argument("--timeout", type=argtypes.seconds, default=None, help=timeout_help)
    p = add("watch", cmd_watch, "re-check a kata each time you save its file", kata=None)
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
    add("next", cmd_next, "move to the next kata and show it", kata=None)
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
