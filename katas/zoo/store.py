"""The model zoo on disk: named, versioned entries, each verified on every load.

Layout (``zoo_dir()``: ``$DNN_KATAS_ZOO``, else ``zoo/`` inside the MNIST cache folder,
:func:`katas.data.cache_dir`)::

    <zoo>/<name>/<version>/manifest.json   what the entry is (see MANIFEST_KEYS)
    <zoo>/<name>/<version>/model.npz       the saved-model file (scratch.models.save_model:
                                           arrays + the model config, no pickle)

``version`` is 1, 2, ...: :func:`add` never overwrites, it writes the next version into a
temporary folder beside the others (``.tmp-*``) and renames it into place, so a reader sees a
whole entry or none, and an interrupted write leaves only a temporary folder that listings skip.
The manifest records the SHA-256 of ``model.npz`` and its own SHA-256 (:data:`CHECKSUM`, over
:func:`manifest_sha256`'s canonical JSON of every other key), so an edit to any field
(``metrics``, ``preprocessing``...) is detected, not only one to the weights or architecture.
Every read (:func:`read_manifest`: ``list``, ``show``, :func:`load`, :func:`newest`) checks the
manifest's checksum; :func:`load` then checks the weights' SHA-256, the file's own checksum
(``load_model``), and that the model's config is the manifest's ``architecture``, before it
returns anything. Whatever is wrong (a flipped byte, a truncated file, an edited or
unreadable manifest, a missing file) is a :class:`~katas.errors.ZooError` (a ``ValueError``,
and in the CLI a one-paragraph message, exit 2) naming the entry and the problem, and nothing
on disk is changed. :func:`remove` takes one exact ``name`` or ``name@version`` and touches no
other entry.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from katas import jsonout
from katas.errors import ZooError

MANIFEST = "manifest.json"
WEIGHTS = "model.npz"
#: The manifest's format tag: a reader refuses any other (a newer layout it cannot check).
FORMAT = "dnn-katas-zoo/1"
#: Keys every manifest has (values may be null where unknown, e.g. an imported model's data).
MANIFEST_KEYS = (
    "format",  # FORMAT
    "name",  # the entry's name (its folder)
    "version",  # int >= 1 (its sub-folder)
    "created",  # ISO 8601 time of writing
    "recipe",  # the training recipe's name (katas.zoo.recipes), or null (imported)
    "quick",  # trained with --quick (a smoke-test model: recipes.ensure skips it)
    "backend",  # "scratch" or "tf": the backend that trained (or imported) it
    "architecture",  # model.get_config(): input_dim, dtype, the serialized layers
    "preprocessing",  # how the inputs were made (split, digits, scaling, augmentation)
    "training",  # the training settings (optimizer config, batch size, epochs, seed...)
    "data",  # SHA-256 of the exact arrays trained, validated and tested on
    "metrics",  # measured: test_accuracy, test_loss, val_accuracy, epochs, best_epoch...
    "versions",  # python, numpy, numba, tensorflow/keras (when used), dnn-katas
    "weights",  # {"file": "model.npz", "sha256": ..., "bytes": ...}
    "source",  # where it came from: {"kind": "recipe"} or {"kind": "keras", "file", "sha256"}
)
#: The manifest's own checksum: SHA-256 of :func:`manifest_sha256`'s canonical JSON of every
#: other key. Not in MANIFEST_KEYS (it is not a field ``add`` takes) but required on read.
CHECKSUM = "manifest_sha256"
BACKENDS = ("scratch", "tf")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


# ------------------------------------------------------------------------------ where


def zoo_dir() -> Path:
    """The zoo's folder (neither created nor checked): ``$DNN_KATAS_ZOO``, else
    ``<MNIST cache folder>/zoo`` (``$DNN_KATAS_DATA``, ``$XDG_CACHE_HOME/dnn-katas`` or
    ``~/.cache/dnn-katas``): the trained models live next to the data they were trained on."""
    override = os.environ.get("DNN_KATAS_ZOO")
    if override:
        return Path(override).expanduser()
    from katas.data.cache import cache_dir

    return cache_dir() / "zoo"


def _named_by() -> str:
    return "DNN_KATAS_ZOO" if os.environ.get("DNN_KATAS_ZOO") else "the MNIST cache folder"


def checked_zoo_dir(create: bool = False) -> Path:
    """:func:`zoo_dir`, or ZooError if it is something else than a folder (or, with
    ``create``, cannot be made)."""
    d = zoo_dir()
    fix = f"The zoo folder is {d} (set by {_named_by()}); set DNN_KATAS_ZOO to a folder."
    fix_ja = (
        f"zoo のフォルダは {d} です ({_named_by()} による指定)。"
        "DNN_KATAS_ZOO にフォルダを指定してください。"
    )
    if d.exists() and not d.is_dir():
        raise ZooError(
            f"{d}: expected the model-zoo folder, found a file. {fix}",
            ja=f"{d}: モデル zoo のフォルダのはずがファイルです。{fix_ja}",
        )
    if create:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ZooError(
                f"{d}: cannot create the model-zoo folder ({err}). {fix}",
                ja=f"{d}: モデル zoo のフォルダを作成できません ({err})。{fix_ja}",
            ) from None
    return d


def check_writable(name: str) -> Path:
    """The folder ``add(name, ...)`` will write in, checked now, before anything slow (a
    training) whose result would be lost: ZooError if the zoo folder or ``<zoo>/<name>`` is a
    file, or if the nearest existing one of them does not take a temporary file (read-only,
    no permission). Nothing is created: the probe file is removed at once."""
    root = checked_zoo_dir()
    folder = root / check_name(name)
    fix = f"The zoo folder is {root} (set by {_named_by()}); set DNN_KATAS_ZOO to a folder."
    fix_ja = (
        f"zoo のフォルダは {root} です ({_named_by()} による指定)。"
        "DNN_KATAS_ZOO にフォルダを指定してください。"
    )
    if folder.exists() and not folder.is_dir():
        raise ZooError(
            f"{folder}: expected the folder of zoo entry {name!r}, found a file; move it away "
            f"or choose another --name. Nothing was stored.",
            ja=(
                f"{folder}: zoo エントリ {name!r} のフォルダのはずがファイル"
                "です。移動するか、別の --name を指定してください。"
                "何も保存していません。"
            ),
        )
    probe_in = next(
        (d for d in (folder, root, *root.parents) if d.exists()), root
    )  # the folder mkdir would create the others in
    if not probe_in.is_dir():
        raise ZooError(
            f"{probe_in}: expected a folder, found a file. {fix} Nothing was stored.",
            ja=f"{probe_in}: フォルダのはずがファイルです。{fix_ja} 何も保存していません。",
        )
    try:
        with tempfile.TemporaryFile(dir=probe_in, prefix=".probe-"):
            pass
    except OSError as err:
        raise ZooError(
            f"{probe_in}: cannot write in the model zoo ({err}); nothing was stored. {fix}",
            ja=f"{probe_in}: モデル zoo に書き込めません ({err})。何も保存していません。{fix_ja}",
        ) from None
    return folder


# ------------------------------------------------------------------------------ names


def check_name(name: Any, what: str = "name") -> str:
    """An entry name: 1-64 characters, letters, digits, ``.``, ``_``, ``-``, starting with a
    letter or digit (a folder name on every OS, never ``..``, no ``@`` or ``/``)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ZooError(
            f"{what}: expected 1-64 letters, digits, '.', '_' or '-' starting with a letter or "
            f"digit (e.g. mnist-0-4), got {name!r}",
            ja=(
                f"{what}: 英字か数字で始まる 1-64 文字の英字、数字、"
                "'.'、'_'、'-' を指定してください (例: mnist-0-4)"
                f"。{name!r} が渡されました"
            ),
        )
    return name


def check_version(version: Any, what: str = "version") -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ZooError(
            f"{what}: expected an integer >= 1 (1, 2, ...), got {version!r}",
            ja=f"{what}: 1 以上の整数 (1, 2, ...) を指定してください。{version!r} が渡されました",
        )
    return version


def parse_ref(ref: Any) -> tuple[str, int | None]:
    """``"name"`` -> (name, None); ``"name@3"`` -> (name, 3); ZooError for anything else."""
    if not isinstance(ref, str):
        raise ZooError(
            f"entry: expected NAME or NAME@VERSION, got {ref!r}",
            ja=f"entry: NAME か NAME@VERSION を指定してください。{ref!r} が渡されました",
        )
    name, sep, version = ref.partition("@")
    check_name(name, f"entry {ref!r}")
    if not sep:
        return name, None
    if not version.isdigit() or int(version) < 1 or version != str(int(version)):
        raise ZooError(
            f"entry {ref!r}: the version after '@' must be an integer >= 1, e.g. {name}@1",
            ja=f"entry {ref!r}: '@' の後のバージョンは 1 以上の整数です (例: {name}@1)",
        )
    return name, int(version)


def ref(name: str, version: int) -> str:
    return f"{name}@{version}"


# ------------------------------------------------------------------------------ reading


def names() -> list[str]:
    """The entry names in the zoo, sorted (temporary and hidden folders skipped)."""
    root = checked_zoo_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))


def versions(name: str) -> list[int]:
    """The versions of ``name`` on disk, ascending ([] when there are none)."""
    folder = checked_zoo_dir() / check_name(name)
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in folder.iterdir()
        if p.is_dir() and p.name.isdigit() and p.name == str(int(p.name)) and int(p.name) > 0
    )


def entries() -> list[tuple[str, int]]:
    """Every (name, version) in the zoo."""
    return [(n, v) for n in names() for v in versions(n)]


def entry_dir(name: str, version: int) -> Path:
    return checked_zoo_dir() / check_name(name) / str(check_version(version))


def resolve(name: str, version: int | None = None) -> int:
    """The version asked for, or the newest one; ZooError (listing what there is) if absent."""
    have = versions(name)
    if not have:
        known = names()
        listed = ", ".join(known) if known else "none (the zoo is empty)"
        listed_ja = ", ".join(known) if known else "なし (zoo は空です)"
        raise ZooError(
            f"zoo entry {name!r}: no such entry in {zoo_dir()}. Entries: {listed}. Train one "
            "with `katas zoo train RECIPE` or import one with `katas zoo import FILE --name NAME`.",
            ja=(
                f"zoo エントリ {name!r} は {zoo_dir()} にありません。"
                f"エントリ: {listed_ja}。`katas zoo train RECIPE` "
                "で訓練するか、`katas zoo import FILE --name NAME` "
                "でインポートしてください。"
            ),
        )
    if version is None:
        return have[-1]
    if check_version(version) not in have:
        raise ZooError(
            f"zoo entry {ref(name, version)}: no such version; {name} has versions "
            + ", ".join(str(v) for v in have),
            ja=f"zoo エントリ {ref(name, version)}: そのバージョンはありません。"
            f"{name} のバージョン: " + ", ".join(str(v) for v in have),
        )
    return version


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(name: str, version: int) -> dict[str, Any]:
    """The entry's manifest, checked for shape (JSON object, every key of MANIFEST_KEYS, the
    format tag, its own name and version); ZooError saying what is wrong."""
    where = f"zoo entry {ref(name, version)} ({entry_dir(name, version)})"
    path = entry_dir(name, version) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ZooError(
            f"{where}: {MANIFEST} is missing. {_fix(name, version)}",
            ja=f"{where}: {MANIFEST} がありません。{_fix_ja(name, version)}",
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ZooError(
            f"{where}: cannot read {MANIFEST} ({err}). {_fix(name, version)}",
            ja=f"{where}: {MANIFEST} を読めません ({err})。{_fix_ja(name, version)}",
        ) from None
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise ZooError(
            f"{where}: {MANIFEST} is not valid JSON ({err}). {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} は正しい JSON ではありません "
                f"({err})。{_fix_ja(name, version)}"
            ),
        ) from None
    if not isinstance(manifest, dict):
        raise ZooError(
            f"{where}: {MANIFEST} must hold a JSON object, found {type(manifest).__name__}. "
            + _fix(name, version),
            ja=f"{where}: {MANIFEST} は JSON オブジェクトのはずが {type(manifest).__name__} です。"
            + _fix_ja(name, version),
        )
    missing = [k for k in (*MANIFEST_KEYS, CHECKSUM) if k not in manifest]
    if missing:
        raise ZooError(
            f"{where}: {MANIFEST} lacks {', '.join(missing)}. {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} に {', '.join(missing)} がありません。"
                f"{_fix_ja(name, version)}"
            ),
        )
    if manifest["format"] != FORMAT:
        raise ZooError(
            f"{where}: {MANIFEST} has format {manifest['format']!r}; this version of dnn-katas "
            f"reads {FORMAT!r} only. {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} の形式は {manifest['format']!r} "
                "です。このバージョンの dnn-katas が読めるのは "
                f"{FORMAT!r} だけです。{_fix_ja(name, version)}"
            ),
        )
    recorded, actual = manifest[CHECKSUM], manifest_sha256(manifest)
    if recorded != actual:
        raise ZooError(
            f"{where}: {MANIFEST} has SHA-256 {actual} (canonical JSON without {CHECKSUM}), but "
            f"records {CHECKSUM} {recorded!r}: the manifest was edited or damaged (a field such "
            f"as metrics or preprocessing no longer says what was stored). {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} の SHA-256 は {actual} ({CHECKSUM} "
                f"を除いた正規化 JSON) ですが、{CHECKSUM} には {recorded!r} "
                "と記録されています。マニフェストが編集されたか壊れています"
                " (metrics や preprocessing などが保存した内容を表していませ"
                f"ん)。{_fix_ja(name, version)}"
            ),
        )
    if manifest["name"] != name or manifest["version"] != version:
        raise ZooError(
            f"{where}: {MANIFEST} describes {manifest['name']!r} version {manifest['version']!r}, "
            f"not the folder it is in. {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} が表すのは {manifest['name']!r} "
                f"のバージョン {manifest['version']!r} で、置かれているフォル"
                f"ダのものではありません。{_fix_ja(name, version)}"
            ),
        )
    weights = manifest["weights"]
    if (
        not isinstance(weights, dict)
        or weights.get("file") != WEIGHTS
        or not isinstance(weights.get("sha256"), str)
    ):
        raise ZooError(
            f"{where}: {MANIFEST}'s weights must be {{'file': '{WEIGHTS}', 'sha256': ...}}, got "
            f"{weights!r}. {_fix(name, version)}",
            ja=(
                f"{where}: {MANIFEST} の weights は {{'file': '{WEIGHTS}', 'sha256': ...}}"
                f" のはずが {weights!r} です。{_fix_ja(name, version)}"
            ),
        )
    if manifest["backend"] not in BACKENDS or not isinstance(manifest["quick"], bool):
        raise ZooError(
            f"{where}: {MANIFEST} has backend {manifest['backend']!r} and quick "
            f"{manifest['quick']!r}; expected one of {BACKENDS} and true/false. "
            + _fix(name, version),
            ja=f"{where}: {MANIFEST} の backend は {manifest['backend']!r}、"
            f"quick は {manifest['quick']!r} です。"
            f"backend は {BACKENDS} のどれか、quick は true/false のはずです。"
            + _fix_ja(name, version),
        )
    return manifest


def manifest_sha256(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON: every key but :data:`CHECKSUM`, sorted keys,
    no spaces, ASCII only, as the manifest reads back from its file (so the digest
    :func:`add` stores is the one :func:`read_manifest` recomputes)."""
    body = {k: v for k, v in manifest.items() if k != CHECKSUM}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _fix(name: str, version: int) -> str:
    return (
        f"The entry is damaged; nothing was changed. Remove it with `katas zoo remove "
        f"{ref(name, version)}` (other entries are kept) and train or import it again."
    )


def _fix_ja(name: str, version: int) -> str:
    return (
        f"エントリが壊れています。何も変更していません。`katas zoo remove {ref(name, version)}` で"
        "削除して (ほかのエントリは残ります)、もう一度訓練するかインポートしてください。"
    )


def verify(name: str, version: int) -> dict[str, Any]:
    """The manifest, after checking that ``model.npz`` is there and its SHA-256 is the one the
    manifest records (the cheap check ``list`` runs; :func:`load` also parses the file)."""
    manifest = read_manifest(name, version)
    where = f"zoo entry {ref(name, version)} ({entry_dir(name, version)})"
    path = entry_dir(name, version) / WEIGHTS
    try:
        digest = sha256_file(path)
    except FileNotFoundError:
        raise ZooError(
            f"{where}: {WEIGHTS} is missing. {_fix(name, version)}",
            ja=f"{where}: {WEIGHTS} がありません。{_fix_ja(name, version)}",
        ) from None
    except OSError as err:
        raise ZooError(
            f"{where}: cannot read {WEIGHTS} ({err}). {_fix(name, version)}",
            ja=f"{where}: {WEIGHTS} を読めません ({err})。{_fix_ja(name, version)}",
        ) from None
    if digest != manifest["weights"]["sha256"]:
        raise ZooError(
            f"{where}: {WEIGHTS} has SHA-256 {digest}, but {MANIFEST} records "
            f"{manifest['weights']['sha256']}: the file or the manifest was changed or damaged. "
            + _fix(name, version),
            ja=f"{where}: {WEIGHTS} の SHA-256 は {digest} ですが、"
            f"{MANIFEST} には {manifest['weights']['sha256']} と記録されています。"
            "ファイルかマニフェストが変更されたか壊れています。" + _fix_ja(name, version),
        )
    return manifest


def backend_models(backend: str) -> Any:
    """``scratch.models`` or ``tf_ref.models`` (TensorFlow only loads when asked for)."""
    if backend not in BACKENDS:
        raise ZooError(
            f"backend: expected 'scratch' or 'tf', got {backend!r}",
            ja=f"backend: 'scratch' か 'tf' を指定してください。{backend!r} が渡されました",
        )
    import importlib

    return importlib.import_module("scratch.models" if backend == "scratch" else "tf_ref.models")


def load(
    name: str, version: int | None = None, backend: str = "scratch"
) -> tuple[Any, dict[str, Any]]:
    """``(model, manifest)``: the entry (newest version by default) built in ``backend`` from
    its config and weights, whichever backend trained it. Verified first (:func:`verify`, the
    file's own checksum, config == manifest's ``architecture``); ZooError if anything is off."""
    models = backend_models(backend)
    version = resolve(check_name(name), version)
    manifest = verify(name, version)
    path = entry_dir(name, version) / WEIGHTS
    where = f"zoo entry {ref(name, version)} ({entry_dir(name, version)})"
    try:
        model = models.load_model(path)
    except (ValueError, TypeError, OSError) as err:
        raise ZooError(
            f"{where}: {WEIGHTS} cannot be loaded ({err}). {_fix(name, version)}",
            ja=f"{where}: {WEIGHTS} を読み込めません ({err})。{_fix_ja(name, version)}",
        ) from None
    config = model.get_config()
    if _normal(config) != _normal(manifest["architecture"]):
        raise ZooError(
            f"{where}: the model in {WEIGHTS} is not the architecture {MANIFEST} describes "
            f"(file: {_short(config)}; manifest: {_short(manifest['architecture'])}). "
            + _fix(name, version),
            ja=f"{where}: {WEIGHTS} のモデルは {MANIFEST} が表す構造ではありません "
            f"(ファイル: {_short(config)}、"
            f"マニフェスト: {_short(manifest['architecture'])})。" + _fix_ja(name, version),
        )
    return model, manifest


def _normal(value: Any) -> str:
    """A canonical JSON text, so that tuples vs lists and key order do not count as changes."""
    return json.dumps(value, sort_keys=True, allow_nan=True, default=str)


def _short(config: Any) -> str:
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        return repr(config)[:200]
    kinds = [
        f"{layer.get('class_name')}({layer.get('config', {}).get('units', '')})"
        if isinstance(layer, dict)
        else repr(layer)
        for layer in config["layers"]
    ]
    return f"input_dim {config.get('input_dim')}, dtype {config.get('dtype')}, " + ", ".join(kinds)


def newest(name: str, *, include_quick: bool = False) -> int | None:
    """The newest version of ``name`` whose manifest is readable and, unless ``include_quick``,
    not a quick one; None when there is none. A damaged manifest is an error, not skipped: the
    caller must not silently train around a broken entry."""
    for version in reversed(versions(name)):
        manifest = read_manifest(name, version)
        if include_quick or not manifest["quick"]:
            return version
    return None


# ------------------------------------------------------------------------------ writing


def library_versions(backend: str) -> dict[str, str | None]:
    """Python and the libraries a model's numbers depend on (None: not installed). TensorFlow
    and Keras are listed for a model the tf backend made (read from the package metadata, so
    listing them does not import TensorFlow)."""

    def dist(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    out = {
        "python": platform.python_version(),
        "numpy": dist("numpy"),
        "numba": dist("numba"),
        "dnn-katas": dist("dnn-katas"),
    }
    if backend == "tf":
        out["tensorflow"] = dist("tensorflow")
        out["keras"] = dist("keras")
    return out


def add(name: str, model: Any, backend: str, **fields: Any) -> dict[str, Any]:
    """Store ``model`` as the next version of ``name``; returns its manifest.

    ``fields``: the manifest's other keys (recipe, quick, preprocessing, training, data,
    metrics, source; missing ones are null). The entry is written whole into a temporary folder
    (the model file through ``save_model``, then the manifest with the file's SHA-256), then
    renamed to ``<name>/<version>``; on any failure the temporary folder is removed and the zoo
    is as it was.
    """
    check_name(name)
    models = backend_models(backend)
    unknown = sorted(set(fields) - set(MANIFEST_KEYS))
    if unknown:
        raise TypeError(f"add: unknown manifest fields {unknown}; known: {list(MANIFEST_KEYS)}")
    folder = checked_zoo_dir(create=True) / name
    try:
        folder.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
    except OSError as err:
        raise ZooError(
            f"{folder}: cannot write in the model zoo ({err}); nothing was stored",
            ja=f"{folder}: モデル zoo に書き込めません ({err})。何も保存していません",
        ) from None
    try:
        models.save_model(model, tmp / WEIGHTS)
        manifest: dict[str, Any] = {k: fields.get(k) for k in MANIFEST_KEYS}
        manifest.update(
            format=FORMAT,
            name=name,
            quick=bool(fields.get("quick", False)),
            backend=backend,
            architecture=model.get_config(),
            versions=fields.get("versions") or library_versions(backend),
            weights={
                "file": WEIGHTS,
                "sha256": sha256_file(tmp / WEIGHTS),
                "bytes": (tmp / WEIGHTS).stat().st_size,
            },
        )
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; an entry is ordinary data
        while True:  # the next free version: rename fails if another writer took it first
            version = (versions(name) or [0])[-1] + 1
            manifest["version"] = version
            manifest["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            manifest.pop(CHECKSUM, None)
            # seal what the file will read back as (jsonout: NaN -> null, tuples -> lists)
            manifest = json.loads(jsonout.dumps(manifest))
            manifest[CHECKSUM] = manifest_sha256(manifest)
            _write_text(tmp / MANIFEST, jsonout.dumps(manifest, indent=1) + "\n")
            try:
                os.rename(tmp, folder / str(version))
            except OSError:
                if (folder / str(version)).exists():
                    continue
                raise
            return manifest
    except OSError as err:  # a full disk, a folder made read-only: the user's to fix
        shutil.rmtree(tmp, ignore_errors=True)
        raise ZooError(
            f"{folder}: could not write the new entry ({err}); nothing was stored, the zoo is "
            "as it was",
            ja=(
                f"{folder}: 新しいエントリを書き込めませんでした "
                f"({err})。何も保存しておらず、zoo は元のままです"
            ),
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def remove(entry: str) -> list[str]:
    """Remove one exact entry: ``"name@version"``, or ``"name"`` when it has a single version.
    Returns the refs removed. A name with several versions needs the version (nothing is
    removed that was not named); damaged entries can be removed (nothing is loaded). The
    folder is first renamed out of the way (``.trash-*``), so no half-removed entry remains."""
    name, version = parse_ref(entry)
    have = versions(name)
    if version is None:
        resolve(name)  # the "no such entry" message
        if len(have) > 1:
            raise ZooError(
                f"zoo entry {name!r} has versions {', '.join(str(v) for v in have)}: name the "
                f"one to remove, e.g. `katas zoo remove {ref(name, have[-1])}`; nothing was "
                "removed",
                ja=(
                    f"zoo エントリ {name!r} にはバージョン {', '.join(str(v) for v in have)}"
                    " があります。削除するものを指定してください (例:"
                    f" `katas zoo remove {ref(name, have[-1])}`)。何も削除してい"
                    "ません"
                ),
            )
        version = have[0]
    resolve(name, version)
    target = entry_dir(name, version)
    trash = target.parent / f".trash-{version}-{os.getpid()}-{time.time_ns()}"
    try:
        os.rename(target, trash)
    except OSError as err:
        raise ZooError(
            f"{target}: cannot remove it ({err}); nothing was removed",
            ja=f"{target}: 削除できません ({err})。何も削除していません",
        ) from None
    shutil.rmtree(trash, ignore_errors=True)
    try:
        target.parent.rmdir()  # the name's folder, once its last version is gone
    except OSError:
        pass
    return [ref(name, version)]
