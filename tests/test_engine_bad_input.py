"""The learner's CLI and the kata engine given bad input: every outcome is a clear message or
correct behaviour, never a raw traceback, a silent wrong answer or lost work.

Families: learner code that stops the test run (KeyboardInterrupt, SystemExit, os._exit,
signals); test files that collect nothing; broken state files; time limits, seeds and levels out
of range; compare's error paths; workspaces that are files, under files or unwritable; learner
output without bound; the child's import path; kata names, --impl paths, learner files and
languages that make no sense. TF-free except the one test marked ``tf``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import katas
from katas.cli import main
from katas.engine import compare as compare_mod
from katas.engine import feedback
from katas.engine.registry import all_katas, find, load_folder
from katas.engine.runner import BoundedOutput, CheckResult, default_timeout, run_check
from katas.errors import UserError
from tests.test_engine import solved_text

DENSE = find("dense")
# Kata 1's test count as the learner sees it ("all N tests pass"); its tests are plain
# functions, one test each.
N_DENSE = len(re.findall(r"^def test_", DENSE.tests.read_text(encoding="utf-8"), re.M))
REPO_ROOT = Path(katas.__file__).resolve().parent.parent

SOLVED = solved_text()


def learner(body_forward: str, header: str = "") -> str:
    """A dense kata file whose dense_forward runs ``body_forward`` (backward is correct)."""
    return (
        f"import numpy as np\n{header}\n"
        f"def dense_forward(x, kernel, bias):\n    {body_forward}\n\n"
        "def dense_backward(dout, cache):\n"
        "    x, kernel = cache\n"
        "    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)\n"
    )


@pytest.fixture
def ws(tmp_path, monkeypatch, capsys):
    root = tmp_path / "ws"
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(root))
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    monkeypatch.delenv("DNN_KATAS_TIMEOUT", raising=False)
    assert main(["start"]) == 0
    capsys.readouterr()
    return root


@pytest.fixture
def nows(tmp_path, monkeypatch):
    """No workspace: the default path does not exist."""
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(tmp_path / "none"))
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    monkeypatch.delenv("DNN_KATAS_TIMEOUT", raising=False)
    return tmp_path / "none"


def run(capsys, *argv: str) -> tuple[int, str]:
    """main(argv) -> (exit status, stdout + stderr); argparse's exit becomes a status too."""
    try:
        code = main(list(argv))
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def solved(ws: Path) -> dict:
    return json.loads((ws / ".katas" / "state.json").read_text(encoding="utf-8"))["solved"]


def clear(out: str) -> bool:
    """A message, not a traceback or a raw problem dict."""
    return "Traceback" not in out and "{'kind'" not in out


# --- 1. a kata is solved only when every one of its tests ran and passed -------------------


@pytest.mark.parametrize(
    "statement",
    ["raise KeyboardInterrupt", "raise SystemExit(0)", "raise GeneratorExit",
     "import sys; sys.exit(3)", "import pytest; pytest.exit('bye')",
     "import pytest; pytest.skip('later')", "raise type('Mine', (BaseException,), {})()"],
)  # fmt: skip
def test_kata_function_stopping_the_run_fails_its_tests(ws, capsys, statement) -> None:
    """A kata function raising a BaseException fails every test that calls it; never solved."""
    (ws / "01_dense.py").write_text(learner(statement), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and clear(out), out
    assert f"0 of {N_DENSE} tests pass" in out and "instead of returning" in out
    assert "dense" not in solved(ws)


@pytest.mark.parametrize("exc", ["KeyboardInterrupt('sneaky')", "__import__('pytest').exit('x')"])
def test_interrupt_outside_the_kata_function_is_a_shortfall(ws, capsys, exc) -> None:
    """An interrupt raised where the wrapper cannot see it (a returned array's .shape) stops
    pytest early: fewer tests ran than were collected, so it fails, in one paragraph."""
    header = f"class Evil(np.ndarray):\n    @property\n    def shape(self):\n        raise {exc}\n"
    body = "return (x @ kernel + (0 if bias is None else bias)).view(Evil), (x, kernel)"
    (ws / "01_dense.py").write_text(learner(body, header), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and clear(out), out
    # The named-mistake tests run first (plugin.py) and never read .shape: some may pass.
    ran = re.search(rf"Only (\d+) of {N_DENSE} tests ran", out)
    assert ran and int(ran.group(1)) < N_DENSE and f"all {N_DENSE} tests pass" not in out, out
    assert "dense" not in solved(ws)


def test_os_exit_says_the_process_exited(ws, capsys) -> None:
    """os._exit(0) in learner code: the process exited with status 0 during test N of M."""
    (ws / "01_dense.py").write_text(learner("import os; os._exit(0)"), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and clear(out), out
    assert "exited with status 0 during the test" in out and f"(test 1 of {N_DENSE})" in out
    assert "os._exit()" in out
    assert "dense" not in solved(ws)


def test_killed_by_a_signal_is_named(ws, capsys) -> None:
    """A learner process killed by a signal: the signal's name and its usual cause."""
    body = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    (ws / "01_dense.py").write_text(learner(body), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and clear(out) and "killed by SIGKILL" in out and "memory" in out, out


def _fake_kata(tmp_path: Path, tests: str) -> Path:
    """A kata folder with dense's functions and stub but the given test file."""
    folder = tmp_path / "99_fake"
    folder.mkdir()
    (folder / "kata.toml").write_text(
        'id = "fake"\nnumber = 99\ntitle_en = "Fake"\ntitle_ja = "偽"\n'
        'functions = ["dense_forward", "dense_backward"]\n'
        'reference = ["scratch.layers:dense_forward", "scratch.layers:dense_backward"]\n',
        encoding="utf-8",
    )
    (folder / "stub.py").write_bytes(DENSE.stub.read_bytes())
    (folder / "test_kata.py").write_text(tests, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("tests", "kind", "says"),
    [
        ('"""No test at all."""\n', "no_tests", "collected no test"),
        ("import no_such_module_xyz\n\ndef test_a(impl):\n    pass\n", "collection_error",
         "could not be loaded"),
    ],
    ids=["nothing-collected", "import-error"],
)  # fmt: skip
def test_a_test_file_that_runs_nothing_never_passes(tmp_path, tests, kind, says) -> None:
    """Zero tests collected (or a test file that fails to import) is a failure, not a pass,
    and its explanation does not crash (it was an IndexError)."""
    kata = load_folder(_fake_kata(tmp_path, tests))
    (result,) = run_check(kata, ["reference"], timeout=120)
    assert not result.passed
    assert result.problem["kind"] == kind
    assert says in feedback.report(kata, result, "en")
    assert feedback.report(kata, result, "ja")  # and in Japanese


def test_report_of_a_run_with_no_tests_and_no_reason_is_not_a_pass() -> None:
    """A result without tests and without a problem (a child that said nothing) fails clearly."""
    says = ["collected no test", "Only 0 of 7 tests ran"]
    for collected, expected in zip((None, 7), says, strict=True):
        result = CheckResult("x", [], None, 0.0, collected)
        assert not result.passed
        assert expected in feedback.report(DENSE, result, "en")


def test_fewer_records_than_collected_is_not_a_pass() -> None:
    """Six passing records of seven collected tests: not solved."""
    tests = [{"name": "t", "doc": "", "outcome": "passed", "hint": None, "message": ""}] * 6
    assert not CheckResult("x", tests, None, 0.0, 7).passed
    assert CheckResult("x", [*tests, tests[0]], None, 0.0, 7).passed


# --- 2. the state file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b'{"solved": {"dense": 1', b"\x00\x01\x02 not json", b'{"current": "\xff\xfe"}',
     b"[1, 2, 3]", b'{"solved": 5}', b'{"hints": {"dense": "two"}}', b'{"current": 3}',
     b'{"solved": {"dense": true}}', b""],
    ids=["truncated", "binary", "not-utf8", "list", "solved-int", "hints-str", "current-int",
         "solved-bool", "empty"],
)  # fmt: skip
def test_broken_state_is_kept_and_reported(ws, capsys, content) -> None:
    """A state file that cannot be read is copied aside byte for byte, replaced by a fresh one,
    and the learner is told where the copy is; every command goes on working."""
    state = ws / ".katas" / "state.json"
    state.write_bytes(content)
    code, out = run(capsys, "list")
    assert code == 0 and clear(out), out
    copies = list((ws / ".katas").glob("state.json.broken-*"))
    assert len(copies) == 1 and copies[0].read_bytes() == content
    assert "could not be read" in out and str(copies[0]) in out
    json.loads(state.read_text(encoding="utf-8"))  # a valid state again
    code, out = run(capsys, "list")
    assert code == 0 and "could not be read" not in out  # reported once


def test_broken_state_without_room_for_a_copy_is_refused(ws, capsys, monkeypatch) -> None:
    """When the copy cannot be written, the broken file stays untouched and the CLI refuses."""
    state = ws / ".katas" / "state.json"
    state.write_bytes(b'{"solved": {"dense": 1')
    real = Path.write_bytes

    def no_copies(self, data):
        if "broken" in self.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", no_copies)
    code, out = run(capsys, "list")
    assert code == 2 and clear(out) and "Repair or remove it" in out, out
    assert state.read_bytes() == b'{"solved": {"dense": 1'


def test_unknown_kata_ids_are_kept_but_not_counted(ws, capsys) -> None:
    """Ids this version does not know (another version's katas) survive a save; progress and
    the current kata ignore them."""
    state = ws / ".katas" / "state.json"
    data = {"current": "gone", "solved": {"dense": 1.0, "gone": 2.0}, "hints": {"gone": 1},
            "future_field": [1]}  # fmt: skip
    state.write_text(json.dumps(data), encoding="utf-8")
    code, out = run(capsys)
    total = len(all_katas())  # the count grows with every new kata
    assert code == 0 and f"1 of {total}" in out and "02_initializers.py" in out, out
    assert run(capsys, "hint", "dense")[0] == 0
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["solved"]["gone"] == 2.0 and saved["hints"]["gone"] == 1
    assert saved["future_field"] == [1] and saved["hints"]["dense"] == 1


def test_progress_that_cannot_be_saved_is_a_clear_error(ws, capsys, monkeypatch) -> None:
    """A read-only workspace: saving progress fails with the path and the OS's reason, and
    leaves no temporary file behind."""

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", refuse)
    code, out = run(capsys, "goto", "2")
    assert code == 2 and clear(out) and "cannot save your progress" in out, out
    assert "Permission denied" in out
    assert not [p.name for p in (ws / ".katas").iterdir() if p.name.endswith(".tmp")]


# --- 3. time limits --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check", "dense"], ["watch"], ["compare", "dense"]])
@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "abc", "1e9", ""])
def test_bad_timeout_flags_are_refused(ws, capsys, command, value) -> None:
    """--timeout must be a number of seconds in (0, 86400]: argparse names the flag."""
    code, out = run(capsys, *command, "--timeout", value)
    assert code == 2 and "argument --timeout" in out and "seconds" in out, out


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_bad_timeout_variable_is_refused_at_use(ws, capsys, monkeypatch, value) -> None:
    """$DNN_KATAS_TIMEOUT is read when a check needs it, validated, and named in the error;
    commands that do not check work regardless."""
    monkeypatch.setenv("DNN_KATAS_TIMEOUT", value)
    code, out = run(capsys, "check", "dense", "--impl", "reference")
    assert code == 2 and "DNN_KATAS_TIMEOUT" in out and clear(out), out
    assert run(capsys, "list")[0] == 0
    with pytest.raises(UserError, match="DNN_KATAS_TIMEOUT"):
        default_timeout()


def test_bad_timeout_variable_does_not_break_the_import(tmp_path) -> None:
    """A bad $DNN_KATAS_TIMEOUT crashed every command when runner.py was imported."""
    env = {**os.environ, "DNN_KATAS_TIMEOUT": "abc", "DNN_KATAS_LANG": "en"}
    env["DNN_KATAS_WORKSPACE"] = str(tmp_path / "none")
    done = subprocess.run(
        [sys.executable, "-m", "katas", "list"], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_run_check_refuses_an_impossible_timeout() -> None:
    """The Python API checks its timeout too."""
    for value in (0, -1, float("nan"), float("inf"), "x"):
        with pytest.raises(UserError, match="timeout"):
            run_check(DENSE, ["reference"], timeout=value)


# --- 4. compare ----------------------------------------------------------------------------


def test_compare_honours_the_timeout_flag(ws, capsys, monkeypatch) -> None:
    """--timeout 5 stays 5 s (it was raised to 120); without the flag the default is 120."""
    seen = []

    def fake(kata, spec, seed=0, timeout=0.0, lang="en"):
        seen.append(timeout)
        return compare_mod.Outcome("table", 0)

    monkeypatch.setattr(compare_mod, "compare", fake)
    assert run(capsys, "compare", "dense", "--timeout", "5")[0] == 0
    assert run(capsys, "compare", "dense")[0] == 0
    assert seen == [5.0, compare_mod.DEFAULT_TIMEOUT_S]


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("def dense_forward(x, kernel, bias)\n    pass\n", "Python cannot read"),
        ("raise RuntimeError('boom')\n", "while it was being imported (line 1)"),
        ("def dense_forward(x, kernel, bias):\n    pass\n", "does not define dense_backward"),
        ("import os\nos._exit(3)\n", "exited with status 3 while your file was being imported"),
        ("while True:\n    pass\n", "did not finish within 3 s while your file was being"),
    ],
    ids=["syntax", "import-error", "missing-function", "exit", "timeout"],
)
def test_compare_explains_an_unusable_file_like_check(ws, capsys, source, says) -> None:
    """compare on a broken file: check's paragraph and a non-zero exit (it printed a dict, 0)."""
    (ws / "01_dense.py").write_text(source, encoding="utf-8")
    code, out = run(capsys, "compare", "dense", "--timeout", "3")
    assert code == 1 and clear(out) and says in out, out


def test_compare_without_cases_or_workspace(nows, capsys) -> None:
    """A kata without compare.py, or no workspace for your own file: clear errors, exit 2."""
    code, out = run(capsys, "compare", "momentum", "--impl", "reference")
    assert code == 2 and "no comparison cases" in out
    code, out = run(capsys, "compare", "dense")
    assert code == 2 and "katas start" in out
    code, out = run(capsys, "compare", "lockstep", "--timeout", "5")
    assert code == 2 and "--timeout" in out


@pytest.mark.parametrize(
    ("yours", "says"),
    [
        (None, "yours: is NoneType of dtype object, not a numeric array"),
        ("text", "not a numeric array"),
        ([[1.0, 2.0]], "shapes differ: yours (1, 2), scratch (2, 2)"),
        ([[1.0, float("nan")], [0.0, 0.0]], "yours has nan at index (0, 1)"),
        ([[1j, 0], [0, 0]], "complex"),
    ],
    ids=["none", "string", "shape", "nan", "complex"],
)
def test_compare_rows_say_why_outputs_cannot_be_compared(yours, says) -> None:
    """Wrong types, shapes and NaN are named in the row and make compare exit 1."""
    ref = {"out": [[1.0, 2.0], [3.0, 4.0]]}
    rows = compare_mod.compare_outputs("case", {"yours": {"out": yours}, "scratch": ref})
    assert len(rows) == 1 and says in rows[0]["note"], rows
    assert compare_mod.yours_failed(rows)
    assert says in compare_mod.format_table(rows)


def test_compare_rows_for_code_that_raises_and_for_agreement() -> None:
    """An output that raised is a note naming who raised; equal outputs are numbers, exit 0."""
    ref = {"out": [[1.0, 2.0]]}
    rows = compare_mod.compare_outputs("c", {"yours": "raised SystemExit: 0", "scratch": ref})
    assert rows[0]["note"] == "yours: raised SystemExit: 0" and compare_mod.yours_failed(rows)
    rows = compare_mod.compare_outputs("c", {"yours": ref, "scratch": ref, "tf_ref": "unavailable"})
    assert rows[0]["abs"] == 0.0 and not compare_mod.yours_failed(rows)
    assert rows[1]["note"] == "tf_ref: unavailable"


@pytest.mark.tf
def test_compare_end_to_end_wrong_shape(ws, capsys) -> None:
    """A learner forward of the wrong shape: the table says so and compare exits 1."""
    (ws / "01_dense.py").write_text(learner("return x[:1] @ kernel, (x, kernel)"), encoding="utf-8")
    code, out = run(capsys, "compare", "dense")
    assert code == 1 and "shapes differ: yours (1, 10), scratch (32, 10)" in out, out


# --- 5. workspaces in odd places ------------------------------------------------------------


def test_bare_katas_outside_a_workspace_says_so_and_fails(nows, capsys) -> None:
    """`katas` with no workspace is an error (exit 2) that says how to make one, not a status."""
    code, out = run(capsys)
    assert code == 2 and "No workspace" in out and "katas start" in out and not nows.exists()


def test_reset_outside_a_workspace_is_refused(nows, capsys) -> None:
    """reset --yes with no workspace: refused, and no partial workspace is created."""
    code, out = run(capsys, "reset", "dense", "--yes")
    assert code == 2 and "katas start" in out and not nows.exists()


@pytest.mark.parametrize(
    "command",
    [
        *(["start"], [], ["list"], ["check"], ["hint"], ["goto", "1"], ["next"], ["show"]),
        *(["solution", "--force"], ["reset", "dense", "--yes"], ["compare", "dense"]),
    ],
)
def test_workspace_that_is_a_file(tmp_path, capsys, monkeypatch, command) -> None:
    """--workspace naming a file: every command says so; the file is untouched."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    code, out = run(capsys, "--workspace", str(target), *command)
    assert code == 2 and "is a file, not a workspace folder" in out and clear(out), out
    assert target.read_text(encoding="utf-8") == "mine"


def test_workspace_under_a_file(tmp_path, capsys, monkeypatch) -> None:
    """A workspace path below a file: the error names the file in the way."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    (tmp_path / "f").write_text("x", encoding="utf-8")
    code, out = run(capsys, "start", "--workspace", str(tmp_path / "f" / "ws"))
    assert code == 2 and clear(out) and f"{tmp_path / 'f'} is a file, not a folder" in out, out


def test_workspace_that_cannot_be_written(tmp_path, capsys, monkeypatch) -> None:
    """No permission to write the stubs: a clear error naming the folder and the reason."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")

    def refuse(src, dst, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("shutil.copyfile", refuse)
    code, out = run(capsys, "start", "--workspace", str(tmp_path / "ws"))
    assert code == 2 and clear(out) and "Permission denied" in out and "01_dense.py" in out, out


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_workspace_folder_without_write_permission(tmp_path, capsys, monkeypatch) -> None:
    """The same with a real read-only folder (not as root, who may write anyway)."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, out = run(capsys, "start", "--workspace", str(folder))
    finally:
        folder.chmod(0o700)
    assert code == 2 and clear(out) and "Permission denied" in out, out


def test_kata_file_that_is_a_folder(ws, capsys) -> None:
    """A folder where a kata file should be: start flags it, check and reset explain it."""
    (ws / "01_dense.py").unlink()
    (ws / "01_dense.py").mkdir()
    code, out = run(capsys, "start")
    assert code == 1 and "01_dense.py is a folder" in out
    code, out = run(capsys, "check", "dense")
    assert code == 1 and clear(out) and "is a folder, not a Python file" in out, out
    code, out = run(capsys, "reset", "dense", "--yes")
    assert code == 2 and clear(out) and "is a folder" in out, out


def test_reset_without_an_answer_changes_nothing(ws, capsys, monkeypatch) -> None:
    """reset in a terminal that reaches end of file (Ctrl-D), or with no stdin at all."""
    mine = ws / "01_dense.py"
    mine.write_text("# mine\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    code, out = run(capsys, "reset", "dense")
    assert code == 1 and "Nothing changed" in out
    monkeypatch.setattr("sys.stdin", None)
    code, out = run(capsys, "reset", "dense")
    assert code == 2 and "--yes" in out
    assert mine.read_text(encoding="utf-8") == "# mine\n"


# --- 6. integer flags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["compare", "dense", "--seed", "-1"], "--seed"),
        (["compare", "dense", "--seed", "1.5"], "--seed"),
        (["compare", "lockstep", "--seed", "-3"], "--seed"),
        (["hint", "dense", "--level", "0"], "--level"),
        (["hint", "dense", "--level", "-1"], "--level"),
        (["hint", "dense", "--level", "x"], "--level"),
        (["compare", "lockstep", "--steps", "0"], "--steps"),
        (["compare", "lockstep", "--batch-size", "-1"], "--batch-size"),
    ],
)
def test_integer_flags_out_of_range_are_refused(ws, capsys, argv, flag) -> None:
    """Negative seeds, levels below 1, zero steps: argparse names the flag and the range."""
    code, out = run(capsys, *argv)
    assert code == 2 and f"argument {flag}" in out and "expected" in out, out


def test_hint_level_above_the_last(ws, capsys) -> None:
    """--level 99: the kata's hint range, naming the flag."""
    code, out = run(capsys, "hint", "dense", "--level", "99")
    assert code == 2 and "hint --level" in out and "hints 1 to" in out


# --- 7. learner output ---------------------------------------------------------------------


def test_bounded_output_keeps_head_and_tail_only() -> None:
    """Megabytes in, a few KiB kept, the total counted, the gap marked."""
    out = BoundedOutput(head=100, tail=200)
    for i in range(10_000):
        out.feed(f"line {i}\n".encode() * 10)
    assert out.total == 988_900 and out.shown == 300
    text = out.text()
    assert text.startswith("line 0\n") and text.endswith("line 9999\n") and "not kept" in text


def test_chatty_correct_code_passes_and_is_told(ws, capsys) -> None:
    """A correct file printing megabytes is solved, with a word about the printing."""
    body = (
        "print('x' * 50_000)\n    return (x @ kernel + (0 if bias is None else bias)), (x, kernel)"
    )
    (ws / "01_dense.py").write_text(learner(body), encoding="utf-8")
    code, out = run(capsys, "check", "dense", "--timeout", "120")
    assert code == 0 and f"all {N_DENSE} tests pass" in out, out
    assert "MiB while the tests ran" in out


def test_a_timeout_while_printing_is_not_blamed_on_a_loop(ws, capsys) -> None:
    """Stopped while printing a lot: the message says how much was printed and shows the end."""
    body = "while True:\n        print('step' * 25)"
    (ws / "01_dense.py").write_text(learner(body), encoding="utf-8")
    code, out = run(capsys, "check", "dense", "--timeout", "3")
    assert code == 1 and clear(out), out
    assert "had printed" in out and "Printing that much is slow" in out and "step    [x" in out


# --- 8. the child imports the running package ----------------------------------------------


def test_child_imports_the_running_katas_and_scratch(tmp_path, monkeypatch) -> None:
    """Decoy katas/ and scratch/ packages first on PYTHONPATH never reach the child."""
    for name in ("katas", "scratch"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('decoy {name}')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    spy = tmp_path / "spy.py"
    spy.write_text(
        "import katas, scratch\n"
        "def dense_forward(x, kernel, bias):\n"
        "    raise AssertionError('FROM ' + katas.__file__ + ' AND ' + scratch.__file__)\n"
        "def dense_backward(dout, cache):\n    pass\n",
        encoding="utf-8",
    )
    reference, spied = run_check(DENSE, ["reference", str(spy)], timeout=120)
    assert reference.passed, reference.problem
    message = spied.failures[0]["message"]
    assert f"FROM {REPO_ROOT / 'katas' / '__init__.py'}" in message, message
    assert f"AND {REPO_ROOT / 'scratch' / '__init__.py'}" in message, message


def test_a_check_run_from_a_copy_tests_the_copy(tmp_path) -> None:
    """``python -m katas check`` run from a copy of the repository's packages (this venv has
    the repository itself installed) runs the copy's tests on the copy's code: a failing test
    added to the copy's kata is seen failing, and says the reference and the engine it ran
    with came from the copy (before, the child imported the installed scratch and engine)."""
    import shutil

    copy = tmp_path / "clone"
    for name in ("katas", "scratch"):
        shutil.copytree(REPO_ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    tests = copy / "katas" / "content" / DENSE.folder.name / "test_kata.py"
    tests.write_text(
        tests.read_text(encoding="utf-8")
        + "\n\ndef test_added_in_the_copy(impl):\n"
        + '    """Only the copy has this test.\n    ja: コピーにだけあるテスト。"""\n'
        + "    import inspect\n    import katas.engine.plugin\n"
        + "    scratch = inspect.getfile(inspect.unwrap(impl.dense_forward))\n"
        + "    raise AssertionError('seen in the copy, with ' + scratch + ' and '\n"
        + "                         + katas.engine.plugin.__file__)\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "katas", "check", "dense", "--impl", "reference", "--lang", "en"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Only the copy has this test." in out and "seen in the copy" in out, out
    assert f"with {copy / 'scratch' / 'layers.py'} and " in out, out
    assert f"and {copy / 'katas' / 'engine' / 'plugin.py'}" in out, out
    assert f"{N_DENSE} of {N_DENSE + 1} tests pass" in out, out


# --- 9. the rest of the battery ------------------------------------------------------------


@pytest.mark.parametrize("name", ["nonsense", "", "0", "99", "-1", "²", " "])
@pytest.mark.parametrize(
    "command", [["check"], ["hint"], ["solution"], ["show"], ["goto"], ["reset"], ["compare"]]
)
def test_unknown_kata_names(ws, capsys, command, name) -> None:
    """Unknown ids, empty strings, numbers out of range: one line listing the katas."""
    code, out = run(capsys, *command, name)
    total = len(all_katas())
    assert code == 2 and "no kata called" in out and f"1 to {total}" in out and clear(out), out


@pytest.mark.parametrize(
    ("impl", "says"),
    [("missing.py", "no such file"), (".", "is a folder"), ("notes.txt", "not a .py file"),
     ("", "expected reference, stub"), ("a\0b.py", "expected reference, stub")],
    ids=["missing", "folder", "not-py", "empty", "nul"],
)  # fmt: skip
@pytest.mark.parametrize("command", ["check", "compare"])
def test_impl_paths_that_are_not_python_files(ws, capsys, tmp_path, monkeypatch, command, impl,
                                              says) -> None:  # fmt: skip
    """--impl names something that is not a readable .py file: exit 2, the flag named."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    code, out = run(capsys, command, "dense", "--impl", impl)
    assert code == 2 and "--impl" in out and says in out and clear(out), out


def test_impl_path_that_cannot_be_read(ws, capsys, tmp_path, monkeypatch) -> None:
    """--impl naming a file the OS will not open: the flag and the reason."""
    target = tmp_path / "locked.py"
    target.write_text(SOLVED, encoding="utf-8")
    real = Path.open

    def refuse(self, *args, **kwargs):
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code, out = run(capsys, "check", "dense", "--impl", str(target))
    assert code == 2 and "cannot read it (Permission denied)" in out, out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x7fELF\x02\x01\x00\x00binary", "holds binary data"),
        ("def dense_forward(x, k, b):\n    return 'é'\n".encode("latin-1"), "Save it as UTF-8"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "not readable as Python text"),
        (b"def dense_forward(x):\n    pass\ndef dense_backward(dout, cache):\n    pass\n",
         "cannot be called the way the tests call it"),
        (b"dense_forward = 3\ndense_backward = 4\n", "does not define dense_forward"),
        (b"import sys\nsys.exit(0)\n", "SystemExit"),
        (b"raise KeyboardInterrupt\n", "KeyboardInterrupt"),
        (b"x = (" * 300 + b"\n", "Python cannot read"),
    ],
    ids=["binary", "latin-1", "bad-coding", "signature", "not-callable", "exit-on-import",
         "interrupt-on-import", "nested"],
)  # fmt: skip
def test_learner_files_that_cannot_be_tested(ws, capsys, content, says) -> None:
    """Files that are not usable Python: one paragraph each, never a traceback, never solved."""
    (ws / "01_dense.py").write_bytes(content)
    code, out = run(capsys, "check", "dense")
    assert code == 1 and says in out and clear(out), out
    assert "dense" not in solved(ws)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("return None", "cannot unpack"),
        ("return x @ kernel", "values to unpack"),
        ("return np.full((x.shape[0], kernel.shape[1]), np.nan), None", "non-finite value nan"),
        ("return np.zeros(3), None", "returned shape (3,), expected shape"),
        ("return [[7.0]], None", "expected a NumPy array"),
        ("return np.array([['7']]), None", "dtype <U1; expected numbers"),
    ],
    ids=["none", "no-tuple", "nan", "shape", "list", "strings"],
)
def test_functions_returning_the_wrong_thing(ws, capsys, body, says) -> None:
    """Wrong types, shapes and NaN: the first failing test says what came back."""
    (ws / "01_dense.py").write_text(learner(body), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and says in out and clear(out), out


def test_a_file_that_deletes_itself_is_restored(ws, capsys) -> None:
    """Learner code removing its own file: the result is not recorded and the file comes back."""
    source = learner("return x @ kernel + (0 if bias is None else bias), (x, kernel)",
                     "import os\nos.remove(__file__)\n")  # fmt: skip
    (ws / "01_dense.py").write_text(source, encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and "was deleted while it was being checked" in out, out
    assert (ws / "01_dense.py").read_text(encoding="utf-8") == source
    assert "dense" not in solved(ws)


def test_a_file_that_rewrites_itself_keeps_the_checked_version(ws, capsys) -> None:
    """Learner code rewriting its file: not recorded, and the version checked is backed up."""
    source = learner("return x @ kernel + (0 if bias is None else bias), (x, kernel)",
                     "open(__file__, 'w').write('# gone\\n')\n")  # fmt: skip
    (ws / "01_dense.py").write_text(source, encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 1 and "changed while it was being checked" in out, out
    (backup,) = (ws / ".katas" / "backups").glob("01_dense.*.py")
    assert backup.read_text(encoding="utf-8") == source and str(backup) in out
    assert "dense" not in solved(ws)


def test_check_all_with_a_kata_or_a_path(ws, capsys) -> None:
    """check --all takes no kata, and no path (one file cannot be every kata)."""
    code, out = run(capsys, "check", "dense", "--all")
    assert code == 2 and "--all" in out
    code, out = run(capsys, "check", "--all", "--impl", str(ws / "01_dense.py"))
    assert code == 2 and "reference or stub" in out


@pytest.mark.parametrize("value", ["xx", "klingon", "C", "de_DE.UTF-8"])
def test_language_variable_junk_is_refused(ws, capsys, monkeypatch, value) -> None:
    """$DNN_KATAS_LANG naming no language of ours: an error naming the variable."""
    monkeypatch.setenv("DNN_KATAS_LANG", value)
    code, out = run(capsys, "list")
    assert code == 2 and "DNN_KATAS_LANG" in out and "en, ja" in out


def test_language_variable_accepts_locales(ws, capsys, monkeypatch) -> None:
    """ja_JP.UTF-8 means Japanese; --lang xx is argparse's error (in Japanese too)."""
    monkeypatch.setenv("DNN_KATAS_LANG", "ja_JP.UTF-8")
    code, out = run(capsys, "hint", "dense", "--level", "1")
    assert code == 0 and "ヒント 1" in out
    code, out = run(capsys, "list", "--lang", "xx")
    assert code == 2 and "引数 --lang" in out and "'xx' は選べません" in out


@pytest.mark.parametrize("value", ["", " ", "a\0b"])
def test_workspace_flag_junk(ws, capsys, value) -> None:
    """--workspace '' (which meant the current folder) or with a NUL: refused by argparse."""
    code, out = run(capsys, "list", "--workspace", value)
    assert code == 2 and "argument --workspace" in out


def test_new_messages_exist_in_both_languages() -> None:
    """Every engine sentence has an English and a Japanese version with the same fields."""
    import string

    from katas.engine.i18n import MESSAGES

    assert set(MESSAGES["en"]) == set(MESSAGES["ja"])
    for key, text in MESSAGES["en"].items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        ja = {f for _, f, _, _ in string.Formatter().parse(MESSAGES["ja"][key]) if f}
        assert {f.split(":")[0] for f in fields} == {f.split(":")[0] for f in ja}, key


def test_processes_started_by_learner_code_end_with_the_check(ws, capsys, tmp_path) -> None:
    """A learner file leaving a process behind (holding the output pipe) neither hangs the check
    nor outlives it: the child's whole process group is stopped."""
    pid_file = tmp_path / "sleeper.pid"
    header = (
        "import subprocess\n"
        "_p = subprocess.Popen(['sleep', '60'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(_p.pid))\n"
    )
    body = "return x @ kernel + (0 if bias is None else bias), (x, kernel)"
    (ws / "01_dense.py").write_text(learner(body, header), encoding="utf-8")
    code, out = run(capsys, "check", "dense")
    assert code == 0 and f"all {N_DENSE} tests pass" in out, out
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # the kill is sent; give the OS a moment to deliver it
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and ") Z" in stat.read_text())


def test_learner_code_reading_stdin_gets_end_of_file(ws, capsys) -> None:
    """input() in learner code cannot hang a check: stdin is closed (EOFError)."""
    (ws / "01_dense.py").write_text(learner("input('x? ')"), encoding="utf-8")
    code, out = run(capsys, "check", "dense", "--timeout", "60")
    assert code == 1 and "EOFError" in out, out


def test_workspace_path_with_spaces_and_japanese(tmp_path, capsys, monkeypatch) -> None:
    """An odd but valid workspace path works end to end."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    root = tmp_path / "my ワーク space"
    assert run(capsys, "start", "--workspace", str(root))[0] == 0
    (root / "01_dense.py").write_text(SOLVED, encoding="utf-8")
    code, out = run(capsys, "check", "dense", "--workspace", str(root))
    assert code == 0 and f"all {N_DENSE} tests pass" in out, out


@pytest.mark.parametrize("value", [True, False, "abc", float("nan"), 0, -1, None])
def test_check_timeout_refuses_what_is_not_a_number_of_seconds(value) -> None:
    """run_check's own timeout check: a bool is not a number of seconds (True would be 1 s)."""
    from katas.engine.runner import check_timeout

    with pytest.raises(UserError, match="timeout: expected a number of seconds"):
        check_timeout(value)


def _pids_running(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
def test_a_killed_katas_leaves_no_learner_code_running(tmp_path: Path) -> None:
    """SIGKILL the command during a check of code that loops for ever: the child (in its own
    session, out of the killed command's reach) notices it was orphaned and exits within
    seconds instead of running until the machine stops (seen: two such loops, 13 CPU-minutes
    each, left by killed test runs)."""
    import signal

    looping = tmp_path / "loops.py"
    looping.write_text(
        "def dense_forward(x, kernel, bias):\n    while True:\n        pass\n\n"
        "def dense_backward(dout, cache):\n    while True:\n        pass\n",
        encoding="utf-8",
    )
    script = (
        "import sys\n"
        "from katas.engine.registry import find\n"
        "from katas.engine.runner import run_check\n"
        f"run_check(find('dense'), [{str(looping)!r}], timeout=600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    try:
        child = None
        deadline = time.monotonic() + 120
        while child is None and time.monotonic() < deadline:  # the child running the loop
            time.sleep(0.2)
            pids = [pid for pid in _pids_running(str(looping)) if pid != parent.pid]
            child = pids[0] if pids else None
        assert child is not None, "the check's child never started"
        time.sleep(1.0)  # inside the learner's loop by now
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            # A zombie (exited, not yet reaped by init) counts as gone.
            status = Path(f"/proc/{child}/status")
            if status.exists() and "zombie" in status.read_text():
                break
            time.sleep(0.2)
        else:
            os.kill(child, signal.SIGKILL)
            raise AssertionError("the orphaned child kept running learner code")
    finally:
        if parent.poll() is None:
            parent.kill()
