"""The book's end-of-chapter exercises, run through either backend: ``katas exercise N``.

Each exercise module registers its own sub-command and flags (``register(subparsers)``, called
here) and shares the run plumbing of :mod:`katas.exercises.runner` (output folder, report
writing, strict JSON, exit status) and the figures of :mod:`katas.exercises.plotting`.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from katas import argparse_i18n
from katas.errors import UserError

EXERCISES: dict[int | str, str] = {
    8: "katas.exercises.ex08",
    9: "katas.exercises.ex09",
    10: "katas.exercises.ex10",
    "pretrain": "katas.exercises.pretrain",
}


class _AnyName(dict):
    """The sub-commands as argparse's ``choices``, with every name "in" it: the choices check
    lets an unknown exercise number through to :class:`_ExerciseNumbers`, which answers it
    (the table the action looks names up in stays the real one)."""

    def __contains__(self, key: object) -> bool:
        return True


class _ExerciseNumbers(argparse._SubParsersAction):
    """The exercise-number sub-commands, made on first use: each exercise module imports NumPy
    and scratch, which every other command (``katas check``, ``katas status``) would otherwise
    pay for at start-up. They are made when the command line names an exercise and when help
    lists them (argparse asks :meth:`_get_subactions` then). An unknown number is a UserError
    at run time (one clear line listing the available ones, exit 2) instead of argparse's usage
    dump."""

    _loaded = False
    #: the ``katas exercise`` parser itself, so that the new sub-parsers get ``--lang`` too
    owner: argparse.ArgumentParser | None = None

    def load(self) -> None:
        """Register every exercise's sub-command (once)."""
        if self._loaded:
            return
        self._loaded = True
        for module in EXERCISES.values():
            importlib.import_module(module).register(self)
        self.choices = _AnyName(self._name_parser_map)
        if self.owner is not None:
            argparse_i18n.lang_everywhere(self.owner)

    def _get_subactions(self) -> list[argparse.Action]:
        self.load()
        return super()._get_subactions()

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        assert isinstance(values, Sequence) and values  # argparse gives [name, *rest]
        self.load()
        name = str(values[0])
        if name not in self._name_parser_map:
            setattr(namespace, self.dest, name)
            namespace.handler = lambda args: _unknown(name)
            return
        super().__call__(parser, namespace, values, option_string)


def _unknown(name: str) -> int:
    raise UserError(
        f"exercise {name} is not available yet; available: " + ", ".join(str(n) for n in EXERCISES),
        ja=f"演習 {name} はまだありません。使える演習: " + ", ".join(str(n) for n in EXERCISES),
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "exercise",
        help="run one of chapter 11's exercises in scratch, TensorFlow or both",
        description="Run a chapter 11 exercise. Exercise 8: deep net on MNIST digits 0-4; "
        "exercise 9: transfer learning to digits 5-9; exercise 10: pretraining on an auxiliary "
        "task (same digit?) and reusing DNN A; pretrain: unsupervised (RBM) pretraining "
        "with few labels. `katas exercise N --help` lists its flags.",
    )
    numbers = p.add_subparsers(
        dest="number", metavar="N", action=_ExerciseNumbers, title="exercises"
    )
    numbers.required = True
    numbers.owner = p
    numbers.choices = _AnyName()  # every name passes argparse's check; load() fills the table
