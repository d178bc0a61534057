"""argparse's own messages in the learner's language ("usage:", "unrecognized arguments", ...).

argparse builds every message it prints with the module-level ``gettext`` functions it imported
(``argparse._`` and ``argparse.ngettext``), looked up each time a message is made. Inside
:func:`language` those two names answer from :data:`JA` (argparse's own msgids, so every
argparse error is covered, not a chosen few); outside it argparse is untouched. The CLI picks the
language from argv and the environment *before* parsing (:func:`lang_from_argv`), since a parse
error stops before ``--lang`` is stored.

:class:`BadValue` is the bilingual ``argparse.ArgumentTypeError`` of the CLI's ``type=``
checkers: argparse turns it into text with ``str()``, which answers in the current language.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence

#: argparse's msgids (Python 3.11 to 3.13) in Japanese; a plural msgid maps to one text (Japanese
#: has no plural form). The ``%`` placeholders are argparse's, unchanged (tests check them).
JA: dict[str, str] = {
    "usage: ": "使い方: ",
    "%(prog)s: error: %(message)s\n": "%(prog)s: エラー: %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: 警告: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "引数 %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "認識できない引数があります: %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "オプション %(option)s があいまいです。候補: %(matches)s"
    ),
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "%(value)r は選べません (選択肢: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "%(type)s の値として正しくありません: %(value)r",
    "expected one argument": "値を 1 つ指定してください",
    "expected at most one argument": "値は 1 つまでです",
    "expected at least one argument": "値を 1 つ以上指定してください",
    "expected %s argument": "値を %s 個指定してください",
    "expected %s arguments": "値を %s 個指定してください",
    "the following arguments are required: %s": "次の引数が必要です: %s",
    "one of the arguments %s is required": "引数 %s のどれか 1 つが必要です",
    "not allowed with argument %s": "引数 %s と一緒には使えません",
    "ignored explicit argument %r": "明示された値 %r は使われません",
    "unexpected option string: %s": "予期しないオプションです: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "コマンド %(parser_name)r はありません (選択肢: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "'%(filename)s' を開けません: %(error)s",
    'argument "-" with mode %r': 'モード %r の引数 "-"',
    "option '%(option)s' is deprecated": "オプション '%(option)s' は非推奨です",
    "argument '%(argument_name)s' is deprecated": "引数 '%(argument_name)s' は非推奨です",
    "command '%(parser_name)s' is deprecated": "コマンド '%(parser_name)s' は非推奨です",
    # help headings and argparse's own help lines
    "positional arguments": "位置引数",
    "options": "オプション",
    "subcommands": "サブコマンド",
    "%(heading)s:": "%(heading)s:",
    " (default: %(default)s)": " (既定値: %(default)s)",
    "show this help message and exit": "このヘルプを表示して終了します",
    "show program's version number and exit": "バージョンを表示して終了します",
    # errors in the program's own parser definition (a bug of the CLI, not of the command line)
    "conflicting option string: %s": "オプション文字列が衝突しています: %s",
    "conflicting option strings: %s": "オプション文字列が衝突しています: %s",
    ".__call__() not defined": ".__call__() が定義されていません",
    "'required' is an invalid argument for positionals": ("位置引数に 'required' は指定できません"),
    "mutually exclusive arguments must be optional": "排他的な引数はオプションである必要があります",
    "%r is not callable": "%r は呼び出せません",
    "cannot merge actions - two groups are named %r": (
        "アクションを統合できません: 2 つのグループが %r という名前です"
    ),
    "invalid option string %(option)r: must start with a character %(prefix_chars)r": (
        "オプション文字列 %(option)r は正しくありません: %(prefix_chars)r の文字で始めてください"
    ),
    "dest= is required for options like %r": "%r のようなオプションには dest= が必要です",
    "invalid conflict_resolution value: %r": "conflict_resolution の値が正しくありません: %r",
    "cannot have multiple subparser arguments": "サブコマンドの引数は 1 つしか持てません",
    "conflicting subparser: %s": "サブコマンドが衝突しています: %s",
    "conflicting subparser alias: %s": "サブコマンドの別名が衝突しています: %s",
}

TABLES: dict[str, dict[str, str]] = {"ja": JA}

_current = "en"


def current() -> str:
    """The language argparse's messages (and :class:`BadValue`) are made in right now."""
    return _current


def _gettext(message: object) -> object:
    table = TABLES.get(_current, {})
    return table.get(message, message) if isinstance(message, str) else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    text = singular if n == 1 else plural
    return TABLES.get(_current, {}).get(text, text)


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """argparse (and :class:`BadValue`) speak ``lang`` inside the block; English outside."""
    global _current
    saved = (_current, argparse._, argparse.ngettext)
    _current = lang if lang in TABLES or lang == "en" else "en"
    argparse._, argparse.ngettext = _gettext, _ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        _current, argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def lang_from_argv(argv: Sequence[str] | None) -> str:
    """The language of a command line before it is parsed: the last ``--lang en|ja`` (before
    or after the sub-command), else $DNN_KATAS_LANG or the locale (``pick_lang``); English when
    those are unusable (that error is then reported in English)."""
    from katas.engine.i18n import MESSAGES, pick_lang
    from katas.errors import UserError

    words = list(argv) if argv is not None else sys.argv[1:]
    chosen = None
    for i, word in enumerate(words):
        if word == "--":
            break
        if word == "--lang" and i + 1 < len(words):
            chosen = words[i + 1]
        elif word.startswith("--lang="):
            chosen = word.split("=", 1)[1]
    if chosen in MESSAGES:
        return chosen
    try:
        return pick_lang(None)
    except UserError:
        return "en"


def lang_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--lang`` after any sub-command too (``katas exercise 8 --lang ja``), as before it:
    added to every sub-parser that does not have it (SUPPRESS keeps a value given earlier).
    Sub-parsers made later (the exercises', on first use) are given it the same way."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if "--lang" not in child._option_string_actions:
                    child.add_argument(
                        "--lang", choices=("en", "ja"), default=argparse.SUPPRESS,
                        help="language (default: from the locale)",
                    )  # fmt: skip
                lang_everywhere(child)


class BadValue(argparse.ArgumentTypeError):
    """An ``argparse.ArgumentTypeError`` in English and Japanese: ``str()`` (what argparse
    prints after "argument --flag:") is the current language's text."""

    def __init__(self, message: str, *, ja: str) -> None:
        super().__init__(message)
        self.en, self.ja = message, ja

    def __str__(self) -> str:
        return self.ja if _current == "ja" else self.en
