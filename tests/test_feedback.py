"""Feedback that teaches (issue 12, item 3): the most telling failure first, no pytest internals
or NumPy reprs, the learner's own output and line, recognizable ratios, in the learner's
language, and fast. TF-free.

Most tests share two child runs (English and Japanese) of one made-up kata whose tests are
written below, each against a wrong implementation written below: one child per language
keeps the file near two seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from katas.engine import feedback
from katas.engine.registry import find, load_folder
from katas.engine.runner import CheckResult, run_check
from katas.engine.testing import describe, expect_close, num, ratio_note, uniform_ratio

DENSE = find("dense")

# The made-up kata's tests, in file order: a property test, a worked example, a test written
# for one named mistake. Shown order must be the reverse.
TESTS = '''"""A made-up kata for tests/test_feedback.py."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, say


@pytest.mark.hint(3)
@given(n=st.integers(0, 10**6))
def test_property_first_in_the_file(impl, n):
    """Forward of a number is that number.
    ja: 数の順伝播はその数そのもの。"""
    out, _ = impl.dense_forward(n, None, None)
    assert out == n, say(f"forward({n}) gave {out}", f"forward({n}) が {out} になりました")


@pytest.mark.hint(1)
def test_example_second_in_the_file(impl):
    """Backward of ones over a batch of 4 sums to 4.
    ja: バッチ 4 の ones の逆伝播は和の 4。"""
    db = impl.dense_backward(np.ones((4, 2)), None)
    expect_close(
        db, np.full(2, 4.0), "dense_backward(ones((4, 2)))",
        ratios={say("the batch size N", "バッチサイズ N"): 4},
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("an offset added")
def test_mistake_last_in_the_file(impl):
    """Forward of -1 is -1 (nothing added).
    ja: -1 の順伝播は -1 (何も足さない)。"""
    out, _ = impl.dense_forward(-1, None, None)
    assert out == -1, say(f"forward(-1) gave {out}", f"forward(-1) が {out} になりました")
'''

HEAD = "import numpy as np\n\n"
CORRECT_BACKWARD = "def dense_backward(dout, cache):\n    return dout.sum(axis=0)\n"
LEARNERS = {
    # Every test fails: forward adds one, backward takes the mean (exactly 1/4 of the sum).
    "all_wrong": HEAD + "def dense_forward(x, kernel, bias):\n    return x + 1, None\n\n"
    "def dense_backward(dout, cache):\n    return dout.mean(axis=0)\n",
    # Only the property test fails, from n = 3 on; each call prints 30 lines naming its input.
    "prints": HEAD + "def dense_forward(x, kernel, bias):\n"
    "    for i in range(30):\n        print(f'forward got {x} ({i})')\n"
    "    return (x if x < 3 else x + 1), None\n\n" + CORRECT_BACKWARD,
    # The mistake test's call raises before its verdict; backward takes the mean.
    "crashes_in_the_mistake_test": HEAD + "def dense_forward(x, kernel, bias):\n"
    "    if x < 0:\n        raise ValueError('negative')\n    return x, None\n\n"
    "def dense_backward(dout, cache):\n    return dout.mean(axis=0)\n",
    # Backward raises IndexError on line 8 of the file.
    "raises": HEAD + "def dense_forward(x, kernel, bias):\n    return x, None\n\n\n"
    "def dense_backward(dout, cache):\n    return np.ones(3)[5]\n",
}
RAISING_LINE = 8


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake") / "99_fake"
    folder.mkdir()
    (folder / "kata.toml").write_text(
        'id = "fake"\nnumber = 99\ntitle_en = "Fake"\ntitle_ja = "偽"\n'
        'functions = ["dense_forward", "dense_backward"]\n'
        'reference = ["scratch.layers:dense_forward", "scratch.layers:dense_backward"]\n',
        encoding="utf-8",
    )
    (folder / "stub.py").write_bytes(DENSE.stub.read_bytes())
    (folder / "test_kata.py").write_text(TESTS, encoding="utf-8")
    files = {}
    for name, source in LEARNERS.items():
        files[name] = folder.parent / f"{name}.py"
        files[name].write_text(source, encoding="utf-8")
    return load_folder(folder), files


@pytest.fixture(scope="module")
def english(fake) -> dict[str, CheckResult]:
    kata, files = fake
    results = run_check(kata, [str(f) for f in files.values()], timeout=120, lang="en")
    return dict(zip(files, results, strict=True))


@pytest.fixture(scope="module")
def japanese(fake) -> dict[str, CheckResult]:
    kata, files = fake
    results = run_check(kata, [str(files["all_wrong"]), "stub"], timeout=120, lang="ja")
    return dict(zip(("all_wrong", "stub"), results, strict=True))


def internals(text: str, verbose: bool = False) -> list[str]:
    """What a learner must never see: pytest's assertion rewriting and reports, NumPy reprs
    (-v shows the test's code, so its ``assert`` lines, too)."""
    signs = ["np.float64", "np.int64", "np.False_", "np.True_", "+  where", "Use -v to get",
             "PytestAssertRewriteWarning", "short test summary", "Traceback", "impl=<module",
             "<function ", *([] if verbose else ["assert "])]  # fmt: skip
    return [s for s in signs if s in text]


def test_the_most_telling_failure_comes_first(fake, english) -> None:
    """Named-mistake test, then worked example, then property test, whatever the file order;
    the first one shown is the mistake test, and the hint pointer is that test's."""
    kata, _ = fake
    result = english["all_wrong"]
    assert [f["kind"] for f in result.failures] == ["mistake", "example", "property"]
    assert [f["place"] for f in result.failures] == [2, 1, 0]
    assert result.failures[0]["mistake"] == "an offset added"
    text = feedback.report(kata, result, "en")
    assert "The first test that fails: Forward of -1 is -1 (nothing added)." in text, text
    assert "`katas hint fake --level 2`" in text and "--level 3" not in text, text


def test_a_mistake_test_that_crashed_ranks_as_a_worked_example(fake, english) -> None:
    """A named-mistake test comes first only when its own verdict failed; one that learner
    code crashed before it could judge ranks with the worked examples, in file order."""
    kata, _ = fake
    result = english["crashes_in_the_mistake_test"]
    assert [(f["kind"], f["verdict"]) for f in result.failures] == [
        ("example", True),
        ("mistake", False),
    ]
    text = feedback.report(kata, result, "en")
    assert "The first test that fails: Backward of ones over a batch of 4 sums to 4." in text
    assert english["all_wrong"].failures[0]["verdict"] is True


def test_failure_text_is_the_message_without_internals(fake, english) -> None:
    """The assertion's own message, plain numbers, hypothesis' input as "n=3": no pytest
    internals, no NumPy reprs, in the short report and in -v."""
    kata, _ = fake
    for name, result in english.items():
        for verbose in (False, True):
            text = feedback.report(kata, result, "en", verbose=verbose)
            assert not internals(text, verbose), (name, verbose, text)
    first = english["all_wrong"].failures[0]
    assert first["message"] == "forward(-1) gave 0", first["message"]
    prop = english["prints"].failures[0]
    assert prop["example"] == "n=3", prop["example"]
    assert "Failing input: n=3" in feedback.report(kata, english["prints"], "en")


def test_verbose_shows_each_failure_once_with_its_code(fake, english) -> None:
    """-v: every failing test once (numbered), each with the test's code and traceback."""
    kata, _ = fake
    text = feedback.report(kata, english["all_wrong"], "en", verbose=True)
    assert len(re.findall(r"^Failing test \d of 3:", text, re.M)) == 3, text
    for name in ("test_mistake_last_in_the_file", "test_example_second_in_the_file"):
        assert text.count(f"def {name}(impl") == 1, text
    assert text.count("forward(-1) gave 0") == 2  # the message, and its line in the traceback


def test_the_failing_examples_own_output_is_shown_truncated(fake, english) -> None:
    """The final (minimal) example's prints, its last 20 lines, under "Your code printed";
    never the other examples' output."""
    kata, _ = fake
    failure = english["prints"].failures[0]
    lines = failure["printed"].splitlines()
    assert lines == [f"forward got 3 ({i})" for i in range(10, 30)], lines
    text = feedback.report(kata, english["prints"], "en")
    assert "Your code printed" in text and "| forward got 3 (29)" in text, text
    assert "forward got 4" not in text and "(9)" not in text
    # Passing tests' output is never shown: the other two tests passed and printed too.
    assert all(not t["printed"] for t in english["prints"].tests if t["outcome"] == "passed")


def test_an_exception_names_the_learners_line(fake, english) -> None:
    """An exception in learner code: "IndexError: ..." and the line of the learner's file."""
    kata, _ = fake
    failure = english["raises"].failures[0]
    assert failure["message"].startswith("IndexError: index 5 is out of bounds"), failure
    assert failure["where"]["line"] == RAISING_LINE and failure["where"]["file"] == "raises.py"
    text = feedback.report(kata, english["raises"], "en")
    assert f"in dense_backward, line {RAISING_LINE} of raises.py:  return np.ones(3)[5]" in text


def test_a_uniform_ratio_is_named_with_the_tests_own_name(fake, english) -> None:
    """A mean where a sum is meant: exactly 1/4, the test's named ratio, with the guess."""
    example = english["all_wrong"].failures[1]
    assert (
        "Every entry is exactly 1/4 of the expected one (1 / the batch size N): a mean where a "
        "sum is expected?" in example["message"]
    ), example["message"]


def test_japanese_from_the_first_line(fake, japanese) -> None:
    """Under lang="ja" the title, the test's description, its message, the ratio note and the
    stub's "still the stub" are Japanese, from the first line on."""
    kata, _ = fake
    result = japanese["all_wrong"]
    text = feedback.report(kata, result, "ja")
    lines = text.splitlines()
    assert lines[0].startswith("✘ 99. 偽:") and "個のテストに合格" in lines[0], text
    assert "-1 の順伝播は -1 (何も足さない)。" in lines[1], text
    assert "forward(-1) が 0 になりました" in text, text
    note = result.failures[1]["message"]
    assert "どの要素もちょうど期待値の 1/4 (1 / バッチサイズ N) です" in note, note
    assert "Every entry" not in text and "The first test" not in text
    stub = feedback.report(kata, japanese["stub"], "ja")
    assert "dense_backward はまだスタブのままです" in stub, stub


# --- fast, in-process: the pieces --------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "expected", "ratios", "says"),
    [
        ([1.0, 2.0], [4.0, 8.0], None, "exactly 1/4 of the expected one."),
        ([-1.0, 0.0, 2.0], [1.0, 0.0, -2.0], None, "-1 times the expected one: the sign"),
        ([3.0, 6.0], [1.0, 2.0], None, "exactly 3 times the expected one."),
        ([0.88, 1.76], [1.0, 2.0], {"the keep probability": 0.88}, "0.88 times the expected"),
        ([8.0, 16.0], [1.0, 2.0], {"the batch size N": 8}, "a sum where a mean is expected?"),
        ([1.0, 2.0], [1.0, 3.0], None, ""),  # not uniform: nothing said
        ([1.0, 2.0 + 1e-4], [2.0, 4.0], None, ""),  # uniform only to 5e-5: nothing said
        ([0.0, 0.0], [1.0, 2.0], None, ""),  # zeros are no ratio
        ([1.0, 2.0], [1.7, 3.4], None, ""),  # uniform but not recognizable
    ],
)
def test_ratio_note(got, expected, ratios, says) -> None:
    """A ratio is named only when it holds for every entry and is recognizable."""
    note = ratio_note(np.array(got), np.array(expected), ratios)
    assert (says in note) if says else note == "", note


def test_uniform_ratio_ignores_non_finite_and_one() -> None:
    """NaN or inf anywhere, or a ratio of 1, is no ratio."""
    assert uniform_ratio(np.array([np.nan, 1.0]), np.array([1.0, 2.0])) is None
    assert uniform_ratio(np.array([1.0, 2.0]), np.array([1.0, 2.0])) is None
    assert uniform_ratio(np.array([2.0]), np.array([4.0])) == pytest.approx(0.5)


def test_numbers_and_indices_are_plain() -> None:
    """Messages print 1, 0.5, -3.2e-05 and (0, 1), never np.float64(1.0) or np.int64(0)."""
    assert [num(np.float64(1.0)), num(np.float32(0.5)), num(-3.2e-05)] == ["1", "0.5", "-3.2e-05"]
    assert num(np.int64(3)) == "3" and num(np.bool_(True)) == "True"
    with pytest.raises(AssertionError) as err:
        expect_close(np.array([[1.0, 2.0]]), np.array([[1.0, 3.0]]), "f(x)")
    assert str(err.value) == "f(x) returned 2 at index (0, 1), expected 3 (max abs difference 1)"
    assert "np." not in describe((np.float64(2.5), np.arange(3.0)))


def test_messages_in_japanese(monkeypatch) -> None:
    """testing's messages follow $DNN_KATAS_LANG (the child's language)."""
    monkeypatch.setenv("DNN_KATAS_LANG", "ja")
    with pytest.raises(AssertionError) as err:
        expect_close(np.array([1.0]), np.array([2.0]), "f(x)")
    assert str(err.value).startswith("f(x) のインデックス (0,) の値が 1 です。期待値は 2 です")
    assert "ちょうど期待値の 1/2 です" in str(err.value)


def test_learner_profile_bounds_shrinking_and_the_proof_profile_is_untouched() -> None:
    """The learner's profile caps hypothesis' shrinking time (default 300 s); the project's
    proof profile keeps hypothesis' own limit (and its no-shrink phases). Checked in
    subprocesses: importing the plugin sets the profile for the whole process."""
    code = (
        "from hypothesis.internal.conjecture import engine\n"
        "import katas.engine.plugin\n"
        "print(engine.MAX_SHRINKING_SECONDS)\n"
    )
    seconds = []
    for proof in ("", "1"):
        env = {**__import__("os").environ, "DNN_KATAS_PROOF": proof}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
        )
        assert done.returncode == 0, done.stderr
        seconds.append(float(done.stdout))
    assert seconds[0] <= 1.0 and seconds[1] == 300, seconds


def test_after_a_failure_the_remaining_property_tests_run_briefly(tmp_path) -> None:
    """Once a test has failed, a hypothesis test runs a few examples (no shrinking); with no
    failure before it, it runs its full count. Counted by the learner's own code."""
    kata_dir = tmp_path / "kata"
    kata_dir.mkdir()
    (kata_dir / "kata.toml").write_text(
        'id = "fake"\nnumber = 99\ntitle_en = "Fake"\ntitle_ja = "偽"\n'
        'functions = ["dense_forward", "dense_backward"]\n'
        'reference = ["scratch.layers:dense_forward", "scratch.layers:dense_backward"]\n',
        encoding="utf-8",
    )
    (kata_dir / "stub.py").write_bytes(DENSE.stub.read_bytes())
    (kata_dir / "test_kata.py").write_text(TESTS, encoding="utf-8")
    specs = []
    for name, wrong in (("fails_first", "x == -1"), ("never_fails", "False")):
        count = tmp_path / f"{name}.count"
        source = (
            HEAD + "def dense_forward(x, kernel, bias):\n"
            f"    if x != -1:\n        open({str(count)!r}, 'a').write('.')\n"
            f"    return (x + 1 if {wrong} else x), None\n\n" + CORRECT_BACKWARD
        )
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
        specs.append(str(tmp_path / f"{name}.py"))
    fails_first, never_fails = run_check(load_folder(kata_dir), specs, timeout=120)
    assert fails_first.failures[0]["kind"] == "mistake" and never_fails.passed
    calls = [len((tmp_path / f"{n}.count").read_text()) for n in ("fails_first", "never_fails")]
    assert calls[0] <= 8 < calls[1], calls


def test_a_librarys_debug_logging_stays_out(tmp_path) -> None:
    """Learner code turning the root logger to DEBUG does not flood the output with a
    library's DEBUG records (Numba logs thousands while it compiles)."""
    learner = tmp_path / "logs.py"
    learner.write_text(
        "import logging\nlogging.basicConfig(level=logging.DEBUG)\n\n"
        "def dense_forward(x, kernel, bias):\n"
        "    for _ in range(100):\n"
        "        logging.getLogger('numba.core.byteflow').debug('noise')\n"
        "    return x @ kernel + (0 if bias is None else bias), (x, kernel)\n\n"
        "def dense_backward(dout, cache):\n    x, kernel = cache\n"
        "    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)\n",
        encoding="utf-8",
    )
    (result,) = run_check(DENSE, [str(learner)], timeout=120)
    assert result.passed, result.failures
    assert result.output_bytes == 0, result.output_bytes


def test_reports_from_older_children_keep_their_order() -> None:
    """Records without a kind or place (an older child) still sort and show."""
    tests = [
        {"name": "b", "doc": "B", "outcome": "failed", "message": "m"},
        {"name": "a", "doc": "A", "outcome": "failed", "message": "m", "kind": "mistake"},
    ]
    result = CheckResult("x", tests, None, 0.0, 2)
    assert [t["name"] for t in result.failures] == ["a", "b"]
    assert "The first test that fails: A" in feedback.report(DENSE, result, "en")


def test_the_bench_command_parses(tmp_path) -> None:
    """``python -m katas.bench.feedback --help`` runs (the benchmark itself is never timed here)."""
    done = subprocess.run(
        [sys.executable, "-m", "katas.bench.feedback", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0 and "--repeat" in done.stdout, done.stderr
