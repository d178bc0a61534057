"""Test-suite configuration shared by every test module."""

from __future__ import annotations

import importlib.abc
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

# TensorFlow's first call of a shape traces a graph (hundreds of ms): a per-example deadline would
# flake, so none. 30 examples per property keeps the whole suite well inside 10 minutes on 2 cores;
# DNN_KATAS_HYPOTHESIS=thorough runs 300 for a deeper search before a release.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=300)
# For test_mutants_caught: a planted bug needs one failing example, not a minimal one, so the
# shrink phase (most of the time a failing property test takes) is skipped.
settings.register_profile(
    "mutant",
    parent=settings.get_profile("default"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
)
settings.load_profile(os.environ.get("DNN_KATAS_HYPOTHESIS", "default"))


# ------------------------------------------------------------------ markers: tf, slow
# `-m "not tf"` is the fast TF-free run: tests that need TensorFlow carry the `tf` mark (a whole
# module with `pytestmark = pytest.mark.tf`, a test with `@pytest.mark.tf`, a parametrized
# backend with `tests.helpers.backends`), and modules that are not TF-only import tf_ref lazily
# (`tests.helpers.lazy_module`). When the mark expression deselects every `tf` test, TF-only
# modules are not even collected, and importing TensorFlow, Keras or tf_ref is an error that names
# the import: a test that forgot its mark fails loudly instead of quietly slowing the fast run.

_TF_PACKAGES = ("tensorflow", "keras", "tf_ref", "tf_keras")
_TF_ONLY_MODULE = re.compile(r"^pytestmark\s*=.*\bpytest\.mark\.tf\b", re.MULTILINE)


def _selects_tf(markexpr: str) -> bool:
    """Would any test marked ``tf`` (with or without ``slow``) be selected by ``-m markexpr``?"""
    if not markexpr.strip():
        return True
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser

        expr = Expression.compile(markexpr)
    except Exception:  # an unknown pytest version: read the expression the simple way
        return "nottf" not in markexpr.replace(" ", "")
    return any(
        expr.evaluate(lambda name, *_, marks=marks, **__: name in marks)
        for marks in ({"tf"}, {"tf", "slow"})
    )


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    """Refuses TensorFlow, Keras and tf_ref in a run that deselected the `tf` tests."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in _TF_PACKAGES:
            raise ImportError(
                f"import of {name} in a run without TensorFlow tests (-m excludes 'tf'): mark "
                "the test @pytest.mark.tf (and import TensorFlow inside it, or through "
                "tests.helpers.lazy_module), or keep TensorFlow out of the code it runs"
            )
        return None


def pytest_configure(config: pytest.Config) -> None:
    config._tf_free = not _selects_tf(config.getoption("markexpr") or "")  # type: ignore[attr-defined]
    if config._tf_free:  # type: ignore[attr-defined]
        sys.meta_path.insert(0, _NoTensorFlow())


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In a TF-free run, skip TF-only modules (their top-level imports would load TensorFlow)."""
    if getattr(config, "_tf_free", False) and collection_path.suffix == ".py":
        if _TF_ONLY_MODULE.search(collection_path.read_text(encoding="utf-8")):
            return True
    return None
