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

The table ends with a verdict (:func:`verdict`): your outputs agree with scratch's and
TensorFlow's within the rounding expected for their dtype (:data:`TOLERANCE`), or the first
place where they are off, with both values. Notes and verdict exist in English and Japanese
(``note`` / ``note_ja`` in each row); the table is printed in the learner's language.
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


#: The largest scaled error (see :func:`diff_row`) that still counts as rounding, by the
#: precision of the pair's outputs (the lower of the two). float64: eps is 2.2e-16, and two
#: correct implementations differ only in the order of their operations (a sum of n terms in
#: another order: up to about n * eps of the output's scale, 1e-13 for the katas' sizes); 1e-10
#: keeps three orders of magnitude of margin, while every classic mistake (a mean for a sum, a
#: wrong transpose, a missing term) is off by far more than 1e-3. float32: eps is 1.2e-7, and
#: TensorFlow's float32 kernels (blocked, FMA-fused matmul sums; exp/log approximations a few
#: ulp from NumPy's) differ from NumPy's by about 1e-6 of the scale on these sizes (at most
#: 1.8e-6 over the 25 katas' cases, measured); 1e-4 keeps two orders of margin. float16 (eps
#: 1e-3) would get 1e-2. Integer and boolean outputs (masks, samples) are exact in float64 and
#: get float64's tolerance. Against TensorFlow, the gap scratch itself has is allowed on top
#: (:func:`_allowed`).
TOLERANCE = {"float64": 1e-10, "float32": 1e-4, "float16": 1e-2}


def precision(*dtypes: Any) -> str:
    """The precision a pair of outputs is judged by: the lower of their float precisions
    ("float64" when neither is a float of fewer than 8 bytes)."""
    sizes = [np.dtype(d).itemsize for d in dtypes if np.issubdtype(np.dtype(d), np.floating)]
    smallest = min(sizes, default=8)
    return "float16" if smallest <= 2 else "float32" if smallest <= 4 else "float64"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 3] + "..."


#: A text in both languages, as rows carry it through the child's JSON.
Text = dict[str, str]


def _text(en: str, ja: str) -> Text:
    return {"en": en, "ja": ja}


def _in(text: Text | str, lang: str) -> str:
    """``text`` in ``lang`` (a plain string is the same in both)."""
    return text if isinstance(text, str) else text.get(lang) or text["en"]


def as_numeric(value: Any) -> tuple[np.ndarray, str] | Text:
    """``value`` as a float64 array with its own dtype's name, or why it cannot be one."""
    try:
        array = np.asarray(value)
    except BaseException as err:  # learner objects: anything can happen in __array__
        what = f"{type(err).__name__}: {err}"
        return _text(
            _short(f"cannot be turned into an array ({what})"),
            _short(f"配列に変換できません ({what})"),
        )
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        kind = type(value).__name__
        return _text(
            _short(f"is {kind} of dtype {array.dtype}, not a numeric array"),
            _short(f"dtype {array.dtype} の {kind} で、数値の配列ではありません"),
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        return _text(
            f"is complex ({array.dtype}); expected real numbers",
            f"複素数 ({array.dtype}) です。実数を返してください",
        )
    return array.astype(np.float64), str(array.dtype)


def _row(
    case: str, key: str, pair: str, note: Text | str = "", blame: str | None = None
) -> dict[str, Any]:
    """A table row; ``note`` says why it has no numbers, ``blame`` whose output caused that."""
    return {"case": case, "output": key, "pair": pair, "abs": None, "rel": None,
            "note": _in(note, "en"), "note_ja": _in(note, "ja"), "blame": blame}  # fmt: skip


def _who(name: str, lang: str) -> str:
    return "あなた" if lang == "ja" and name == "yours" else name


def _index(where: tuple[int, ...]) -> str:
    """An index as the learner writes it: ``(1, 2)``, ``3`` (one axis), ``()`` (a scalar)."""
    return str(where[0]) if len(where) == 1 else str(tuple(where))


def diff_row(case: str, key: str, pair: str, a: Any, b: Any) -> dict[str, Any]:
    """One table row: max abs / max rel difference of ``a`` and ``b``, or a note saying why
    there is none (naming the side that is wrong).

    It also carries what the verdict needs: the pair's precision (:func:`precision`) and the
    scaled error ``max |a - b| / max(max |a|, max |b|)`` (the difference relative to the
    output's largest value: rounding error of an element is proportional to the magnitudes that
    went into it, not to the element, so a near-zero element from a cancellation is not an error
    of 1e3), with the index where it is largest and both values there.
    """
    names = pair.split(" vs ")
    arrays, dtypes = [], []
    for name, value in zip(names, (a, b), strict=True):
        got = as_numeric(value)
        if isinstance(got, dict):
            note = _text(f"{name}: {got['en']}", f"{_who(name, 'ja')}: {got['ja']}")
            return _row(case, key, pair, note, name)
        arrays.append(got[0])
        dtypes.append(got[1])
    x, y = arrays
    if x.shape != y.shape:
        note = _text(
            f"shapes differ: {names[0]} {x.shape}, {names[1]} {y.shape}",
            f"形が違います: {_who(names[0], 'ja')} {x.shape}、{names[1]} {y.shape}",
        )
        return _row(case, key, pair, note, names[0])
    for name, array in zip(names, arrays, strict=True):
        bad = ~np.isfinite(array)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            value = f"{array[where]:g}"
            note = _text(
                f"{name} has {value} at index {where}",
                f"{_who(name, 'ja')} のインデックス {where} が {value} です",
            )
            return _row(case, key, pair, note, name)
    err = np.abs(x - y)
    rel = err / np.maximum(1e-12, np.maximum(np.abs(x), np.abs(y)))
    row = _row(case, key, pair)
    row.update(abs=float(err.max(initial=0.0)), rel=float(rel.max(initial=0.0)))
    scale = max(float(np.abs(x).max(initial=0.0)), float(np.abs(y).max(initial=0.0)))
    worst = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape)) if err.size else ()
    )
    row.update(
        precision=precision(*dtypes),
        scaled=float(err.max(initial=0.0)) / scale if scale > 0 else 0.0,
        where=list(worst),
        values=[float(x[worst]), float(y[worst])] if err.size else [0.0, 0.0],
    )
    return row


def compare_outputs(label: str, outputs: dict[str, dict[str, Any] | str]) -> list[dict[str, Any]]:
    """Rows for one case; ``outputs`` maps a module name to its outputs or its error text."""
    rows = []
    for first, second in (("yours", "scratch"), ("yours", "tf_ref"), ("scratch", "tf_ref")):
        a, b = outputs.get(first), outputs.get(second)
        if a is None or b is None:
            continue
        pair = f"{first} vs {second}"
        failed = _failure(a), _failure(b)
        if failed[0] is not None or failed[1] is not None:
            name, text = (first, failed[0]) if failed[0] is not None else (second, failed[1])
            note = _text(f"{name}: {_in(text, 'en')}", f"{_who(name, 'ja')}: {_in(text, 'ja')}")
            rows.append(_row(label, "-", pair, note, name))
            continue
        for key in a:
            if key in b:
                rows.append(diff_row(label, key, pair, a[key], b[key]))
            else:
                note = _text(
                    f"{second} has no output {key!r}", f"{second} に出力 {key!r} がありません"
                )
                rows.append(_row(label, key, pair, note, second))
    return rows


def _failure(outputs: Any) -> Text | str | None:
    """Why a module has no outputs (its error text), or None when ``outputs`` are outputs."""
    if isinstance(outputs, str):
        return outputs
    return outputs if isinstance(outputs, dict) and outputs.get("__error__") is True else None


def _outputs_of(run: Any, module: types.ModuleType) -> dict[str, Any]:
    try:
        out = run(module)
    except BaseException as err:  # learner code: SystemExit, KeyboardInterrupt... all reported
        what = f"{type(err).__name__}: {err}"
        return _error(_short(f"raised {what}"), _short(f"{what} を送出しました"))
    if not isinstance(out, dict):  # pragma: no cover - a kata's compare.py returns a dict
        kind = type(out).__name__
        return _error(
            f"the case returned {kind}, not a dict of outputs",
            f"ケースが出力の dict ではなく {kind} を返しました",
        )
    return out


def _error(en: str, ja: str) -> dict[str, Any]:
    """A module's failure in place of its outputs (marked so no output name can clash)."""
    return {"__error__": True, "en": en, "ja": ja}


def run_compare(kata: Kata, spec: str, seed: int, progress: Any = None) -> dict[str, Any]:
    """All comparisons as plain data (computed in the child); ``progress(event, **data)`` is
    told each step (see child.Progress)."""
    from katas.engine.child import NO_PROGRESS, load_file, load_impl

    progress = progress or NO_PROGRESS

    if not has_cases(kata):
        from katas.cli_text import MESSAGES

        return {"error": MESSAGES["en"]["no_cases"].format(id=kata.id),
                "error_ja": MESSAGES["ja"]["no_cases"].format(id=kata.id)}  # fmt: skip
    progress("import")
    learner, problem = load_impl(kata, spec)
    if problem is not None:
        return {"problem": problem}
    modules: dict[str, types.ModuleType | dict[str, Any] | None] = {
        "yours": learner,
        "scratch": kata.reference_module(),
    }
    progress("tf")
    try:
        modules["tf_ref"] = tf_module(kata)
    except Exception as err:  # no TensorFlow here: the other pairs still mean something
        what = f"{type(err).__name__}: {err}"
        modules["tf_ref"] = _error(_short(f"unavailable ({what})"), _short(f"使えません ({what})"))
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
            outputs[name] = module if isinstance(module, dict) else _outputs_of(run, module)
        rows.extend(compare_outputs(label, outputs))
    return {"rows": rows}


def yours_off(rows: list[dict[str, Any]]) -> bool:
    """Whether any of your outputs differs from a reference's by more than the tolerance."""
    return any(r["pair"].startswith("yours vs ") and _off(r, rows) for r in rows)


def yours_failed(rows: list[dict[str, Any]]) -> bool:
    """Whether any row says the learner's output could not be compared."""
    return any(row.get("blame") == "yours" for row in rows)


def _pair(pair: str, lang: str) -> str:
    return " vs ".join(_who(name, lang) for name in pair.split(" vs "))


def format_table(rows: list[dict[str, Any]], lang: str = "en") -> str:
    """The rows as a table, in ``lang``: numbers, or the note saying why there are none."""
    from katas.cli_text import pad as _pad
    from katas.cli_text import t

    head = [(t(lang, "col_case"), 28), (t(lang, "col_output"), 10), (t(lang, "col_pair"), 20)]
    lines = ["".join(_pad(text, w) for text, w in head)
             + _pad(t(lang, "col_abs"), 14, True) + _pad(t(lang, "col_rel"), 14, True)]  # fmt: skip
    for row in rows:
        start = _pad(row["case"], 28) + _pad(row["output"], 10) + _pad(_pair(row["pair"], lang), 20)
        note = row.get("note_ja") if lang == "ja" else None
        note = note or row["note"]
        if note:
            lines.append(f"{start}  {note}")
        else:
            lines.append(f"{start}{row['abs']:>14.3g}{row['rel']:>14.3g}")
    return "\n".join(lines)


def _judged(row: dict[str, Any]) -> bool:
    return row.get("scaled") is not None and not row.get("note")


def _allowed(row: dict[str, Any], rows: list[dict[str, Any]]) -> float:
    """The largest scaled error ``row`` may have: its dtype's :data:`TOLERANCE`, and for yours
    vs TensorFlow also the gap between scratch and TensorFlow on the same output. TensorFlow is
    not always exact to the dtype: Keras keeps hyperparameters and some attributes in float32
    even for float64 data (Adam's rates, L1L2 factors, leaky ReLU's slope: 1e-9 to 1e-7 off),
    interpolates images its own way, and draws other random numbers for statistics of random
    outputs; by the triangle inequality, an output within the tolerance of scratch's is within
    tolerance + that gap of TensorFlow's."""
    allowed = TOLERANCE[row["precision"]]
    if row["pair"] == "yours vs tf_ref":
        for other in rows:
            same = other["case"] == row["case"] and other["output"] == row["output"]
            if same and other["pair"] == "scratch vs tf_ref" and _judged(other):
                allowed += other["scaled"]
    return allowed


def _off(row: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    return _judged(row) and row["scaled"] > _allowed(row, rows)


def _ratio(yours: float, theirs: float, lang: str) -> str:
    """ ", yours is 1/32 of it" where yours / theirs is (within 0.1 %) 1/n, n or -1 for a whole
    n from 2 to 1000: the signature of a mean for a sum, a missing or extra factor, a sign."""
    from katas.cli_text import t

    if theirs == 0 or yours == 0:
        return ""
    ratio = yours / theirs
    if abs(ratio + 1) < 1e-3:
        return t(lang, "ratio_sign")
    for value, key in ((1 / ratio, "ratio_fraction"), (ratio, "ratio_multiple")):
        n = round(value)
        if 2 <= n <= 1000 and abs(value - n) < 1e-3 * n:
            return t(lang, key, n=n)
    return ""


def verdict(rows: list[dict[str, Any]], kata_id: str, lang: str = "en") -> str:
    """The last line of ``katas compare``: your outputs within the tolerance of their dtype
    (:data:`TOLERANCE`) of scratch's, and of TensorFlow's as closely as scratch's are
    (:func:`_allowed`), or the first place where they are off and by how much; then whether
    TensorFlow was compared and where scratch and TensorFlow differ by more than rounding."""
    from katas.cli_text import t

    yours = [r for r in rows if r["pair"].startswith("yours vs ")]
    judged = [r for r in yours if _judged(r)]
    off = [r for r in judged if _off(r, rows)]
    if yours_failed(rows):
        lines = [t(lang, "not_comparable", id=kata_id)]
    elif off:
        r = off[0]
        values = {
            "case": r["case"],
            "output": r["output"],
            "index": _index(tuple(r["where"])),
            "yours": r["values"][0],
            "other": r["pair"].split(" vs ")[1],
            "theirs": r["values"][1],
            "scaled": r["scaled"],
            "precision": r["precision"],
            "tol": _allowed(r, rows),
        }
        ratio = _ratio(values["yours"], values["theirs"], lang)
        lines = [t(lang, "off", n_off=len(off), n=len(judged), id=kata_id, ratio=ratio, **values)]
    elif judged:
        # the numbers quoted are yours vs scratch (the same algorithm); TensorFlow's gap is its own
        main = [r for r in judged if r["pair"] == "yours vs scratch"] or judged
        against = main[0]["pair"].split(" vs ")[1]
        with_tf = against == "scratch" and any(r["pair"] == "yours vs tf_ref" for r in judged)
        tf = t(lang, "agrees_tf") if with_tf else ""
        scaled = max(r["scaled"] for r in main)
        # "0 of an output's largest value" reads like a formula left unfilled: say it is exact
        error = t(lang, "error_largest", scaled=scaled) if scaled > 0 else t(lang, "error_none")
        kinds = sorted({r["precision"] for r in main})
        if len(kinds) == 1:
            text = t(lang, "agrees", against=against, precision=kinds[0], error=error,
                     tol=TOLERANCE[kinds[0]], tf=tf)  # fmt: skip
        else:
            tols = ", ".join(f"{k} {TOLERANCE[k]:.0e}" for k in kinds)
            text = t(lang, "agrees_mixed", against=against, error=error, tols=tols, tf=tf)
        lines = [text]
    else:
        lines = [t(lang, "nothing_compared")]
    if any(r["pair"] == "yours vs tf_ref" and r.get("blame") == "tf_ref" for r in rows):
        lines.append(t(lang, "no_tf"))
    sources = [r for r in rows if r["pair"] == "scratch vs tf_ref" and _off(r, rows)]
    if sources:
        r = max(sources, key=lambda row: row["scaled"])
        lines.append(t(lang, "sources_differ", case=r["case"], output=r["output"],
                       scaled=r["scaled"], precision=r["precision"]))  # fmt: skip
    return "\n".join(lines)


@dataclass
class Outcome:
    """What ``katas compare`` prints and its exit status (0: your outputs agree within the
    tolerance of their dtype; 1: they are off, could not be compared, or the comparison did not
    finish)."""

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
        return Outcome(str(data.get("error_ja") if lang == "ja" else data["error"]), 1)
    if "problem" in data:
        return Outcome(feedback.explain_problem(kata, data["problem"], lang), 1)
    rows = data.get("rows", [])
    text = format_table(rows, lang) + "\n\n" + verdict(rows, kata.id, lang)
    return Outcome(text, 1 if yours_failed(rows) or yours_off(rows) else 0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("kata")
    p.add_argument("spec")
    p.add_argument("seed", type=int)
    p.add_argument("out")
    p.add_argument("--progress", default=None)
    args = p.parse_args(argv)
    from katas.engine.child import Progress
    from katas.engine.orphan import exit_with_parent

    exit_with_parent()  # a killed `katas compare` must not leave learner code running

    result = run_compare(resolve(args.kata), args.spec, args.seed, Progress(args.progress))
    Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
