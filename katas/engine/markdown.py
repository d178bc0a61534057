"""Markdown for the terminal: statements and hints as rich renders them, with the one fix
Japanese text needs.

Markdown turns a soft line break (a source line wrapped in the file) into a space. Between two
English words that is right; between two Japanese characters it puts a stray space in the
sentence ("Keras の 層"), because Japanese has no spaces between words. ``join_cjk_breaks``
removes such breaks before rendering; every Markdown rendering goes through ``to_rich``.
"""

from __future__ import annotations

import re
from typing import Any

# Kana, kanji and Japanese punctuation: CJK symbols and punctuation (、。「」), hiragana,
# katakana (and its phonetic extensions), CJK ideographs (extension A, the unified block, the
# compatibility block) and the full-width / half-width forms (（）！？, half-width kana).
CJK = (
    "\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
_CJK_CHAR = re.compile(f"[{CJK}]")
# Japanese punctuation (、。「」（）！？...): no space belongs next to it, whatever is on the
# other side ("与えました。\n3 つ" is "与えました。3 つ", not "。 3").
_CJK_PUNCT = re.compile("[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
# A line that starts a block of its own (a list item, a quote, a table row, a heading, a
# fence, an indented code line): never glued to the line before.
_BLOCK_START = re.compile(r"^( {4,}|\t| {0,3}([-*+]\s|\d+[.)]\s|#|>|\||```|~~~))")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")  # one line: the next line is a new paragraph


def join_cjk_breaks(text: str) -> str:
    """``text`` with every line break between two CJK characters removed (with the next line's
    indentation), and every one next to Japanese punctuation (unless the next line starts a
    block: a list item, a quote...), outside fenced code blocks: "Keras の\\n層" -> "Keras の
    層", "与えました。\\n3 つ" -> "与えました。3 つ". A break between a Japanese character and
    a Latin one, after a hard break's two spaces, at a blank line or after a heading stays."""
    out: list[str] = []
    fence: str | None = None  # the fence that opened the code block we are in
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        rest = line.lstrip(" \t")
        if out and rest and out[-1] and not _HEADING.match(out[-1]) and _glued(out[-1], line):
            out[-1] += rest
        else:
            out.append(line)
    return "\n".join(out)


def _glued(before: str, line: str) -> bool:
    """Whether the break between ``before`` and ``line`` is no space in Japanese."""
    last, first = before[-1], line.lstrip(" \t")[0]
    if _CJK_CHAR.fullmatch(last) and _CJK_CHAR.fullmatch(first):
        return True  # a CJK first character cannot start a block
    if _BLOCK_START.match(line):
        return False
    return bool(_CJK_PUNCT.fullmatch(last) or _CJK_PUNCT.fullmatch(first))


def to_rich(text: str, **options: Any):
    """A rich ``Markdown`` of ``text`` with CJK line breaks joined (``options`` go to rich)."""
    from rich.markdown import Markdown

    return Markdown(join_cjk_breaks(text), **options)
