"""The ``katas`` command line.

Each feature module contributes its own sub-command through a ``register(subparsers)`` function,
so this file stays a table of contents. Every handler returns an exit status; errors that a user
can fix (:class:`katas.errors.UserError`) are printed as one clear paragraph, not a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

from katas import argparse_i18n, argtypes
from katas.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    """The whole argument tree: ``katas data ...``, ``katas exercise ...``, ``katas zoo ...``."""
    from katas import data, exercises, zoo
    from katas.bench import cli as bench
    from katas.engine import commands

    parser = argparse.ArgumentParser(
        prog="katas",
        description="Rebuild Chapter 11 of Hands-On ML (training deep nets), test by test. "
        "Without a command: the watch loop at a terminal; elsewhere your progress and the "
        "current kata.",
    )
    parser.add_argument("--lang", choices=("en", "ja"), help="language (default: from the locale)")
    parser.add_argument(
        "--workspace", type=argtypes.path, help="workspace folder (default ./katas-workspace)"
    )
    parser.set_defaults(handler=commands.cmd_status)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    data.register(sub)
    exercises.register(sub)
    zoo.register(sub)
    bench.register(sub)
    argparse_i18n.lang_everywhere(parser)
    return parser


def _lang(args: argparse.Namespace) -> str:
    """The language errors are printed in: --lang, else the locale (never fails)."""
    from katas.engine.i18n import pick_lang

    try:
        return pick_lang(getattr(args, "lang", None))
    except UserError:  # a bad $DNN_KATAS_LANG is itself the error being printed
        return "en"


@contextlib.contextmanager
def _chosen_language(lang: str | None) -> Iterator[None]:
    """``--lang`` as this process's $DNN_KATAS_LANG while the command runs (restored after), so
    that everything it prints (progress lines deep inside a training run, the child processes it
    starts) answers in the chosen language without a parameter threaded through every call."""
    if not lang:
        yield
        return
    from katas.engine.i18n import LANG_ENV

    saved = os.environ.get(LANG_ENV)
    os.environ[LANG_ENV] = lang
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(LANG_ENV, None)
        else:
            os.environ[LANG_ENV] = saved


def main(argv: Sequence[str] | None = None) -> int:
    # argparse's own errors ("unrecognized arguments", "invalid choice", usage) come before
    # --lang is stored, so the language is read from argv and the environment first; the parser
    # is built inside too, for its help headings, and the command runs inside (a bare
    # `katas data` prints its sub-commands' help).
    with argparse_i18n.language(argparse_i18n.lang_from_argv(argv)):
        parser = build_parser()
        args = parser.parse_args(argv)
        # the command line as given: a command that starts copies of itself (--workers) reruns it
        args.argv = list(sys.argv[1:] if argv is None else argv)
        return _run(args)


def check_kernels_variable() -> None:
    """``$DNN_KATAS_KERNELS``, when set, names scratch's kernels ("numba" or "numpy")."""
    value = os.environ.get("DNN_KATAS_KERNELS")
    if value is None:  # (scratch is not imported for a command that does not need it)
        return
    from scratch import fast  # the switch only: Numba loads at a kernel's first call

    if value.strip() in ("", *fast.KERNELS):
        return
    choices = ", ".join(fast.KERNELS)
    raise UserError(
        f"${fast.ENV_VAR}={value!r}: expected one of {choices} (unset it for the default, "
        "numba: the Numba twins; numpy runs the NumPy definitions)",
        ja=f"${fast.ENV_VAR}={value!r}: {choices} のどれかを指定してください（未設定なら既定の "
        "numba: Numba 版。numpy は NumPy の定義どおりに計算します）",
    )


def _run(args: argparse.Namespace) -> int:
    """The command's exit status; a UserError is one paragraph in the learner's language."""
    try:
        with _chosen_language(getattr(args, "lang", None)):
            check_kernels_variable()  # read late (in a training step) it would be a traceback
            return int(args.handler(args) or 0)
    except UserError as err:
        print(f"katas: {err.text(_lang(args))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        from katas.cli_text import t

        print(f"katas: {t(_lang(args), 'interrupted')}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
