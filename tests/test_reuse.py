"""Reusing trained layers: a built layer keeps its weights (so a second model shares it, as in
Keras), a width or dtype mismatch is refused by name, and ``clone_model`` copies instead."""

from __future__ import annotations

import importlib
import json
import types

import numpy as np
import pytest

from scratch import layers as s_layers
from scratch import models as s_models
from scratch import training as s_training

BACKENDS = pytest.mark.parametrize(
    "backend", ["scratch", pytest.param("tf_ref", marks=pytest.mark.tf)]
)


def modules(backend: str) -> tuple[types.ModuleType, types.ModuleType]:
    """(layers, models) of ``backend``, imported inside the test (``-m "not tf"`` stays TF-free)."""
    return tuple(importlib.import_module(f"{backend}.{m}") for m in ("layers", "models"))


def mlp(layers_mod, models_mod, seed: int = 0, dtype: str = "float64", bn: bool = True):
    """A small trained-looking net: 6 -> 5 (BN, elu) -> 4 -> 3, named like the book's."""
    hidden = [layers_mod.Dense(5, use_bias=not bn, name="hidden1")]
    if bn:
        hidden += [layers_mod.BatchNormalization(name="bn1"), layers_mod.Activation("elu")]
    return models_mod.Sequential(
        [
            *hidden,
            layers_mod.Dense(4, "elu", name="hidden2"),
            layers_mod.Dense(3, name="outputs"),
        ],
        6,
        rng=np.random.default_rng(seed),
        dtype=dtype,
    )


def data(seed: int = 1, n: int = 40):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)), rng.integers(0, 2, n)


# ------------------------------------------------------------------ build semantics (scratch)


def test_reused_layers_keep_their_weights_bit_for_bit() -> None:
    """Sequential(model_a.layers[:-1] + [Dense(2)]) keeps model_a's weights (the measured bug:
    they were redrawn, in both models) and draws only the new layer."""
    model_a = mlp(s_layers, s_models)
    before = {k: v.copy() for k, v in model_a.named_weights().items()}
    model_b = s_models.Sequential(
        [*model_a.layers[:-1], s_layers.Dense(2)], 6, rng=np.random.default_rng(99), dtype="float64"
    )
    for key, value in before.items():
        np.testing.assert_array_equal(model_a.named_weights()[key], value)
        if not key.startswith("outputs/"):
            np.testing.assert_array_equal(model_b.named_weights()[key], value)


def test_reused_layers_share_arrays_and_training_moves_both() -> None:
    """Sharing means one set of arrays: training model_b moves model_a's reused layers (not its
    own top), which is what Keras does with model_a.layers[:-1]."""
    model_a = mlp(s_layers, s_models)
    model_b = s_models.Sequential(
        [*model_a.layers[:-1], s_layers.Dense(2)], 6, rng=np.random.default_rng(99), dtype="float64"
    )
    for key, value in model_a.named_weights().items():
        if not key.startswith("outputs/"):
            assert np.shares_memory(model_b.named_weights()[key], value), key
    top = model_a.layers[-1].params["kernel"].copy()
    kernel = model_a.layers[0].params["kernel"].copy()
    x, y = data()
    s_training.fit(model_b, x, y, epochs=2, batch_size=8, rng=0, verbose=False, optimizer="sgd")
    assert not np.array_equal(model_a.layers[0].params["kernel"], kernel)
    np.testing.assert_array_equal(model_a.layers[-1].params["kernel"], top)


def test_building_a_built_layer_draws_nothing() -> None:
    """build() on a built layer returns its width and consumes no random numbers."""
    layer = s_layers.Dense(3)
    layer.build(4, np.random.default_rng(0), "float64")
    kernel = layer.params["kernel"]
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert layer.build(4, rng, "float64") == 3
    assert layer.params["kernel"] is kernel
    assert rng.bit_generator.state == state


@BACKENDS
def test_rebuild_width_or_dtype_mismatch_names_layer_and_both_values(backend: str) -> None:
    """A built layer asked for another width or dtype is a ValueError naming it and both."""
    layers_mod, _ = modules(backend)
    layer = layers_mod.Dense(3, name="hidden3")
    layer.build(300, np.random.default_rng(0), "float32")
    with pytest.raises(ValueError, match="hidden3: built for inputs of width 300, got 784"):
        layer.build(784, np.random.default_rng(0), "float32")
    with pytest.raises(ValueError, match="hidden3: built for dtype float32, got float64"):
        layer.build(300, np.random.default_rng(0), "float64")


@BACKENDS
def test_refused_model_build_changes_nothing(backend: str) -> None:
    """A model whose reused layer sits on the wrong width is refused before any new layer is
    built: the new layers stay unbuilt, the reused ones unchanged."""
    layers_mod, models_mod = modules(backend)
    model_a = mlp(layers_mod, models_mod)
    before = model_a.get_weights()
    new = layers_mod.Dense(7, name="new")
    with pytest.raises(ValueError, match="hidden2: built for inputs of width 5, got 7"):
        models_mod.Sequential([new, *model_a.layers[3:]], 6, rng=0, dtype="float64")
    assert not new.built
    for a, b in zip(model_a.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="hidden1: built for dtype float64, got float32"):
        models_mod.Sequential(model_a.layers[:-1], 6, rng=0, dtype="float32")


def test_new_layer_names_skip_names_taken_by_reused_layers() -> None:
    """An unnamed new Dense next to a reused "dense" is named "dense_1", not a duplicate."""
    model_a = s_models.Sequential([s_layers.Dense(4), s_layers.Dense(3)], 5, rng=0)
    model_b = s_models.Sequential([model_a.layers[0], s_layers.Dense(2)], 5, rng=1)
    assert [layer.name for layer in model_b.layers] == ["dense", "dense_1"]


# ------------------------------------------------------------------- build semantics (tf_ref)


@pytest.mark.tf
def test_tf_reused_layers_share_keras_variables() -> None:
    """tf_ref: the reused layers keep their Keras layer objects and variables (Keras shares a
    built layer placed in a second keras.Sequential); training model_b moves model_a's."""
    from tf_ref import layers as t_layers
    from tf_ref import models as t_models
    from tf_ref import training as t_training

    model_a = mlp(t_layers, t_models)
    before = model_a.named_weights()
    keras_before = [layer.keras_layer for layer in model_a.layers[:-1]]
    model_b = t_models.Sequential(
        [*model_a.layers[:-1], t_layers.Dense(2)], 6, rng=np.random.default_rng(99), dtype="float64"
    )
    assert [layer.keras_layer for layer in model_b.layers[:-1]] == keras_before
    shared = {id(v) for v in model_b.keras_model.weights} & {
        id(v) for v in model_a.keras_model.weights
    }
    n_reused = sum(len(layer.keras_layer.weights) for layer in model_a.layers[:-1])
    assert len(shared) == n_reused
    for key, value in before.items():
        np.testing.assert_array_equal(model_a.named_weights()[key], value)
        if not key.startswith("outputs/"):
            np.testing.assert_array_equal(model_b.named_weights()[key], value)
    x, y = data()
    t_training.fit(model_b, x, y, epochs=2, batch_size=8, rng=0, verbose=False, optimizer="sgd")
    after = model_a.named_weights()
    assert not np.array_equal(after["hidden1/kernel"], before["hidden1/kernel"])
    np.testing.assert_array_equal(after["outputs/kernel"], before["outputs/kernel"])
    np.testing.assert_array_equal(
        model_b.named_weights()["hidden1/kernel"], after["hidden1/kernel"]
    )
    # model_a still runs on its own graph, with the shared (trained) weights
    assert model_a.predict(x).shape == (40, 3)


# ------------------------------------------------------------------------ save_model/load_model


def saved(tmp_path, seed: int = 0):
    """A small BN net (one layer frozen) saved to tmp_path/model.npz: (model, path)."""
    model = mlp(s_layers, s_models, seed)
    model.layers[0].trainable = False
    x, _ = data()
    model.forward(x, training=True)  # moving statistics away from their initial 0 and 1
    return model, s_models.save_model(model, tmp_path / "model.npz")


def test_save_load_round_trip_is_bit_exact(tmp_path) -> None:
    """load_model(save_model(m)) has m's config, trainable flags and weights bit for bit."""
    model, path = saved(tmp_path)
    again = s_models.load_model(path)
    assert again.get_config() == model.get_config()
    assert [la.trainable for la in again.layers] == [la.trainable for la in model.layers]
    for (ka, a), (kb, b) in zip(
        model.named_weights().items(), again.named_weights().items(), strict=True
    ):
        assert ka == kb and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    with np.load(path, allow_pickle=False) as npz:
        assert npz.files == [*model.named_weights(), "__config__", "__sha256__"]


def test_every_flipped_byte_is_refused_or_harmless(tmp_path) -> None:
    """Flip each byte of a saved file in turn: load_model refuses it (ValueError naming the file)
    or, where the byte is zip bookkeeping that no content depends on, loads the very same
    weights. Never a silently different model."""
    model, path = saved(tmp_path)
    good = path.read_bytes()
    bad = tmp_path / "bad.npz"
    refused = 0
    for i in range(0, len(good), 3):  # every third byte: each zip field is several bytes wide
        data_ = bytearray(good)
        data_[i] ^= 0x5A
        bad.write_bytes(bytes(data_))
        try:
            again = s_models.load_model(bad)
        except ValueError as e:
            assert str(bad) in str(e)
            refused += 1
            continue
        for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert refused > len(good) // 6  # the content bytes, at least, are all guarded


def test_truncated_files_are_refused(tmp_path) -> None:
    """Every truncation of a saved file is a ValueError naming it."""
    _, path = saved(tmp_path)
    good = path.read_bytes()
    bad = tmp_path / "short.npz"
    for n in range(0, len(good), 7):
        bad.write_bytes(good[:n])
        with pytest.raises(ValueError, match=r"short\.npz"):
            s_models.load_model(bad)


def rewrite(path, **changes) -> None:
    """Rewrite the npz at path with some entries replaced (the checksum left as it was)."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_tampered_files_are_refused(tmp_path) -> None:
    """A changed weight, a changed config, a missing checksum or an object (pickled) array is a
    ValueError that says what is wrong."""
    model, path = saved(tmp_path)
    good = path.read_bytes()
    kernel = model.named_weights()["hidden2/kernel"].copy()
    kernel[0, 0] += 1e-12
    rewrite(path, **{"hidden2/kernel": kernel})
    with pytest.raises(ValueError, match="checksum mismatch"):
        s_models.load_model(path)
    path.write_bytes(good)
    config = model.get_config()
    config["layers"][-1]["config"]["units"] = 4
    raw = np.frombuffer(json.dumps(config).encode(), np.uint8)
    rewrite(path, __config__=raw)
    with pytest.raises(ValueError, match="checksum mismatch"):
        s_models.load_model(path)
    with np.load(tmp_path / "model.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "__sha256__"}
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ValueError, match="no valid '__sha256__'"):
        s_models.load_model(path)
    with open(path, "wb") as f:
        np.savez(f, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a readable saved-model file"):
        s_models.load_model(path)
    path.write_text("not a zip")
    with pytest.raises(ValueError, match=r"model\.npz"):
        s_models.load_model(path)
    with pytest.raises(ValueError, match="no such model file"):
        s_models.load_model(tmp_path / "missing.npz")


def test_consistent_but_mismatched_file_is_refused(tmp_path) -> None:
    """A file whose checksum is right but whose arrays do not fit its config (written by hand)
    is refused, naming the array."""
    model, _ = saved(tmp_path)
    named = dict(model.named_weights())
    named["hidden2/kernel"] = np.zeros((5, 5))
    path = s_models.write_model_file(tmp_path / "odd.npz", model.get_config(), named)
    with pytest.raises(ValueError, match=r"hidden2/kernel is float64\(5, 5\)"):
        s_models.load_model(path)
    named = dict(model.named_weights())
    named["extra/kernel"] = np.zeros(3)
    path = s_models.write_model_file(tmp_path / "odd.npz", model.get_config(), named)
    with pytest.raises(ValueError, match="do not match the model's weights"):
        s_models.load_model(path)
    named = dict(model.named_weights())
    named["hidden2/kernel"] = np.full((5, 4), np.nan)
    path = s_models.write_model_file(tmp_path / "odd.npz", model.get_config(), named)
    with pytest.raises(ValueError, match="hidden2"):
        s_models.load_model(path)


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path) -> None:
    """A save that fails (a nameless initializer cannot be described) changes nothing on disk;
    a folder that does not exist is a ValueError."""
    model, path = saved(tmp_path)
    good = path.read_bytes()

    def mine(shape, rng=None, dtype="float32"):
        return np.zeros(shape, dtype)

    odd = s_models.Sequential([s_layers.Dense(2, kernel_initializer=mine)], 3, rng=0)
    with pytest.raises(TypeError, match="custom callable"):
        s_models.save_model(odd, path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    with pytest.raises(ValueError, match="cannot write"):
        s_models.save_model(model, tmp_path / "no" / "such" / "m.npz")


def test_load_model_blames_a_bad_rng_on_the_argument(tmp_path) -> None:
    """load_model(path, rng="x") is a TypeError about rng, not "the file's config is refused"."""
    _, path = saved(tmp_path)
    with pytest.raises(TypeError, match=r"^rng: expected None, an int seed"):
        s_models.load_model(path, rng="x")


def test_save_into_a_folder_or_a_failing_disk_is_a_value_error(tmp_path, monkeypatch) -> None:
    """save_model to a folder, or a write the OS refuses (full disk), is a ValueError naming
    the file (not a raw OSError), and the old file stays whole with no temporary left."""
    model, path = saved(tmp_path)
    good = path.read_bytes()
    with pytest.raises(ValueError, match="a folder"):
        s_models.save_model(model, tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(s_models.np, "savez", full_disk)
    with pytest.raises(ValueError, match=r"model\.npz: cannot write.*No space left"):
        s_models.save_model(model, path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


@pytest.mark.tf
def test_saved_files_move_between_backends(tmp_path) -> None:
    """scratch save -> tf_ref load and tf_ref save -> scratch load: same config, same weights
    bit for bit, same predictions (float64; 1e-12 covers the two backends' matmul orders)."""
    from tf_ref import models as t_models

    model, path = saved(tmp_path)
    theirs = t_models.load_model(path)
    assert theirs.get_config() == model.get_config()
    for a, b in zip(theirs.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x, _ = data(3)
    np.testing.assert_allclose(theirs.predict(x), model.predict(x), rtol=1e-12, atol=1e-12)
    back = s_models.load_model(t_models.save_model(theirs, tmp_path / "tf.npz"))
    for a, b in zip(back.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (tmp_path / "tf.npz").read_bytes() == path.read_bytes()


# ---------------------------------------------------------------------- reuse operations


def book_net(backend: str, seed: int = 0):
    """The book's layout (dropout before each hidden layer, BN between Dense and activation),
    3 hidden blocks, float64, in ``backend``."""
    networks = importlib.import_module(f"{backend}.networks")
    from scratch.networks import NetworkConfig

    config = NetworkConfig(hidden_layers=3, units=5, dropout_rate=0.2)
    return networks.build_network(config, 6, 3, rng=seed, dtype="float64")


@BACKENDS
def test_hidden_blocks_and_lower_layers(backend: str) -> None:
    """hidden_blocks: [dropout, Dense, BN, activation] per hidden Dense; lower_layers(n) is the
    first n blocks, shared, without the dropout above block n; bad n is refused by name."""
    reuse = importlib.import_module(f"{backend}.reuse")
    model = book_net(backend)
    blocks = reuse.hidden_blocks(model)
    assert [[layer.name for layer in b] for b in blocks] == [
        [f"hidden{i}_dropout", f"hidden{i}", f"hidden{i}_bn", f"hidden{i}_out"] for i in (1, 2, 3)
    ]
    lower = reuse.lower_layers(model, 2)
    assert lower == model.layers[:8] and lower[-1].name == "hidden2_out"
    assert reuse.lower_layers(model, 0) == []
    with pytest.raises(ValueError, match="n_hidden: the model has 3 hidden blocks"):
        reuse.lower_layers(model, 4)
    with pytest.raises(TypeError, match="n_hidden"):
        reuse.lower_layers(model, 1.5)


@BACKENDS
def test_drop_replace_add_share_the_kept_layers(backend: str) -> None:
    """drop_top, replace_top and add_on_top keep the old layers as the same objects; only the
    new layers are drawn; bad k or new is refused."""
    layers_mod, _ = modules(backend)
    reuse = importlib.import_module(f"{backend}.reuse")
    model = book_net(backend)
    before = model.get_weights()
    dropped = reuse.drop_top(model)
    assert dropped.layers == model.layers[:-1] and dropped.output_dim == 5
    replaced = reuse.replace_top(model, layers_mod.Dense(2, name="new_logits"), rng=1)
    assert replaced.layers[:-1] == model.layers[:-1] and replaced.output_dim == 2
    added = reuse.add_on_top(dropped, [layers_mod.Dense(4, name="extra")], rng=2)
    assert added.layers[:-1] == dropped.layers
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="k: the model has"):
        reuse.drop_top(model, len(model.layers))
    with pytest.raises(TypeError, match="new"):
        reuse.replace_top(model, "Dense(2)")


@pytest.mark.parametrize("target", ["model", "list"])
@BACKENDS
def test_freeze_and_unfreeze(backend: str, target: str) -> None:
    """freeze/unfreeze set trainable on a whole model or a list of layers (and nothing else)."""
    reuse = importlib.import_module(f"{backend}.reuse")
    model = book_net(backend)
    lower = reuse.lower_layers(model, 2)
    reuse.freeze(model if target == "model" else lower)
    frozen = model.layers if target == "model" else lower
    assert all(not layer.trainable for layer in frozen)
    assert all(layer.trainable for layer in model.layers if layer not in frozen)
    reuse.unfreeze(model)
    assert all(layer.trainable for layer in model.layers)
    with pytest.raises(TypeError, match="target"):
        reuse.freeze("hidden1")


def frozen_fit_case(backend: str):
    """A model with its two lower blocks frozen, trained 2 epochs with Adam in float64: (model,
    the frozen layers' weights before, after, the optimizer)."""
    reuse = importlib.import_module(f"{backend}.reuse")
    training = importlib.import_module(f"{backend}.training")
    optimizers = importlib.import_module(f"{backend}.optimizers")
    model = book_net(backend)
    x, y = data()
    model.forward(x, training=True)  # moving statistics away from 0 and 1
    lower = reuse.lower_layers(model, 2)
    reuse.freeze(lower)
    before = [w for layer in lower for w in layer.get_weights()]
    opt = optimizers.Adam(0.01)
    training.fit(model, x, y, optimizer=opt, epochs=2, batch_size=8, rng=0, verbose=False)
    after = [w for layer in lower for w in layer.get_weights()]
    return model, before, after, opt


@BACKENDS
def test_frozen_layers_are_bit_identical_after_fit(backend: str) -> None:
    """After fit, every frozen weight (kernels, BN gamma/beta and moving statistics) is bit for
    bit what it was, while the trainable layers moved."""
    model, before, after, _ = frozen_fit_case(backend)
    assert len(before) == 2 + 2 * 4  # two kernels (BN: no bias) and two BNs' four arrays
    for a, b in zip(after, before, strict=True):
        np.testing.assert_array_equal(a, b)
    top = model.layers[-1]
    assert top.trainable


def test_optimizer_holds_slots_only_for_trainable_params() -> None:
    """scratch: Adam's slots cover exactly the trainable parameters' shapes; a changed
    trainable set with the old optimizer is a clear error."""
    from scratch import reuse, training

    model, _, _, opt = frozen_fit_case("scratch")
    shapes = [p.shape for p in model.trainable_params()]
    assert [m.shape for m in opt.slots["momentum"]] == shapes
    assert [v.shape for v in opt.slots["velocity"]] == shapes
    reuse.unfreeze(model)
    x, y = data()
    with pytest.raises(ValueError, match="after freeze/unfreeze"):
        training.fit(model, x, y, optimizer=opt, epochs=1, batch_size=8, rng=0, verbose=False)


@pytest.mark.tf
def test_tf_optimizer_holds_slots_only_for_trainable_variables() -> None:
    """tf_ref: the Keras optimizer's slot variables match the trainable variables only."""
    model, _, _, opt = frozen_fit_case("tf_ref")
    shapes = sorted(tuple(v.shape) for v in model.trainable_variables)
    slots = opt.keras_optimizer._momentums
    assert sorted(tuple(v.shape) for v in slots) == shapes
    frozen_ids = {
        id(v) for layer in model.layers if not layer.trainable for v in layer.keras_layer.weights
    }
    assert frozen_ids and not frozen_ids & {id(v) for v in model.trainable_variables}


@BACKENDS
def test_load_lower_layers_copies_from_a_saved_file(backend: str, tmp_path) -> None:
    """load_lower_layers(path, 2): copies of the lower two blocks (equal weights, new objects),
    frozen; a new model on them trains its top while the file and source stay unchanged."""
    layers_mod, models_mod = modules(backend)
    reuse = importlib.import_module(f"{backend}.reuse")
    training = importlib.import_module(f"{backend}.training")
    source = book_net(backend)
    path = models_mod.save_model(source, tmp_path / "source.npz")
    saved_bytes = path.read_bytes()
    lower = reuse.load_lower_layers(str(path), 2)
    assert [layer.name for layer in lower] == [layer.name for layer in source.layers[:8]]
    assert all(not layer.trainable for layer in lower)
    assert all(a is not b for a, b in zip(lower, source.layers, strict=False))
    before = [w for layer in lower for w in layer.get_weights()]
    for a, b in zip(before, [w for la in source.layers[:8] for w in la.get_weights()], strict=True):
        np.testing.assert_array_equal(a, b)
    model = models_mod.Sequential(
        [*lower, layers_mod.Dense(2, name="new_logits")], 6, rng=3, dtype="float64"
    )
    x, y = data()
    training.fit(model, x, y % 2, epochs=1, batch_size=8, rng=0, verbose=False)
    for a, b in zip([w for layer in lower for w in layer.get_weights()], before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert path.read_bytes() == saved_bytes
    unfrozen = reuse.load_lower_layers(source, 1, freeze=False)
    assert all(layer.trainable for layer in unfrozen) and unfrozen[0] is not source.layers[0]
    with pytest.raises(TypeError, match="source"):
        reuse.load_lower_layers(3, 1)
    with pytest.raises(ValueError, match="n_hidden"):
        reuse.load_lower_layers(source, 9)


@BACKENDS
def test_one_layer_object_twice_is_refused_by_position(backend: str) -> None:
    """replace_top(model, model.layers[0]) or Sequential([d, d]): the same object twice is
    refused naming both positions (it said only "names must be unique")."""
    layers_mod, models_mod = modules(backend)
    reuse = importlib.import_module(f"{backend}.reuse")
    model = mlp(layers_mod, models_mod)
    with pytest.raises(ValueError, match=r"layers\[4\]: the same layer object as layers\[0\]"):
        reuse.replace_top(model, model.layers[0])
    d = layers_mod.Dense(3)
    with pytest.raises(ValueError, match=r"layers\[1\]: the same layer object as layers\[0\]"):
        models_mod.Sequential([d, d], 3, rng=0)
    assert not d.built  # refused before anything was drawn


@BACKENDS
def test_load_lower_layers_refuses_an_unbuilt_source(backend: str) -> None:
    """An unbuilt source has no weights: its "copies" would be fresh random layers, frozen."""
    layers_mod, models_mod = modules(backend)
    reuse = importlib.import_module(f"{backend}.reuse")
    unbuilt = models_mod.Sequential([layers_mod.Dense(4), layers_mod.Dense(2)])
    with pytest.raises(ValueError, match="source: the model is not built"):
        reuse.load_lower_layers(unbuilt, 1)
