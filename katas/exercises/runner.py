"""What every exercise run shares: the flags registered in the same words
(:func:`add_common_flags`, :func:`add_training_flags`) and its settings from them
(:func:`settings_from`, :func:`seed_list`), its output folder, writing its report so that a
finished run is never lost, the strict JSON it prints and its exit status.

A run (``katas exercise N ...``) goes: :func:`claim_output_dir` (before any data is loaded: a
bad ``--out`` costs nothing), the work, then :func:`finish`: ``report.json`` (strict JSON,
:mod:`katas.jsonout`) and the figures go into the folder; if that fails (the folder was removed
or made read-only during the run, the disk is full) into a fresh temporary folder instead, and
if that fails too the whole report is printed on stdout. Exit status: 0 when the report says
``"status": "ok"`` and it is in ``--out``; 1 when a backend failed (diverged) or the report had
to be written elsewhere; bad flags and bad data are :class:`katas.errors.UserError` (exit 2,
printed by the CLI).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from katas import argtypes, jsonout
from katas.argtypes import SEED_MAX
from katas.cli_text import lang_of, t
from katas.errors import UserError
from katas.files import atomic_write

PROBE_NAME = ".katas-write-probe"

#: A figure of a report: its key in ``report["files"]`` and the function drawing it into a
#: folder (returning the file written).
Figure = tuple[str, Callable[[Path], Path]]

S = TypeVar("S")


# ----------------------------------------------------------------------------- flags


def add_common_flags(
    parser: argparse.ArgumentParser,
    *,
    backend: str = "both",
    seed_help: str,
    quick_help: str,
    out_help: str,
) -> None:
    """The flags every exercise has, in the same words: --backend (default ``backend``),
    --json, --seed, --quick, --device, --data and --out (only their help differs)."""
    parser.add_argument("--backend", choices=("scratch", "tf", "both"), default=backend)
    parser.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    parser.add_argument("--seed", type=argtypes.seed, default=42, help=seed_help)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument(
        "--device", choices=("auto", "cpu", "gpu"), default="auto", help="TF device"
    )
    parser.add_argument(
        "--data",
        type=argtypes.path_text,
        default=None,
        help="MNIST file or folder (default: the cache)",
    )
    parser.add_argument(
        "--out", type=argtypes.path_text, default=None, metavar="DIR", help=out_help
    )


def add_training_flags(
    parser: argparse.ArgumentParser,
    *,
    learning_rate_help: str,
    seeds_help: str | None = None,
    batch_size: bool = False,
) -> None:
    """The training overrides, all defaulting to None (the exercise's own setting): --seeds
    (only with ``seeds_help``), --learning-rate, --max-epochs, --patience and, with
    ``batch_size``, --batch-size."""
    if seeds_help is not None:
        parser.add_argument(
            "--seeds", type=argtypes.positive_int, default=None, metavar="N", help=seeds_help
        )
    parser.add_argument(
        "--learning-rate", type=argtypes.positive_float, default=None, help=learning_rate_help
    )
    parser.add_argument("--max-epochs", type=argtypes.positive_int, default=None)
    parser.add_argument("--patience", type=argtypes.positive_int, default=None)
    if batch_size:
        parser.add_argument("--batch-size", type=argtypes.positive_int, default=None)


def settings_from(args: argparse.Namespace, default: S, quick: S, names: Iterable[str]) -> S:
    """``quick`` under --quick, else ``default`` (frozen dataclasses), with the field of each
    of ``names`` replaced by the flag of the same name where it was given (not None)."""
    given = {name: getattr(args, name) for name in names}
    return replace(
        quick if args.quick else default, **{k: v for k, v in given.items() if v is not None}
    )


def backend_names(backend: str) -> list[str]:
    """--backend's value -> the backends to run, in order."""
    return ["scratch", "tf"] if backend == "both" else [backend]


def seed_list(seed: int, seeds: int) -> list[int]:
    """--seed and the number of seeds -> seed, seed+1, ...; UserError if the last one is out
    of range (before any work)."""
    if seed + seeds - 1 > SEED_MAX:
        raise UserError(
            f"--seed {seed} --seeds {seeds}: the last seed would be "
            f"{seed + seeds - 1}, above {SEED_MAX}; give a smaller --seed",
            ja=(
                f"--seed {seed} --seeds {seeds}: 最後のシードが "
                f"{seed + seeds - 1} になり、{SEED_MAX} を超えます。"
                "--seed を小さくしてください"
            ),
        )
    return [seed + i for i in range(seeds)]


def overall_status(report: dict[str, Any], backends: list[str]) -> str:
    """The report's "status": "ok" when every backend's is, else "diverged"."""
    return "ok" if all(report[n]["status"] == "ok" for n in backends) else "diverged"


def stats(values: list[float | None]) -> dict[str, float | None]:
    """A report's statistics of one quantity over the seeds: mean, sd (n - 1; None for one
    value), min and max of the finite values (each None if none), and n, how many were finite."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {"mean": None, "sd": None, "min": None, "max": None, "n": 0}
    a = np.array(finite)
    return {
        "mean": float(a.mean()),
        "sd": float(a.std(ddof=1)) if len(a) > 1 else None,
        "min": float(a.min()),
        "max": float(a.max()),
        "n": len(a),
    }


def fmt(value: float | None, spec: str) -> str:
    """A table cell: ``value`` in the format ``spec``, or "-" when it is None or not finite
    (a run that diverged, a statistic of no runs)."""
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


# ----------------------------------------------------------------------------- folder and report


def claim_output_dir(out: str | None, stem: str) -> tuple[Path, bool]:
    """A fresh folder for this run, created and proven writable *before* the long work starts:
    ``--out`` as given (it must not be a file, nor a folder with anything in it), or
    ``katas-runs/<stem>-<time>`` (never a previous run's folder: nothing is overwritten).
    Returns (folder, whether this call created it); UserError if it cannot be made or written."""
    flag = f"--out {out}" if out is not None else "the output folder (--out)"
    flag_ja = f"--out {out}" if out is not None else "出力フォルダ (--out)"
    if out is not None:
        path = Path(out).expanduser()
        try:
            if path.exists() and not path.is_dir():
                raise UserError(
                    f"{flag}: this is a file; expected a new or empty folder",
                    ja=f"{flag_ja}: ファイルです。新しいフォルダか空のフォルダを指定してください",
                )
            if path.is_dir() and any(path.iterdir()):
                raise UserError(
                    f"{flag}: the folder is not empty; give a new one",
                    ja=f"{flag_ja}: フォルダが空ではありません。新しいフォルダを指定してください",
                )
        except OSError as err:
            raise UserError(
                f"{flag}: cannot look inside it ({err}); give a new folder",
                ja=f"{flag_ja}: 中を見られません ({err})。新しいフォルダを指定してください",
            ) from None
    else:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = Path("katas-runs") / f"{stem}-{stamp}"
        n = 1
        while path.exists():
            n += 1
            path = path.with_name(f"{stem}-{stamp}-{n}")
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / PROBE_NAME
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        release_output_dir(path, created)
        raise UserError(
            f"{flag}: cannot create the folder {path} or write in it ({err}); give a folder you "
            "can write",
            ja=(
                f"{flag_ja}: フォルダ {path} を作成できないか、書き込めません"
                f" ({err})。書き込めるフォルダを指定してください"
            ),
        ) from None
    return path, created


def release_output_dir(path: Path, created: bool) -> None:
    """Remove the folder :func:`claim_output_dir` created, if nothing was written to it (a run
    that failed before its results leaves no empty folder behind)."""
    if created:
        try:
            path.rmdir()  # only succeeds when empty
        except OSError:
            pass


def run_in_folder(
    out: str | None, stem: str, work: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], Path]:
    """Claim the output folder, then ``work()`` -> the report; a run that fails leaves no
    empty folder behind. Returns (report, folder)."""
    folder, created = claim_output_dir(out, stem)
    try:
        return work(), folder
    except BaseException:
        release_output_dir(folder, created)
        raise


def save_results(
    out: Path, report: dict[str, Any], figures: list[Figure], prefix: str
) -> tuple[dict[str, str | None], str | None]:
    """Write report.json (strict JSON) and the figures into ``out``; if that fails, into a fresh
    temporary folder ``<prefix>...`` instead. Returns ({"report": path, <figure key>: path, ...},
    a note saying what went wrong, or None); paths are None for what could be written nowhere."""
    files, problem, _ = _save_results(out, report, figures, prefix)
    return files, problem


def _save_results(
    out: Path, report: dict[str, Any], figures: list[Figure], prefix: str
) -> tuple[dict[str, str | None], str | None, str | None]:
    """:func:`save_results`, with the note in Japanese too (the third value)."""
    text = jsonout.dumps(report, indent=1) + "\n"
    problem = problem_ja = None
    for folder in (out, None):
        try:
            if folder is None:
                folder = Path(tempfile.mkdtemp(prefix=prefix))
            files = _write_results(folder, text, figures)
        except OSError as err:
            if problem is None:
                where = where_ja = f"--out {out}"
            elif folder is None:  # mkdtemp itself failed: then there is no folder to name
                where, where_ja = "a temporary folder", "一時フォルダ"
            else:
                where, where_ja = f"the fallback folder {folder}", f"代わりのフォルダ {folder}"
            problem = (problem + "; " if problem else "") + f"could not write to {where} ({err})"
            problem_ja = (problem_ja + "。" if problem_ja else "") + (
                f"{where_ja} に書き込めませんでした ({err})"
            )
            continue
        if folder == out:
            return files, problem, problem_ja
        return (
            files,
            f"{problem}; the results were saved in {folder} instead",
            f"{problem_ja}。結果は代わりに {folder} に保存しました",
        )
    nowhere: dict[str, str | None] = {"report": None, **{key: None for key, _ in figures}}
    return (
        nowhere,
        f"{problem}; the report is printed on stdout instead",
        f"{problem_ja}。レポートは代わりに標準出力に表示します",
    )


def _write_results(folder: Path, text: str, figures: list[Figure]) -> dict[str, str | None]:
    """report.json first (the numbers, written whole or not at all), then the figures; OSError
    if the folder is unusable."""
    file = folder / "report.json"
    atomic_write(file, text.encode("utf-8"))
    files: dict[str, str | None] = {"report": str(file)}
    for key, draw in figures:
        try:
            files[key] = str(draw(folder))
        except OSError:
            raise
        except Exception as err:  # a plotting failure must not cost the numbers already written
            print(t(lang_of(), "ex_no_plot", key=key, err=err), file=sys.stderr)
            files[key] = None
    return files


def finish(
    report: dict[str, Any],
    out: Path,
    figures: list[Figure],
    prefix: str,
    *,
    json_output: bool,
    backends: list[str],
    print_table: Callable[[dict[str, Any]], None],
) -> int:
    """Save the results (:func:`save_results`), print the "message" of each of ``backends``
    that failed and either the JSON (histories left out: they live in report.json), the whole
    report (when it could be written nowhere) or ``print_table(report)``. Returns the exit
    status: 0 when ``report["status"] == "ok"`` and the report is in ``out``, else 1."""
    # a backend's message in Japanese is for the screen, not for report.json
    said_ja = {name: report[name].pop("message_ja", None) for name in backends}
    files, problem, problem_ja = _save_results(out, report, figures, prefix)
    report["files"] = files if problem is None else {**files, "problem": problem}
    lang = lang_of()
    for name in backends:
        if report[name]["status"] != "ok":
            message = said_ja[name] if lang == "ja" and said_ja[name] else report[name]["message"]
            print(f"katas: {message}", file=sys.stderr)
    if problem is not None:
        print(f"katas: {problem_ja if lang == 'ja' else problem}", file=sys.stderr)
    if files["report"] is None:  # written nowhere: the whole report, histories included
        print(jsonout.dumps(report))
    elif json_output:
        print(jsonout.dumps({k: drop_histories(v) for k, v in report.items()}))
    else:
        print_table(report)
    return 0 if report["status"] == "ok" and problem is None else 1


def drop_histories(value: Any) -> Any:
    """The JSON printed on stdout stays short: per-epoch histories live in report.json."""
    if isinstance(value, dict):
        return {k: drop_histories(v) for k, v in value.items() if k != "history"}
    if isinstance(value, list):
        return [drop_histories(v) for v in value]
    return value
