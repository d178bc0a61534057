"""The ``katas zoo`` command line: list | show | train | export | import | remove.

Every failure a user can fix (an unknown or damaged entry, a bad file) is a
:class:`~katas.errors.UserError`: one paragraph, exit status 2, nothing changed on disk.
The store and the recipes are imported by the handlers, so ``katas --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from katas.argtypes import path_text, seed
from katas.cli_text import lang_of, pad, t
from katas.errors import UserError, ZooError


def _store() -> Any:
    from katas.zoo import store

    return store


def _row(name: str, version: int, lang: str = "en") -> dict[str, Any]:
    """One entry as ``list`` shows it: verified (manifest + weights checksum) or its problem
    (``problem`` in English, as the JSON gives it; ``_problem`` in ``lang``, for the table)."""
    store = _store()
    try:
        m = store.verify(name, version)
    except ZooError as err:
        return {"entry": store.ref(name, version), "status": "damaged", "problem": str(err),
                "_problem": err.text(lang)}  # fmt: skip
    metrics = m.get("metrics") or {}
    return {
        "entry": store.ref(name, version),
        "status": "ok",
        "recipe": m["recipe"],
        "backend": m["backend"],
        "quick": m["quick"],
        "test_accuracy": metrics.get("test_accuracy"),
        "val_accuracy": metrics.get("val_accuracy"),
        "created": m["created"],
    }


def _cmd_list(args: argparse.Namespace) -> int:
    store = _store()
    lang = lang_of(args)
    rows = [_row(n, v, lang) for n, v in store.entries()]
    if args.json:
        public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
        print(json.dumps({"zoo": str(store.zoo_dir()), "entries": public}))
        return 0
    print(t(lang, "zoo_folder", path=store.zoo_dir()))
    if not rows:
        print(t(lang, "zoo_empty"))
        return 0
    wide = 2 if lang == "ja" else 0  # Japanese headings are wider than the English ones
    print(
        pad(t(lang, "zoo_col_entry"), 24) + pad(t(lang, "zoo_col_recipe"), 12)
        + pad(t(lang, "zoo_col_backend"), 9 + 4 * (wide > 0)) + pad(t(lang, "zoo_col_quick"), 7)
        + pad(t(lang, "zoo_col_test"), 9 + wide, True) + pad(t(lang, "zoo_col_val"), 9 + wide, True)
        + "  " + t(lang, "zoo_col_created")
    )  # fmt: skip
    for r in rows:
        if r["status"] != "ok":
            print(pad(r["entry"], 24) + t(lang, "zoo_damaged", problem=r["_problem"]))
            continue

        def acc(v: Any) -> str:
            return "-" if v is None else f"{v:.4f}"

        quick = t(lang, "zoo_yes") if r["quick"] else t(lang, "zoo_no")
        print(
            pad(r["entry"], 24) + pad(r["recipe"] or "-", 12)
            + pad(r["backend"], 9 + 4 * (wide > 0)) + pad(quick, 7)
            + pad(acc(r["test_accuracy"]), 9 + wide, True)
            + pad(acc(r["val_accuracy"]), 9 + wide, True) + f"  {r['created']}"
        )  # fmt: skip
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    store = _store()
    name, version = store.parse_ref(args.entry)
    _, manifest = store.load(name, version)  # fully verified: a damaged entry is an error
    print(json.dumps(manifest, indent=1))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from katas.zoo import recipes

    lang = lang_of(args)
    _, manifest = recipes.train(
        args.recipe,
        args.backend,
        quick=args.quick,
        seed=args.seed,
        quiet=args.quiet,
        data_path=args.data,
        entry=args.name,
        lang=lang,
    )
    store = _store()
    m = manifest["metrics"]
    print(
        t(
            lang,
            "zoo_stored_metrics",
            entry=store.ref(manifest["name"], manifest["version"]),
            folder=store.entry_dir(manifest["name"], manifest["version"]),
            test=m["test_accuracy"],
            val=m["val_accuracy"],
            epochs=m["epochs"],
            quick=t(lang, "zoo_quick") if manifest["quick"] else "",
        )
    )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from katas.zoo import keras_file

    store = _store()
    name, version = store.parse_ref(args.entry)
    version = store.resolve(name, version)
    out = Path(args.out) if args.out else Path(f"{name}-v{version}.keras")
    if out.exists() and not args.force:
        raise UserError(
            f"--out {out}: the file exists; give another name or pass --force",
            ja=(
                f"--out {out}: ファイルがすでにあります。別の名前にするか --force を付けてください"
            ),
        )
    model, _ = store.load(name, version, "scratch")
    try:
        path = keras_file.export_keras(model, out)
    except OSError as err:
        raise UserError(
            f"--out {out}: cannot write it ({err})", ja=f"--out {out}: 書き込めません ({err})"
        ) from None
    print(path)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from katas.zoo import keras_file, recipes

    store = _store()
    name = store.check_name(args.name, "--name")
    if name in recipes.RECIPES:  # recipes.ensure would refuse such an entry later
        raise UserError(
            f"--name {name}: that name belongs to the recipe {name}, whose entries are the "
            "models it trained (exercise 9 transfers from them); give another name",
            ja=(
                f"--name {name}: その名前はレシピ {name} のもので、"
                "そのエントリはレシピが訓練したモデルです (演習 "
                "9 がそこから転移します)。別の名前を指定してください"
            ),
        )
    store.check_writable(name)  # before loading TensorFlow
    path = Path(args.file)
    notes: list[str] = []
    model = keras_file.import_keras(path, notes=notes)
    lang = lang_of(args)
    for note in notes:  # English, as the manifest records them; the softmax note translated
        head, found, _ = note.partition(": imported as logits")
        text = t(lang, "zoo_softmax_note", note=head) if found else note
        print(f"katas: {text}", file=sys.stderr)
    manifest = store.add(
        args.name,
        model,
        "scratch",
        recipe=None,
        quick=False,
        source={
            "kind": "keras",
            "file": path.name,
            "sha256": store.sha256_file(path),
            **({"notes": notes} if notes else {}),
        },
    )
    print(
        t(
            lang,
            "zoo_stored",
            entry=store.ref(manifest["name"], manifest["version"]),
            folder=store.entry_dir(manifest["name"], manifest["version"]),
        )
    )
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    lang = lang_of(args)
    for removed in _store().remove(args.entry):
        print(t(lang, "zoo_removed", entry=removed))
    return 0


def register(subparsers: Any) -> None:
    """Add ``katas zoo ...`` to the CLI (``subparsers`` from ``add_subparsers``)."""
    zoo = subparsers.add_parser(
        "zoo",
        help="trained models: list, train, export to / import from Keras .keras files",
        description="A local model zoo: named, versioned trained models with a manifest "
        "(architecture, data checksums, accuracy, library versions), verified on every load. "
        "Folder: $DNN_KATAS_ZOO, else zoo/ in the MNIST cache folder.",
    )

    def _cmd_zoo(_args: argparse.Namespace) -> int:
        zoo.print_help()
        return 0

    zoo.set_defaults(handler=_cmd_zoo)
    sub = zoo.add_subparsers(dest="zoo_command", metavar="SUBCOMMAND")

    p = sub.add_parser("list", help="every entry, verified", description="List the zoo's entries.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_cmd_list)

    p = sub.add_parser("show", help="one entry's manifest", description="Print a manifest (JSON).")
    p.add_argument("entry", metavar="NAME[@VERSION]", help="default version: the newest")
    p.set_defaults(handler=_cmd_show)

    p = sub.add_parser(
        "train",
        help="train a recipe and store it as a new version",
        description="Train a named recipe (mnist-0-4: exercise 8.4's network on digits 0-4) "
        "and store it as the next version.",
    )
    p.add_argument("recipe", help="recipe name (mnist-0-4)")
    p.add_argument("--backend", choices=("scratch", "tf"), default="scratch")
    p.add_argument("--quick", action="store_true", help="a small subset, few epochs (a test model)")
    p.add_argument("--seed", type=seed, default=42, help="random seed, 0..2**32-1 (default 42)")
    p.add_argument("--name", default=None, help="entry name (default: the recipe's)")
    p.add_argument(
        "--data", type=path_text, default=None, help="MNIST file or folder (default: the cache)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(handler=_cmd_train)

    p = sub.add_parser(
        "export",
        help="write an entry as a Keras .keras file",
        description="Write an entry as a Keras 3 .keras file (loadable in safe mode).",
    )
    p.add_argument("entry", metavar="NAME[@VERSION]")
    p.add_argument("--out", type=path_text, default=None, metavar="FILE.keras")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.set_defaults(handler=_cmd_export)

    p = sub.add_parser(
        "import",
        help="store a Keras .keras file as an entry",
        description="Load a .keras file in Keras' safe mode and store the equivalent scratch "
        "model as the next version of --name.",
    )
    p.add_argument("file", type=path_text, metavar="FILE.keras")
    p.add_argument("--name", required=True, help="entry name")
    p.set_defaults(handler=_cmd_import)

    p = sub.add_parser(
        "remove",
        help="remove one entry (exact NAME@VERSION)",
        description="Remove one entry: NAME@VERSION, or NAME when it has a single version. "
        "No other entry is touched.",
    )
    p.add_argument("entry", metavar="NAME[@VERSION]")
    p.set_defaults(handler=_cmd_remove)
