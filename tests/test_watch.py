"""The watch loop and the flow around it: which events check which kata, when the current kata
moves (only goto, next and a pass of the current kata in watch), what each frame shows, single
keys, the echo of a check that rewrites its own file, ``check --all``'s summary, and a broken
progress file reported by every command.

The controller is driven with made-up check results (fast, no child process, no TensorFlow);
one subprocess test runs the real loop on a workspace, and one drives it through a pty.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from katas.cli import main
from katas.engine import commands, tui
from katas.engine.registry import all_katas
from katas.engine.runner import CheckResult
from katas.engine.watch import DEBOUNCE_S, Saves
from katas.engine.workspace import Workspace
from tests.helpers import sigint_as_in_a_terminal
from tests.test_engine import solved_text

KATAS = all_katas()
DENSE, SECOND, THIRD = KATAS[0], KATAS[1], KATAS[2]
REPO = Path(__file__).resolve().parent.parent


def passed(kata, n: int = 3) -> CheckResult:
    tests = [{"name": f"t{i}", "doc": "ok", "outcome": "passed", "hint": None} for i in range(n)]
    return CheckResult("x", tests, None, 0.5, n)


def failed(kata, n: int = 3) -> CheckResult:
    tests = [{"name": "t0", "doc": "it is wrong", "outcome": "failed", "hint": 2,
              "message": "got 1, expected 2"}]  # fmt: skip
    ok = {"doc": "ok", "outcome": "passed", "hint": None}
    tests += [{"name": f"t{i}", **ok} for i in range(1, n)]
    return CheckResult("x", tests, None, 0.5, n)


class Clock:
    """A clock the test moves by hand (the echo window without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ws(tmp_path, monkeypatch, capsys):
    root = tmp_path / "ws"
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(root))
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    assert main(["start"]) == 0
    capsys.readouterr()
    return root


def make(ws_root: Path, outcomes: dict | None = None, lang: str = "en", clock=None):
    """A controller whose checks answer from ``outcomes`` (kata id -> passed/failed; default
    failed) and, like the loop's real check, record nothing (the controller records a pass);
    ``calls`` lists the katas checked."""
    ws = Workspace(ws_root, lang)
    calls: list[str] = []

    def check(kata, cancel=None):
        calls.append(kata.id)
        return (outcomes or {}).get(kata.id, failed)(kata)

    ctl = tui.Controller(ws, lang, check, clock=clock or Clock())
    return ctl, ws, calls


def state(ws_root: Path) -> dict:
    return json.loads((ws_root / ".katas" / "state.json").read_text(encoding="utf-8"))


# --- the controller ------------------------------------------------------------------------


def test_the_current_kata_is_checked_at_once(ws) -> None:
    """Starting the loop queues a check of the current kata before any save."""
    ctl, _, calls = make(ws)
    ctl.start()
    ctl.run_queued()
    assert calls == ["dense"]
    assert ctl.view().report.kata.id == "dense" and not ctl.view().report.passed


def test_saving_another_kata_checks_it_but_keeps_the_current_one(ws) -> None:
    """Saving kata K checks K and shows its report; the current kata stays, even when K passes."""
    ctl, _, calls = make(ws, {SECOND.id: passed})
    ctl.saved(ws / f"{SECOND.slug}.py")
    ctl.run_queued()
    view = ctl.view()
    assert calls == [SECOND.id] and view.report.kata.id == SECOND.id and view.report.passed
    assert view.kata.id == "dense" and state(ws)["current"] == "dense"
    assert SECOND.id in state(ws)["solved"] and view.solved == 1


def test_a_pass_of_the_current_kata_moves_to_the_first_unsolved(ws) -> None:
    """A pass of the current kata advances past solved katas to the first unsolved one, shows
    its statement, and remembers it as current."""
    ctl, _, _ = make(ws, {"dense": passed, SECOND.id: passed})
    ctl.saved(ws / f"{SECOND.slug}.py")  # kata 2 solved on the side
    ctl.run_queued()
    ctl.start()
    ctl.run_queued()
    view = ctl.view()
    assert view.kata.id == THIRD.id and state(ws)["current"] == THIRD.id
    assert view.body == "statement" and view.text == THIRD.statement("en")
    assert view.report.kata.id == "dense" and view.report.passed
    assert any(THIRD.title["en"] in notice for notice in view.notices)
    ctl.saved(ws / f"{THIRD.slug}.py")  # the next check's report replaces that notice
    ctl.run_queued()
    assert ctl.view().notices == [] and ctl.view().kata.id == THIRD.id


def test_a_failure_stays(ws) -> None:
    """A failing check of the current kata shows the report and does not move on."""
    ctl, _, _ = make(ws)
    ctl.start()
    ctl.run_queued()
    view = ctl.view()
    assert view.kata.id == "dense" and "got 1, expected 2" in view.report.text
    assert "--level 2" in view.report.text


def test_every_kata_solved_says_so(ws) -> None:
    """With every kata solved, a pass stays where it is and ``n`` says there is none left."""
    data = state(ws)
    data["solved"] = {k.id: 1.0 for k in KATAS}
    (ws / ".katas" / "state.json").write_text(json.dumps(data), encoding="utf-8")
    ctl, _, _ = make(ws, {"dense": passed})
    ctl.start()
    ctl.run_queued()
    assert ctl.view().kata.id == "dense"
    ctl.key("n")
    assert ctl.view().kata.id == "dense"
    assert any("Every kata is solved" in n for n in ctl.view().notices)


def test_the_echo_of_a_check_is_not_a_save(ws) -> None:
    """An event right after a check, for the bytes the check left, is the check's own echo (a
    learner file rewriting itself would loop for ever); new bytes, or the same bytes saved
    later, are checked."""
    clock = Clock()
    ctl, _, calls = make(ws, clock=clock)
    target = ws / "01_dense.py"
    ctl.saved(target)
    ctl.run_queued()
    ctl.saved(target)  # the same bytes at once: the echo
    ctl.run_queued()
    assert calls == ["dense"]
    target.write_text(solved_text(), encoding="utf-8")
    ctl.saved(target)  # new bytes: a save
    ctl.run_queued()
    clock.now += tui.ECHO_S + 0.1
    ctl.saved(target)  # the same bytes saved again later: a save
    ctl.run_queued()
    assert calls == ["dense", "dense", "dense"]


def test_a_save_during_a_check_is_checked_once_more(ws) -> None:
    """A file that changed while it was checked (a save mid-check) is checked again once, even
    though the event comes within the echo window; code rewriting its own file on every run is
    not re-checked a second time."""
    target = ws / "01_dense.py"
    clock = Clock()
    calls: list[str] = []
    ws_obj = Workspace(ws, "en")

    def check(kata, cancel=None):
        calls.append(kata.id)
        target.write_text(f"# rewritten {len(calls)}\n", encoding="utf-8")  # a change each run
        return CheckResult("x", [], {"kind": "file_changed", "path": str(target), "backup": "b"})

    ctl = tui.Controller(ws_obj, "en", check, clock=clock)
    for _ in range(4):
        ctl.saved(target)
        ctl.run_queued()
    assert calls == ["dense", "dense"]


def test_files_that_are_not_kata_files_are_ignored(ws) -> None:
    """A save of another .py file (the learner's scratch file) checks nothing."""
    ctl, _, calls = make(ws)
    ctl.saved(ws / "notes.py")
    ctl.saved(ws / "sub" / "01_dense.py")
    ctl.run_queued()
    assert calls == []


def test_hint_key_shows_the_next_hint_and_records_it(ws) -> None:
    """``h`` shows the next hint, as ``katas hint`` does, and records it in the state."""
    ctl, _, _ = make(ws)
    ctl.key("h")
    assert ctl.view().body == "hint" and "Hint 1 of" in ctl.view().text
    ctl.key("h")
    assert "Hint 2 of" in ctl.view().text and state(ws)["hints"]["dense"] == 2


def test_next_key_moves_to_the_first_unsolved(ws) -> None:
    """``n`` moves to the first unsolved kata after the current one and shows its statement."""
    data = state(ws)
    data["solved"] = {SECOND.id: 1.0}
    (ws / ".katas" / "state.json").write_text(json.dumps(data), encoding="utf-8")
    ctl, _, _ = make(ws)
    ctl.key("n")
    assert ctl.view().kata.id == THIRD.id and state(ws)["current"] == THIRD.id
    assert ctl.view().body == "statement"


def test_reset_key_asks_first_and_keeps_a_backup(ws) -> None:
    """``r`` asks y/N: any other key leaves the file; ``y`` backs it up and puts the stub back."""
    mine = ws / "01_dense.py"
    mine.write_text("# precious\n", encoding="utf-8")
    ctl, _, _ = make(ws)
    ctl.key("r")
    assert ctl.view().prompt and "[y/N]" in ctl.view().prompt
    ctl.key("n")  # not a yes: the answer, not the "next" key
    assert mine.read_text(encoding="utf-8") == "# precious\n" and ctl.view().kata.id == "dense"
    assert any("Nothing changed" in n for n in ctl.view().notices)
    ctl.key("r")
    ctl.key("y")
    assert mine.read_bytes() == DENSE.stub.read_bytes()
    backups = list((ws / ".katas" / "backups").glob("01_dense.*.py"))
    assert [b.read_text(encoding="utf-8") for b in backups] == ["# precious\n"]


def test_list_check_statement_and_quit_keys(ws) -> None:
    """``l`` lists every kata, ``c`` queues a check of the current one, ``s`` shows its
    statement, ``q`` ends the loop; other keys do nothing."""
    ctl, _, calls = make(ws)
    ctl.key("l")
    assert ctl.view().body == "list" and len(ctl.view().rows) == len(KATAS)
    ctl.key("c")
    ctl.run_queued()
    assert calls == ["dense"]
    ctl.key("s")
    assert ctl.view().text == DENSE.statement("en")
    ctl.key("x")
    assert not ctl.done
    ctl.key("q")
    assert ctl.done


def test_a_broken_state_file_is_said_on_the_screen(ws, capsys) -> None:
    """A broken state file found by the loop is kept aside and said in the frame (stderr would
    be wiped by the next redraw); the notice goes at the next key."""
    (ws / ".katas" / "state.json").write_bytes(b"{not json")
    ctl, _, _ = make(ws, lang="ja")
    notices = ctl.view().notices
    assert len(notices) == 1 and "進捗ファイル" in notices[0]
    assert capsys.readouterr().err == ""
    copies = list((ws / ".katas").glob("state.json.broken-*"))
    assert [c.read_bytes() for c in copies] == [b"{not json"]
    ctl.key("l")
    assert ctl.view().notices == []


# --- drawing, keys, saves --------------------------------------------------------------------


def frame(ctl: tui.Controller, lang: str = "en") -> str:
    from rich.console import Console

    out = io.StringIO()
    tui.draw(Console(file=out, width=100, color_system=None), ctl.view(), lang)
    return out.getvalue()


def test_a_frame_shows_progress_kata_path_report_and_keys(ws) -> None:
    """A frame has the progress, the current kata and its file, the last report, the keys; in
    a pipe no escape code is written (nothing is cleared)."""
    ctl, _, _ = make(ws)
    ctl.start()
    ctl.run_queued()
    text = frame(ctl)
    assert "0 of 28" in text.replace(str(len(KATAS)), "28") and "01_dense.py" in text
    assert "got 1, expected 2" in text and "q quit" in text and "\x1b" not in text
    ctl.key("h")
    assert "Hint 1 of" in frame(ctl)


def test_a_frame_in_japanese(ws) -> None:
    """The frame's own words follow the learner's language."""
    ctl, _, _ = make(ws, lang="ja")
    text = frame(ctl, "ja")
    assert "現在のカタ" in text and "終了" in text and "Current kata" not in text


def test_keys_are_off_without_a_terminal() -> None:
    """Without a terminal the key reader is off and only waits (saves still work)."""
    with tui.Keys(io.StringIO()) as keys:
        assert not keys.enabled
        assert keys.read(0.01) == ""


def test_keys_are_off_without_termios(monkeypatch) -> None:
    """Where termios does not exist (Windows) keys are off, even at a terminal."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setitem(sys.modules, "termios", None)  # importing it raises ImportError
    with tui.Keys(Terminal()) as keys:
        assert not keys.enabled


def test_saves_are_debounced_and_only_kata_like_files_count(tmp_path) -> None:
    """Several events for one file within the debounce are one save; .katas/ and non-.py files
    are not saves."""
    clock = Clock()
    saves = Saves(tmp_path, clock=clock)
    saves.note(tmp_path / "01_dense.py")
    saves.note(tmp_path / "01_dense.py")
    saves.note(tmp_path / "notes.txt")
    saves.note(tmp_path / ".katas" / "state.py")
    clock.now += DEBOUNCE_S - 0.05
    assert saves.ready() == []  # still being written, perhaps
    clock.now += 0.1
    assert saves.ready() == [tmp_path / "01_dense.py"]
    assert saves.ready() == []


# --- the flow outside the loop ----------------------------------------------------------------


def test_first_unsolved_wraps_and_ends() -> None:
    """The first unsolved kata in course order; when that is the current one, the next unsolved
    one after it (wrapping round); None when all are solved."""
    from katas.engine.workspace import State

    last = KATAS[-1]
    assert commands.first_unsolved(State(), after=DENSE).id == SECOND.id
    assert commands.first_unsolved(State(solved={SECOND.id: 1.0}), after=DENSE).id == THIRD.id
    assert commands.first_unsolved(State(solved={DENSE.id: 1.0}), after=last).id == SECOND.id
    # Kata 2 skipped, 1 and 4 solved, current 3: the first unsolved is 2, not 5 (issue 12:
    # "next goes to the first unsolved one").
    skipped = State(solved={DENSE.id: 1.0, KATAS[3].id: 1.0, THIRD.id: 1.0})
    assert commands.first_unsolved(skipped, after=THIRD).id == SECOND.id
    assert commands.first_unsolved(State(solved={DENSE.id: 1.0}), after=KATAS[10]).id == SECOND.id
    # The current kata is the first unsolved one: moving on skips it.
    assert commands.first_unsolved(State(solved={DENSE.id: 1.0}), after=SECOND).id == THIRD.id
    only = {k.id: 1.0 for k in KATAS if k.id != DENSE.id}
    assert commands.first_unsolved(State(solved=only), after=DENSE).id == DENSE.id
    assert commands.first_unsolved(State(solved={k.id: 1.0 for k in KATAS}), after=DENSE) is None


def test_next_goes_to_the_first_unsolved(ws, capsys) -> None:
    """``katas next`` skips solved katas; with every kata solved it says so and stays."""
    data = state(ws)
    data["solved"] = {SECOND.id: 1.0}
    (ws / ".katas" / "state.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["next"]) == 0
    assert state(ws)["current"] == THIRD.id and THIRD.slug in capsys.readouterr().out
    data = state(ws)
    data["solved"] = {k.id: 1.0 for k in KATAS}
    (ws / ".katas" / "state.json").write_text(json.dumps(data), encoding="utf-8")
    assert main(["next"]) == 0
    assert "Every kata is solved" in capsys.readouterr().out and state(ws)["current"] == THIRD.id


def test_check_of_another_kata_leaves_the_current_one(ws, capsys) -> None:
    """``katas check KATA`` records the result but the current kata stays (issue 12: it moved)."""
    code = main(["check", SECOND.id])
    assert code == 1 and SECOND.title["en"] in capsys.readouterr().out
    assert state(ws)["current"] == "dense"


def test_check_all_prints_a_line_per_kata_and_a_table(ws, capsys, monkeypatch) -> None:
    """``check --all``: one line per kata (a failure's first test briefly), then a table with
    verdict, tests and seconds and the totals; exit 1 when any fails; the current kata stays."""
    results = {k.id: (passed if k.number % 2 else failed)(k) for k in KATAS}

    def fake(ws_, lang, kata, impl, verbose, timeout):
        commands.record(ws_, kata, results[kata.id])
        return results[kata.id]

    monkeypatch.setattr(commands, "run_one", fake)
    # every file counts as started (an untouched stub is not run: test_engine.py tests that)
    monkeypatch.setattr(commands, "untouched", lambda ws_, kata: False)
    code = main(["check", "--all"])
    out = capsys.readouterr().out
    assert code == 1 and state(ws)["current"] == "dense"
    lines = out.splitlines()
    assert lines[0].startswith("✔ 1. ") and "3/3" in lines[0]
    assert lines[1].startswith("✘ 2. ") and "2/3" in lines[1] and "it is wrong" in lines[2]
    n_pass = sum(k.number % 2 for k in KATAS)
    assert f"{n_pass} of {len(KATAS)} katas pass" in out
    table = out[out.index("kata  ") :]
    assert re.search(r"2\. .*failed\s+2/3\s+0\.5", table), table
    assert "got 1, expected 2" not in out  # the whole report only with -v
    results.update({k.id: passed(k) for k in KATAS})
    assert main(["check", "--all"]) == 0
    assert main(["check", "--all", "-v"]) == 0


def test_bare_katas_in_a_pipe_prints_the_summary(ws, capsys) -> None:
    """Bare ``katas`` without a terminal must not wait for keys: the summary, exit 0; ``katas
    status`` is the same summary at a terminal too."""
    assert main([]) == 0
    bare = capsys.readouterr().out
    assert "0 of" in bare and "01_dense.py" in bare
    assert main(["status"]) == 0 and capsys.readouterr().out == bare


COMMANDS = [
    [],
    ["status"],
    ["list"],
    ["list", "--json"],
    ["start"],
    ["hint", "dense"],
    ["goto", "2"],
    ["next"],
    ["show"],
    ["solution", "dense", "--force"],
    ["reset", "dense", "--yes"],
    ["check", "dense", "--impl", "reference"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "bare")
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_broken_state_file_is_reported_by_every_command(ws, capsys, argv, lang) -> None:
    """Every command that reads the progress file says once, in the learner's language, that it
    was broken, and has kept it byte for byte before anything was written over it."""
    broken = b'{"solved": {"dense": 1'
    (ws / ".katas" / "state.json").write_bytes(broken)
    main(["--lang", lang, *argv])
    captured = capsys.readouterr()
    said = captured.out + captured.err
    marker = "could not be read" if lang == "en" else "進捗ファイル"
    assert said.count(marker) == 1, said
    copies = list((ws / ".katas").glob("state.json.broken-*"))
    assert [c.read_bytes() for c in copies] == [broken]
    assert str(copies[0]) in said
    if lang == "ja":
        notice = next(line for line in said.splitlines() if marker in line)
        assert "not valid JSON" not in notice  # the reason is Japanese too


# --- the real loop -----------------------------------------------------------------------------


def _env(root: Path) -> dict:
    env = {**os.environ, "DNN_KATAS_WORKSPACE": str(root), "DNN_KATAS_LANG": "en"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "200"  # rich wraps at 80 columns in a pipe; paths must stay whole
    # A failing check shrinks its example for seconds; on a loaded CI machine the default 30 s
    # limit could stop it, and the test would wait for a report that never comes.
    env["DNN_KATAS_TIMEOUT"] = "120"
    return env


class Output:
    """What a process printed so far, read with ``read``; ``expect`` waits for a pattern after
    the previous match (frames repeat old reports, so "after" means after the last match)."""

    def __init__(self, read) -> None:
        self.read, self.text, self.pos = read, "", 0

    def expect(self, pattern: str, limit: float = 150) -> None:
        deadline = time.monotonic() + limit
        while True:
            found = re.compile(pattern).search(self.text, self.pos)
            if found:
                self.pos = found.end()
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} within {limit} s in:\n{self.text[-3000:]}")
            self.text += self.read()


def test_the_loop_checks_at_once_rechecks_on_save_and_advances(tmp_path) -> None:
    """The real loop in a pipe: checks the current kata at start, a wrong save is reported, the
    fix passes and the loop moves to kata 2 and shows its statement; a save during a check of
    kata 2 that never ends restarts it, and Ctrl-C during it ends the loop at once, cleanly."""
    root = tmp_path / "ws"
    env = _env(root)
    subprocess.run([sys.executable, "-m", "katas", "start"], env=env, check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "katas", "watch", "--poll"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=sigint_as_in_a_terminal,
    )
    os.set_blocking(proc.stdout.fileno(), False)

    def read() -> str:
        time.sleep(0.05)
        return (proc.stdout.read() or b"").decode("utf-8", errors="replace")

    out = Output(read)
    try:
        out.expect(r"still the stub")  # checked at once
        wrong = (DENSE.folder / "mutants" / "m03_bias_mean.py").read_bytes()
        (root / "01_dense.py").write_bytes(wrong)
        out.expect(r"[1-9]\d* of \d+ tests pass")  # some, not none (the stub), not all
        (root / "01_dense.py").write_text(solved_text(), encoding="utf-8")
        out.expect(r"all \d+ tests pass")
        out.expect(re.escape(f"first unsolved kata: {SECOND.number}."), limit=10)
        # Ctrl-C during a check that would run for ever (up to the 120 s limit set above) ends
        # the loop at once: the check runs beside the loop, which cancels it.
        (root / f"{SECOND.slug}.py").write_text("while True:\n    pass\n", encoding="utf-8")
        out.expect(re.escape(f"Checking {SECOND.number}."))
        # A save during that check restarts it (a new frame says so) rather than waiting.
        (root / f"{SECOND.slug}.py").write_text("while True:\n    pass  # 2\n", encoding="utf-8")
        out.expect(re.escape(f"Checking {SECOND.number}."), limit=60)
        proc.send_signal(signal.SIGINT)
        began = time.monotonic()
        while proc.poll() is None and time.monotonic() - began < 60:
            out.text += read()  # keep reading: a full pipe would block the loop's last print
        code = proc.wait(timeout=1)
        assert time.monotonic() - began < 20, "Ctrl-C waited for the check"
    finally:
        if proc.poll() is None:
            proc.kill()
    out = out.text + read()
    assert code == 0, out[-3000:]
    assert "Traceback" not in out and "Stopped watching" in out
    assert f"Current kata: {SECOND.number}." in out and SECOND.slug + ".py" in out
    current = json.loads((root / ".katas" / "state.json").read_text(encoding="utf-8"))
    assert current["current"] == SECOND.id and "dense" in current["solved"]


@pytest.mark.skipif(not hasattr(os, "openpty") or sys.platform == "win32", reason="no pty")
def test_keys_through_a_terminal(tmp_path) -> None:
    """At a (pseudo) terminal bare ``katas`` is the loop: ``h`` shows a hint, ``l`` the list,
    ``q`` quits with status 0, and the terminal is left as it was (cbreak undone)."""
    import fcntl
    import struct
    import termios

    root = tmp_path / "ws"
    env = {**_env(root), "TERM": "xterm", "COLUMNS": "200", "LINES": "50"}
    subprocess.run([sys.executable, "-m", "katas", "start"], env=env, check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(
        [sys.executable, "-m", "katas"],
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=sigint_as_in_a_terminal,
    )
    os.set_blocking(master, False)

    def read() -> str:
        time.sleep(0.05)
        try:
            data = os.read(master, 65536)
        except (BlockingIOError, OSError):
            return ""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data.decode("utf-8", errors="replace"))

    out = Output(read)
    try:
        out.expect(r"still the stub")
        out.expect(r"q quit", limit=10)
        os.write(master, b"h")
        out.expect(r"Hint 1 of", limit=20)
        os.write(master, b"l")
        out.expect(re.escape(KATAS[-1].id), limit=20)
        # q during a check that would run for ever (up to the 120 s limit) quits at once.
        (root / "01_dense.py").write_text("while True:\n    pass\n", encoding="utf-8")
        out.expect(r"Checking 1\.")
        os.write(master, b"q")
        began = time.monotonic()
        while proc.poll() is None and time.monotonic() - began < 60:
            out.text += read()
        assert proc.wait(timeout=1) == 0 and time.monotonic() - began < 20
    finally:
        if proc.poll() is None:
            proc.kill()
        after = termios.tcgetattr(slave)
        os.close(slave)
        os.close(master)
    assert after[3] == before[3], "the terminal's local modes (ICANON, ECHO) were not restored"
    hints = json.loads((root / ".katas" / "state.json").read_text(encoding="utf-8"))["hints"]
    assert hints == {"dense": 1}


def test_the_readme_learner_commands_work(tmp_path, monkeypatch, capsys) -> None:
    """Every ``katas`` command in the README's learner section runs (exit 0) in a fresh
    workspace where kata 1 is solved, and the test file it names exists."""
    import shlex

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## For learners: the first five minutes", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    argvs = [
        shlex.split(line.split("#", 1)[0])[1:]
        for block in blocks
        for line in block.splitlines()
        if line.startswith("katas")
    ]
    assert argvs[0] == ["start"] and len(argvs) >= 8
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DNN_KATAS_WORKSPACE", raising=False)
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    for argv in argvs:
        code = main(argv)
        assert code == 0, (argv, capsys.readouterr())
        if argv == ["start"]:
            (tmp_path / "katas-workspace" / "01_dense.py").write_text(solved_text(), "utf-8")
    paths = re.findall(r"`(katas/content/\d\d_\w+/test_kata\.py)`", section)
    assert paths and all((REPO / path).is_file() for path in paths), paths


# --- a check that runs while the loop goes on (issue 12 review: keys ignored during a check) --


def test_a_save_with_new_bytes_during_a_check_restarts_it_once(ws) -> None:
    """A save of the file being checked cancels the check and queues it first; a second save
    during the restarted check waits for it to end (code rewriting its own file must not
    restart for ever) and is then judged by the echo rule."""
    clock = Clock()
    ctl, _, _ = make(ws, clock=clock)
    target = ws / "01_dense.py"
    ctl.saved(ws / f"{SECOND.slug}.py")  # another kata waits behind
    ctl._want(DENSE)
    assert ctl.begin() == (SECOND, True)
    ctl.finish(SECOND, True, failed(SECOND), None)
    assert ctl.begin()[0].id == "dense" and ctl.busy.id == "dense"
    ctl.saved(target)  # the same bytes: no restart, judged when the check ends
    assert not ctl.stop_busy
    target.write_text("# new\n", encoding="utf-8")
    ctl.saved(target)
    assert ctl.stop_busy and ctl.queue[0] == (DENSE, True)
    ctl.finish(DENSE, False, None, None)  # the worker says: cancelled
    assert ctl.report.kata.id == SECOND.id and ctl.busy is None
    assert ctl.begin() == (DENSE, True)
    target.write_text("# newer\n", encoding="utf-8")
    ctl.saved(target)  # during the restarted check: deferred
    assert not ctl.stop_busy and ctl.queue == []
    ctl.finish(DENSE, True, failed(DENSE), None)
    assert ctl.queue == [] and ctl.save_checks == 2  # "# newer" was what that check read


def test_keys_are_answered_while_a_check_runs(ws) -> None:
    """During a check ``h``, ``l`` and ``s`` answer at once, ``c`` restarts the check of the
    current kata, ``q`` ends the loop; the frame says a check is running."""
    ctl, _, _ = make(ws)
    ctl.start()
    assert ctl.begin()[0].id == "dense"
    ctl.key("h")
    assert ctl.view().body == "hint" and ctl.view().busy.id == "dense"
    drawn = frame(ctl)
    assert "Checking 1." in drawn and "q stops it" in " ".join(drawn.split()), drawn
    ctl.key("l")
    assert ctl.view().body == "list"
    ctl.key("c")
    assert ctl.stop_busy and ctl.queue == [(DENSE, False)]
    ctl.key("q")
    assert ctl.done


def test_the_worker_cancels_a_check_at_once() -> None:
    """A check that would run for ever ends within moments of ``cancel()`` (the check's own
    event is set; it raises Cancelled) and is handed back once as cancelled."""
    from katas.engine.runner import Cancelled

    started = __import__("threading").Event()

    def check(kata, cancel):
        started.set()
        if cancel.wait(60):
            raise Cancelled("spin")
        raise AssertionError("never cancelled")

    worker = tui.Worker(check)
    worker.start((DENSE, True))
    assert started.wait(10)
    assert worker.poll() is None and not worker.idle
    began = time.monotonic()
    worker.cancel()
    while (done := worker.poll()) is None:
        assert time.monotonic() - began < 10, "the check was not cancelled"
        time.sleep(0.01)
    assert done == (DENSE, True, None, None) and worker.idle and worker.poll() is None


def test_run_child_cancel_kills_the_whole_group(tmp_path) -> None:
    """``run_child(cancel=...)`` stops a child that loops for ever, and what it started, at once
    (long before its timeout) and raises Cancelled."""
    import threading

    from katas.engine.runner import Cancelled, run_child

    pidfile = tmp_path / "grandchild.pid"
    (tmp_path / "spin.py").write_text(
        "import pathlib, subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"pathlib.Path({str(pidfile)!r}).write_text(str(p.pid))\n"
        "while True:\n    pass\n",
        encoding="utf-8",
    )
    cancel = threading.Event()

    def cancel_when_started() -> None:
        deadline = time.monotonic() + 60
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        cancel.set()

    threading.Thread(target=cancel_when_started, daemon=True).start()
    began = time.monotonic()
    with pytest.raises(Cancelled):
        run_child("spin", [], timeout=300, cwd=tmp_path, cancel=cancel)
    # Generous for a loaded machine (start-up included); the timeout was 300 s.
    assert time.monotonic() - began < 60
    grandchild = int(pidfile.read_text())
    for _ in range(100):  # killed by SIGKILL; reaped by init, perhaps a moment later
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the grandchild outlived the cancelled check")


# --- the frame fits the terminal ---------------------------------------------------------------


def sized_frame(ctl: tui.Controller, width: int, height: int, lang: str = "en") -> list[str]:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, height=height, color_system=None)
    tui.draw(console, ctl.view(), lang)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(("width", "height"), [(120, 40), (80, 24), (100, 30)])
def test_the_statement_fits_and_keeps_its_start(ws, width, height) -> None:
    """With a report under it, the statement is cropped to the rows left: the frame fits the
    terminal, the statement's title is its first line, and a line says how to see it all."""
    kata = KATAS[10]  # a long statement
    ctl, _, _ = make(ws)
    ctl._move(kata)
    ctl.report = tui.Report(kata, "\n".join(f"line {i}" for i in range(6)), False)
    lines = sized_frame(ctl, width, height)
    assert len(lines) <= height - 1, "\n".join(lines)
    title = kata.statement("en").lstrip("# ").splitlines()[0][:20]
    assert title in lines[1], lines[:3]
    assert "katas show" in "\n".join(lines) and "q quit" in lines[-1] + lines[-2]


def test_the_list_is_a_window_round_the_current_kata(ws) -> None:
    """At 80x24 ``l`` shows the katas around the current one (its → marker in sight, not only
    the last ones) and says how to see them all."""
    ctl, _, _ = make(ws)
    ctl._move(KATAS[3])
    ctl.key("l")
    lines = sized_frame(ctl, 80, 24)
    text = "\n".join(lines)
    assert len(lines) <= 23 and "katas list" in text
    assert re.search(r"→\s+ 4\.", text) and " 1." in text and KATAS[-1].id not in text
    ctl._move(KATAS[-3])
    ctl.key("l")
    text = "\n".join(sized_frame(ctl, 80, 24))
    assert re.search(rf"→\s+{KATAS[-3].number}\.", text) and KATAS[-1].id in text


def test_a_long_hint_names_the_command_for_all_of_it(ws) -> None:
    """A hint cropped to the room left ends with the command that prints that very hint."""
    ctl, _, _ = make(ws)
    ctl.key("h")
    ctl.report = tui.Report(DENSE, "\n".join(f"line {i}" for i in range(8)), False)
    text = "\n".join(sized_frame(ctl, 70, 24))
    assert "Hint 1 of" in text and "katas hint dense --level 1" in " ".join(
        text.replace("│", " ").split()
    )


def test_a_short_statement_is_not_cropped(ws) -> None:
    """With room enough the whole body is drawn and no crop line is added."""
    ctl, _, _ = make(ws)
    text = "\n".join(sized_frame(ctl, 200, 400))
    assert "katas show" not in text and "lines shown" not in text


# --- what the loop's pass report says ----------------------------------------------------------


def test_the_loops_pass_report_has_no_next_command(ws) -> None:
    """After the loop has moved on by itself, its pass report does not tell the learner to run
    ``katas next``; ``katas check``'s report still does."""
    from katas.engine import feedback

    ctl, _, _ = make(ws, {"dense": passed})
    ctl.start()
    ctl.run_queued()
    assert ctl.report.passed and "katas next" not in ctl.report.text
    assert "katas next" in feedback.report(DENSE, passed(DENSE), "en")


# --- Japanese line breaks ----------------------------------------------------------------------


def test_a_line_break_between_japanese_characters_is_joined() -> None:
    """A break between two CJK characters goes (with the next line's indent); one next to a
    Latin letter, after a heading, a hard break, a blank line or inside a code fence stays."""
    from katas.engine.markdown import join_cjk_breaks

    assert join_cjk_breaks("Keras の\n  層です。") == "Keras の層です。"
    assert join_cjk_breaks("「勾配」\n（平均）") == "「勾配」（平均）"
    assert join_cjk_breaks("与えました。\n3 つ") == "与えました。3 つ"  # punctuation: no space
    assert join_cjk_breaks("式 11-1)、\n  He ら") == "式 11-1)、He ら"
    assert join_cjk_breaks("Dense\n、He") == "Dense、He"
    for kept in (
        "the\nlayer",
        "層の\nDense",
        "Dense\nの層",
        "# 見出し\n本文",
        "改行  \nです",
        "段落\n\n次",
        "```\nコード\nです\n```",
        "です。\n- 次の項目",
        "です。\n1. 次の項目",
        "です。\n    code",
    ):
        assert join_cjk_breaks(kept) == kept, kept
    assert join_cjk_breaks("```\nの\nの\n```\nの\nの") == "```\nの\nの\n```\nのの"


def test_the_frame_shows_japanese_without_stray_spaces(ws) -> None:
    """A Japanese statement wrapped in its source is drawn without a space at the wrap."""
    ctl, _, _ = make(ws, lang="ja")
    ctl.body, ctl.text = "statement", "# 見出し\n\nKeras の\n層を使います。"
    text = "\n".join(sized_frame(ctl, 100, 60, "ja"))
    assert "Keras の層を使います。" in text
