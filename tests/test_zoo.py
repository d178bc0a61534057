"""The model zoo (katas.zoo): versioned entries, verified loads, damaged entries, the CLI."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from katas import data
from katas.cli import main
from katas.errors import UserError, ZooError
from katas.zoo import recipes, store
from scratch import layers as L
from scratch.models import Sequential, load_model

needs_mnist = pytest.mark.skipif(
    not data.npz_path().is_file(), reason="MNIST not cached: run `katas data fetch`"
)


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty zoo in a temporary folder (DNN_KATAS_ZOO)."""
    root = tmp_path / "zoo"
    monkeypatch.setenv("DNN_KATAS_ZOO", str(root))
    return root


def tiny_model(seed: int = 0, dtype: str = "float32") -> Sequential:
    """Every exportable layer kind, with non-trivial BN statistics, in a few hundred weights."""
    model = Sequential(
        [
            L.Dense(8, "elu", name="hidden1"),
            L.Dense(6, use_bias=False, name="hidden2"),
            L.BatchNormalization(0.95, name="bn"),
            L.Activation("leaky_relu", negative_slope=0.1, name="act"),
            L.Dropout(0.2, name="drop"),
            L.Dense(3, name="logits"),
        ],
        5,
        rng=np.random.default_rng(seed),
        dtype=dtype,
    )
    rng = np.random.default_rng(seed + 100)
    bn = model.layers[2]
    bn.set_weights(
        [
            rng.uniform(0.5, 1.5, 6),
            rng.normal(size=6),
            rng.normal(size=6),
            rng.uniform(0.5, 2.0, 6),
        ]
    )
    return model


X = np.random.default_rng(7).normal(size=(20, 5)).astype(np.float32)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes), to prove nothing changed."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_add_versions_and_verified_load_round_trip(zoo: Path) -> None:
    """add() writes versions 1, 2 atomically (no temporary folder left) and load() gives back
    the very same predictions and manifest."""
    m1 = tiny_model(0)
    man1 = store.add("tiny", m1, "scratch", metrics={"test_accuracy": 0.5})
    man2 = store.add("tiny", tiny_model(1), "scratch")
    assert (man1["version"], man2["version"]) == (1, 2)
    assert store.versions("tiny") == [1, 2]
    assert sorted(p.name for p in (zoo / "tiny").iterdir()) == ["1", "2"]
    model, manifest = store.load("tiny", 1)
    # same float32 weights, same code: the same bits
    np.testing.assert_array_equal(model.predict(X), m1.predict(X))
    assert manifest == json.loads((zoo / "tiny" / "1" / "manifest.json").read_text())
    assert manifest["weights"]["sha256"] == store.sha256_file(zoo / "tiny" / "1" / "model.npz")
    assert manifest["architecture"] == m1.get_config()
    assert set(store.MANIFEST_KEYS) <= set(manifest)
    assert manifest["versions"]["python"] and manifest["versions"]["numpy"]
    assert store.load("tiny")[1]["version"] == 2  # newest by default


def test_failed_add_leaves_the_zoo_as_it_was(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (here: the model file, disk full) is a ZooError and leaves
    no version and no temporary folder behind."""
    store.add("tiny", tiny_model(0), "scratch")
    before = snapshot(zoo)

    def broken(model, path):
        Path(path).write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    import scratch.models

    monkeypatch.setattr(scratch.models, "save_model", broken)
    with pytest.raises(ZooError, match=r"No space left on device.*nothing was stored"):
        store.add("tiny", tiny_model(1), "scratch")
    assert snapshot(zoo) == before
    assert [p.name for p in (zoo / "tiny").iterdir()] == ["1"]


def _flip_byte(entry: Path) -> None:
    f = entry / "model.npz"
    raw = bytearray(f.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    f.write_bytes(bytes(raw))


def _truncate(entry: Path) -> None:
    f = entry / "model.npz"
    f.write_bytes(f.read_bytes()[:200])


def _edit_manifest(entry: Path, edit, reseal: bool = False) -> None:
    """Apply ``edit`` to the manifest; with ``reseal`` also recompute its own checksum (a
    consistent forgery, which the deeper checks, weights SHA-256 and architecture, must
    catch)."""
    f = entry / "manifest.json"
    m = json.loads(f.read_text())
    edit(m)
    if reseal:
        m[store.CHECKSUM] = store.manifest_sha256(m)
    f.write_text(json.dumps(m))


def _edit_sha(entry: Path) -> None:
    _edit_manifest(entry, lambda m: m["weights"].update(sha256="0" * 64), reseal=True)


def _edit_architecture(entry: Path) -> None:
    _edit_manifest(
        entry, lambda m: m["architecture"]["layers"][0]["config"].update(units=9), reseal=True
    )


def _edit_metrics(entry: Path) -> None:
    _edit_manifest(entry, lambda m: m.update(metrics={"test_accuracy": 0.99}))


def _edit_preprocessing(entry: Path) -> None:
    _edit_manifest(entry, lambda m: m.update(preprocessing={"inputs": "pixel / 128"}))


def _edit_architecture_unsealed(entry: Path) -> None:
    _edit_manifest(entry, lambda m: m["architecture"]["layers"][0]["config"].update(units=9))


def _no_checksum(entry: Path) -> None:
    _edit_manifest(entry, lambda m: m.pop(store.CHECKSUM))


def _not_json(entry: Path) -> None:
    (entry / "manifest.json").write_text('{"format": "dnn-katas-zoo/1", ')


def _no_weights(entry: Path) -> None:
    (entry / "model.npz").unlink()


def _no_manifest(entry: Path) -> None:
    (entry / "manifest.json").unlink()


DAMAGES = {
    "flipped byte in model.npz": (_flip_byte, "SHA-256"),
    "truncated model.npz": (_truncate, "SHA-256"),
    "manifest sha edited, resealed": (_edit_sha, "SHA-256"),
    "manifest architecture edited, resealed": (_edit_architecture, "not the architecture"),
    "manifest metrics edited": (_edit_metrics, "the manifest was edited or damaged"),
    "manifest preprocessing edited": (_edit_preprocessing, "the manifest was edited or damaged"),
    "manifest architecture edited": (
        _edit_architecture_unsealed,
        "the manifest was edited or damaged",
    ),
    "manifest without its checksum": (_no_checksum, "lacks manifest_sha256"),
    "manifest not JSON": (_not_json, "not valid JSON"),
    "model.npz missing": (_no_weights, "model.npz is missing"),
    "manifest.json missing": (_no_manifest, "manifest.json is missing"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_entry_is_a_clear_error_and_changes_nothing(
    zoo: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each kind of damage: load() raises ZooError (a ValueError) naming the entry and the
    problem; `list` marks it damaged; the CLI answers exit 2 with one paragraph; no file
    changes; the other entry still loads."""
    spoil, words = DAMAGES[damage]
    store.add("other", tiny_model(3), "scratch")
    store.add("tiny", tiny_model(0), "scratch")
    spoil(zoo / "tiny" / "1")
    before = snapshot(zoo)
    with pytest.raises(ZooError) as err:
        store.load("tiny", 1)
    assert isinstance(err.value, ValueError)
    message = str(err.value)
    assert "tiny@1" in message and words in message and "katas zoo remove tiny@1" in message
    assert main(["zoo", "list", "--json"]) == 0
    rows = {r["entry"]: r for r in json.loads(capsys.readouterr().out)["entries"]}
    if damage != "manifest architecture edited, resealed":  # list checks no architecture
        assert rows["tiny@1"]["status"] == "damaged" and words in rows["tiny@1"]["problem"]
    assert rows["other@1"]["status"] == "ok"
    assert main(["zoo", "show", "tiny@1"]) == 2
    capsys.readouterr()
    assert main(["zoo", "export", "tiny@1", "--out", str(zoo.parent / "t.keras")]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("katas: ") and "Traceback" not in stderr and "tiny@1" in stderr
    assert snapshot(zoo) == before
    assert not (zoo.parent / "t.keras").exists()
    model, _ = store.load("other")
    np.testing.assert_array_equal(model.predict(X), tiny_model(3).predict(X))


def test_list_marks_damaged_entries_and_keeps_listing(
    zoo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`katas zoo list` shows a damaged entry as such (with the reason) next to good ones."""
    store.add("other", tiny_model(3), "scratch")
    store.add("tiny", tiny_model(0), "scratch")
    _flip_byte(zoo / "tiny" / "1")
    assert main(["zoo", "list", "--json"]) == 0
    rows = {r["entry"]: r for r in json.loads(capsys.readouterr().out)["entries"]}
    assert rows["other@1"]["status"] == "ok"
    assert rows["tiny@1"]["status"] == "damaged" and "SHA-256" in rows["tiny@1"]["problem"]
    assert main(["zoo", "list"]) == 0
    assert "DAMAGED" in capsys.readouterr().out


def test_remove_takes_one_exact_entry(zoo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """remove needs NAME@VERSION when a name has several versions, never matches a prefix, and
    removes a damaged entry without touching the others."""
    store.add("tiny", tiny_model(0), "scratch")
    store.add("tiny", tiny_model(1), "scratch")
    store.add("tiny-b", tiny_model(2), "scratch")
    before = snapshot(zoo)
    with pytest.raises(ZooError, match="versions 1, 2"):
        store.remove("tiny")
    with pytest.raises(ZooError, match="no such entry"):
        store.remove("tin")
    with pytest.raises(ZooError, match="no such version"):
        store.remove("tiny@3")
    assert snapshot(zoo) == before
    _flip_byte(zoo / "tiny" / "1")
    assert main(["zoo", "remove", "tiny@1"]) == 0
    assert "removed tiny@1" in capsys.readouterr().out
    assert store.versions("tiny") == [2] and store.versions("tiny-b") == [1]
    assert store.remove("tiny") == ["tiny@2"]  # a single version: the name is enough
    assert store.names() == ["tiny-b"] and not (zoo / "tiny").exists()
    assert main(["zoo", "remove", "tiny"]) == 2
    assert "no such entry" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad", ["", "a/b", "..", ".hidden", "x@0", "x@-1", "x@01", "x@", "x@1@2", "a b", "x" * 65]
)
def test_bad_entry_names_are_refused(zoo: Path, bad: str) -> None:
    """Names and refs that are not NAME or NAME@N (N >= 1) are a ZooError naming the input."""
    with pytest.raises(ZooError) as err:
        store.parse_ref(bad)
    assert repr(bad) in str(err.value) or repr(bad.partition("@")[0]) in str(err.value)


def test_zoo_folder_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNN_KATAS_ZOO naming a file is a ZooError that says so and names the setting."""
    f = tmp_path / "file"
    f.write_text("x")
    monkeypatch.setenv("DNN_KATAS_ZOO", str(f))
    with pytest.raises(ZooError, match=r"found a file.*DNN_KATAS_ZOO"):
        store.names()


def test_default_zoo_folder_is_next_to_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without DNN_KATAS_ZOO the zoo is zoo/ in the MNIST cache folder (DNN_KATAS_DATA)."""
    monkeypatch.delenv("DNN_KATAS_ZOO", raising=False)
    monkeypatch.setenv("DNN_KATAS_DATA", str(tmp_path / "data"))
    assert store.zoo_dir() == tmp_path / "data" / "zoo"


def test_unknown_backend_and_recipe(zoo: Path) -> None:
    """A backend or recipe that does not exist is refused before anything is loaded."""
    with pytest.raises(ZooError, match="backend"):
        store.load("tiny", backend="torch")
    with pytest.raises(ZooError, match=r"unknown recipe 'mnist'.*mnist-0-4"):
        recipes.ensure("mnist")


# ------------------------------------------------------------------ recipes and ensure


def _tiny_split(seed: int = 0) -> data.Split:
    """Five linearly separable blobs in 784 dimensions: trains in a second."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(5, 784)).astype(np.float32)

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 5, n)
        return (centers[y] + 0.3 * rng.normal(size=(n, 784))).astype(np.float32), y

    return data.Split(*part(300), *part(100), *part(100))


@pytest.fixture
def tiny_recipe(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """mnist-0-4 on synthetic data, 2 epochs: ensure()'s logic without the real training.
    Returns a list that gets one item per training run."""
    runs: list[bool] = []
    recipe = recipes.RECIPES["mnist-0-4"]
    fast = replace(recipe, training=replace(recipe.training, max_epochs=2, augment_copies=0))
    monkeypatch.setitem(recipes.RECIPES, "mnist-0-4", fast)

    def fake_split(recipe, quick, seed, path=None):
        runs.append(quick)
        return _tiny_split(seed)

    monkeypatch.setattr(recipes, "load_split", fake_split)
    return runs


def test_ensure_trains_once_then_loads(
    zoo: Path, tiny_recipe: list[bool], capsys: pytest.CaptureFixture[str]
) -> None:
    """First ensure() trains (saying so on stderr, with a time estimate) and stores a non-quick
    entry with its metrics and data checksums; the second only loads it."""
    model, manifest = recipes.ensure("mnist-0-4", quiet=True)
    err = capsys.readouterr().err
    assert "training it now" in err and "minutes" in err
    assert tiny_recipe == [False]
    assert manifest["version"] == 1 and manifest["quick"] is False
    assert manifest["recipe"] == "mnist-0-4" and manifest["backend"] == "scratch"
    assert manifest["metrics"]["test_accuracy"] > 0.9  # separable blobs: a working net
    assert set(manifest["data"]["sha256"]) == {
        "x_train",
        "y_train",
        "x_valid",
        "y_valid",
        "x_test",
        "y_test",
    }
    assert manifest["data"]["sha256"]["x_train"] == recipes.array_sha256(_tiny_split(42).x_train)
    again, manifest2 = recipes.ensure("mnist-0-4", quiet=True)
    assert tiny_recipe == [False] and manifest2 == manifest
    assert "training" not in capsys.readouterr().err
    np.testing.assert_array_equal(
        again.predict(_tiny_split().x_test), model.predict(_tiny_split().x_test)
    )


def test_ensure_never_returns_a_quick_entry(zoo: Path, tiny_recipe: list[bool]) -> None:
    """A quick entry (even the newest) is skipped: ensure() trains a full one, then keeps
    returning that one."""
    recipes.train("mnist-0-4", quick=True, quiet=True)
    assert store.read_manifest("mnist-0-4", 1)["quick"] is True
    _, manifest = recipes.ensure("mnist-0-4", quiet=True)
    assert manifest["version"] == 2 and manifest["quick"] is False
    recipes.train("mnist-0-4", quick=True, quiet=True)  # version 3, quick
    assert recipes.ensure("mnist-0-4", quiet=True)[1]["version"] == 2
    assert tiny_recipe == [True, False, True]


def test_ensure_refuses_a_damaged_newest_entry(zoo: Path, tiny_recipe: list[bool]) -> None:
    """A damaged entry is an error, not a reason to train silently around it."""
    recipes.ensure("mnist-0-4", quiet=True)
    _not_json(zoo / "mnist-0-4" / "1")
    with pytest.raises(ZooError, match="not valid JSON"):
        recipes.ensure("mnist-0-4", quiet=True)
    assert tiny_recipe == [False]


def _zoo_is_a_file(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    zoo.parent.mkdir(parents=True, exist_ok=True)
    zoo.write_text("not a folder")
    return []


def _entry_folder_is_a_file(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    zoo.mkdir(parents=True)
    (zoo / "mnist-0-4").write_text("not a folder")
    return []


def _zoo_read_only(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    if os.geteuid() == 0:
        pytest.skip("root writes in a read-only folder: see the simulated read-only case")
    zoo.mkdir(parents=True)
    zoo.chmod(0o555)
    return []


def _zoo_refuses_writes(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A read-only file system, simulated (root ignores permission bits): every file the
    store tries to create inside the zoo's parent folder fails with EROFS."""
    zoo.mkdir(parents=True)
    real = tempfile.TemporaryFile

    def refusing(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).is_relative_to(zoo.parent):
            raise OSError(30, "Read-only file system")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", refusing)
    return []


def _bad_name(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["--name", "a/b"]


def _no_data(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return ["--data", str(zoo.parent / "no-such-mnist.npz")]


EARLY_FAILURES = {
    "zoo folder is a file": (_zoo_is_a_file, "found a file", False),
    "entry folder is a file": (_entry_folder_is_a_file, "found a file", False),
    "zoo folder read-only": (_zoo_read_only, "cannot write in the model zoo", False),
    "zoo file system read-only": (_zoo_refuses_writes, "Read-only file system", False),
    "bad entry name": (_bad_name, "'a/b'", False),
    "data missing": (_no_data, "no-such-mnist.npz", True),
}


@pytest.mark.parametrize("case", list(EARLY_FAILURES))
def test_train_fails_fast_before_training(
    zoo: Path, case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`katas zoo train` checks the zoo folder (writable, not blocked by a file), the entry
    name and the data before it trains: exit 2 with the reason in under a second, the
    training function never called, the zoo folder's files unchanged; the zoo is checked
    before the data is even loaded."""
    make, words, loads_data = EARLY_FAILURES[case]
    extra = make(zoo, monkeypatch)
    calls: list[str] = []
    real_load = recipes.load_split

    def load(*args, **kwargs):
        calls.append("load")
        return real_load(*args, **kwargs)

    def train(*args, **kwargs):
        calls.append("train")
        raise AssertionError("training started although the run could not be stored")

    monkeypatch.setattr(recipes, "load_split", load)
    monkeypatch.setattr(recipes.ex08, "train_model", train)
    before = snapshot(zoo) if zoo.is_dir() else None
    start = time.perf_counter()
    assert main(["zoo", "train", "mnist-0-4", "--quick", "--quiet", *extra]) == 2
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert err.startswith("katas: ") and words in err and "Traceback" not in err
    assert calls == (["load"] if loads_data else [])
    assert elapsed < 1.0  # checks of a path and a name, nothing loaded: milliseconds
    assert (snapshot(zoo) if zoo.is_dir() else None) == before
    if zoo.is_dir():
        zoo.chmod(0o755)  # so that tmp_path can be cleaned up


def test_import_checks_the_zoo_before_reading_the_file(
    zoo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`katas zoo import` into a name blocked by a file fails (exit 2) before the .keras file
    is read, so TensorFlow is never loaded for an import that could not be stored."""
    from katas.zoo import keras_file

    zoo.mkdir(parents=True)
    (zoo / "blocked").write_text("not a folder")
    calls: list[str] = []
    monkeypatch.setattr(keras_file, "import_keras", lambda *a, **k: calls.append("read"))
    assert main(["zoo", "import", str(zoo.parent / "m.keras"), "--name", "blocked"]) == 2
    assert "found a file" in capsys.readouterr().err and calls == []


def test_ensure_refuses_an_entry_the_recipe_did_not_make(
    zoo: Path, tiny_recipe: list[bool]
) -> None:
    """A model stored under the recipe's name by other means (an import) is never returned as
    the recipe's model (exercise 9 would silently transfer from it)."""
    recipes.ensure("mnist-0-4", quiet=True)
    store.add("mnist-0-4", tiny_model(), "scratch", recipe=None, quick=False)
    with pytest.raises(ZooError, match=r"mnist-0-4@2: not made by recipe mnist-0-4"):
        recipes.ensure("mnist-0-4", quiet=True)
    assert tiny_recipe == [False]


def test_cli_import_refuses_a_recipe_s_name(zoo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`katas zoo import F --name mnist-0-4` is refused before the file is read: the entry
    would be taken for the recipe's model."""
    assert main(["zoo", "import", "any.keras", "--name", "mnist-0-4"]) == 2
    assert "belongs to the recipe mnist-0-4" in capsys.readouterr().err
    assert not zoo.exists()


def test_array_sha256_tells_dtype_and_shape_apart() -> None:
    """The data checksum covers dtype and shape, not only the bytes."""
    a = np.arange(6, dtype=np.int32)
    assert recipes.array_sha256(a) == recipes.array_sha256(a.copy())
    assert recipes.array_sha256(a) != recipes.array_sha256(a.reshape(2, 3))
    assert recipes.array_sha256(a) != recipes.array_sha256(a.view(np.float32))


def test_cli_errors_are_user_errors(zoo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown entries and recipes through the CLI: exit 2, one line, no traceback."""
    for argv in (["zoo", "show", "nothing"], ["zoo", "train", "nope"], ["zoo", "show", "a@b"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("katas: ") and "Traceback" not in err
    assert issubclass(ZooError, UserError)


@needs_mnist
@pytest.mark.slow
def test_quick_recipe_on_mnist_records_what_it_trained_on(
    zoo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`katas zoo train mnist-0-4 --quick`: a quick entry whose data checksums are those of the
    arrays the recipe loads, and whose recorded test accuracy the loaded model reproduces."""
    assert main(["zoo", "train", "mnist-0-4", "--quick", "--quiet", "--seed", "3"]) == 0
    assert "stored mnist-0-4@1" in capsys.readouterr().out
    model, manifest = store.load("mnist-0-4")
    assert manifest["quick"] is True and manifest["training"]["seed"] == 3
    assert manifest["training"]["optimizer"]["class_name"] == "Adam"
    assert manifest["training"]["optimizer"]["config"]["learning_rate"] == 0.01
    assert manifest["training"]["batch_size"] == 500
    assert manifest["architecture"]["layers"][1]["config"]["momentum"] == 0.95
    split = recipes.load_split(recipes.get("mnist-0-4"), True, 3)
    assert manifest["data"] == recipes.split_checksums(split)
    assert manifest["data"]["n_train"] == 3 * 3000  # the subset and its 2 shifted copies
    acc = float(np.mean(np.argmax(model.predict(split.x_test), axis=1) == split.y_test))
    assert acc == pytest.approx(manifest["metrics"]["test_accuracy"], abs=1e-9)
    assert acc > 0.9  # 9000 images, 8 epochs: far above chance (20%) for a working pipeline
    assert manifest["versions"]["numpy"] == np.__version__
    assert store.newest("mnist-0-4") is None  # so ensure() would train a full one


@pytest.mark.tf
def test_scratch_entry_loads_into_tf_ref_and_back(zoo: Path) -> None:
    """A scratch-trained entry builds in tf_ref (and a tf_ref one in scratch) with the same
    predictions."""
    store.add("tiny", tiny_model(0), "scratch")
    tf_model, manifest = store.load("tiny", backend="tf")
    assert type(tf_model).__module__ == "tf_ref.models"
    # float32 both sides, same weights: only the order of float32 sums differs (a few ulps of
    # outputs of size ~1)
    np.testing.assert_allclose(tf_model.predict(X), tiny_model(0).predict(X), atol=1e-5)
    store.add("tiny-tf", tf_model, "tf")
    back, m2 = store.load("tiny-tf", backend="scratch")
    assert m2["backend"] == "tf" and m2["versions"]["tensorflow"]
    np.testing.assert_array_equal(back.predict(X), tiny_model(0).predict(X))
    assert m2["architecture"] == manifest["architecture"]


@needs_mnist
@pytest.mark.slow
@pytest.mark.tf
def test_quick_recipe_trained_in_tf_loads_into_scratch(zoo: Path) -> None:
    """`--backend tf`: the entry records TensorFlow's and Keras' versions, and scratch rebuilt
    from it scores the accuracy the tf run measured."""
    assert main(["zoo", "train", "mnist-0-4", "--backend", "tf", "--quick", "--quiet"]) == 0
    model, manifest = store.load("mnist-0-4", backend="scratch")
    assert manifest["backend"] == "tf" and manifest["quick"] is True
    assert manifest["versions"]["tensorflow"] and manifest["versions"]["keras"]
    split = recipes.load_split(recipes.get("mnist-0-4"), True, 42)
    acc = float(np.mean(np.argmax(model.predict(split.x_test), axis=1) == split.y_test))
    # the same float32 weights in another backend: a test image whose two top logits are
    # within float32 rounding could flip, so allow 2 of the 1000 test images
    assert abs(acc - manifest["metrics"]["test_accuracy"]) <= 0.002
    assert acc > 0.9


def test_a_run_that_cannot_be_stored_is_kept_elsewhere(
    zoo: Path, tiny_recipe: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up after training (store.add fails): the error says where the trained
    model was kept, that file loads with the trained weights, and the zoo holds nothing."""
    import errno

    trained: list[Sequential] = []
    real_train = recipes.ex08.train_model

    def train(*args, **kwargs):
        out = real_train(*args, **kwargs)
        trained.append(out[0])
        return out

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recipes.ex08, "train_model", train)
    monkeypatch.setattr(recipes.store, "add", full)
    with pytest.raises(ZooError, match="No space left") as info:
        recipes.train("mnist-0-4", quiet=True)
    kept = re.search(r"kept in (\S+\.npz)", str(info.value))
    assert kept, str(info.value)
    loaded = load_model(kept.group(1))
    for a, b in zip(loaded.get_weights(), trained[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert store.newest("mnist-0-4", include_quick=True) is None
