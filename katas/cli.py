"""The ``katas`` command line.

Each feature module contributes its own sub-command through a ``register(subparsers)`` function,
so this file stays a table of contents. Every handler returns an exit status; errors that a user
can fix (:class:`katas.errors.UserError`) are printed as one clear paragraph, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from katas.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    """The whole argument tree: ``katas data ...``, ``katas exercise ...``."""
    from katas import data, exercises

    parser = argparse.ArgumentParser(
        prog="katas",
        description="Rebuild Chapter 11 of Hands-On ML (training deep nets), test by test.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    data.register(sub)
    exercises.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except UserError as err:
        print(f"katas: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("katas: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
