"""Shared test utilities: CS231n-style numerical gradients and relative error; TensorFlow on
demand.

One implementation of the numerics serves the project's tests and the katas' tests
(katas.engine.testing).
"""

from __future__ import annotations

import functools
import importlib
import signal
import types
from typing import Any

import pytest

from katas.engine.testing import numerical_gradient, rel_error

__all__ = ["backends", "lazy_module", "numerical_gradient", "rel_error"]


class _LazyModule(types.ModuleType):
    """A module imported at its first attribute access (see ``lazy_module``)."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__name__!r}>"


@functools.cache
def lazy_module(name: str) -> types.ModuleType:
    """``name`` (e.g. "tf_ref.layers"), imported when a test first uses it, not when the test
    file is collected: `pytest -m "not tf"` then never loads TensorFlow for the tests that do
    not need it. Tests that use it must carry the ``tf`` mark. One object per name, so
    ``module is lazy_module(name)`` holds."""
    return _LazyModule(name)


def backends(scratch: types.ModuleType, tf_name: str, argname: str = "backend") -> Any:
    """``@pytest.mark.parametrize`` over the scratch module and its tf_ref twin (lazy, marked
    ``tf``), with ids "scratch" and "tf_ref"."""
    return pytest.mark.parametrize(
        argname,
        [
            pytest.param(scratch, id="scratch"),
            pytest.param(lazy_module(tf_name), id="tf_ref", marks=pytest.mark.tf),
        ],
    )


def sigint_as_in_a_terminal() -> None:
    """In the loop's process, before Python starts: SIGINT delivered, as at a terminal.

    A suite started in the background by a non-interactive shell (`nohup ... &`, some CI
    runners) inherits SIGINT *ignored*, and Python keeps an ignored SIGINT ignored: the loop
    would never see the Ctrl-C this test sends (seen: the full suite run that way timed out
    here, while the test passed in a foreground run). A learner's terminal never ignores it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
