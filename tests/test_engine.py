"""The learner's CLI as a learner uses it: workspace, check, hints, reset, solution, watch, and
the one-paragraph explanations for broken files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from katas.cli import main
from katas.engine.registry import find

DENSE = find("dense")


def solved_text() -> str:
    return (
        "import numpy as np\n\n"
        "def dense_forward(x, kernel, bias):\n"
        "    out = x @ kernel\n"
        "    if bias is not None:\n"
        "        out = out + bias\n"
        "    return out, (x, kernel)\n\n"
        "def dense_backward(dout, cache):\n"
        "    x, kernel = cache\n"
        "    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)\n"
    )


@pytest.fixture
def ws(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(root))
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    assert main(["start"]) == 0
    return root


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_start_never_overwrites(ws, capsys) -> None:
    mine = ws / "01_dense.py"
    mine.write_text("# my work\n", encoding="utf-8")
    code, out = run(capsys, "start")
    assert code == 0 and "kept your existing 01_dense.py" in out
    assert mine.read_text(encoding="utf-8") == "# my work\n"
    assert (ws / ".gitignore").read_text(encoding="utf-8") == "*\n"


def test_status_and_list(ws, capsys) -> None:
    code, out = run(capsys, "--lang", "en")
    assert code == 0 and "0 of" in out and "01_dense.py" in out
    code, out = run(capsys, "list", "--json")
    rows = json.loads(out)
    assert rows[0]["id"] == "dense" and rows[0]["state"] == "new"
    assert rows[0]["reference"] == ["scratch.layers:dense_forward", "scratch.layers:dense_backward"]


def test_check_stub_then_solve(ws, capsys) -> None:
    code, out = run(capsys, "check", "dense")
    assert code == 1 and "still the stub" in out and "katas hint dense" in out
    (ws / "01_dense.py").write_text(solved_text(), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 0 and re.search(r"all \d+ tests pass", out), out
    code, out = run(capsys, "list", "--json")
    assert json.loads(out)[0]["state"] == "solved"


def test_failure_shows_input_expected_and_hint(ws, capsys) -> None:
    (ws / "01_dense.py").write_bytes((DENSE.folder / "mutants" / "m03_bias_mean.py").read_bytes())
    code, out = run(capsys, "check")
    assert code == 1
    assert ("returned" in out and "expected" in out) or "relative error" in out
    assert "hint" in out


def test_the_hint_pointer_is_the_command_that_shows_that_hint(ws, capsys) -> None:
    """The failure names the exact command for the hint its test points at, and that command
    prints that hint (not merely the next one)."""
    (ws / "01_dense.py").write_bytes((DENSE.folder / "mutants" / "m03_bias_mean.py").read_bytes())
    code, out = run(capsys, "check", "dense")
    found = re.search(r"`katas hint dense --level (\d+)`", out)
    assert code == 1 and found, out
    code, out = run(capsys, "hint", "dense", "--level", found.group(1))
    assert code == 0 and f"Hint {found.group(1)} of" in out, out


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def dense_forward(x, kernel, bias)\n    pass\n", "cannot read"),
        ("raise RuntimeError('boom')\n", "while it was being imported (line 1)"),
        ("def dense_forward(x, kernel, bias):\n    return x, None\n", "does not define"),
        (
            "def dense_forward(x, kernel, bias):\n    while True:\n        pass\n\n"
            "def dense_backward(dout, cache):\n    pass\n",
            "did not finish within",
        ),
        (
            "import numpy as np\n"
            "def dense_forward(x, kernel, bias):\n    return np.zeros(3), None\n\n"
            "def dense_backward(dout, cache):\n    return None\n",
            "returned shape (3,), expected shape",
        ),
    ],
    ids=["syntax", "import-error", "missing-function", "infinite-loop", "wrong-shape"],
)
def test_broken_files_get_one_clear_paragraph(ws, capsys, source, expected) -> None:
    (ws / "01_dense.py").write_text(source, encoding="utf-8")
    # A short limit only where the file loops forever; a loaded CI machine needs more elsewhere.
    timeout = "6" if "while True" in source else "120"
    code, out = run(capsys, "check", "dense", "--timeout", timeout)
    assert code == 1
    assert expected in out
    assert "Traceback" not in out


def test_hints_progress_and_repeat_after_the_last(ws, capsys) -> None:
    levels = len(DENSE.hints("en"))
    seen = [run(capsys, "hint", "dense")[1] for _ in range(levels + 1)]
    for level in range(1, levels + 1):
        assert f"Hint {level} of {levels}" in seen[level - 1]
    assert f"Hint {levels} of {levels}" in seen[-1] and "last hint" in seen[-1]


def test_japanese(ws, capsys) -> None:
    _, out = run(capsys, "hint", "dense", "--lang", "ja", "--level", "1")
    assert "ヒント 1" in out
    _code, out = run(capsys, "check", "dense", "--lang", "ja")
    assert "個のテスト" in out


def test_reset_keeps_a_backup(ws, capsys) -> None:
    mine = ws / "01_dense.py"
    mine.write_text("# precious\n", encoding="utf-8")
    code, _out = run(capsys, "reset", "dense", "--yes")
    assert code == 0
    backups = list((ws / ".katas" / "backups").glob("01_dense.*.py"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == "# precious\n"
    assert mine.read_bytes() == DENSE.stub.read_bytes()
    # A second reset keeps a second, distinct backup.
    run(capsys, "reset", "dense", "--yes")
    assert len(list((ws / ".katas" / "backups").glob("01_dense.*.py"))) == 2


def test_reset_without_a_terminal_asks_for_yes(ws, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out = run(capsys, "reset", "dense")
    assert code == 2 and "--yes" in out


def test_solution_locked_until_solved(ws, capsys) -> None:
    code, out = run(capsys, "solution", "dense")
    assert code == 2 and "Solve dense first" in out
    code, out = run(capsys, "solution", "dense", "--force")
    assert code == 0 and "def dense_backward" in out


def test_check_impl_reference_and_stub(capsys) -> None:
    code, _ = run(capsys, "check", "dense", "--impl", "reference")
    assert code == 0
    code, _out = run(capsys, "check", "dense", "--impl", "stub")
    assert code == 1


def test_goto_next_and_unknown(ws, capsys) -> None:
    code, out = run(capsys, "goto", "1")
    assert code == 0 and "Kata 1" in out
    code, out = run(capsys, "goto", "nonsense")
    assert code == 2 and "no kata called 'nonsense'" in out


def test_watch_rechecks_on_save(ws, capsys) -> None:
    """``watch --once`` checks the saved file and returns after that check."""
    target = ws / "01_dense.py"
    stop = threading.Event()

    def save_later() -> None:
        # Saved again every few seconds: a first save made before the observer looked at the
        # folder (a loaded machine) would otherwise never be seen and the test would hang.
        while not stop.wait(1.0):
            target.write_text(solved_text(), encoding="utf-8")
            stop.wait(2.0)

    threading.Thread(target=save_later, daemon=True).start()
    try:
        code, out = run(capsys, "watch", "--poll", "--once")
    finally:
        stop.set()
    assert code == 0 and re.search(r"all \d+ tests pass", out), out


def test_check_without_workspace(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(Path(tmp_path) / "none"))
    code, out = run(capsys, "check", "dense")
    assert code == 2 and "katas start" in out


def test_learner_profile_skips_the_explain_phase() -> None:
    """The learner's hypothesis profile has no explain phase (its comments are cut from the
    failure text, and it made every failing check seconds slower); checked in a subprocess
    because importing the plugin loads its profile for the whole process."""
    code = (
        "from hypothesis import Phase, settings\n"
        "import katas.engine.plugin\n"
        "phases = settings.get_profile('katas').phases\n"
        "assert Phase.explain not in phases and Phase.shrink in phases, phases\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_check_all_skips_untouched_stubs(ws, capsys, monkeypatch) -> None:
    """check --all shows a file still equal to the stub as not started, runs no child for it,
    counts it unsolved (exit 1); a changed file is still checked."""
    from katas.engine import commands
    from katas.engine.runner import CheckResult

    checked = []

    def fake_run_check(kata, specs, **kwargs):
        checked.append(kata.id)
        return [CheckResult(spec=specs[0], tests=[{"outcome": "failed"}], collected=1)]

    monkeypatch.setattr(commands, "run_check", fake_run_check)
    (ws / "01_dense.py").write_text(
        find("dense").stub.read_text(encoding="utf-8") + "# started\n", encoding="utf-8"
    )
    code, out = run(capsys, "check", "--all")
    assert code == 1 and checked == ["dense"]
    assert re.search(r"^· 2\. .*  not started$", out, re.M)
    assert re.search(r"^2\. .*not started +- +-$", out, re.M)
    assert "1. Dense layer: forward and backward  0/1" in out
    assert "0 of 1 tests pass" in out and f"{len(commands.all_katas()) - 1} not started" in out
    assert commands.Workspace(ws).load().solved == {}
    code, out = run(capsys, "check", "--all", "--lang", "ja")
    assert code == 1 and "未着手" in out and "not started" not in out
