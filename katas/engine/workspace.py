"""The learner's workspace: one file per kata plus a small state file. Nothing in it is ever
overwritten without a timestamped backup.

Layout::

    katas-workspace/            ($DNN_KATAS_WORKSPACE or --workspace to move it)
      .gitignore                "*": the folder stays out of any git repository it sits in
      01_dense.py ...           the learner's solutions, created from the stubs
      .katas/state.json         current kata, solved katas, hint levels shown
      .katas/state.json.broken-<time>   a state file that could not be read, kept as it was
      .katas/backups/           copies kept by `katas reset` (and by a check whose file changed)

Every OS error (a folder that is a file, no permission, a full disk) becomes a UserError that
names the path; a state file that cannot be read is copied aside before a fresh one replaces it,
so progress is never destroyed silently.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from katas.engine.i18n import t
from katas.engine.registry import Kata, all_katas
from katas.errors import UserError
from katas.files import atomic_write

DEFAULT_DIRNAME = "katas-workspace"


def default_root() -> Path:
    return Path(os.environ.get("DNN_KATAS_WORKSPACE") or Path.cwd() / DEFAULT_DIRNAME)


@dataclass
class State:
    """What the CLI remembers between runs.

    Ids of katas this version does not know (renamed, or from another version) are kept as they
    were; ``known_solved`` is what progress counts.
    """

    current: str | None = None
    solved: dict[str, float] = field(default_factory=dict)  # kata id -> time solved
    hints: dict[str, int] = field(default_factory=dict)  # kata id -> hint levels shown
    extra: dict[str, Any] = field(default_factory=dict)  # keys of a newer version, kept

    def known_solved(self) -> list[str]:
        ids = {k.id for k in all_katas()}
        return [k for k in self.solved if k in ids]

    def to_json(self) -> dict[str, Any]:
        return {**self.extra, "current": self.current, "solved": self.solved, "hints": self.hints}


class BrokenState(ValueError):
    """The state file is not what ``save`` writes; the message says what is wrong (``text``:
    in the learner's language; ``str``: English)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(t("en", key, **fields))
        self.key, self.fields = key, fields

    def text(self, lang: str) -> str:
        return t(lang, self.key, **self.fields)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_state(data: bytes) -> State:
    """``state.json``'s bytes as a State, or BrokenState naming the first thing wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BrokenState("broken_utf8", byte=err.start) from None
    try:
        raw = json.loads(text)
    except ValueError as err:
        raise BrokenState("broken_json", error=err) from None
    if not isinstance(raw, dict):
        raise BrokenState("broken_top", found=type(raw).__name__)
    current = raw.pop("current", None)
    solved = raw.pop("solved", {})
    hints = raw.pop("hints", {})
    if current is not None and not isinstance(current, str):
        raise BrokenState("broken_current", found=f"{current!r:.80}")
    if not isinstance(solved, dict) or not all(_number(v) for v in solved.values()):
        raise BrokenState("broken_solved", found=f"{solved!r:.80}")
    if not isinstance(hints, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in hints.values()
    ):
        raise BrokenState("broken_hints", found=f"{hints!r:.80}")
    return State(current=current, solved=dict(solved), hints=dict(hints), extra=raw)


def _os_error(action: str, path: Path, err: OSError, lang: str = "en") -> UserError:
    """A UserError for an OS error: what was being done (``action``, an i18n key ``os_*``),
    where, and the OS's reason (the OS's own words)."""
    reason = err.strerror or str(err)
    # The OS names the exact path that failed, when it knows it.
    where = Path(err.filename) if isinstance(err.filename, str) and err.filename else path
    if isinstance(err, NotADirectoryError | FileExistsError):
        blocker = next((p for p in (where, *where.parents) if p.is_file()), None)
        if blocker is not None:
            reason = t(lang, "os_is_a_file", path=blocker)
    return UserError(t(lang, action, path=where, reason=reason))


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-1.suffix``... when taken."""
    target = folder / f"{stem}{suffix}"
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


class Workspace:
    def __init__(
        self,
        root: Path | None = None,
        lang: str = "en",
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.lang = lang
        self.notify = notify or (lambda text: print(f"katas: {text}", file=sys.stderr))

    @property
    def meta(self) -> Path:
        return self.root / ".katas"

    @property
    def state_file(self) -> Path:
        return self.meta / "state.json"

    def exists(self) -> bool:
        """Whether a workspace was started here; a UserError when the workspace path is a file
        (``check_root``), so that no command takes a file for a missing workspace."""
        self.check_root()
        return self.state_file.is_file()

    def check_root(self) -> None:
        """A UserError when the workspace path is not (or cannot become) a folder."""
        if self.root.exists() and not self.root.is_dir():
            raise UserError(t(self.lang, "no_workspace_file", path=self.root))

    def path_for(self, kata: Kata) -> Path:
        return self.root / f"{kata.slug}.py"

    def start(self) -> list[tuple[str, str]]:
        """Create the workspace; copy each stub unless something is already there.

        Returns (file name, "created" | "kept" | "blocked") per kata: "blocked" is a folder
        where the kata file should be. Existing files are never touched.
        """
        self.check_root()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.meta / "backups").mkdir(parents=True, exist_ok=True)
        except OSError as err:  # a file where a folder must be, no permission, ...
            raise _os_error("os_create", self.root, err, self.lang) from None
        ignore = self.root / ".gitignore"
        report = []
        try:
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            for kata in all_katas():
                target = self.path_for(kata)
                if target.is_dir():
                    report.append((target.name, "blocked"))
                    continue
                created = not target.exists()
                if created:
                    shutil.copyfile(kata.stub, target)
                report.append((target.name, "created" if created else "kept"))
        except OSError as err:
            raise _os_error("os_write", self.root, err, self.lang) from None
        if not self.state_file.exists():
            first = all_katas()[0].id if all_katas() else None
            self.save(State(current=first))
        else:
            self.load()  # a broken state file is reported (and kept) now, not at the next command
        return report

    def load(self) -> State:
        """The saved state. A file that cannot be parsed is copied to
        ``state.json.broken-<time>`` and replaced by a fresh state, with a notice: the learner can
        go on, and nothing that was in it is lost."""
        try:
            data = self.state_file.read_bytes()
        except FileNotFoundError:
            return State(current=all_katas()[0].id if all_katas() else None)
        except OSError as err:
            raise _os_error("os_read_state", self.state_file, err, self.lang) from None
        try:
            return parse_state(data)
        except BrokenState as err:
            reason = err.text(self.lang)
        backup = _free_name(self.meta, f"state.json.broken-{_stamp()}", "")
        try:
            backup.write_bytes(data)
        except OSError as err:
            # Without a copy the broken file must stay: refuse rather than overwrite it.
            raise UserError(
                t(
                    self.lang,
                    "state_no_copy",
                    path=self.state_file,
                    reason=reason,
                    error=err.strerror or err,
                )
            ) from None
        fresh = State(current=all_katas()[0].id if all_katas() else None)
        self.save(fresh)
        notice = t(self.lang, "state_broken", path=self.state_file, reason=reason, backup=backup)
        self.notify(notice)
        return fresh

    def save(self, state: State) -> None:
        """Write the state atomically (``katas.files.atomic_write``: a crash mid-write never
        leaves half a file, a failed write no temporary file)."""
        text = json.dumps(state.to_json(), indent=1, sort_keys=True)
        try:
            atomic_write(self.state_file, text.encode("utf-8"))
        except OSError as err:
            raise _os_error("os_save_state", self.state_file, err, self.lang) from None

    def backup_bytes(self, kata: Kata, data: bytes) -> Path:
        """Keep ``data`` (a version of the learner's file) in backups/ with a timestamp."""
        folder = self.meta / "backups"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _free_name(folder, f"{kata.slug}.{_stamp()}", ".py")
            target.write_bytes(data)
        except OSError as err:
            raise _os_error("os_backup", folder, err, self.lang) from None
        return target

    def backup(self, kata: Kata) -> Path | None:
        """Copy the learner's file for ``kata`` to backups/ with a timestamp; None if absent."""
        source = self.path_for(kata)
        if not source.exists():
            return None
        if source.is_dir():
            raise UserError(t(self.lang, "kata_file_folder", name=source) + ".")
        try:
            data = source.read_bytes()
        except OSError as err:
            raise _os_error("os_read", source, err, self.lang) from None
        target = self.backup_bytes(kata, data)
        shutil.copystat(source, target)
        return target

    def reset(self, kata: Kata) -> Path | None:
        """Back the learner's file up, then put the pristine stub in its place."""
        backup = self.backup(kata)
        try:
            shutil.copyfile(kata.stub, self.path_for(kata))
        except OSError as err:
            raise _os_error("os_write", self.path_for(kata), err, self.lang) from None
        return backup

    def status(self, kata: Kata, state: State) -> str:
        """ "solved", "started" (file differs from the stub) or "new"."""
        if kata.id in state.solved:
            return "solved"
        path = self.path_for(kata)
        try:
            if path.is_file() and path.read_bytes() != kata.stub.read_bytes():
                return "started"
        except OSError:  # unreadable: something is there, so it was started
            return "started"
        return "new"
