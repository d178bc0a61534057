"""The watch loop: bare ``katas`` at a terminal, or ``katas watch``.

Three parts, so the logic is testable without a terminal:

- ``Controller``, a small state machine. Events in: ``start()``, ``key(ch)``, ``saved(path)``
  and ``checked(kata, result)``; the checks it wants are queued (``queue``) and run by whoever
  drives it (``run_queued``). State out: ``view()``, plain data saying what to draw.
- ``draw(console, view, lang)``: the rich rendering (progress bar, panels, Markdown statements),
  the screen cleared first; in a pipe nothing is cleared and frames follow each other.
- ``Keys``: single keys in cbreak mode (``termios``/``tty``), the terminal restored in
  ``finally``; where there is no terminal or no termios, keys are off and saves still work.

The flow: the current kata is checked at once; saving kata K's file checks K and shows its
report but does not change the current kata; only a pass of the current kata (and ``n``) moves
on, to the first unsolved kata, whose statement is shown. A check whose own run rewrote the file
it checked does not loop: an event for unchanged bytes within ``ECHO_S`` of the check is its echo
(except once after a check during which the file changed: that may have been a save).
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from katas.engine import commands, feedback
from katas.engine.i18n import t
from katas.engine.registry import Kata, all_katas
from katas.engine.runner import CheckResult
from katas.engine.workspace import Workspace
from katas.errors import UserError

# How long after a check an event for unchanged bytes counts as the check's own echo (the
# polling observer reports up to half a second late, plus the debounce).
ECHO_S = 2.0
KEYS = "hnrlcsq"


@dataclass
class Report:
    """The last check's outcome: which kata, the teacher's text, passed or not."""

    kata: Kata
    text: str
    passed: bool


@dataclass
class View:
    """Everything one frame shows; plain data, so tests read it without a terminal."""

    solved: int
    total: int
    kata: Kata
    path: Path
    report: Report | None = None
    body: str = ""  # "statement" | "hint" | "list" | "" (nothing below the report)
    text: str = ""  # the statement or hint (Markdown)
    rows: list[dict[str, Any]] = field(default_factory=list)  # for "list"
    notices: list[str] = field(default_factory=list)
    prompt: str | None = None  # a question waiting for y/N
    busy: Kata | None = None  # the kata being checked now
    keys: bool = True


class Controller:
    """The watch loop's state. ``check(kata)`` runs a kata's tests on the learner's file (and
    records a pass); it is injected so that tests drive the loop with made-up results."""

    def __init__(
        self,
        ws: Workspace,
        lang: str,
        check: Callable[[Kata], CheckResult],
        *,
        verbose: bool = False,
        keys: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ws, self.lang, self.check = ws, lang, check
        self.verbose, self.keys, self.clock = verbose, keys, clock
        # What the last event had to say (gone at the next key or check), and what the
        # workspace said: a state file found broken is said on the screen, not on stderr (the
        # next frame would wipe it), and stays until a key is pressed.
        self.notices: list[str] = []
        self.sticky: list[str] = []
        ws.notify = self.sticky.append
        self.kata = commands.current_kata(ws, ws.load())
        self.report: Report | None = None
        self.body, self.text = "", ""
        self.rows: list[dict[str, Any]] = []
        self.prompt: str | None = None
        self.queue: list[tuple[Kata, bool]] = []  # (kata, caused by a save)
        self.busy: Kata | None = None
        self.done = False
        self.version = 0  # bumped on every change: the loop redraws when it moves
        self.checks = 0  # checks finished (all causes)
        self.save_checks = 0  # checks a save caused
        # Per file: its bytes when its last check ended, when, and whether one more check of
        # those bytes is due (the file changed during that check); files re-checked for that.
        self._after: dict[str, tuple[bytes | None, float, bool]] = {}
        self._retried: set[str] = set()
        self._by_file = {ws.path_for(k).name: k for k in all_katas()}

    # --- events in --------------------------------------------------------------------------

    def start(self) -> None:
        """The loop begins: the current kata's statement, and a check of it at once."""
        self._show_statement()
        self._want(self.kata)

    def saved(self, path: Path) -> None:
        """A file was saved: check the kata it belongs to (not the loop's own echo)."""
        path = Path(path)
        kata = self._by_file.get(path.name)
        if kata is None or path.parent.resolve() != self.ws.root.resolve():
            return
        last = self._after.get(path.name)
        if last and last[0] == commands.snapshot(path) and self.clock() - last[1] < ECHO_S:
            if not last[2]:
                return
            # The file changed during the check: an editor's save or the learner's code. Check
            # it once more (a save must not be lost); a second change in a row is an echo.
            self._after[path.name] = (*last[:2], False)
            self._retried.add(path.name)
        self._want(kata, by_save=True)

    def checked(self, kata: Kata, result: CheckResult) -> None:
        """A check finished: show its report; a pass of the current kata moves on."""
        path = self.ws.path_for(kata)
        changed = (result.problem or {}).get("kind") in ("file_changed", "file_deleted")
        again = changed and path.name not in self._retried
        if not changed:
            self._retried.discard(path.name)
        self._after[path.name] = (commands.snapshot(path), self.clock(), again)
        self.checks += 1
        self.notices = []
        text = feedback.report(kata, result, self.lang, self.verbose)
        self.report = Report(kata, text, result.passed)
        if result.passed and kata.id == self.kata.id:
            self._advance()
        self._changed()

    def key(self, ch: str) -> None:
        """One key pressed. Notices are read by now: they go."""
        self.notices, self.sticky = [], []
        try:
            if self.prompt is not None:
                self._answer(ch)
            elif ch == "q":
                self.done = True
            elif ch == "h":
                header, _, text = commands.hint_text(self.ws, self.lang, self.kata, None).partition(
                    "\n"
                )
                self.body, self.text = "hint", f"**{header}**\n\n{text}"
            elif ch == "n":
                nxt = commands.first_unsolved(self.ws.load(), after=self.kata)
                if nxt is None:
                    self.notices.append(t(self.lang, "all_solved"))
                else:
                    self._move(nxt)
            elif ch == "r":
                self.prompt = t(self.lang, "reset_confirm", path=self.ws.path_for(self.kata))
            elif ch == "l":
                self.body = "list"
                self.rows = commands.list_rows(self.ws, self.ws.load(), self.lang)
            elif ch == "c":
                self._want(self.kata)
            elif ch == "s":
                self._show_statement()
        except UserError as err:  # a kata without hints, a file that cannot be written...
            self.notices.append(err.text(self.lang))
        self._changed()

    # --- driving ----------------------------------------------------------------------------

    def run_queued(self, before: Callable[[], None] = lambda: None) -> None:
        """Run the queued checks in order; ``before`` (a redraw) is called before each."""
        while self.queue:
            kata, by_save = self.queue.pop(0)
            self.busy = kata
            self._changed()
            before()
            try:
                result = self.check(kata)
            except UserError as err:  # the workspace went away, a disk full...
                self.notices.append(err.text(self.lang))
                result = None
            self.busy = None
            self.save_checks += by_save
            if result is None:
                self._changed()
            else:
                self.checked(kata, result)

    def view(self) -> View:
        state = self.ws.load()
        return View(
            solved=len(state.known_solved()),
            total=len(all_katas()),
            kata=self.kata,
            path=self.ws.path_for(self.kata),
            report=self.report,
            body=self.body,
            text=self.text,
            rows=self.rows,
            notices=[*self.sticky, *self.notices],
            prompt=self.prompt,
            busy=self.busy,
            keys=self.keys,
        )

    # --- inside -----------------------------------------------------------------------------

    def _want(self, kata: Kata, by_save: bool = False) -> None:
        if all(k.id != kata.id for k, _ in self.queue):
            self.queue.append((kata, by_save))
            self._changed()

    def _changed(self) -> None:
        self.version += 1

    def _show_statement(self) -> None:
        self.body, self.text = "statement", self.kata.statement(self.lang)

    def _move(self, kata: Kata) -> None:
        commands.move_to(self.ws, kata)
        self.kata = kata
        self._show_statement()

    def _advance(self) -> None:
        nxt = commands.first_unsolved(self.ws.load(), after=self.kata)
        if nxt is None:
            self.notices.append(t(self.lang, "all_solved"))
        elif nxt.id != self.kata.id:
            self._move(nxt)
            self.notices.append(t(self.lang, "moved_on", title=feedback.title(nxt, self.lang)))

    def _answer(self, ch: str) -> None:
        self.prompt = None
        if ch.lower() != "y":
            self.notices.append(t(self.lang, "reset_cancelled"))
            return
        backup = commands.reset_kata(self.ws, self.lang, self.kata)
        self.notices.append(t(self.lang, "reset_done", backup=backup or "-"))


# --- drawing --------------------------------------------------------------------------------


def draw(console, view: View, lang: str) -> None:
    """One frame: the screen cleared (at a terminal), then header, report, body, keys."""
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    console.clear()
    # Bottom-anchored, as rustlings: what matters most is printed last, so that a long
    # statement scrolls off the top and the report, the progress and the keys stay in sight.
    if view.body in ("statement", "hint"):
        console.print(Panel(Markdown(view.text), border_style="blue"))
    elif view.body == "list":
        table = Table(box=None, show_header=False, padding=(0, 1))
        marks = {"solved": "✔", "started": "…", "new": " "}
        for r in view.rows:
            here = "→" if r["id"] == view.kata.id else " "
            label = t(lang, "state_" + r["state"])
            mark = here + marks[r["state"]]
            table.add_row(mark, f"{r['number']:>2}.", r["title"], label, r["id"])
        console.print(Panel(table, border_style="blue"))
    if view.report is not None:
        style = "green" if view.report.passed else "red"
        console.print(
            Panel(
                Text(view.report.text),
                title=t(lang, "last_check", title=feedback.title(view.report.kata, lang)),
                title_align="left",
                border_style=style,
            )
        )
    for notice in view.notices:
        console.print(Panel(Text(notice), border_style="yellow"))
    bar = Table.grid(padding=(0, 1))
    bar.add_row(
        ProgressBar(total=max(view.total, 1), completed=view.solved, width=30),
        Text(t(lang, "progress", solved=view.solved, total=view.total)),
    )
    head = Group(
        bar,
        Text(t(lang, "watch_current", title=feedback.title(view.kata, lang)), style="bold"),
        Text(str(view.path), style="cyan"),
    )
    console.print(Panel(head, title="dnn-katas", title_align="left"))
    if view.busy is not None:
        console.print(Text(t(lang, "checking", title=feedback.title(view.busy, lang)), "yellow"))
    if view.prompt:
        console.print(Text(view.prompt, style="bold yellow"))
    console.print(Text(t(lang, "watch_keys" if view.keys else "watch_no_keys"), style="dim"))


# --- keys -----------------------------------------------------------------------------------


class Keys:
    """Single key presses from a terminal in cbreak mode (no Enter, no echo; Ctrl-C still
    interrupts); ``enabled`` is False without a terminal or without termios (Windows)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self.enabled = False
        self._fd: int | None = None
        self._saved: list | None = None

    def __enter__(self) -> Keys:
        try:
            import termios
            import tty
        except ImportError:
            return self
        try:
            if self.stream is None or not self.stream.isatty():
                return self
            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        except (OSError, ValueError, termios.error):
            return self
        self._fd, self.enabled = fd, True
        return self

    def read(self, timeout: float) -> str:
        """The keys pressed within ``timeout`` seconds ("" for none; escape sequences such as
        arrow keys are dropped)."""
        if not self.enabled or self._fd is None:
            time.sleep(timeout)
            return ""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return ""
        data = os.read(self._fd, 64).decode("utf-8", errors="ignore")
        if not data:  # the terminal went away: no more keys
            self.enabled = False
        return "" if data.startswith("\x1b") else data

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None and self._fd is not None:
            import termios

            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None


# --- the loop -------------------------------------------------------------------------------


def run(
    ws: Workspace,
    lang: str,
    check: Callable[[Kata], CheckResult],
    *,
    poll: bool = False,
    once: bool = False,
    verbose: bool = False,
    console=None,
) -> int:
    """The watch loop until ``q`` or Ctrl-C (``once``: until the first check a save caused)."""
    from rich.console import Console

    from katas.engine.watch import Saves

    console = console or Console(highlight=False)
    try:
        with Saves(ws.root, poll=poll) as saves, Keys() as keys:
            ctl = Controller(ws, lang, check, verbose=verbose, keys=keys.enabled)
            drawn = -1

            def redraw() -> None:
                nonlocal drawn
                if drawn != ctl.version:
                    draw(console, ctl.view(), lang)
                    drawn = ctl.version

            ctl.start()
            while not ctl.done:
                ctl.run_queued(before=redraw)
                if once and ctl.save_checks:
                    redraw()
                    break
                redraw()
                for path in saves.ready():
                    ctl.saved(path)
                for ch in keys.read(0.05):
                    ctl.key(ch)
                    if ctl.done:
                        break
    except KeyboardInterrupt:  # Ctrl-C is the other way out; the terminal is restored above
        pass
    console.print(t(lang, "watch_bye"))
    return 0
