"""Discovering katas and reading their files."""

from __future__ import annotations

import importlib
import re
import tomllib
import types
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from katas.errors import UserError

# A hint level's heading line, in either language: "## Hint 2" or "## ヒント 2".
HINT_HEADING = re.compile(r"^## (?:Hint|ヒント) \d+[^\n]*$", re.MULTILINE)

CONTENT = Path(__file__).resolve().parent.parent / "content"
LANGS = ("en", "ja")


@dataclass(frozen=True)
class Kata:
    """One kata as described by its folder."""

    id: str
    number: int
    title: dict[str, str]
    functions: tuple[str, ...]
    reference: tuple[str, ...]  # "module:function" in scratch/, parallel to ``functions``
    folder: Path

    @property
    def slug(self) -> str:
        """File name stem in the workspace, e.g. ``01_dense``."""
        return self.folder.name

    @property
    def stub(self) -> Path:
        return self.folder / "stub.py"

    @property
    def tests(self) -> Path:
        return self.folder / "test_kata.py"

    def mutants(self) -> list[Path]:
        return sorted((self.folder / "mutants").glob("m*.py"))

    def statement(self, lang: str = "en") -> str:
        return _read_localised(self.folder, "statement", lang)

    def hints(self, lang: str = "en") -> list[str]:
        """Hint levels in order; the file separates them with ``## Hint N`` headings (or, in a
        Japanese file, ``## ヒント N``)."""
        text = _read_localised(self.folder, "hints", lang)
        return [p.strip() for p in HINT_HEADING.split(text)[1:]]

    def reference_functions(self) -> dict[str, object]:
        out = {}
        for name, target in zip(self.functions, self.reference, strict=True):
            module, attr = target.split(":")
            out[name] = getattr(importlib.import_module(module), attr)
        return out

    def reference_module(self) -> types.ModuleType:
        """A module exposing the reference (scratch) functions under the kata's names."""
        mod = types.ModuleType(f"reference_{self.id}")
        mod.__dict__.update(self.reference_functions())
        return mod


def _read_localised(folder: Path, stem: str, lang: str) -> str:
    path = folder / f"{stem}.{lang}.md"
    if not path.is_file():
        path = folder / f"{stem}.en.md"
    return path.read_text(encoding="utf-8")


def load_folder(folder: Path) -> Kata:
    """The kata described by ``folder/kata.toml`` (any folder: the child process is given the
    folder rather than an id, so a kata being written outside ``content/`` can be checked too)."""
    meta = tomllib.loads((folder / "kata.toml").read_text(encoding="utf-8"))
    functions = tuple(meta["functions"])
    reference = tuple(meta["reference"])
    if len(functions) != len(reference):
        raise ValueError(f"{folder}/kata.toml: functions and reference differ in length")
    return Kata(
        id=meta["id"],
        number=int(meta["number"]),
        title={k[len("title_") :]: v for k, v in meta.items() if k.startswith("title_")},
        functions=functions,
        reference=reference,
        folder=folder,
    )


@cache
def all_katas() -> tuple[Kata, ...]:
    """Every kata, in learning order (the number in its folder name)."""
    katas = [load_folder(p.parent) for p in sorted(CONTENT.glob("*/kata.toml"))]
    return tuple(sorted(katas, key=lambda k: k.number))


def find(name: str) -> Kata:
    """A kata by id ("dense"), number ("1", "01") or folder name ("01_dense")."""
    katas = all_katas()
    key = name.strip()
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    number = int(key) if key.isdecimal() and key.isascii() else None
    for kata in katas:
        if key in (kata.id, kata.slug) or number == kata.number:
            return kata
    known = ", ".join(k.id for k in katas)
    numbers = f"{katas[0].number} to {katas[-1].number}" if katas else "none"
    numbers_ja = f"{katas[0].number} から {katas[-1].number}" if katas else "なし"
    what = "an empty name" if not key else repr(name)
    what_ja = "空の名前" if not key else repr(name)
    raise UserError(
        f"no kata called {what}; give a kata id, number ({numbers}) or folder name. "
        f"The katas are: {known}",
        ja=f"{what_ja} という名前のカタはありません。カタの id、番号 ({numbers_ja}) "
        f"またはフォルダ名を指定してください。カタ: {known}",
    )


def resolve(name: str) -> Kata:
    """``find(name)``, or the kata in folder ``name`` when that folder holds a kata.toml."""
    folder = Path(name)
    if (folder / "kata.toml").is_file():
        return load_folder(folder)
    return find(name)
