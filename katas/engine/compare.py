"""``katas compare KATA``: the learner's functions vs ``scratch`` vs ``tf_ref`` on the same
random inputs, as a table of max abs / max rel differences.

A kata opts in with a ``compare.py`` defining ``cases(rng) -> list[(label, run)]`` where
``run(module) -> {output name: array}`` calls the kata's functions on a module, and with
``tf_reference`` in its ``kata.toml`` (the ``tf_ref`` twins of ``reference``). Everything runs in
a child process (started like a check's: see runner.run_child): learner code never runs inside
the CLI, and TensorFlow loads only there.

What cannot be compared is said, row by row: an output that raised, that is not a numeric
array, that has another shape, or that holds NaN or infinity. A learner's file that cannot be
used at all (missing, a syntax error, ...) gets the same paragraph as in ``katas check``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import tomllib
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas.engine.registry import Kata, resolve

DEFAULT_TIMEOUT_S = 120.0  # TensorFlow's import alone takes seconds on a loaded machine
NOTE_CHARS = 300  # an exception message can be huge; a table row shows its start


def has_cases(kata: Kata) -> bool:
    return (kata.folder / "compare.py").is_file()


def tf_module(kata: Kata) -> types.ModuleType | None:
    meta = tomllib.loads((kata.folder / "kata.toml").read_text(encoding="utf-8"))
    targets = meta.get("tf_reference")
    if not targets:
        return None
    # Entries are "module:function" and need not cover every kata function: a function
    # without a TensorFlow twin simply shows an error in its "vs tf_ref" rows.
    mod = types.ModuleType(f"tf_reference_{kata.id}")
    for target in targets:
        module, attr = target.split(":")
        setattr(mod, attr, getattr(importlib.import_module(module), attr))
    return mod


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 3] + "..."


def as_numeric(value: Any) -> np.ndarray | str:
    """``value`` as a float64 array, or why it cannot be one."""
    try:
        array = np.asarray(value)
    except BaseException as err:  # learner objects: anything can happen in __array__
        return _short(f"cannot be turned into an array ({type(err).__name__}: {err})")
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        return _short(f"is {type(value).__name__} of dtype {array.dtype}, not a numeric array")
    if np.issubdtype(array.dtype, np.complexfloating):
        return f"is complex ({array.dtype}); expected real numbers"
    return array.astype(np.float64)


def _row(case: str, key: str, pair: str, note: str = "", blame: str | None = None) -> dict:
    """A table row; ``note`` says why it has no numbers, ``blame`` whose output caused that."""
    return {"case": case, "output": key, "pair": pair, "abs": None, "rel": None, "note": note,
            "blame": blame}  # fmt: skip


def diff_row(case: str, key: str, pair: str, a: Any, b: Any) -> dict[str, Any]:
    """One table row: max abs / max rel difference of ``a`` and ``b``, or a note saying why
    there is none (naming the side that is wrong)."""
    names = pair.split(" vs ")
    arrays = []
    for name, value in zip(names, (a, b), strict=True):
        array = as_numeric(value)
        if isinstance(array, str):
            return _row(case, key, pair, f"{name}: {array}", name)
        arrays.append(array)
    x, y = arrays
    if x.shape != y.shape:
        note = f"shapes differ: {names[0]} {x.shape}, {names[1]} {y.shape}"
        return _row(case, key, pair, note, names[0])
    for name, array in zip(names, arrays, strict=True):
        bad = ~np.isfinite(array)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            return _row(case, key, pair, f"{name} has {array[where]} at index {where}", name)
    err = np.abs(x - y)
    rel = err / np.maximum(1e-12, np.maximum(np.abs(x), np.abs(y)))
    row = _row(case, key, pair)
    row.update(abs=float(err.max(initial=0.0)), rel=float(rel.max(initial=0.0)))
    return row


def compare_outputs(label: str, outputs: dict[str, dict[str, Any] | str]) -> list[dict[str, Any]]:
    """Rows for one case; ``outputs`` maps a module name to its outputs or its error text."""
    rows = []
    for first, second in (("yours", "scratch"), ("yours", "tf_ref"), ("scratch", "tf_ref")):
        a, b = outputs.get(first), outputs.get(second)
        if a is None or b is None:
            continue
        pair = f"{first} vs {second}"
        if isinstance(a, str) or isinstance(b, str):
            name, text = (first, a) if isinstance(a, str) else (second, b)
            rows.append(_row(label, "-", pair, f"{name}: {text}", name))
            continue
        for key in a:
            if key in b:
                rows.append(diff_row(label, key, pair, a[key], b[key]))
            else:
                rows.append(_row(label, key, pair, f"{second} has no output {key!r}", second))
    return rows


def _outputs_of(run: Any, module: types.ModuleType) -> dict[str, Any] | str:
    try:
        out = run(module)
    except BaseException as err:  # learner code: SystemExit, KeyboardInterrupt... all reported
        return _short(f"raised {type(err).__name__}: {err}")
    if not isinstance(out, dict):  # pragma: no cover - a kata's compare.py returns a dict
        return f"the case returned {type(out).__name__}, not a dict of outputs"
    return out


def run_compare(kata: Kata, spec: str, seed: int, progress: Any = None) -> dict[str, Any]:
    """All comparisons as plain data (computed in the child); ``progress(event, **data)`` is
    told each step (see child.Progress)."""
    from katas.engine.child import NO_PROGRESS, load_file, load_impl

    progress = progress or NO_PROGRESS

    if not has_cases(kata):
        return {"error": f"kata {kata.id} has no comparison cases"}
    progress("import")
    learner, problem = load_impl(kata, spec)
    if problem is not None:
        return {"problem": problem}
    modules: dict[str, types.ModuleType | str | None] = {
        "yours": learner,
        "scratch": kata.reference_module(),
    }
    progress("tf")
    try:
        modules["tf_ref"] = tf_module(kata)
    except Exception as err:  # no TensorFlow here: the other pairs still mean something
        modules["tf_ref"] = _short(f"unavailable ({type(err).__name__}: {err})")
    cases = load_file(kata.folder / "compare.py", f"compare_{kata.id}").cases(
        np.random.default_rng(seed)
    )
    rows = []
    for label, run in cases:
        progress("case", label=label)
        outputs: dict[str, dict[str, Any] | str] = {}
        for name, module in modules.items():
            if module is None:
                continue
            outputs[name] = module if isinstance(module, str) else _outputs_of(run, module)
        rows.extend(compare_outputs(label, outputs))
    return {"rows": rows}


def yours_failed(rows: list[dict[str, Any]]) -> bool:
    """Whether any row says the learner's output could not be compared."""
    return any(row.get("blame") == "yours" for row in rows)


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'case':<28}{'output':<10}{'pair':<20}{'max abs':>12}{'max rel':>12}"]
    for row in rows:
        head = f"{row['case']:<28}{row['output']:<10}{row['pair']:<20}"
        if row["note"]:
            lines.append(f"{head}  {row['note']}")
        else:
            lines.append(f"{head}{row['abs']:>12.3g}{row['rel']:>12.3g}")
    return "\n".join(lines)


@dataclass
class Outcome:
    """What ``katas compare`` prints and its exit status (0: a table of numbers; 1: your code
    could not be compared, or the comparison did not finish)."""

    text: str
    status: int


def compare(
    kata: Kata, spec: str, seed: int = 0, timeout: float = DEFAULT_TIMEOUT_S, lang: str = "en"
) -> Outcome:
    """Run the comparison in a child process and say what came of it."""
    from katas.engine import feedback
    from katas.engine.runner import (
        check_timeout,
        read_events,
        run_child,
        stopped_problem,
        where_it_stopped,
    )

    timeout = check_timeout(timeout)
    with tempfile.TemporaryDirectory(prefix="katas-compare-") as tmp:
        out = Path(tmp) / "compare.json"
        progress = Path(tmp) / "progress.jsonl"
        args = [str(kata.folder), spec, str(seed), str(out), "--progress", str(progress)]
        run = run_child("katas.engine.compare", args, timeout=timeout, cwd=Path(tmp), lang=lang)
        try:
            data = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        events = read_events(progress)
    if not isinstance(data, dict):
        problem = stopped_problem(run, where_it_stopped(events, 0), timeout)
        return Outcome(feedback.explain_problem(kata, problem, lang), 1)
    if "error" in data:
        return Outcome(str(data["error"]), 1)
    if "problem" in data:
        return Outcome(feedback.explain_problem(kata, data["problem"], lang), 1)
    rows = data.get("rows", [])
    return Outcome(format_table(rows), 1 if yours_failed(rows) else 0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("kata")
    p.add_argument("spec")
    p.add_argument("seed", type=int)
    p.add_argument("out")
    p.add_argument("--progress", default=None)
    args = p.parse_args(argv)
    from katas.engine.child import Progress

    result = run_compare(resolve(args.kata), args.spec, args.seed, Progress(args.progress))
    Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
