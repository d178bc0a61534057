"""Writing a file so that readers never see half of it (standard library only).

Shared by the MNIST cache (``katas.data.cache``), the workspace's progress file
(``katas.engine.workspace``) and exercise 8's report. ``scratch.training.save_checkpoint`` does
the same with its own few lines, since scratch imports nothing from ``katas``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(target: Path, write: Callable[[BinaryIO], object] | bytes) -> None:
    """Write ``target`` via a temporary file in the same folder, synced, then ``os.replace``:
    a reader sees the old file or the new one, never half of one, and a failed write (full
    disk, interrupt) leaves the old file, or nothing, and no temporary file behind.

    ``write``: the bytes, or a function writing them to the binary file it is given. The folder
    is created if missing; OSError as raised by the OS (its ``filename`` says which path).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            # mkstemp makes the file private (0600); these files are ordinary data others read.
            os.chmod(tmp, 0o644)
            if isinstance(write, bytes):
                fh.write(write)
            else:
                write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
