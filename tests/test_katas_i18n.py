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


# English prose: two lowercase words in a row ("of shape", "the caller's", "updated in place"),
# neither touching code (an identifier, a call, an index, an attribute, a keyword argument).
# Code in a message ("dtype float32", "sgd_update(w, g, m)", "x.T @ dz") never matches: its
# words carry digits, underscores, dots, brackets or "=".
_WORD = r"[a-z]+(?:'[a-z]+)?"
ENGLISH_PROSE = re.compile(rf"(?<![\w.'\[(=-]){_WORD} {_WORD}(?![\w(=\[])")


def _children(node: ast.AST) -> list[ast.AST]:
    """The parts of a literal that stand side by side: a tuple's or list's items, a call's
    arguments, a dict's keys and values."""
    if isinstance(node, ast.Tuple | ast.List):
        return list(node.elts)
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.Dict):
        return [n for n in (*node.keys, *node.values) if n is not None]
    return []


def _untranslated_prose(source: str) -> list[str]:
    """Strings that can reach a learner's message with English prose and no Japanese twin.

    Left out: docstrings (their ``ja:`` line is checked above), decorator arguments (mistake
    names, parametrize ids), anything inside ``say(...)``, Japanese strings, and an English
    text written beside its Japanese one (in one tuple, list, dict or call, or a dict key whose
    value is Japanese), also where the same English text is used again elsewhere in the file.
    """
    tree = ast.parse(source)
    skip: set[int] = set()
    paired: set[str] = set()

    def skip_all(node: ast.AST) -> None:
        skip.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip_all(first.value)
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                skip_all(decorator)
        if _is_say(node):
            skip_all(node)
        parts = _children(node)
        if any(JAPANESE.search(_text_of(p)) for p in parts):
            for part in parts:
                paired.add(_text_of(part))
                skip_all(part)
    problems = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant | ast.JoinedStr):
            continue
        text = _text_of(node)
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
        if text in paired or JAPANESE.search(text):
            continue
        hit = ENGLISH_PROSE.search(text)
        if hit:
            where = f"line {node.lineno}"
            problems.append(f"{where}: English {hit.group(0)!r} outside say() in {text[:60]!r}")
    return problems


@pytest.mark.parametrize("kata", all_katas(), ids=lambda k: k.id)
def test_no_english_prose_outside_say_in_the_kata_tests(kata) -> None:
    """Call descriptions and notes that reach a message hold no English prose outside say()."""
    problems = _untranslated_prose(kata.tests.read_text(encoding="utf-8"))
    assert not problems, f"{kata.tests}:\n" + "\n".join(problems)


def test_the_english_prose_check_catches_a_planted_call_description() -> None:
    """The check flags "(z of shape ...)" built outside say() and passes its say() version."""
    planted = 'def helper(z):\n    call = f"relu(z of shape {z.shape})"\n    return call\n'
    assert _untranslated_prose(planted), "the planted English call description went unseen"
    fixed = (
        "def helper(z):\n"
        '    call = say(f"relu(z of shape {z.shape})", f"relu(形 {z.shape} の z)")\n'
        "    return call\n"
    )
    assert not _untranslated_prose(fixed)
    code_only = 'call = f"dense_forward(x {x.shape}, kernel, bias) -> dtype float32"\n'
    assert not _untranslated_prose(code_only), "code in a call description is not prose"
