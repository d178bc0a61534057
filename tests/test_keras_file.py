"""Scratch <-> Keras ``.keras`` files (katas.zoo.keras_file): exact round trips, Keras' own
predictions within a derived float32 bound, refused layers and files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from katas.cli import main
from katas.errors import ZooError
from katas.zoo import keras_file, store
from scratch import activations
from scratch import layers as L
from scratch.models import Sequential
from tests.test_zoo import X, tiny_model

pytestmark = pytest.mark.tf

U32 = 2.0**-24  # unit roundoff of IEEE float32 (round to nearest)


@pytest.fixture
def zoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "zoo"
    monkeypatch.setenv("DNN_KATAS_ZOO", str(root))
    return root


@pytest.fixture(autouse=True)
def ieee_float32() -> None:
    """TensorFloat-32 (GPU matmuls with 10-bit mantissas) would void the float32 bound below."""
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)


def keras_predict(path: Path, x: np.ndarray) -> np.ndarray:
    """Keras' own outputs for the file, opened the strict way any Keras user would."""
    import keras

    kmodel = keras.saving.load_model(path, safe_mode=True, compile=False)
    return np.asarray(kmodel(x, training=False))


def as_float64(model: Sequential) -> Sequential:
    """The same model with the same (exactly representable) weights, computing in float64."""
    twin = Sequential.from_config({**model.get_config(), "dtype": "float64"}, rng=0)
    twin.set_weights([w.astype(np.float64) for w in model.get_weights()])
    return twin


def gamma(n: int) -> float:
    """The standard bound on the relative error of an n-term float32 sum of products computed
    in any order: |fl(sum) - sum| <= gamma_n * sum |terms|, gamma_n = n u / (1 - n u)."""
    return n * U32 / (1 - n * U32)


#: Per activation: (Lipschitz constant as a function of its kwargs, roundings in evaluating it).
#: leaky ReLU: one multiplication (slope <= 1); ELU: alpha * (exp(z) - 1): exp to a few ulps,
#: a subtraction and a multiplication, bounded by 4 u of the result plus 4 u alpha absolute
#: (exp(z) - 1 cancels near 0); linear and ReLU are exact.
def _activation_terms(name: str, kwargs: dict) -> tuple[float, float, float]:
    if name in ("linear", "relu"):
        return 1.0, 0.0, 0.0
    if name == "leaky_relu":
        return max(1.0, abs(kwargs.get("negative_slope", 0.2))), 2.0, 0.0
    if name == "elu":
        alpha = kwargs.get("alpha", 1.0)
        return max(1.0, alpha), 4.0, 4.0 * alpha
    raise NotImplementedError(f"no error bound for activation {name!r} in this test")


def float32_error_bound(model: Sequential, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(exact outputs, componentwise bound on |float32 outputs - exact|) for ``model``'s weights
    and inputs ``x`` (float32 values), in inference mode, for ANY correct float32 evaluation
    (Keras' or scratch's, whatever the summation order).

    Propagated layer by layer, with a = exact activations (computed in float64: its own error,
    ~1e-16 relative, is 9 orders below the bound) and e >= |computed - a| (e = 0 for x):

    * Dense, z = a W + b with n inputs: e_z = e |W| + gamma_{n+1} ((|a| + e) |W| + |b|)
      (the propagated input error, plus the rounding of the n-product dot product and the bias);
    * its activation f (Lipschitz L, c roundings, d absolute): e_f = L e_z + c u (|f(z)| +
      L e_z) + d u;
    * batch norm at inference, y = s x + (beta - s mu) with s = gamma / sqrt(var + eps):
      e_y = |s| e + gamma_10 (|s| (|a| + e) + |s mu| + |beta|) (s itself carries <= 5
      roundings, add + rsqrt (<= 2 ulp) + multiply; the affine map <= 3 more, margin to 10);
    * dropout at inference: the identity, exact.
    """
    a = x.astype(np.float64)
    e = np.zeros_like(a)
    for layer_cfg, layer in zip(model.get_config()["layers"], model.layers, strict=True):
        cls, cfg = layer_cfg["class_name"], layer_cfg["config"]
        w = {k: v.astype(np.float64) for k, v in layer.weights.items()}
        if cls == "Dense":
            kernel = w["kernel"]
            bias = w.get("bias", np.zeros(kernel.shape[1]))
            z = a @ kernel + bias
            e_z = e @ np.abs(kernel) + gamma(kernel.shape[0] + 1) * (
                (np.abs(a) + e) @ np.abs(kernel) + np.abs(bias)
            )
            a, e = _through_activation(cfg["activation"], z, e_z)
        elif cls == "Activation":
            a, e = _through_activation(cfg["activation"], a, e)
        elif cls == "BatchNormalization":
            s = w.get("gamma", 1.0) / np.sqrt(w["moving_variance"] + cfg["epsilon"])
            beta = w.get("beta", 0.0)
            shift = beta - s * w["moving_mean"]
            e = np.abs(s) * e + gamma(10) * (
                np.abs(s) * (np.abs(a) + e) + np.abs(s * w["moving_mean"]) + np.abs(beta)
            )
            a = s * a + shift
        elif cls == "Dropout":
            pass
        else:
            raise NotImplementedError(cls)
    return a, e


def _through_activation(spec, z, e_z):
    name, kwargs = (spec, {}) if isinstance(spec, str) else (spec["name"], spec["kwargs"])
    lip, c, d = _activation_terms(name, kwargs)
    f = activations.get(name, **kwargs)(z)
    return f, lip * e_z + c * U32 * (np.abs(f) + lip * e_z) + d * U32


def zoo_model(dtype: str) -> Sequential:
    """A tiny model stored in (and loaded back from, verified) the zoo."""
    store.add("tiny", tiny_model(0, dtype), "scratch")
    return store.load("tiny")[0]


def test_round_trip_through_keras_file_is_exact(zoo: Path, tmp_path: Path) -> None:
    """zoo model -> .keras -> scratch: identical predictions in float64 (<= 1e-12)."""
    model = zoo_model("float64")
    path = keras_file.export_keras(model, tmp_path / "tiny.keras")
    back = keras_file.import_keras(path)
    assert back.dtype == np.float64
    diff = np.max(np.abs(back.predict(X) - model.predict(X)))
    print(f"round trip float64: max |diff| = {diff:.3g}")
    # the same float64 weights through the same scratch code: identical in practice; 1e-12
    # (outputs of size ~1) is the brief's bar
    assert diff <= 1e-12
    assert [type(layer).__name__ for layer in back.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    assert back.get_config()["layers"][2]["config"]["momentum"] == 0.95


def test_float32_round_trip_keeps_the_float32_weights(zoo: Path, tmp_path: Path) -> None:
    """A float32 model comes back float32 with bit-identical weights."""
    model = zoo_model("float32")
    back = keras_file.import_keras(keras_file.export_keras(model, tmp_path / "t.keras"))
    assert back.dtype == np.float32
    for w, v in zip(model.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(w, v)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_keras_own_predictions_match_in_float64(zoo: Path, tmp_path: Path) -> None:
    """Keras, loading the exported file itself, predicts what scratch predicts (<= 1e-12)."""
    model = zoo_model("float64")
    path = keras_file.export_keras(model, tmp_path / "t.keras")
    diff = np.max(np.abs(keras_predict(path, X.astype(np.float64)) - model.predict(X)))
    print(f"keras vs scratch float64: max |diff| = {diff:.3g}")
    # outputs of size ~1, a few dozen float64 roundings each: ~1e-15; 1e-12 leaves 1000x
    assert diff <= 1e-12


def test_keras_own_predictions_match_in_float32_within_the_derived_bound(
    zoo: Path, tmp_path: Path
) -> None:
    """float32: Keras' and scratch's outputs are each within the derived rounding bound of the
    exact outputs (so within twice it of each other), and the bound is far below the outputs'
    scale (not vacuous)."""
    model = zoo_model("float32")
    path = keras_file.export_keras(model, tmp_path / "t.keras")
    exact, bound = float32_error_bound(model, X)
    np.testing.assert_allclose(exact, as_float64(model).predict(X), rtol=0, atol=1e-12)
    ours, theirs = model.predict(X).astype(np.float64), keras_predict(path, X).astype(np.float64)
    diff = np.abs(theirs - ours)
    scale = np.max(np.abs(exact))
    print(
        f"float32: max |keras - scratch| = {diff.max():.3g}, max bound = {2 * bound.max():.3g}, "
        f"output scale {scale:.3g}"
    )
    assert np.all(np.abs(ours - exact) <= bound)
    assert np.all(np.abs(theirs - exact) <= bound)
    assert np.all(diff <= 2 * bound)
    assert 2 * bound.max() < 1e-4 * scale  # the bound says something: ~1e-6 relative


@pytest.mark.parametrize("dtype, keras_layer", [("float32", "LeakyReLU"), ("float64", "PReLU")])
def test_export_splits_an_activation_with_arguments_into_a_safe_layer(
    tmp_path: Path, dtype: str, keras_layer: str
) -> None:
    """Dense(leaky_relu(0.1)) becomes Dense + a Keras layer safe mode loads (LeakyReLU; in
    float64 a frozen PReLU, since TF's LeakyReLU rounds its slope to float32) and comes back
    as Dense + Activation with the same outputs, and the same as Keras' own."""
    import keras

    model = Sequential(
        [
            L.Dense(4, activations.get("leaky_relu", negative_slope=0.1), name="h"),
            L.Dense(2, activations.get("elu", alpha=0.5)),
            L.Activation("linear", name="h_activation"),  # the name the split would take
        ],
        5,
        rng=0,
        dtype=dtype,
    )
    path = keras_file.export_keras(model, tmp_path / "m.keras")
    kmodel = keras.saving.load_model(path, safe_mode=True, compile=False)
    kinds = [type(layer).__name__ for layer in kmodel.layers]
    assert kinds == ["Dense", keras_layer, "Dense", "ELU", "Activation"]
    assert kmodel.layers[1].name == "h_activation_2"
    back = keras_file.import_keras(path)
    assert [type(layer).__name__ for layer in back.layers] == [
        "Dense",
        "Activation",
        "Dense",
        "Activation",
        "Activation",
    ]
    assert back.layers[1].get_config()["activation"] == {
        "name": "leaky_relu",
        "kwargs": {"negative_slope": 0.1},
    }
    x = X.astype(dtype)
    # same weights and slope (read back exactly: a float64 weight, or Keras' config value),
    # the same scratch arithmetic: the same bits
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    if dtype == "float64":
        assert np.max(np.abs(np.asarray(kmodel(x)) - model.predict(x))) <= 1e-12


def test_unsupported_keras_layer_is_named(tmp_path: Path) -> None:
    """A layer scratch lacks is a ZooError naming the layer and what is supported."""
    import keras

    kmodel = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(3), keras.layers.LayerNormalization(name="ln")]
    )
    kmodel.save(tmp_path / "ln.keras")
    with pytest.raises(ZooError, match=r"'ln' \(LayerNormalization\).*supported: Dense"):
        keras_file.import_keras(tmp_path / "ln.keras")


def test_import_keeps_the_initializer_names() -> None:
    """Keras' HeNormal comes back as scratch's he_normal (what from_config would draw); a name
    scratch lacks (orthogonal) falls back to Keras Dense's default, glorot_uniform."""
    import keras

    kmodel = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, kernel_initializer="he_normal", bias_initializer="ones"),
            keras.layers.Dense(3, kernel_initializer="orthogonal"),
        ]
    )
    layers = keras_file.from_keras(kmodel).get_config()["layers"]
    assert [la["config"]["kernel_initializer"] for la in layers] == ["he_normal", "glorot_uniform"]
    assert [la["config"]["bias_initializer"] for la in layers] == ["ones", "zeros"]


def test_settings_scratch_would_lose_are_refused() -> None:
    """A BN's beta/gamma regularizer or constraint, or an activity regularizer, has no scratch
    twin: the import names it instead of dropping it (training on would silently differ)."""
    import keras

    for key, layer in [
        ("beta_regularizer", keras.layers.BatchNormalization(beta_regularizer="l2", name="b")),
        ("gamma_constraint", keras.layers.BatchNormalization(gamma_constraint="non_neg")),
        ("activity_regularizer", keras.layers.Dense(3, activity_regularizer="l2")),
    ]:
        kmodel = keras.Sequential([keras.Input((5,)), layer])
        with pytest.raises(ZooError, match=rf"'{layer.name}'.*{key}=.*no scratch equivalent"):
            keras_file.from_keras(kmodel)
    plain = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, kernel_regularizer="l2")])
    assert keras_file.from_keras(plain).layers[0].regularizers["kernel"].l2 == 0.01


@pytest.mark.parametrize(
    "setup, words",
    [
        (lambda p: p.write_bytes(b"not a zip"), "not a loadable Keras"),
        (lambda p: None, "no such file"),
    ],
)
def test_bad_keras_files(tmp_path: Path, setup, words: str) -> None:
    """A missing or garbage .keras file is a ZooError naming the file."""
    path = tmp_path / "bad.keras"
    setup(path)
    with pytest.raises(ZooError, match=words) as err:
        keras_file.import_keras(path)
    assert "bad.keras" in str(err.value)


def test_wrong_suffix_is_refused(tmp_path: Path) -> None:
    """Keras 3 only reads .keras archives: another suffix is refused up front, both ways."""
    with pytest.raises(ZooError, match=r"\.keras"):
        keras_file.export_keras(tiny_model(0), tmp_path / "m.h5")
    with pytest.raises(ZooError, match=r"\.keras"):
        keras_file.import_keras(tmp_path / "m.h5")


def test_cli_export_then_import(zoo: Path, tmp_path: Path, capsys) -> None:
    """`katas zoo export` then `katas zoo import --name`: a new entry with the same
    predictions, its manifest naming the source file and its sha256; --out never overwrites."""
    store.add("tiny", tiny_model(0), "scratch")
    out = tmp_path / "t.keras"
    assert main(["zoo", "export", "tiny", "--out", str(out)]) == 0
    assert main(["zoo", "export", "tiny", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["zoo", "import", str(out), "--name", "back"]) == 0
    assert "stored back@1" in capsys.readouterr().out
    model, manifest = store.load("back")
    assert manifest["source"] == {
        "kind": "keras",
        "file": "t.keras",
        "sha256": store.sha256_file(out),
    }
    assert manifest["recipe"] is None and manifest["metrics"] is None
    np.testing.assert_array_equal(model.predict(X), tiny_model(0).predict(X))
    assert main(["zoo", "show", "back@1"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "back"


def test_tf_ref_model_exports_the_same_file_content(zoo: Path, tmp_path: Path) -> None:
    """A tf_ref Sequential (the zoo entry loaded into the tf backend) exports too, and the
    file imports back to scratch with the entry's exact weights and predictions."""
    store.add("tiny", tiny_model(0), "scratch")
    tf_model, _ = store.load("tiny", backend="tf")
    back = keras_file.import_keras(keras_file.export_keras(tf_model, tmp_path / "tf.keras"))
    for w, v in zip(tiny_model(0).get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(w, v)
    np.testing.assert_array_equal(back.predict(X), tiny_model(0).predict(X))


def test_functional_model_is_refused(tmp_path: Path) -> None:
    """Only a keras.Sequential has a scratch equivalent; a functional model is named as such."""
    import keras

    x = keras.Input((5,))
    kmodel = keras.Model(x, keras.layers.Dense(2)(x))
    kmodel.save(tmp_path / "f.keras")
    with pytest.raises(ZooError, match=r"expected a keras\.Sequential"):
        keras_file.import_keras(tmp_path / "f.keras")


@pytest.mark.parametrize("ending", ["dense", "activation", "softmax_layer"])
def test_a_final_softmax_is_imported_as_logits(tmp_path: Path, ending: str) -> None:
    """A Keras classifier ending in a softmax (a Dense's activation, an Activation or a Softmax
    layer) imports as logits with a note: softmax of the scratch outputs is Keras' output."""
    import keras

    rng = np.random.default_rng(0)
    tail = {
        "dense": [keras.layers.Dense(4, activation="softmax", name="out")],
        "activation": [keras.layers.Dense(4, name="out"), keras.layers.Activation("softmax")],
        "softmax_layer": [keras.layers.Dense(4, name="out"), keras.layers.Softmax()],
    }[ending]
    kmodel = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, "elu"), *tail])
    kmodel.save(tmp_path / "clf.keras")
    notes: list[str] = []
    back = keras_file.import_keras(tmp_path / "clf.keras", notes=notes)
    assert [layer.name for layer in back.layers][-1] == "out"
    assert back.layers[-1].activation.name == "linear"
    assert len(notes) == 1 and "imported as logits" in notes[0]
    x = rng.standard_normal((7, 6)).astype("float32")
    z = back.predict(x)
    probs = np.exp(z - z.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    # float32 maths in two libraries: a few ulps of probabilities near 1
    np.testing.assert_allclose(probs, np.asarray(kmodel(x)), rtol=1e-5, atol=1e-6)


def test_a_softmax_before_the_last_layer_is_refused() -> None:
    """Only a final softmax has a scratch reading (logits); one in the middle is named."""
    import keras

    kmodel = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(5, "softmax", name="mid"), keras.layers.Dense(3)]
    )
    with pytest.raises(ZooError, match=r"'mid'.*softmax before the last layer"):
        keras_file.from_keras(kmodel)
    only = keras.Sequential([keras.Input((6,)), keras.layers.Softmax(name="sm")])
    with pytest.raises(ZooError, match="only a softmax layer"):
        keras_file.from_keras(only)
