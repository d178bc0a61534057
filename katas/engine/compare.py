"""``katas compare KATA``: the learner's functions vs ``scratch`` vs ``tf_ref`` on the same
random inputs, as a table of max abs / max rel differences.

A kata opts in with a ``compare.py`` defining ``cases(rng) -> list[(label, run)]`` where
``run(module) -> {output name: array}`` calls the kata's functions on a module, and with
``tf_reference`` in its ``kata.toml`` (the ``tf_ref`` twins of ``reference``). Everything runs in
a child process: learner code never runs inside the CLI, and TensorFlow loads only here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import numpy as np

from katas.engine.registry import Kata, find


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


def _diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("nan"), float("nan")
    err = np.abs(a - b)
    rel = err / np.maximum(1e-12, np.maximum(np.abs(a), np.abs(b)))
    return float(err.max(initial=0.0)), float(rel.max(initial=0.0))


def run_compare(kata: Kata, spec: str, seed: int) -> dict[str, Any]:
    """All comparisons as plain data (computed in the child)."""
    from katas.engine.child import load_file, load_impl

    cases_file = kata.folder / "compare.py"
    if not cases_file.is_file():
        return {"error": f"kata {kata.id} has no comparison cases yet"}
    learner, problem = load_impl(kata, spec)
    if problem is not None:
        return {"problem": problem}
    modules = {"yours": learner, "scratch": kata.reference_module(), "tf_ref": tf_module(kata)}
    cases = load_file(cases_file, f"compare_{kata.id}").cases(np.random.default_rng(seed))
    rows = []
    for label, run in cases:
        outputs: dict[str, dict[str, np.ndarray] | str] = {}
        for name, module in modules.items():
            if module is None:
                continue
            try:
                outputs[name] = {k: np.asarray(v) for k, v in run(module).items()}
            except Exception as err:
                outputs[name] = f"{type(err).__name__}: {err}"
        for pair in (("yours", "scratch"), ("yours", "tf_ref"), ("scratch", "tf_ref")):
            a, b = outputs.get(pair[0]), outputs.get(pair[1])
            if a is None or b is None:
                continue
            if isinstance(a, str) or isinstance(b, str):
                rows.append([label, "-", f"{pair[0]} vs {pair[1]}", a if isinstance(a, str) else b])
                continue
            for key in a:
                abs_d, rel_d = _diff(a[key], b[key])
                rows.append([label, key, f"{pair[0]} vs {pair[1]}", abs_d, rel_d])
    return {"rows": rows}


def format_table(data: dict[str, Any]) -> str:
    if "error" in data:
        return data["error"]
    if "problem" in data:
        return f"cannot compare: {data['problem']}"
    lines = [f"{'case':<28}{'output':<10}{'pair':<20}{'max abs':>12}{'max rel':>12}"]
    for row in data["rows"]:
        if len(row) == 4:
            lines.append(f"{row[0]:<28}{row[1]:<10}{row[2]:<20}  {row[3]}")
        else:
            lines.append(f"{row[0]:<28}{row[1]:<10}{row[2]:<20}{row[3]:>12.3g}{row[4]:>12.3g}")
    return "\n".join(lines)


def compare(kata: Kata, spec: str, seed: int = 0, timeout: float = 120) -> str:
    """Run the comparison in a child process and return the table."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "compare.json"
        cmd = [sys.executable, "-m", "katas.engine.compare", kata.id, spec, str(seed), str(out)]
        try:
            subprocess.run(cmd, timeout=timeout, check=False, capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            return f"comparison stopped after {timeout:.0f} s (an infinite loop in your code?)"
        if not out.is_file():
            return "comparison failed to run"
        return format_table(json.loads(out.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("kata")
    p.add_argument("spec")
    p.add_argument("seed", type=int)
    p.add_argument("out")
    args = p.parse_args(argv)
    result = run_compare(find(args.kata), args.spec, args.seed)
    Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
