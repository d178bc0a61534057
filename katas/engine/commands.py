"""The learner's sub-commands: start, list, check, watch, hint, reset, solution, next, goto,
show, compare (``compare lockstep``: katas/lockstep.py). ``katas`` with no sub-command prints
progress and the current kata."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
import unicodedata
from pathlib import Path

from katas.argtypes import positive_int
from katas.engine import feedback
from katas.engine.i18n import pick_lang, t
from katas.engine.registry import Kata, all_katas, find
from katas.engine.runner import DEFAULT_TIMEOUT, run_check
from katas.engine.workspace import State, Workspace
from katas.errors import UserError


def _pad(text: str, width: int) -> str:
    """Left-justify by display width: CJK characters take two terminal columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _ctx(args: argparse.Namespace) -> tuple[Workspace, str]:
    return Workspace(getattr(args, "workspace", None)), pick_lang(getattr(args, "lang", None))


def _current(ws: Workspace, state: State, name: str | None) -> Kata:
    if name:
        return find(name)
    if state.current:
        return find(state.current)
    unsolved = [k for k in all_katas() if k.id not in state.solved]
    return unsolved[0] if unsolved else all_katas()[-1]


def _require_workspace(ws: Workspace, lang: str) -> None:
    if not ws.exists():
        raise UserError(t(lang, "no_workspace", path=ws.root))


def cmd_status(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    if not ws.exists():
        print(t(lang, "no_workspace", path=ws.root))
        return 0
    state = ws.load()
    kata = _current(ws, state, None)
    print(t(lang, "progress", solved=len(state.solved), total=len(all_katas())))
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
    for name, created in ws.start():
        print(
            ("  + " if created else "  = ") + t(lang, "created" if created else "kept", name=name)
        )
    print(t(lang, "started", path=ws.root))
    state = ws.load()
    print()
    print(_current(ws, state, None).statement(lang))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = ws.load() if ws.exists() else State()
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
    if impl in (None, ""):
        return str(ws.path_for(kata))
    if impl in ("reference", "stub"):
        return impl
    path = Path(impl).expanduser().resolve()
    return str(path)


def check_one(
    ws: Workspace, lang: str, kata: Kata, impl: str | None, verbose: bool, timeout: float
) -> bool:
    """Check one kata, print the teacher's report, record a solve. Returns True on pass."""
    learner = impl is None
    if learner:
        _require_workspace(ws, lang)
    spec = _spec_for(ws, kata, impl)
    (result,) = run_check(kata, [spec], timeout=timeout, verbose=verbose)
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
    if args.all:
        katas = list(all_katas())
    else:
        state = ws.load() if ws.exists() else State()
        katas = [_current(ws, state, args.kata)]
    ok = True
    for kata in katas:
        ok &= check_one(ws, lang, kata, args.impl, args.verbose, args.timeout)
    return 0 if ok else 1


def cmd_hint(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = ws.load() if ws.exists() else State()
    kata = _current(ws, state, args.kata)
    hints = kata.hints(lang)
    shown = state.hints.get(kata.id, 0)
    level = min(shown + 1, len(hints)) if args.level is None else args.level
    if not 1 <= level <= len(hints):
        raise UserError(f"{kata.id} has hints 1 to {len(hints)}; got {level}")
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
    target = ws.path_for(kata)
    if target.exists() and not args.yes:
        if not sys.stdin.isatty():
            raise UserError("reset needs confirmation: run it in a terminal, or pass --yes")
        answer = input(t(lang, "reset_confirm", path=target)).strip().lower()
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
    state = ws.load() if ws.exists() else State()
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
    ws, _ = _ctx(args)
    state = ws.load() if ws.exists() else State()
    kata = feedback.next_kata(_current(ws, state, None))
    if kata is None:
        print(t(pick_lang(args.lang), "all_done"))
        return 0
    return _move(args, kata)


def cmd_goto(args: argparse.Namespace) -> int:
    return _move(args, find(args.kata))


def cmd_show(args: argparse.Namespace) -> int:
    ws, lang = _ctx(args)
    state = ws.load() if ws.exists() else State()
    print(_current(ws, state, args.kata).statement(lang))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from katas.engine.watch import watch

    ws, lang = _ctx(args)
    _require_workspace(ws, lang)
    print(t(lang, "watching", path=ws.root))
    by_file = {ws.path_for(k).name: k for k in all_katas()}

    def on_change(path: Path) -> None:
        kata = by_file.get(path.name)
        if kata is not None:
            print(f"\n[{time.strftime('%H:%M:%S')}] {path.name}")
            check_one(ws, lang, kata, None, args.verbose, args.timeout)

    watch(ws.root, on_change, poll=args.poll, once=args.once)
    return 0


LOCKSTEP_ONLY = ("steps", "dtype", "json", "batch_size", "data", "exact_hyperparameters")


def cmd_compare(args: argparse.Namespace) -> int:
    if args.kata == "lockstep":
        from katas.lockstep import run_cli

        if args.impl is not None:
            raise UserError("--impl compares a kata; `katas compare lockstep` takes no --impl")
        return run_cli(args)
    given = [name for name in LOCKSTEP_ONLY if getattr(args, name) not in (None, False)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UserError(f"{flags}: only for `katas compare lockstep`, not for a kata")
    from katas.engine.compare import compare

    ws, _ = _ctx(args)
    state = ws.load() if ws.exists() else State()
    kata = _current(ws, state, args.kata)
    spec = _spec_for(ws, kata, args.impl)
    seed = 0 if args.seed is None else args.seed
    print(compare(kata, spec, seed=seed, timeout=max(args.timeout, 120)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    def add(name: str, handler, help_text: str, kata: str | None = "?") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        # Also accepted after the sub-command; SUPPRESS keeps the value given before it.
        p.add_argument("--lang", choices=("en", "ja"), default=argparse.SUPPRESS)
        p.add_argument("--workspace", type=Path, default=argparse.SUPPRESS)
        if kata == "?":
            p.add_argument("kata", nargs="?", help="kata id or number (default: the current one)")
        elif kata == "1":
            p.add_argument("kata", help="kata id or number")
        p.set_defaults(handler=handler)
        return p

    add("start", cmd_start, "create your workspace (never overwrites a file)", kata=None)
    p = add("list", cmd_list, "list the katas and your progress", kata=None)
    p.add_argument("--json", action="store_true")
    p = add("check", cmd_check, "run a kata's tests against your file")
    p.add_argument("--impl", help="reference | stub | PATH: test something else than your file")
    p.add_argument("--all", action="store_true", help="check every kata")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's full report")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p = add("watch", cmd_watch, "re-check a kata each time you save its file", kata=None)
    p.add_argument("--poll", action="store_true", help="poll instead of OS file events")
    p.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    p = add("hint", cmd_hint, "show the next hint (again after the last)")
    p.add_argument("--level", type=int, default=None, help="show this level")
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
    p.add_argument("--seed", type=int, default=None, help="default 0 (lockstep: 42)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    g = p.add_argument_group("lockstep only (katas compare lockstep)")
    g.add_argument("--steps", type=positive_int, default=None, help="training steps (default 200)")
    g.add_argument("--dtype", choices=("float32", "float64"), default=None, help="default float64")
    g.add_argument("--batch-size", type=positive_int, default=None, help="default 32")
    g.add_argument("--data", default=None, help="MNIST file or folder (default: the cache)")
    g.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    g.add_argument(
        "--exact-hyperparameters",
        action="store_true",
        help="give scratch the exact learning rate and momentum instead of Keras' float32 "
        "roundings of them (shows the drift this causes)",
    )
