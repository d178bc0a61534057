"""Named training recipes for the model zoo, and :func:`ensure`: "give me this model".

``mnist-0-4`` is exercise 8's best network (parts 2-5: part 4, :data:`katas.exercises.ex08.PART4`:
5 hidden layers of 90 units, Dense(use_bias=False) -> BatchNormalization(momentum 0.95) ->
leaky ReLU 0.1, Adam 0.01, batch 500, two extra copies of the training set shifted by up to
2 pixels) trained on MNIST digits 0-4 of the book's 55k/5k/10k split, with early stopping on
the validation split (patience 20, best weights kept), then scored on the test split. It is
what exercise 9 transfers from. The training is exercise 8's own code
(:func:`katas.exercises.ex08.load_data`, :func:`~katas.exercises.ex08.augment_split`,
:func:`~katas.exercises.ex08.train_model`): the zoo adds the storing, not another loop.

``quick=True`` (``katas zoo train ... --quick``): exercise 8's quick subset (3000 / 500 / 1000
images, at most 8 epochs): a smoke-test model, marked ``"quick": true`` in its manifest and never
returned by :func:`ensure`.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from katas import data
from katas.argtypes import check_seed
from katas.cli_text import lang_of, t
from katas.errors import ZooError
from katas.exercises import ex08
from katas.zoo import store
from scratch import optimizers
from scratch.networks import NetworkConfig, build_optimizer


@dataclass(frozen=True)
class Recipe:
    """How a zoo model is made: the network, how it is trained, and what that costs."""

    name: str
    description: str
    config: NetworkConfig
    training: ex08.Training
    #: Rough minutes a full (not quick) training takes per backend on 2 CPU cores, for the
    #: message :func:`ensure` prints before it starts one (mnist-0-4 measured on 2 shared
    #: cores, 84,228 training images: scratch 63 s, 30 epochs, test 0.9965; tf 54 s, 25
    #: epochs, test 0.9947).
    minutes: dict[str, str]


RECIPES: dict[str, Recipe] = {
    "mnist-0-4": Recipe(
        name="mnist-0-4",
        description="exercise 8.4's network (leaky ReLU 0.1, 5 x 90, batch norm 0.95, Adam "
        "0.01, batch 500, +2 shifted copies) on MNIST digits 0-4, early stopping on validation",
        config=ex08.PART4,
        training=ex08.PARTS[4][1],
        minutes={"scratch": "1-3", "tf": "1-3"},
    )
}


def get(name: str) -> Recipe:
    """The recipe called ``name``; ZooError listing the recipes for an unknown one."""
    if name not in RECIPES:
        raise ZooError(
            f"recipe: unknown recipe {name!r}; recipes: {', '.join(sorted(RECIPES))}",
            ja=f"recipe: レシピ {name!r} はありません。レシピ: {', '.join(sorted(RECIPES))}",
        )
    return RECIPES[name]


def array_sha256(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and C-order bytes: equal digests mean the very same
    array, not merely the same bytes in another shape or type."""
    a = np.ascontiguousarray(a)
    digest = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode("ascii"))
    digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def split_checksums(split: data.Split) -> dict[str, Any]:
    """Per-array digests (:func:`array_sha256`) and sizes of the arrays a model was trained,
    validated and tested on."""
    arrays = {
        "x_train": split.x_train,
        "y_train": split.y_train,
        "x_valid": split.x_valid,
        "y_valid": split.y_valid,
        "x_test": split.x_test,
        "y_test": split.y_test,
    }
    return {
        "sha256": {k: array_sha256(v) for k, v in arrays.items()},
        "n_train": len(split.y_train),
        "n_valid": len(split.y_valid),
        "n_test": len(split.y_test),
    }


def load_split(recipe: Recipe, quick: bool, seed: int, path: str | None = None) -> data.Split:
    """The recipe's data (exercise 8's loading and augmentation): the arrays ``fit`` sees."""
    split = ex08.load_data(recipe.training, quick, path)
    return ex08.augment_split(split, recipe.training, seed)


def _training_settings(recipe: Recipe, quick: bool) -> ex08.Training:
    training = recipe.training
    if quick:
        training = replace(
            training, max_epochs=training.quick_max_epochs, patience=training.quick_patience
        )
    return training


def train(
    name: str,
    backend: str = "scratch",
    *,
    quick: bool = False,
    seed: int = 42,
    quiet: bool = False,
    data_path: str | None = None,
    entry: str | None = None,
    lang: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train recipe ``name`` in ``backend``, store it as the next version of ``entry`` (default:
    the recipe's name) and return ``(model, manifest)``.

    The manifest records the network and optimizer config, the preprocessing, the training
    settings and seed, the SHA-256 of the exact arrays used (training set with its shifted
    copies, validation, test), the measured test and validation accuracy, and the library
    versions. A run that diverged is refused (ZooError), not stored. Everything that can be
    checked before training is (recipe, backend, seed, entry name, the zoo folder writable
    (:func:`~katas.zoo.store.check_writable`), the data present and valid), so a mistake costs
    a second, not a training run. Progress lines are in ``lang`` (None: $DNN_KATAS_LANG or the
    locale).
    """
    recipe = get(name)
    store.backend_models(backend)  # a bad backend fails before any data is loaded
    seed = check_seed(seed)
    entry = store.check_name(entry or recipe.name, "entry")
    # what would otherwise fail only at store.add, after minutes of training: checked first
    store.check_writable(entry)
    training = _training_settings(recipe, bool(quick))
    split = load_split(recipe, bool(quick), seed, data_path)  # missing data fails here
    if not quiet:
        lang = lang or lang_of()
        print(
            t(
                lang,
                "zoo_training",
                recipe=recipe.name,
                backend=backend,
                train=len(split.y_train),
                valid=len(split.y_valid),
                test=len(split.y_test),
                quick=t(lang, "zoo_training_quick") if quick else "",
                seed=seed,
            ),
            file=sys.stderr,
        )
    start = time.perf_counter()
    model, result = ex08.train_model(
        backend, recipe.config, training, split, seed, verbose=not quiet
    )
    if result["status"] != "ok":
        raise ZooError(
            f"recipe {recipe.name}: {result['message']} Nothing was stored; try another --seed.",
            ja=f"レシピ {recipe.name}: {result.get('message_ja') or result['message']} "
            "何も保存していません。別の --seed を試してください。",
        )
    train_cfg = asdict(training)
    for key in ("quick_sizes", "quick_max_epochs", "quick_patience"):
        train_cfg.pop(key)
    try:
        manifest = store.add(
            entry,
            model,
            backend,
            recipe=recipe.name,
            quick=bool(quick),
            preprocessing={
                "source": "MNIST (katas.data.load_mnist, verified official)",
                "split": "the book's: first 55,000 training images train, the last 5,000 validate, "
                "the 10,000 test images test",
                "digits": list(training.digits),
                "labels": "digit d -> its index in digits (0..k-1)",
                "inputs": "flattened 28 x 28 -> 784, float32 pixel / 255 in [0, 1]",
                "augment": {
                    "copies": training.augment_copies,
                    "max_shift": training.augment_max_shift,
                    "rng": f"numpy default_rng([{seed}, 8])",
                },
                "quick_sizes": list(training.quick_sizes) if quick else None,
            },
            training={
                "network": recipe.config.to_dict(),
                # the optimizer as built (scratch's serialize: the same dict tf_ref's gives)
                "optimizer": optimizers.serialize(build_optimizer(recipe.config)),
                **train_cfg,
                "seed": seed,
                "early_stopping": "val_loss, best weights restored",
                "seconds_total": time.perf_counter() - start,
            },
            data=split_checksums(split),
            metrics={
                "test_accuracy": result["test_accuracy"],
                "test_loss": result["test_loss"],
                "val_accuracy": result["best_val_accuracy"],
                "epochs": result["epochs"],
                "best_epoch": result["best_epoch"],
                "stopped_early": result["stopped_early"],
                "seconds_per_epoch": result["seconds_per_epoch"],
            },
            source={"kind": "recipe"},
        )
    except (ZooError, OSError) as e:  # e.g. the disk filled up during training
        kept, kept_ja = keep_unsaved(model, backend, entry)
        raise ZooError(f"{e} {kept}", ja=f"{getattr(e, 'ja', None) or e} {kept_ja}") from e
    return model, manifest


def keep_unsaved(model: Any, backend: str, entry: str) -> tuple[str, str]:
    """Save a trained model that could not be stored in the zoo to a new temporary folder (a
    finished training run is never lost); returns a sentence saying where, or why not, in
    English and in Japanese."""
    import tempfile

    try:
        folder = tempfile.mkdtemp(prefix=f"katas-zoo-unsaved-{entry}-")
        path = store.backend_models(backend).save_model(model, f"{folder}/model.npz")
    except (OSError, ValueError) as e:
        return (
            f"The trained model could not be kept either ({e}).",
            f"訓練したモデルも残せませんでした ({e})。",
        )
    return (
        f"The trained model was kept in {path} (scratch.models.load_model reads it; "
        "free some space and train again, or load it from there).",
        f"訓練したモデルは {path} に残しました (scratch.models.load_model で読めます。"
        "空き容量を増やしてもう一度訓練するか、そこから読み込んでください)。",
    )


def check_made_by(name: str, version: int) -> None:
    """Entry ``name@version`` was trained by recipe ``name``: ZooError otherwise (a Keras file
    imported under the recipe's name has another architecture or other training, and must not
    stand in for the recipe's model)."""
    made_by = store.read_manifest(name, version)["recipe"]
    if made_by != name:
        ref = store.ref(name, version)
        raise ZooError(
            f"zoo entry {ref}: not made by recipe {name} (its manifest says recipe "
            f"{made_by!r}), so it cannot stand in for it; remove it (`katas zoo remove "
            f"{ref}`) and import it under another name",
            ja=(
                f"zoo エントリ {ref}: レシピ {name} で作ったものではない "
                f"(マニフェストではレシピ {made_by!r}) ため、その代わりにはな"
                f"りません。削除して (`katas zoo remove {ref}`)、"
                "別の名前でインポートしてください"
            ),
        )


def ensure(
    name: str,
    backend: str = "scratch",
    *,
    quiet: bool = False,
    seed: int = 42,
    lang: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """``(model, manifest)`` of the newest non-quick entry of recipe ``name``, loaded into
    ``backend`` (whichever backend trained it); on first use it is trained with ``backend`` and
    stored (a message on stderr says so and how long it roughly takes, unless ``quiet``).
    A damaged newest entry is an error (ZooError saying how to remove it), never silently
    retrained around; so is a newest entry the recipe did not make (a Keras file imported under
    the recipe's name): it would stand in for the recipe's model with another architecture or
    other training."""
    recipe = get(name)
    store.backend_models(backend)
    version = store.newest(recipe.name)
    if version is not None:
        check_made_by(recipe.name, version)
    if version is None:
        lang = lang or lang_of()
        print(
            t(lang, "zoo_not_yet", recipe=recipe.name, zoo=store.zoo_dir(), backend=backend,
              minutes=recipe.minutes[backend]),
            file=sys.stderr,
        )  # fmt: skip
        _, manifest = train(recipe.name, backend, seed=seed, quiet=quiet, lang=lang)
        version = manifest["version"]
    return store.load(recipe.name, version, backend)
