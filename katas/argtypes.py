"""argparse ``type=`` checkers shared by the CLI's sub-commands: each names what it expected.

Each checker raises :class:`katas.argparse_i18n.BadValue` (an ``argparse.ArgumentTypeError`` in
English and Japanese), which argparse prints after the flag's name ("argument --timeout:
expected ..."), exit status 2.
"""

from __future__ import annotations

import math
from pathlib import Path

from katas.argparse_i18n import BadValue
from katas.errors import BadInput

# A check or comparison longer than a day is a typo (and larger values overflow the timers
# some platforms use to wait on a child process).
MAX_SECONDS = 86_400.0


def _int(text: str) -> int | None:
    """``text`` as an integer, or None (int() also accepts "1_000" and surrounding spaces)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise BadValue(
            f"expected a positive number, got {text!r}", ja=f"正の数を指定してください ({text!r})"
        )
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    value = _int(text)
    if value is None or value < 1:
        raise BadValue(
            f"expected a positive integer, got {text!r}",
            ja=f"正の整数を指定してください ({text!r})",
        )
    return value


def count(text: str) -> int:
    """An integer >= 0."""
    value = _int(text)
    if value is None or value < 0:
        raise BadValue(
            f"expected an integer >= 0, got {text!r}",
            ja=f"0 以上の整数を指定してください ({text!r})",
        )
    return value


#: Seeds are 0..2**32 - 1: what NumPy's legacy ``seed`` and most tools accept, so a seed written
#: down here works anywhere; a negative or larger number is a typo, not a seed.
SEED_MAX = 2**32 - 1


def check_seed(value: object, name: str = "seed") -> int:
    """``value`` as an int seed in 0..SEED_MAX, for Python callers: BadInput (a UserError and a
    ValueError) naming ``name`` otherwise. Shared by exercise 8 and ``run_lockstep``."""
    import numpy as np  # here, not at the top: the CLI's parser is built without NumPy

    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not 0 <= value <= SEED_MAX
    ):
        raise BadInput(
            f"{name}: expected an integer in 0..{SEED_MAX}, got {value!r}",
            ja=f"{name}: 0..{SEED_MAX} の整数を指定してください ({value!r} が渡されました)",
        )
    return int(value)


def seed(text: str) -> int:
    """A random seed: an integer in 0..SEED_MAX (NumPy refuses negative seeds)."""
    value = _int(text)
    if value is None or not 0 <= value <= SEED_MAX:
        raise BadValue(
            f"expected a seed, an integer in 0..{SEED_MAX} (NumPy refuses negative seeds), "
            f"got {text!r}",
            ja=f"シードは 0..{SEED_MAX} の整数です (NumPy は負のシードを受け付けません): {text!r}",
        )
    return value


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds, > 0 and at most a day."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not 0 < value <= MAX_SECONDS:
        raise BadValue(
            f"expected a number of seconds > 0 and <= {MAX_SECONDS:.0f}, got {text!r}",
            ja=f"0 より大きく {MAX_SECONDS:.0f} 以下の秒数を指定してください ({text!r})",
        )
    return value


def path_text(text: str) -> str:
    """A non-empty file or folder name without NUL characters (the OS refuses those)."""
    if not text.strip():
        raise BadValue(f"expected a path, got {text!r}", ja=f"パスを指定してください ({text!r})")
    if "\0" in text:
        raise BadValue(
            f"a path cannot contain a NUL character, got {text!r}",
            ja=f"パスに NUL 文字は使えません ({text!r})",
        )
    return text


def path(text: str) -> Path:
    """``path_text`` as a Path."""
    return Path(path_text(text))
