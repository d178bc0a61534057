"""Proof that every kata is solvable, that its untouched stub fails every test, and that every
mutant in its bug zoo is rejected (rustlings' and mutation testing's guarantees together)."""

from __future__ import annotations

import ast
import os

import pytest

from katas.engine.registry import LANGS, all_katas
from katas.engine.runner import run_check

KATAS = all_katas()
IDS = [k.id for k in KATAS]


@pytest.fixture(scope="module", autouse=True)
def proof_profile():
    # No shrinking of failures: the proof needs a failure, not a minimal one (see plugin.py).
    old = os.environ.get("DNN_KATAS_PROOF")
    os.environ["DNN_KATAS_PROOF"] = "1"
    yield
    if old is None:
        os.environ.pop("DNN_KATAS_PROOF")
    else:
        os.environ["DNN_KATAS_PROOF"] = old


def test_there_are_katas() -> None:
    assert KATAS, "no kata found under katas/content"
    numbers = [k.number for k in KATAS]
    assert numbers == sorted(set(numbers)), "kata numbers must be unique"


@pytest.mark.parametrize("kata", KATAS, ids=IDS)
def test_kata_files_are_complete(kata) -> None:
    for lang in LANGS:
        assert (kata.folder / f"statement.{lang}.md").is_file(), f"statement.{lang}.md missing"
        hints = kata.hints(lang)
        assert len(hints) >= 2 and all(hints), f"{lang}: at least 2 non-empty hint levels"
        assert kata.title.get(lang), f"title_{lang} missing"
    assert len(kata.hints("en")) == len(kata.hints("ja")), "en and ja hints differ in number"
    assert len(kata.mutants()) >= 3, "a bug zoo needs at least 3 mutants"
    kata.reference_functions()  # every reference resolves to a scratch function


@pytest.mark.parametrize("kata", KATAS, ids=IDS)
def test_kata_tests_import_neither_tensorflow_nor_tf_ref(kata) -> None:
    tree = ast.parse(kata.tests.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"tensorflow", "keras", "tf_ref"}, imported


@pytest.mark.slow  # one child process per kata, every mutant of its zoo: seconds each
@pytest.mark.parametrize("kata", KATAS, ids=IDS)
def test_reference_passes_stub_fails_and_every_mutant_is_caught(kata) -> None:
    mutants = kata.mutants()
    specs = ["reference", "stub", *[str(m) for m in mutants]]
    results = run_check(kata, specs, timeout=240)
    reference, stub, *caught = results

    assert reference.problem is None, reference.problem
    assert reference.passed, [(t["name"], t["message"]) for t in reference.failures]

    assert stub.problem is None, stub.problem
    passing = [t["name"] for t in stub.tests if t["outcome"] == "passed"]
    assert not passing, f"these tests pass on the untouched stub, so they prove nothing: {passing}"

    escaped = [
        m.name for m, r in zip(mutants, caught, strict=True) if r.problem is None and r.passed
    ]
    assert not escaped, f"mutants not caught by {kata.id}'s tests: {escaped}"
    for m, r in zip(mutants, caught, strict=True):
        assert r.problem is None, f"{m.name} could not even be loaded: {r.problem}"


def test_an_implementation_that_writes_into_the_tests_arrays_does_not_leak_into_the_next() -> None:
    """One child runs many implementations: the tests are imported afresh for each of them."""
    kata = next(k for k in KATAS if k.id == "dropout")
    # m08 multiplies x in place, and kata 12's hand-worked test passes its module-level X
    # directly: reused, that X would be [[4, 0], [0, 16]] for every later implementation.
    in_place = kata.folder / "mutants" / "m08_in_place.py"
    _, reference = run_check(kata, [str(in_place), "reference"], timeout=240)
    assert reference.problem is None and reference.passed, [t["name"] for t in reference.failures]
