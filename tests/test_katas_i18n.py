"""Every learner-facing string of a kata's tests exists in both languages, side by side.

Read from the source (AST), so it needs no run: each test's docstring has a ``ja:`` line
(``katas.engine.testing.doc_in``), and every message a test can show (an ``assert``'s message,
``raise AssertionError(...)``, ``pytest.fail(...)``) is a ``say(english, japanese)`` call whose
Japanese is Japanese. A bare ``assert cond`` is refused too: its failure text would be pytest's
own ("assert False"), which no learner should have to read.
"""

from __future__ import annotations

import ast
import re

import pytest

from katas.engine.registry import all_katas

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # kana and kanji


def _text_of(node: ast.AST) -> str:
    """The literal text of a str constant or an f-string (its constant parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text_of(v) for v in node.values)
    return ""


def _is_say(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "say"
    )


def _problems(source: str) -> list[str]:
    tree = ast.parse(source)
    problems = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            doc = ast.get_docstring(node) or ""
            ja = [line for line in doc.splitlines()[1:] if line.strip().startswith("ja:")]
            if not doc:
                problems.append(f"{where}: {node.name} has no docstring")
            elif not ja or not JAPANESE.search(ja[0]):
                problems.append(f"{where}: {node.name}'s docstring has no Japanese `ja:` line")
        elif isinstance(node, ast.Assert) and not _is_say(node.msg):
            problems.append(f"{where}: assert without a say(english, japanese) message")
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = getattr(node.exc.func, "id", None) or getattr(node.exc.func, "attr", None)
            if name == "AssertionError" and not (node.exc.args and _is_say(node.exc.args[0])):
                problems.append(f"{where}: AssertionError without a say(...) message")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "fail"
            and getattr(node.func.value, "id", None) == "pytest"
            and not (node.args and _is_say(node.args[0]))
        ):
            problems.append(f"{where}: pytest.fail without a say(...) message")
        if _is_say(node):
            args = node.args
            if len(args) != 2:
                problems.append(f"{where}: say() takes (english, japanese)")
            elif _text_of(args[1]) and not JAPANESE.search(_text_of(args[1])):
                problems.append(f"{where}: say()'s second text is not Japanese")
    return problems


@pytest.mark.parametrize("kata", all_katas(), ids=lambda k: k.id)
def test_every_learner_facing_string_of_the_kata_tests_is_bilingual(kata) -> None:
    """Test descriptions and failure messages of the kata's tests have English and Japanese."""
    problems = _problems(kata.tests.read_text(encoding="utf-8"))
    assert not problems, f"{kata.tests}:\n" + "\n".join(problems)


def test_the_checker_catches_each_kind_of_gap() -> None:
    """The AST check refuses each gap it claims to (so a pass above means something)."""
    bad = '''
def test_a(impl):
    """English only."""
    assert impl.f() == 1, "English only"

def test_b(impl):
    """English.
    ja: 日本語。"""
    assert impl.f()
    raise AssertionError("plain")

def test_c(impl):
    """English.
    ja: 日本語。"""
    assert impl.f(), say("yes", "still English")
'''
    found = "\n".join(_problems(bad))
    for expected in (
        "test_a's docstring has no Japanese",
        "line 4: assert without",
        "line 9: assert without",
        "AssertionError without",
        "second text is not Japanese",
    ):
        assert expected in found, found
    good = '''
def test_d(impl):
    """English.
    ja: 日本語。"""
    assert impl.f(), say(f"got {1}", f"{1} が返りました")
'''
    assert _problems(good) == []
