"""The plumbing that carries the learner's language: into the child (``$DNN_KATAS_LANG``), into
a test's description (``ja:`` docstring lines) and message (``say``), and into the CLI's errors
(``UserError(..., ja=...)``)."""

from __future__ import annotations

import pytest

from katas.cli import main
from katas.engine.runner import child_env
from katas.engine.testing import doc_in, lang, say
from katas.errors import UserError


def test_doc_in_picks_the_ja_line_and_falls_back_to_english() -> None:
    """The first docstring line is English; a ``ja:`` line is the Japanese one; none: English."""
    doc = "Forward on a 1x1 example.\n\n    More detail.\n    ja: 1x1 の例での順伝播。\n"
    assert doc_in(doc, "en") == "Forward on a 1x1 example."
    assert doc_in(doc, "ja") == "1x1 の例での順伝播。"
    assert doc_in("Only English.", "ja") == "Only English."
    assert doc_in(None, "en") == ""


@pytest.mark.parametrize(
    ("value", "expected"), [("ja", "ja"), ("ja_JP.UTF-8", "ja"), ("en", "en"), ("", "en")]
)
def test_say_follows_the_language_of_the_child(monkeypatch, value: str, expected: str) -> None:
    """``say`` answers in $DNN_KATAS_LANG's language; unset or unknown reads as English."""
    monkeypatch.setenv("DNN_KATAS_LANG", value)
    assert lang() == expected
    assert say("yes", "はい") == ("はい" if expected == "ja" else "yes")


def test_child_env_carries_the_language(monkeypatch) -> None:
    """The parent's chosen language reaches the child, whatever the parent's own environment."""
    monkeypatch.setenv("DNN_KATAS_LANG", "en")
    assert child_env("ja")["DNN_KATAS_LANG"] == "ja"
    assert child_env(None)["DNN_KATAS_LANG"] == "en"


def test_user_error_prints_in_the_chosen_language(monkeypatch, capsys) -> None:
    """A UserError with a Japanese text is printed in Japanese under --lang ja, else English."""
    monkeypatch.delenv("DNN_KATAS_LANG", raising=False)
    err = UserError("no such kata", ja="そのようなカタはありません")
    assert str(err) == "no such kata" and err.text("ja") == "そのようなカタはありません"
    assert UserError("only English").text("ja") == "only English"

    def boom(args):
        raise err

    import katas.cli

    parser = katas.cli.build_parser()
    monkeypatch.setattr(katas.cli, "build_parser", lambda: parser)
    parser.set_defaults(handler=boom)
    assert main(["--lang", "ja"]) == 2
    assert "そのようなカタはありません" in capsys.readouterr().err
    assert main(["--lang", "en"]) == 2
    assert "no such kata" in capsys.readouterr().err
