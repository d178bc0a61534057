"""Every learner-facing string of the CLI exists in English and Japanese.

(a) Read from the source (AST): every ``UserError`` (and subclass) and every argparse type error
raised in ``katas/`` carries its Japanese (a ``ja=`` keyword) or is a ``t(...)`` lookup.
(b) The message tables (the engine's, the CLI's, argparse's msgids) have the same keys in both
languages, the same placeholders, and Japanese that is Japanese.
(c) End to end, ``--lang ja`` makes the CLI's first line Japanese: an unknown kata, a bad flag
value, an argument argparse does not know, ``katas compare``.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import katas
from katas import argparse_i18n, cli_text
from katas.cli import main
from katas.engine import i18n

ROOT = Path(katas.__file__).parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # kana and kanji

#: The error types a learner reads: katas.errors' and argparse's type error (printed by argparse).
ERRORS = {"UserError", "DataError", "BadInput", "ZooError", "ArgumentTypeError", "BadValue"}

#: Single raises kept English on purpose, as "file:function" with the reason.
EXCEPTIONS: dict[str, str] = {
    "engine/i18n.py:pick_lang": "a $DNN_KATAS_LANG naming no language: the language itself is "
    "what is wrong, so the message cannot be in the learner's language",
}


def _name(node: ast.AST) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def _subclasses(trees: dict[str, ast.Module]) -> set[str]:
    """ERRORS and every class in katas/ derived from one of them (to any depth)."""
    names = set(ERRORS)
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and any(_name(b) in names for b in node.bases)
        }
        if more <= names:
            return names
        names |= more


def _is_t(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    ) in ("t", "_t")


def english_only(tree: ast.Module, names: set[str]) -> list[tuple[str, int]]:
    """(function, line) of each call of an error type in ``names`` without its Japanese."""
    found = []
    parents: dict[ast.AST, str] = {}  # each node -> the innermost function around it
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if child is not node:
                    parents[child] = node.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _name(node.func) not in names:
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.BinOp):  # t(lang, key) + "." is still the table's text
            first = first.left
        if any(k.arg == "ja" for k in node.keywords) or (first is not None and _is_t(first)):
            continue
        found.append((parents.get(node, "<module>"), node.lineno))
    return found


def _trees(root: Path = ROOT) -> dict[str, ast.Module]:
    return {
        p.relative_to(root).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(root.rglob("*.py"))
        if "content" not in p.relative_to(root).parts  # kata tests: tests/test_katas_i18n.py
    }


def test_every_error_in_katas_has_its_japanese() -> None:
    """(a) Every UserError/subclass/argparse type error in katas/ has ja= or is a t() lookup."""
    trees = _trees()
    names = _subclasses(trees)
    problems = []
    for path, tree in trees.items():
        for function, line in english_only(tree, names):
            if f"{path}:{function}" not in EXCEPTIONS:
                problems.append(f"katas/{path}:{line} (in {function}): no ja= Japanese")
    assert not problems, "\n".join(problems)


def test_exceptions_are_still_needed() -> None:
    """Each EXCEPTIONS entry still exists (the list only shrinks)."""
    trees = _trees()
    names = _subclasses(trees)
    for entry in EXCEPTIONS:
        path, function = entry.split(":")
        assert function in {f for f, _ in english_only(trees[path], names)}, entry


def test_the_check_fails_on_a_planted_english_only_error() -> None:
    """The AST check finds an English-only UserError, a subclass's and argparse's; ja= passes."""
    source = (
        "class MyError(BadInput):\n    pass\n"
        "def f():\n    raise UserError('x')\n"
        "def g():\n    raise MyError(f'x {1}')\n"
        "def h():\n    raise argparse.ArgumentTypeError('bad')\n"
        "def ok():\n    raise DataError('x', ja='エックス')\n"
        "def ok2(lang):\n    raise UserError(t(lang, 'no_workspace', path='p'))\n"
    )
    tree = ast.parse(source)
    names = _subclasses({"planted.py": tree})
    assert "MyError" in names
    assert [f for f, _ in english_only(tree, names)] == ["f", "g", "h"]


def _placeholders(text: str, percent: bool = False) -> set[str]:
    if percent:  # argparse's %-style: %(name)s, %s, %r
        return set(re.findall(r"%\(\w+\)[sdr]|%[sdr]", text))
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize(
    "table", [i18n.MESSAGES, cli_text.MESSAGES], ids=["engine-i18n", "cli-text"]
)
def test_message_tables_match_in_both_languages(table) -> None:
    """(b) Same keys in en and ja, same {placeholders}, and the Japanese has kana or kanji
    (where there are words to translate: "== {name}: {sizes}、{what}" has none)."""
    en, ja = table["en"], table["ja"]
    assert set(en) - set(ja) == set(), f"missing in ja: {sorted(set(en) - set(ja))}"
    assert set(ja) - set(en) == set(), f"missing in en: {sorted(set(ja) - set(en))}"
    for key in en:
        assert _placeholders(en[key]) == _placeholders(ja[key]), key
        words = re.sub(r"\{[^}]*\}", "", en[key])
        if re.search(r"[A-Za-z]{2,}", words):
            assert JAPANESE.search(ja[key]), f"{key}: {ja[key]!r} has no Japanese"


def test_argparse_messages_all_have_japanese() -> None:
    """(b) Every msgid this Python's argparse makes a message from has Japanese, same %-fields."""
    import argparse

    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    msgids = {
        arg.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext")
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    }
    assert "unrecognized arguments: %s" in msgids  # the extraction itself works
    missing = sorted(msgids - set(argparse_i18n.JA))
    assert not missing, f"argparse msgids without Japanese: {missing}"
    for msgid, ja in argparse_i18n.JA.items():
        assert _placeholders(msgid, True) == _placeholders(ja, True), msgid
        # headings like "%(heading)s:" have no words to translate
        assert JAPANESE.search(ja) or not re.search(r"[a-z]{3}", msgid.replace("%(heading)s", ""))


def test_argparse_speaks_english_outside_the_cli() -> None:
    """The Japanese gettext is active only inside language(): argparse is left as it was."""
    import argparse

    before = argparse._
    with argparse_i18n.language("ja"):
        assert argparse._("usage: ") == "使い方: "
    assert argparse._ is before and argparse._("usage: ") == "usage: "


# --- (c) end to end -------------------------------------------------------------------------


def _run(capsys, monkeypatch, tmp_path, *argv: str, env_lang: str | None = None) -> tuple[int, str]:
    monkeypatch.setenv("DNN_KATAS_WORKSPACE", str(tmp_path / "ws"))
    if env_lang is None:
        monkeypatch.delenv("DNN_KATAS_LANG", raising=False)
        monkeypatch.setenv("LANG", "C.UTF-8")
    else:
        monkeypatch.setenv("DNN_KATAS_LANG", env_lang)
    try:
        code = main(list(argv))
    except SystemExit as done:  # argparse's errors
        code = done.code
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _first_line_japanese(out: str) -> bool:
    first = out.strip().splitlines()[0] if out.strip() else ""
    return bool(JAPANESE.search(first))


@pytest.mark.parametrize(
    ("argv", "env_lang", "says"),
    [
        (["--lang", "ja", "hint", "nope"], None, "という名前のカタはありません"),
        (["hint", "nope", "--lang", "ja"], None, "という名前のカタはありません"),
        (["--lang", "ja", "check", "dense", "--timeout", "x"], None, "秒数を指定してください"),
        (["--lang", "ja", "check", "--bogus"], None, "認識できない引数があります: --bogus"),
        (["check", "--bogus"], "ja", "認識できない引数があります: --bogus"),
        (["--lang", "ja", "nonsense"], None, "は選べません"),
        (["--lang", "ja", "exercise", "8", "--seed", "-1"], None, "シードは"),
        (["--lang", "ja", "zoo", "show", "no such"], None, "英字か数字で始まる"),
        (["exercise", "8", "--part", "9", "--lang", "ja"], None, "演習 8 のパート 9 はありません"),
        (["data", "info", "--path", "", "--lang", "ja"], None, "パスを指定してください"),
        (["--lang", "ja", "exercise", "8", "--workers", "0"], None, "ワーカープロセスの数"),
        (["exercise", "8", "--workers", "2", "--lang", "ja"], None, "TF バックエンド専用"),
    ],
    ids=[
        *("unknown-kata", "lang-after", "bad-value", "unrecognized", "env", "choice", "seed"),
        *("zoo", "exercise-lang-after", "data-lang-after", "workers-value", "workers-backend"),
    ],
)
def test_japanese_errors_from_the_first_line(capsys, monkeypatch, tmp_path, argv, env_lang, says):
    """(c) Under --lang ja / DNN_KATAS_LANG=ja errors are Japanese from line 1, exit 2."""
    code, out = _run(capsys, monkeypatch, tmp_path, *argv, env_lang=env_lang)
    assert code == 2, out
    assert _first_line_japanese(out) and says in out, out


def test_english_stays_english(capsys, monkeypatch, tmp_path) -> None:
    """Without --lang ja the same errors are argparse's and ours in English, as before."""
    code, out = _run(capsys, monkeypatch, tmp_path, "check", "--bogus")
    assert code == 2 and "usage:" in out and "unrecognized arguments: --bogus" in out, out
    code, out = _run(capsys, monkeypatch, tmp_path, "check", "dense", "--timeout", "x")
    assert code == 2 and "expected a number of seconds" in out, out
    assert not JAPANESE.search(out)


@pytest.mark.tf
def test_compare_in_japanese_ends_with_a_verdict(capsys, monkeypatch, tmp_path) -> None:
    """(c) `katas compare dense --impl reference --lang ja`: a Japanese table and verdict."""
    code, out = _run(capsys, monkeypatch, tmp_path, "--lang", "ja", "compare", "dense",
                     "--impl", "reference")  # fmt: skip
    assert code == 0, out
    assert _first_line_japanese(out) and "判定: あなたの関数は scratch と一致しています" in out
    assert "TensorFlow とも、scratch と同じ程度に一致しています" in out, out


def test_lockstep_report_in_japanese() -> None:
    """`compare lockstep`'s report (no TensorFlow needed to format it) is Japanese under ja."""
    from katas.lockstep import format_report
    from scratch.networks import GUIDELINES

    per_step = [
        {"step": i, "loss_scratch": 2.0, "loss_tf": 2.0, "rel_loss_diff": 0.0,
         "max_abs_weight_diff": 0.0}
        for i in (1, 2)
    ]  # fmt: skip
    result = {"steps": 2, "dtype": "float64", "max_rel_loss_diff": 0.0, "max_abs_weight_diff": 0.0,
              "per_step": per_step, "batch_size": 32, "seed": 0, "bound": 1e-12, "passed": True,
              "seconds": 0.1, "n_train": 100,
              "hyperparameters": {"mode": "keras_rounded", "tf": {"learning_rate": 0.01},
                                  "scratch": {"learning_rate": 0.01}}}  # fmt: skip
    ja = format_report(result, GUIDELINES, "ja")
    assert _first_line_japanese(ja) and "合格" in ja and "ステップ" in ja, ja
    en = format_report(result, GUIDELINES, "en")
    assert en.startswith("lockstep: scratch vs tf_ref") and "PASS" in en and not JAPANESE.search(en)


def test_zoo_and_data_output_in_japanese(capsys, monkeypatch, tmp_path) -> None:
    """`katas zoo list` and `katas data info` print Japanese from the first line under ja."""
    from katas import data

    monkeypatch.setenv("DNN_KATAS_ZOO", str(tmp_path / "zoo"))
    code, out = _run(capsys, monkeypatch, tmp_path, "--lang", "ja", "zoo", "list")
    assert code == 0 and _first_line_japanese(out) and "空です" in out, out
    if data.npz_path().is_file():  # MNIST cached (`katas data fetch`)
        code, out = _run(capsys, monkeypatch, tmp_path, "--lang", "ja", "data", "info")
        assert code == 0 and _first_line_japanese(out) and "公式:" in out, out


def test_bad_value_speaks_the_current_language() -> None:
    """argtypes' errors: English outside language('ja'), Japanese inside."""
    from katas import argtypes

    with pytest.raises(argparse_i18n.BadValue) as err:
        argtypes.seconds("x")
    assert str(err.value).startswith("expected a number of seconds")
    with argparse_i18n.language("ja"):
        assert "秒数を指定してください" in str(err.value)


def test_divergence_message_printed_in_japanese_never_saved(capsys, monkeypatch, tmp_path) -> None:
    """A diverged backend's message is printed in Japanese under ja; report.json keeps only
    the English "message" (file contents stay English)."""
    import json

    from katas.exercises import runner

    monkeypatch.setenv("DNN_KATAS_LANG", "ja")
    report = {
        "scratch": {"status": "diverged", "message": "scratch: training diverged",
                    "message_ja": "scratch: 訓練が発散しました"},
        "status": "diverged",
    }  # fmt: skip
    code = runner.finish(report, tmp_path, [], "x-", json_output=False, backends=["scratch"],
                         print_table=lambda r: None)  # fmt: skip
    assert code == 1 and "katas: scratch: 訓練が発散しました" in capsys.readouterr().err
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved["scratch"]["message"] == "scratch: training diverged"
    assert "message_ja" not in saved["scratch"]


def test_exercise_8_outcome_says_divergence_in_both_languages() -> None:
    """ex08.outcome: a diverged run's message has its Japanese twin; a clean run has neither."""
    from katas.exercises import ex08
    from scratch.training import History

    h = History(best_epoch=1, diverged_at_epoch=3)
    for v in (0.5, 0.4, 0.6):
        h.append(loss=1.0, val_loss=v, val_accuracy=0.5)
    late = ex08.outcome("scratch", h, True, {"loss": 0.1, "accuracy": 0.9})
    assert "weights kept are epoch 2's" in late["message"]
    assert "エポック 4 で発散しました" in late["message_ja"] and "エポック 2" in late["message_ja"]
    h = History(best_epoch=1, diverged_at_epoch=None)
    ok = ex08.outcome("scratch", h, True, {"loss": 0.1, "accuracy": 0.9})
    assert ok["message"] is None and "message_ja" not in ok


def test_unsaved_results_note_in_japanese(tmp_path, monkeypatch) -> None:
    """When --out and every fallback fail, the note exists in Japanese too, naming both."""
    from katas.exercises import runner

    def no_temp(prefix: str) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner.tempfile, "mkdtemp", no_temp)
    blocked = tmp_path / "file"
    blocked.write_text("in the way", encoding="utf-8")
    _, problem, problem_ja = runner._save_results(blocked, {"status": "ok"}, [], "katas-test-")
    assert "could not write to a temporary folder" in problem
    assert f"--out {blocked} に書き込めませんでした" in problem_ja and "一時フォルダ" in problem_ja
    assert "標準出力" in problem_ja
