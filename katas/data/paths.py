"""Where the MNIST cache lives, without NumPy: the CLI's parser names the folder in
``katas data fetch --help``, and building the parser must stay cheap (every command pays it).
:mod:`katas.data.cache` re-exports both functions."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Directory holding the converted ``mnist.npz`` (neither created nor checked here).

    ``$DNN_KATAS_DATA`` wins (CI, tests, shared machines); else ``$XDG_CACHE_HOME/dnn-katas``
    (the XDG base-directory convention, which ignores relative paths); else
    ``~/.cache/dnn-katas``. Pure, so ``katas --help`` can show it whatever it names.
    """
    override = os.environ.get("DNN_KATAS_DATA")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "dnn-katas"
    return Path.home() / ".cache" / "dnn-katas"


def _named_by() -> str:
    """Which setting chose :func:`cache_dir`, for error messages."""
    if os.environ.get("DNN_KATAS_DATA"):
        return "DNN_KATAS_DATA"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return "XDG_CACHE_HOME" if xdg and Path(xdg).is_absolute() else "the default (~/.cache)"
