"""The watch loop: bare ``katas`` at a terminal, or ``katas watch``.

Three parts, so the logic is testable without a terminal:

- ``Controller``, a small state machine. Events in: ``start()``, ``key(ch)``, ``saved(path)``
  and ``checked(kata, result)``; the checks it wants are queued (``queue``) and run by whoever
  drives it: ``run_queued`` (in turn, for tests) or the loop's ``Worker`` (a thread, so that
  keys and saves are answered while a check runs; ``stop_busy`` asks it to cancel). State
  out: ``view()``, plain data saying what to draw.
- ``draw(console, view, lang)``: the rich rendering (progress bar, panels, Markdown statements),
  the screen cleared first; in a pipe nothing is cleared and frames follow each other. A frame
  fits ``console.size``: the body (statement, hint, list) gets the rows left above the report
  and the footer, cropped with its start kept and a word on how to see the rest.
- ``Keys``: single keys in cbreak mode (``termios``/``tty``), the terminal restored in
  ``finally``; where there is no terminal or no termios, keys are off and saves still work.

The flow: the current kata is checked at once; saving kata K's file checks K and shows its
report but does not change the current kata; only a pass of the current kata (and ``n``) moves
on, to the first unsolved kata, whose statement is shown. A check whose own run rewrote the file
it checked does not loop: an event for unchanged bytes within ``ECHO_S`` of the check is its echo
(except once after a check during which the file changed: that may have been a save).

While a check runs, keys are answered at once; ``q`` and Ctrl-C stop the check (its child's
process group is killed: ``runner.Cancelled``) and quit; ``c``, or a save of the file being
checked with new bytes, restarts the check (a save restarts it once: code that rewrites its own
file on every run must not restart for ever; a later save waits for the check to end and is
then judged by the echo rule above).
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from katas.engine import commands, feedback
from katas.engine.i18n import t
from katas.engine.markdown import to_rich
from katas.engine.registry import Kata, all_katas
from katas.engine.runner import Cancelled, CheckResult
from katas.engine.workspace import Workspace
from katas.errors import UserError

# How long after a check an event for unchanged bytes counts as the check's own echo (the
# polling observer reports up to half a second late, plus the debounce).
ECHO_S = 2.0
KEYS = "hnrlcsq"
# How long quitting waits for a cancelled check's thread (the child is killed within
# runner.CANCEL_POLL_S; this only bounds a thread stuck elsewhere: it is a daemon).
STOP_WAIT_S = 5.0


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
    more: dict[str, Any] = field(default_factory=dict)  # for "hint": its kata id and level
    notices: list[str] = field(default_factory=list)
    prompt: str | None = None  # a question waiting for y/N
    busy: Kata | None = None  # the kata being checked now
    keys: bool = True


Check = Callable[[Kata, threading.Event], CheckResult]


class Controller:
    """The watch loop's state. ``check(kata, cancel)`` runs a kata's tests on the learner's
    file, stopping with ``runner.Cancelled`` once ``cancel`` is set; it is injected so that
    tests drive the loop with made-up results. A pass is recorded here (``checked``), in the
    loop's thread, the only one that writes the workspace's state."""

    def __init__(
        self,
        ws: Workspace,
        lang: str,
        check: Check,
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
        self.more: dict[str, Any] = {}
        self.prompt: str | None = None
        self.queue: list[tuple[Kata, bool]] = []  # (kata, caused by a save)
        self.busy: Kata | None = None
        self.stop_busy = False  # the running check is to be cancelled (its kata is re-queued)
        self._busy_bytes: bytes | None = None  # the busy kata's file when its check began
        self._busy_restarted = False  # the busy check is itself a restart caused by a save
        self._deferred: list[Path] = []  # saves of the busy file, judged when its check ends
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
        if self.busy is not None and self.busy.id == kata.id:
            self._saved_while_busy(kata, path)
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
        commands.record(self.ws, kata, result)
        self.checks += 1
        self.notices = []
        # No "Next: katas next" in the loop: a pass of the current kata moves on by itself,
        # and the advance notice says where to.
        text = feedback.report(kata, result, self.lang, self.verbose, next_line=False)
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
                level = self.ws.load().hints.get(self.kata.id, 1)
                self.more = {"id": self.kata.id, "level": level}
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
                if self.busy is not None and self.busy.id == self.kata.id:
                    self._restart()
                else:
                    self._want(self.kata)
            elif ch == "s":
                self._show_statement()
        except UserError as err:  # a kata without hints, a file that cannot be written...
            self.notices.append(err.text(self.lang))
        self._changed()

    # --- driving ----------------------------------------------------------------------------

    def begin(self) -> tuple[Kata, bool] | None:
        """The next queued check, now the busy one: (kata, caused by a save); None if none."""
        if self.busy is not None or not self.queue:
            return None
        kata, by_save = self.queue.pop(0)
        self.busy, self.stop_busy = kata, False
        self._busy_bytes = commands.snapshot(self.ws.path_for(kata))
        self._changed()
        return kata, by_save

    def finish(
        self, kata: Kata, by_save: bool, result: CheckResult | None, error: UserError | None
    ) -> None:
        """The busy check ended: with a result, a UserError (the workspace went away, a disk
        full...), or neither (it was cancelled: its restart is queued already, or the loop is
        quitting)."""
        self.busy, self.stop_busy = None, False
        if result is None and error is None:
            self._changed()
            return
        self._busy_restarted = False
        self.save_checks += by_save
        if error is not None:
            self.notices.append(error.text(self.lang))
            self._changed()
        else:
            self.checked(kata, result)
        deferred, self._deferred = self._deferred, []
        for path in deferred:
            self.saved(path)

    def run_queued(self, before: Callable[[], None] = lambda: None) -> None:
        """Run the queued checks in turn, here (tests); ``before`` (a redraw) is called before
        each. The loop runs them in a ``Worker`` instead."""
        while (job := self.begin()) is not None:
            kata, by_save = job
            before()
            try:
                result, error = self.check(kata, threading.Event()), None
            except UserError as err:
                result, error = None, err
            self.finish(kata, by_save, result, error)

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
            more=self.more,
            notices=[*self.sticky, *self.notices],
            prompt=self.prompt,
            busy=self.busy,
            keys=self.keys,
        )

    # --- inside -----------------------------------------------------------------------------

    def _saved_while_busy(self, kata: Kata, path: Path) -> None:
        """A save of the file being checked: new bytes restart the check, once; otherwise the
        save is judged when the check ends (it may be the check's own echo)."""
        if self.stop_busy:  # a restart is on its way: it reads the file as it is then
            return
        if self._busy_restarted or commands.snapshot(path) == self._busy_bytes:
            if path not in self._deferred:
                self._deferred.append(path)
            return
        self._restart(by_save=True)

    def _restart(self, by_save: bool = False) -> None:
        """Cancel the busy check and queue its kata first, to be checked from scratch."""
        kata = self.busy
        if kata is None or self.stop_busy:
            return
        self.stop_busy = True
        self._busy_restarted = by_save
        self._deferred = []
        self.queue = [(kata, by_save), *((k, b) for k, b in self.queue if k.id != kata.id)]
        self._changed()

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
    """One frame: the screen cleared (at a terminal), then body, report, notices, progress and
    keys, the body cropped so that the frame fits ``console.size``."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    console.clear()
    # Bottom-anchored, as rustlings: the report, the progress and the keys are drawn in full
    # and last; the body above them gets the rows that are left (its start kept).
    bottom: list[Any] = []
    if view.report is not None:
        style = "green" if view.report.passed else "red"
        bottom.append(
            Panel(
                Text(view.report.text),
                title=t(lang, "last_check", title=feedback.title(view.report.kata, lang)),
                title_align="left",
                border_style=style,
            )
        )
    bottom += [Panel(Text(notice), border_style="yellow") for notice in view.notices]
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
    bottom.append(Panel(head, title="dnn-katas", title_align="left"))
    if view.busy is not None:
        bottom.append(Text(t(lang, "checking", title=feedback.title(view.busy, lang)), "yellow"))
    if view.prompt:
        bottom.append(Text(view.prompt, style="bold yellow"))
    bottom.append(Text(t(lang, "watch_keys" if view.keys else "watch_no_keys"), style="dim"))
    # The last line printed ends with a newline: the cursor's row is the frame's too.
    room = console.size.height - 1 - sum(_height(console, r) for r in bottom)
    body = _body(console, view, lang, room)
    for renderable in ([body] if body is not None else []) + bottom:
        console.print(renderable)


def _height(console, renderable, width: int | None = None) -> int:
    """Rows ``renderable`` takes at ``width`` (default: the console's)."""
    options = console.options.update(height=None)
    if width is not None:
        options = options.update(width=max(width, 1))
    return len(console.render_lines(renderable, options, pad=False))


# A body needs its two borders and a line of its own to be worth drawing.
MIN_BODY_ROWS = 3


def _body(console, view: View, lang: str, room: int):
    """The statement, hint or list in a panel of at most ``room`` rows (None: no body, or no
    room). A statement or hint keeps its start (the title, the first formulas) and ends with
    how to see it all; the list is a window around the current kata, its marker in sight."""
    from rich.cells import cell_len
    from rich.console import Group
    from rich.panel import Panel
    from rich.segment import Segment, Segments
    from rich.text import Text

    if view.body not in ("statement", "hint", "list") or room < MIN_BODY_ROWS:
        return None
    rows = room - 2  # inside the borders
    if view.body == "list":
        marks = {"solved": "✔", "started": "…", "new": " "}
        here = next((i for i, r in enumerate(view.rows) if r["id"] == view.kata.id), 0)
        shown = view.rows
        more = None
        if len(shown) > rows:
            probe = Text(t(lang, "watch_list_more", shown=rows, total=len(shown)), style="dim")
            # A line says what is not shown.
            keep = max(rows - _height(console, probe, console.width - 4), 1)
            first = max(0, min(here - keep // 2, len(shown) - keep))
            shown = shown[first : first + keep]
            more = Text(t(lang, "watch_list_more", shown=keep, total=len(view.rows)), style="dim")
        # One line a kata, so that the window's rows are the screen's: a long title is cut.
        labels = [t(lang, "state_" + r["state"]) for r in shown]
        label_w = max((cell_len(x) for x in labels), default=0)
        id_w = max((len(r["id"]) for r in shown), default=0)
        title_w = max(console.width - 4 - (2 + 1 + 3 + 1) - (1 + label_w + 1 + id_w), 8)
        lines = []
        for r, label in zip(shown, labels, strict=True):
            mark = ("→" if r["id"] == view.kata.id else " ") + marks[r["state"]]
            title = Text(r["title"], no_wrap=True, overflow="ellipsis")
            title.truncate(title_w, overflow="ellipsis", pad=True)
            line = Text(f"{mark} {r['number']:>2}. ", no_wrap=True)
            line.append(title)
            line.append(f" {label}{' ' * (label_w - cell_len(label))} {r['id']}")
            line.truncate(console.width - 4, overflow="ellipsis")
            lines.append(line)
        table = Group(*lines)
        return Panel(table if more is None else Group(table, more), border_style="blue")
    inner = console.options.update(width=max(console.width - 4, 1), height=None)
    lines = console.render_lines(to_rich(view.text), inner, pad=False)
    while lines and not "".join(seg.text for seg in lines[-1]).strip():
        lines.pop()  # Markdown ends a document with blank lines
    if len(lines) <= rows:
        content: Any = Segments([seg for line in lines for seg in (*line, Segment.line())])
    else:
        key = "watch_statement_more" if view.body == "statement" else "watch_hint_more"
        more = Text(t(lang, key, shown=rows - 1, total=len(lines), **view.more), style="dim")
        kept = lines[: max(rows - _height(console, more, console.width - 4), 0)]
        more = Text(t(lang, key, shown=len(kept), total=len(lines), **view.more), style="dim")
        segments = [seg for line in kept for seg in (*line, Segment.line())]
        content = Group(Segments(segments), more)
    return Panel(content, border_style="blue")


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


class Worker:
    """One check at a time in a daemon thread, so that the loop keeps reading keys and saves
    while it runs. ``cancel()`` sets the check's own event (the check kills its child and
    raises ``Cancelled``); ``poll()`` hands back a finished check once."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.job: tuple[Kata, bool] | None = None
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._outcome: tuple[CheckResult | None, UserError | None, BaseException | None] = (
            None,
            None,
            None,
        )

    @property
    def idle(self) -> bool:
        return self._thread is None

    def start(self, job: tuple[Kata, bool]) -> None:
        self.job, self._cancel = job, threading.Event()
        cancel = self._cancel

        def body() -> None:
            try:
                self._outcome = (self.check(job[0], cancel), None, None)
            except Cancelled:
                self._outcome = (None, None, None)
            except UserError as err:
                self._outcome = (None, err, None)
            except BaseException as err:  # a bug: raised again in the loop's thread
                self._outcome = (None, None, err)

        self._thread = threading.Thread(target=body, name="katas-check", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def poll(self) -> tuple[Kata, bool, CheckResult | None, UserError | None] | None:
        """(kata, by_save, result, error) of a finished check, once; None while it runs."""
        if self._thread is None or self._thread.is_alive():
            return None
        self._thread = None
        result, error, bug = self._outcome
        if bug is not None:
            raise bug
        kata, by_save = self.job  # type: ignore[misc]
        if self._cancel.is_set():
            result = error = None  # cancelled just as it finished: a newer check is due
        return kata, by_save, result, error

    def stop(self, wait: float = STOP_WAIT_S) -> None:
        """Cancel a running check and wait (a little) for its child to be gone."""
        if self._thread is not None:
            self._cancel.set()
            self._thread.join(timeout=wait)


def run(
    ws: Workspace,
    lang: str,
    check: Check,
    *,
    poll: bool = False,
    once: bool = False,
    verbose: bool = False,
    console=None,
) -> int:
    """The watch loop until ``q`` or Ctrl-C (``once``: until the first check a save caused).
    ``check(kata, cancel)``: see ``Controller``; it runs in a ``Worker``'s thread."""
    from rich.console import Console

    from katas.engine.watch import Saves

    console = console or Console(highlight=False)
    worker = Worker(check)
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
                if ctl.stop_busy:
                    worker.cancel()
                finished = worker.poll()
                if finished is not None:
                    ctl.finish(*finished)
                if worker.idle and (job := ctl.begin()) is not None:
                    worker.start(job)
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
    finally:
        # q, Ctrl-C or an error: a running check stops now (its child's group is killed),
        # not at its timeout.
        worker.stop()
    console.print(t(lang, "watch_bye"))
    return 0
