"""Runs a kata's tests against one or more implementations; executed in a subprocess.

``python -m katas.engine.child KATA --impl SPEC [--impl SPEC ...] --report FILE
[--progress FILE]``. KATA is a kata id or a kata folder; SPEC is ``reference``, ``stub`` or a
path to a .py file. The report is a JSON list with one entry per SPEC:
{"spec", "problem", "tests", "collected"}. Learner code only ever runs here, so an infinite loop
or a crash can never take the ``katas`` command down with it.

A kata is solved only when every collected test ran and passed: when fewer ran (learner code
raised KeyboardInterrupt or called pytest.exit, the test file collected nothing or could not be
imported), the entry carries a problem saying so. When the process itself dies (``os._exit``, a
signal), the parent explains it from the progress file this module appends to.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import inspect
import json
import linecache
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any, TextIO

from katas.engine.orphan import exit_with_parent
from katas.engine.registry import Kata, resolve
from scratch.threads import blas_threads


class Progress:
    """One JSON line per step, flushed at once, so a dying child still leaves its trail."""

    def __init__(self, path: str | None) -> None:
        self.stream: TextIO | None = open(path, "a", encoding="utf-8") if path else None
        self.impl = 0

    def __call__(self, event: str, **data: Any) -> None:
        if self.stream is not None:
            self.stream.write(json.dumps({"impl": self.impl, "event": event, **data}) + "\n")
            self.stream.flush()


NO_PROGRESS = Progress(None)


def _exec_source(path: Path, source: str, name: str) -> types.ModuleType:
    """Compile and run ``source`` as module ``name`` (registered while it runs, as an import
    would: dataclasses and pickling look the module up in sys.modules)."""
    code = compile(source, str(path), "exec", dont_inherit=True)
    # Tracebacks and the failure's "line N of your file" quote the source that was checked,
    # even when the file is saved again during the check.
    linecache.cache[str(path)] = (len(source), None, source.splitlines(True), str(path))
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules.pop(name, None)
    return module


def load_file(path: Path, name: str) -> types.ModuleType:
    """Import the Python file ``path`` as a module called ``name`` (no checks: trusted files)."""
    return _exec_source(path, importlib.util.decode_source(path.read_bytes()), name)


def read_source(path: Path) -> tuple[str | None, dict[str, Any] | None]:
    """The text of a learner's file, or a problem: missing, a folder, unreadable, binary, not
    decodable in its declared encoding (UTF-8 unless a ``# coding:`` line says otherwise)."""
    where = {"path": str(path)}
    if not path.exists():
        return None, {"kind": "missing_file", **where}
    if path.is_dir():
        return None, {"kind": "not_a_file", **where}
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, {"kind": "unreadable", **where, "message": err.strerror or str(err)}
    if b"\0" in data:
        return None, {"kind": "binary_file", **where, "size": len(data)}
    try:
        return importlib.util.decode_source(data), None
    except (UnicodeDecodeError, SyntaxError, LookupError) as err:
        return None, {"kind": "not_text", **where, "message": str(err)}


def _error_line(err: BaseException, path: Path) -> int | None:
    """The last line of ``path`` in ``err``'s traceback."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == str(path)]
    return frames[-1].lineno if frames else None


def _signature_problem(kata: Kata, module: types.ModuleType, path: Path) -> dict[str, Any] | None:
    """A kata function that cannot be called the way the stub's can (the tests call it so)."""
    try:
        stub = load_file(kata.stub, f"kata_stub_{kata.id}")
    except Exception:  # a broken stub is the kata's bug, caught by the project's own tests
        return None
    for name in kata.functions:
        try:
            theirs = inspect.signature(getattr(module, name))
            ours = inspect.signature(getattr(stub, name))
        except (TypeError, ValueError, AttributeError):  # builtins and C functions: no signature
            continue
        args, kwargs = [], {}
        for p in ours.parameters.values():
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                args.append(None)
            elif p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = None
        try:
            theirs.bind(*args, **kwargs)
        except TypeError:
            return {
                "kind": "wrong_signature",
                "path": str(path),
                "name": name,
                "yours": f"{name}{theirs}",
                "expected": f"{name}{ours}",
                "id": kata.id,
            }
    return None


def load_impl(kata: Kata, spec: str) -> tuple[types.ModuleType | None, dict[str, Any] | None]:
    """The module for ``spec``, or a problem description if it cannot be used at all."""
    if spec == "reference":
        return kata.reference_module(), None
    path = kata.stub if spec == "stub" else Path(spec)
    source, problem = read_source(path)
    if problem is not None:
        return None, problem
    try:
        module = _exec_source(path, source, f"kata_impl_{kata.id}")
    except SyntaxError as err:
        return None, {
            "kind": "syntax_error",
            "path": str(path),
            "line": err.lineno,
            "text": (err.text or "").rstrip(),
            "message": err.msg,
        }
    except BaseException as err:  # learner code: SystemExit, KeyboardInterrupt... all explained
        return None, {
            "kind": "import_error",
            "path": str(path),
            "line": _error_line(err, path),
            "message": f"{type(err).__name__}: {err}",
        }
    missing = []
    for name in kata.functions:
        try:
            ok = callable(getattr(module, name, None))
        except BaseException:  # a module-level __getattr__ that raises
            ok = False
        if not ok:
            missing.append(name)
    if missing:
        return None, {"kind": "missing_functions", "path": str(path), "names": missing}
    return module, _signature_problem(kata, module, path)


# pytest's own plugins that kata tests never use (no cache, no pdb, no doctests, no XML
# reports, no step-wise or set-up-only runs, no legacy tmpdir fixtures, no thread-exception
# warnings); the rest (fixtures, markers, skipping, warnings, tmp_path, monkeypatch, capture,
# faulthandler) stay.
UNUSED_PLUGINS = (
    "cacheprovider",
    "debugging",
    "pastebin",
    "junitxml",
    "doctest",
    "setuponly",
    "setupplan",
    "stepwise",
    "legacypath",
    "threadexception",
)


# Third-party loggers that log at DEBUG/INFO by the thousand (Numba, compiling, once a root
# handler is at DEBUG; matplotlib's font manager; PIL's PNG chunks; TensorFlow's absl).
NOISY_LOGGERS = (
    "numba",
    "matplotlib",
    "PIL",
    "h5py",
    "absl",
    "tensorflow",
    "jax",
    "asyncio",
    "urllib3",
    "fsspec",
    "filelock",
)


def quiet_libraries() -> None:
    """Keep everything but the learner's own output off the child's output.

    Hypothesis' reporter (its notes, "You can reproduce this failure by ...", the "very slow
    shrinking" warning) is silenced: the failure record carries the falsifying example already.
    Libraries learner code may import stay at WARNING whatever the root logger's level.
    """
    import logging

    import hypothesis.reporting

    hypothesis.reporting.default = lambda value: None
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def run_tests(
    kata: Kata, module: types.ModuleType, verbose: bool = False, progress: Progress = NO_PROGRESS
) -> dict[str, Any]:
    """Run the kata's tests on ``module``: {"tests", "collected", "problem"}.

    Every failure's full report is recorded whatever ``verbose`` says (the parent decides what
    to show); the flag is kept for callers that pass it.
    """
    import pytest

    from katas.engine.plugin import Recorder, wrap_module

    quiet_libraries()
    recorder = Recorder(wrap_module(module, kata.functions), progress)
    # Import the tests afresh for every implementation: pytest would reuse the module from the
    # previous run, and module-level arrays that one implementation changed in place would
    # then make the next one fail (or pass) for the wrong reason.
    tests = kata.tests.resolve()
    for name, loaded in list(sys.modules.items()):
        file = getattr(loaded, "__file__", None)
        # The file name first: resolving every loaded module's path took ~25 ms per run.
        if (
            isinstance(file, str)
            and Path(file).name == tests.name
            and Path(file).resolve() == tests
        ):
            del sys.modules[name]
    args = [
        str(kata.tests),
        # No plugin from the environment (pytest-randomly would reorder and reseed the tests,
        # and finding entry points scans every installed package), none of pytest's own that a
        # kata test has no use for: each costs start-up time.
        "--disable-plugin-autoload",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        # No terminal report: the parent prints the failures (``feedback.py``), each once,
        # with pytest's full report of each under -v. Without capture, what reaches stdout is
        # the learner's own output, which the parent reads (bounded); the plugin keeps the end
        # of the failing example's part of it.
        "-p",
        "no:terminal",
        "--capture=no",
        # Log records are no feedback: pytest's log capture would attach the records of every
        # library learner code uses to the report.
        "-p",
        "no:logging",
        # Its clean-up runs gc.collect() five times (~40 ms each with NumPy and hypothesis
        # loaded) to report exceptions raised in __del__, which no kata test is about.
        "-p",
        "no:unraisableexception",
        # ``assert cond, say(...)`` failing says exactly its message: no rewritten
        # "assert np.False_ + where ..." explanation, and no rewrite warnings.
        "--assert=plain",
        "-o",
        "addopts=",
        "--rootdir",
        str(kata.folder),
        "-W",
        "ignore::RuntimeWarning",
    ]
    stopped = ""
    # Everything imported so far lives as long as the process: out of the collector's sight,
    # each full collection during the tests scans only what the tests made (~40 ms less each).
    gc.freeze()
    try:
        pytest.main(args, plugins=[recorder])
    except BaseException as err:  # learner code reaching past pytest
        stopped = f"{type(err).__name__}: {err}".rstrip(": ")
    return recorder.summary(kata, stopped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kata")
    parser.add_argument("--impl", action="append", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--progress", default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    exit_with_parent()  # a killed `katas` must not leave learner code running
    # Hypothesis' own plugins (entry points: a scan of every installed package at import)
    # have nothing to do with a kata; set before hypothesis is first imported (run_tests).
    os.environ["HYPOTHESIS_NO_PLUGINS"] = "1"
    kata = resolve(args.kata)
    progress = Progress(args.progress)
    entries = []
    # Kata tests multiply small matrices: one BLAS thread, as in fit (scratch.threads).
    with blas_threads():
        for index, spec in enumerate(args.impl):
            progress.impl = index
            progress("import")
            module, problem = load_impl(kata, spec)
            entry: dict[str, Any] = {
                "spec": spec,
                "problem": problem,
                "tests": [],
                "collected": None,
            }
            if module is not None and problem is None:
                entry.update(run_tests(kata, module, args.verbose, progress))
            entries.append(entry)
            # Write after every implementation so a timeout still leaves the finished ones.
            Path(args.report).write_text(json.dumps(entries, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    status = main()
    # The report is written and closed: skip the interpreter's teardown (tens of ms of module
    # and garbage clean-up with NumPy, pytest and hypothesis loaded).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
