"""``katas bench [--json] [--quick]``: scratch against Keras, tf_ref and scikit-learn.

Registers the sub-command and checks its flags; the run itself (``katas.bench.suite``: one
process per configuration, contenders alternated, medians after warm-up) and its report
(``katas.bench.report``) are imported only when the command runs, so the parser stays free of
NumPy and scratch.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from katas import argtypes
from katas.bench import workloads
from katas.cli_text import lang_of, t
from katas.errors import UserError

if TYPE_CHECKING:
    from katas.bench.suite import Options

#: ``--workloads`` names: the timed workloads and the peak-RSS run.
WORKLOAD_NAMES = (*workloads.WORKLOADS, "rss")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``katas bench`` to the CLI."""
    p = subparsers.add_parser(
        "bench",
        help="time scratch against Keras, tf_ref and scikit-learn",
        description="Training throughput of the exercise-8 and guidelines nets (batch 20, 50, "
        "500), an RBM epoch and an autoencoder epoch in scratch (Numba and NumPy paths), Keras, "
        "tf_ref and scikit-learn; one process per configuration, contenders alternated round "
        "by round, medians after warm-up; each workload's SGEMM floor and the peak RSS of an "
        "exercise-8 run; the performance targets met or missed. A full run takes about 6 minutes "
        "on 2 cores, --quick one or two.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    p.add_argument(
        "--quick",
        action="store_true",
        help="every workload on a small slice (1,000 rows), one round",
    )
    p.add_argument(
        "--contenders",
        default=None,
        metavar="LIST",
        help=f"comma-separated, scratch among them (default all: {','.join(workloads.CONTENDERS)})",
    )
    p.add_argument(
        "--workloads",
        default=None,
        metavar="LIST",
        help=f"comma-separated (default all: {','.join(WORKLOAD_NAMES)})",
    )
    p.add_argument(
        "--rounds",
        type=argtypes.positive_int,
        default=None,
        help="timed rounds (default 3, quick 1)",
    )
    p.add_argument(
        "--warmup", type=argtypes.count, default=None, help="untimed epochs first (default 1)"
    )
    p.add_argument(
        "--rows", type=argtypes.positive_int, default=None, help="the first N rows of each data set"
    )
    p.add_argument(
        "--blas-threads",
        default=None,
        metavar="N",
        help="NumPy's BLAS threads for every contender that uses it (scratch, scikit-learn); "
        "-1: BLAS' own default; default: each contender's own (scratch 1, scikit-learn all)",
    )
    p.add_argument(
        "--tf-threads",
        type=argtypes.positive_int,
        default=None,
        metavar="N",
        help="TensorFlow's intra- and inter-op threads (default: TensorFlow's, one per core)",
    )
    p.add_argument(
        "--data",
        type=argtypes.path_text,
        default=None,
        help="MNIST file or folder (default: the cache)",
    )
    p.add_argument(
        "--synthetic",
        action="store_true",
        help="random images of MNIST's shapes instead of MNIST (timings only; no RSS run)",
    )
    p.set_defaults(handler=run)


def _names(text: str | None, allowed: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """A comma-separated ``flag`` value as names from ``allowed`` (None: all of them)."""
    if text is None:
        return allowed
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in allowed]
    if not names or unknown:
        got = ", ".join(unknown) if unknown else repr(text)
        raise UserError(
            f"{flag}: expected comma-separated names from {', '.join(allowed)}; got {got}",
            ja=f"{flag}: {', '.join(allowed)} の中から名前をカンマ区切りで指定してください "
            f"({got} が渡されました)",
        )
    return names


def _blas_threads(text: str | None) -> int | None:
    """``--blas-threads``: a positive integer or -1."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 and value != -1:
        raise UserError(
            f"--blas-threads: expected a positive integer or -1 (BLAS' own default), got {text!r}",
            ja=f"--blas-threads: 正の整数か -1 (BLAS 自身の既定値) を指定してください "
            f"({text!r} が渡されました)",
        )
    return value


def options(args: argparse.Namespace) -> Options:
    """The flags, checked, as ``katas.bench.suite.Options`` (every error before anything runs)."""
    from katas.bench.suite import Options

    contenders = _names(args.contenders, workloads.CONTENDERS, "--contenders")
    if "scratch" not in contenders:
        raise UserError(
            "--contenders: scratch must be among them (every speed-up is scratch's over the "
            f"contender's), got {args.contenders!r}",
            ja="--contenders: scratch を含めてください (速度比はすべて scratch と各相手の比です)。"
            f"{args.contenders!r} が渡されました",
        )
    chosen = _names(args.workloads, WORKLOAD_NAMES, "--workloads")
    blas = _blas_threads(args.blas_threads)
    mode = workloads.QUICK if args.quick else workloads.FULL
    configurations = workloads.plan(
        tuple(w for w in chosen if w != "rss"),
        contenders,
        rounds=args.rounds or mode["rounds"],
        warmup=mode["warmup"] if args.warmup is None else args.warmup,
        rows=args.rows or mode["rows"],
        data=args.data,
        synthetic=args.synthetic,
        blas_threads=blas,
        tf_threads=args.tf_threads,
    )
    largest = max((c.batch_size for c in configurations), default=0)
    if args.rows is not None and args.rows < largest:
        raise UserError(
            f"--rows {args.rows}: fewer than the largest batch timed ({largest}); give at least "
            f"--rows {largest} or leave out the workloads with that batch size",
            ja=f"--rows {args.rows}: 計測する最大のバッチ ({largest}) より少ないです。"
            f"--rows {largest} 以上を指定するか、そのバッチの作業を外してください",
        )
    if not args.synthetic and (configurations or "rss" in chosen):
        # every worker and the RSS run load it: a missing or corrupt file is said once, here
        from katas import data

        data.load_mnist(args.data)  # a DataError (a UserError) in the learner's language
    return Options(
        configurations=tuple(configurations),
        quick=args.quick,
        data=args.data,
        synthetic=args.synthetic,
        blas_threads=blas,
        tf_threads=args.tf_threads,
        rss="rss" in chosen,
    )


def run(args: argparse.Namespace) -> int:
    """``katas bench``: measure, then print the table (or the JSON)."""
    from katas import jsonout
    from katas.bench import report, suite

    lang = lang_of(args)
    opts = options(args)

    def progress(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    record = report.enrich(suite.run(opts, progress))
    record["flags"] = {
        **{k: v for k, v in vars(args).items() if k not in ("handler", "command", "workspace")},
        "blas_threads": opts.blas_threads,
    }
    if args.json:
        print(jsonout.dumps(record))
    else:
        print(report.table(record, lang))
    failed = report.failures(record)
    if failed:
        print(f"katas: {t(lang, 'bench_some_failed', which=', '.join(failed))}", file=sys.stderr)
        return 1
    return 0
