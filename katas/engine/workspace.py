"""The learner's workspace: one file per kata plus a small state file. Nothing in it is ever
overwritten without a timestamped backup.

Layout::

    katas-workspace/            ($DNN_KATAS_WORKSPACE or --workspace to move it)
      .gitignore                "*": the folder stays out of any git repository it sits in
      01_dense.py ...           the learner's solutions, created from the stubs
      .katas/state.json         current kata, solved katas, hint levels shown
      .katas/backups/           copies kept by `katas reset`
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from katas.engine.registry import Kata, all_katas

DEFAULT_DIRNAME = "katas-workspace"


def default_root() -> Path:
    return Path(os.environ.get("DNN_KATAS_WORKSPACE") or Path.cwd() / DEFAULT_DIRNAME)


@dataclass
class State:
    """What the CLI remembers between runs."""

    current: str | None = None
    solved: dict[str, float] = field(default_factory=dict)  # kata id -> time solved
    hints: dict[str, int] = field(default_factory=dict)  # kata id -> hint levels shown


class Workspace:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    @property
    def meta(self) -> Path:
        return self.root / ".katas"

    @property
    def state_file(self) -> Path:
        return self.meta / "state.json"

    def exists(self) -> bool:
        return self.state_file.is_file()

    def path_for(self, kata: Kata) -> Path:
        return self.root / f"{kata.slug}.py"

    def start(self) -> list[tuple[str, bool]]:
        """Create the workspace; copy each stub unless a file is already there.

        Returns (file name, created?) per kata. Existing files are never touched.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        (self.meta / "backups").mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        report = []
        for kata in all_katas():
            target = self.path_for(kata)
            created = not target.exists()
            if created:
                shutil.copyfile(kata.stub, target)
            report.append((target.name, created))
        if not self.state_file.exists():
            first = all_katas()[0].id if all_katas() else None
            self.save(State(current=first))
        return report

    def load(self) -> State:
        try:
            data: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return State(current=all_katas()[0].id if all_katas() else None)
        return State(
            current=data.get("current"),
            solved=dict(data.get("solved", {})),
            hints=dict(data.get("hints", {})),
        )

    def save(self, state: State) -> None:
        """Write the state atomically (a crash mid-write never leaves half a file)."""
        self.meta.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.__dict__, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.state_file)

    def backup(self, kata: Kata) -> Path | None:
        """Copy the learner's file for ``kata`` to backups/ with a timestamp; None if absent."""
        source = self.path_for(kata)
        if not source.exists():
            return None
        folder = self.meta / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = folder / f"{kata.slug}.{stamp}.py"
        n = 1
        while target.exists():
            target = folder / f"{kata.slug}.{stamp}-{n}.py"
            n += 1
        shutil.copy2(source, target)
        return target

    def reset(self, kata: Kata) -> Path | None:
        """Back the learner's file up, then put the pristine stub in its place."""
        backup = self.backup(kata)
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kata.stub, self.path_for(kata))
        return backup

    def status(self, kata: Kata, state: State) -> str:
        """ "solved", "started" (file differs from the stub) or "new"."""
        if kata.id in state.solved:
            return "solved"
        path = self.path_for(kata)
        if path.exists() and path.read_bytes() != kata.stub.read_bytes():
            return "started"
        return "new"
