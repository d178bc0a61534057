"""What `pip install` gives a learner: the wheel and the sdist carry every kata file, and an
installed (not editable) copy starts a workspace and checks a kata on its own.

The build runs `python -m build` (an isolated build environment with the pinned setuptools,
fetched from the package index like every other dependency) once for the module, on a clean copy
of the tree: setuptools would otherwise reuse the file list a previous build left in
`*.egg-info/SOURCES.txt`, and pass where a fresh clone fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "katas" / "content"

pytestmark = pytest.mark.slow  # a build and a child process: about 20 s


def kata_files() -> set[str]:
    """Every file of every kata folder (statement, hints, kata.toml, stub, tests, mutants,
    compare cases), as a path relative to the repository root."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in CONTENT.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    tree = tmp_path_factory.mktemp("tree") / "dnn-katas"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(
            ".git",
            "*.egg-info",
            "build",
            "dist",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
            "katas-workspace",
            "katas-runs",
        ),
    )
    done = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(tree)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_every_kata_folder_has_the_files_a_kata_needs() -> None:
    """The list the archives are checked against is not empty or partial."""
    folders = [p for p in CONTENT.iterdir() if p.is_dir() and not p.name.startswith("_")]
    assert len(folders) >= 16
    files = kata_files()
    for folder in folders:
        rel = folder.relative_to(ROOT).as_posix()
        for name in ("kata.toml", "stub.py", "test_kata.py", "statement.en.md", "hints.ja.md"):
            assert f"{rel}/{name}" in files, f"{rel}/{name}"
        assert any(f.startswith(f"{rel}/mutants/") for f in files), rel


def test_wheel_carries_every_kata_file(dist: Path) -> None:
    """A wheel without kata.toml or the .md files installs a `katas` with nothing to teach."""
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    missing = sorted(kata_files() - names)
    assert not missing, f"{len(missing)} kata files missing from {wheel.name}: {missing[:10]}"
    assert "katas/content/README.md" in names


def test_sdist_carries_every_kata_file_and_the_tests(dist: Path) -> None:
    """The sdist is the whole project: packages with their kata files, tests, docs, dev.sh."""
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    missing = sorted(kata_files() - names)
    assert not missing, f"{len(missing)} kata files missing from {sdist.name}: {missing[:10]}"
    for name in ("README.md", "dev.sh", "pyproject.toml", "tests/conftest.py", "docs/FACTS.md"):
        assert name in names, name


def test_installed_wheel_starts_a_workspace_and_checks_a_kata(dist: Path, tmp_path: Path) -> None:
    """`katas start && katas check dense` from the wheel installed in a folder of its own,
    with this repository off the import path: the stub fails, the reference passes."""
    (wheel,) = dist.glob("*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(site), "DNN_KATAS_LANG": "en"}
    env.pop("DNN_KATAS_WORKSPACE", None)
    work = tmp_path / "learner"
    work.mkdir()

    def katas(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "katas", *argv],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import katas, scratch; print(katas.__file__, scratch.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(Path(p).is_relative_to(site) for p in where.split()), where
    started = katas("start")
    assert started.returncode == 0, started.stderr
    assert (work / "katas-workspace" / "01_dense.py").is_file()
    stub = katas("check", "dense")
    assert stub.returncode == 1 and "still the stub" in stub.stdout, stub.stdout + stub.stderr
    reference = katas("check", "dense", "--impl", "reference")
    assert reference.returncode == 0 and "tests pass" in reference.stdout, reference.stdout
