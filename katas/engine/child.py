"""Runs a kata's tests against one or more implementations; executed in a subprocess.

``python -m katas.engine.child KATA --impl SPEC [--impl SPEC ...] --report FILE``
SPEC is ``reference``, ``stub`` or a path to a .py file. The report is a JSON list with one
entry per SPEC: {"spec", "status", "tests", "problem"}. Learner code only ever runs here, so an
infinite loop or a crash can never take the ``katas`` command down with it.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
import traceback
import types
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from katas.engine.registry import Kata, find


def load_file(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_impl(kata: Kata, spec: str) -> tuple[types.ModuleType | None, dict[str, Any] | None]:
    """The module for ``spec``, or a problem description if it cannot be used at all."""
    if spec == "reference":
        return kata.reference_module(), None
    path = kata.stub if spec == "stub" else Path(spec)
    if not path.is_file():
        return None, {"kind": "missing_file", "path": str(path)}
    try:
        module = load_file(path, f"kata_impl_{kata.id}")
    except SyntaxError as err:
        return None, {
            "kind": "syntax_error",
            "path": str(path),
            "line": err.lineno,
            "text": (err.text or "").rstrip(),
            "message": err.msg,
        }
    except BaseException as err:
        tb = traceback.extract_tb(err.__traceback__)
        frames = [f for f in tb if Path(f.filename).resolve() == path.resolve()]
        line = frames[-1].lineno if frames else None
        return None, {
            "kind": "import_error",
            "path": str(path),
            "line": line,
            "message": f"{type(err).__name__}: {err}",
        }
    missing = [f for f in kata.functions if not callable(getattr(module, f, None))]
    if missing:
        return None, {"kind": "missing_functions", "path": str(path), "names": missing}
    return module, None


def run_tests(kata: Kata, module: types.ModuleType, verbose: bool) -> list[dict[str, Any]]:
    import pytest

    from katas.engine.plugin import Recorder, wrap_module

    recorder = Recorder(wrap_module(module, kata.functions))
    # Import the tests afresh for every implementation: pytest would reuse the module from the
    # previous run, and module-level arrays that one implementation changed in place would
    # then make the next one fail (or pass) for the wrong reason.
    tests = kata.tests.resolve()
    for name, loaded in list(sys.modules.items()):
        if Path(getattr(loaded, "__file__", None) or "").resolve() == tests:
            del sys.modules[name]
    args = [
        str(kata.tests),
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(kata.folder),
        "-q" if verbose else "-qq",
        "--tb=short",
        "-W",
        "ignore::RuntimeWarning",
    ]
    sink = io.StringIO()
    if verbose:
        pytest.main(args, plugins=[recorder])
    else:
        with redirect_stdout(sink), redirect_stderr(sink):
            pytest.main(args, plugins=[recorder])
    return recorder.results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kata")
    parser.add_argument("--impl", action="append", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    kata = find(args.kata)
    entries = []
    for spec in args.impl:
        module, problem = load_impl(kata, spec)
        tests = run_tests(kata, module, args.verbose) if module is not None else []
        entries.append({"spec": spec, "problem": problem, "tests": tests})
        # Write after every implementation so a timeout still leaves the finished ones.
        Path(args.report).write_text(json.dumps(entries), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
