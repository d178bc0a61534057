"""Across frameworks: a scratch (or tf_ref) Sequential <-> a Keras ``.keras`` file.

:func:`export_keras` writes the model as a plain ``keras.Sequential`` of Keras' own layers, so
any Keras 3 program opens it with ``keras.saving.load_model(path)`` in safe mode (no custom
objects, no lambdas, no pickle). :func:`import_keras` opens such a file in safe mode and builds
the equivalent scratch Sequential with the same weights.

The layer mapping (both ways)::

    Dense(units, activation, use_bias, L1L2 regularizers, MaxNorm constraints, trainable)
                                        <-> keras.layers.Dense
    Activation(name)                    <-> keras.layers.Activation(name)
    Activation("leaky_relu", negative_slope=a) <-> keras.layers.LeakyReLU(negative_slope=a)
                                          (float64 models: a frozen PReLU holding a, see below)
    Activation("elu", alpha=a)          <-> keras.layers.ELU(alpha=a)
    BatchNormalization(momentum, epsilon, center, scale) <-> keras.layers.BatchNormalization
    Dropout(rate, noise_shape)          <-> keras.layers.Dropout

An activation with arguments cannot be a Dense layer's ``activation`` in a safe-mode file (it
would be a lambda), so ``Dense(90, activation=leaky_relu(0.1))`` is exported as a linear Dense
followed by a ``LeakyReLU`` layer, and comes back as Dense + Activation: the same function, one
layer more. Weights travel in Keras order (kernel, bias; gamma, beta, moving mean, moving
variance), in the model's dtype (float32 or float64). TensorFlow's LeakyReLU multiplies by its
slope rounded to float32 even in a float64 model (1.5e-9 relative for 0.1), so a float64 model's
leaky ReLU is written as a non-trainable ``PReLU`` whose (float64) slopes all equal a; import
reads such a PReLU back as the leaky ReLU. Initializers are recorded by name when
Keras knows the name, and read back by name when scratch knows it (else Keras Dense's defaults);
they do not change a trained model's outputs, only what ``from_config`` would draw afresh.

A Keras classifier usually ends in a softmax (``Dense(10, activation="softmax")``, or an
``Activation("softmax")`` / ``Softmax`` layer) and is trained with a loss on probabilities;
scratch models end in logits and their loss applies the softmax (``from_logits=True`` in Keras'
words). Import therefore reads a *final* softmax as logits: the Dense becomes linear, a final
softmax layer is left out, and a note says so (``notes``). The predicted classes are the same
(softmax keeps the argmax) and ``softmax(model.predict(x))`` gives Keras' probabilities. A softmax
anywhere else, or over another axis, has no scratch twin and is refused.

TensorFlow and Keras are imported when a function is called, not with this module.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from katas.errors import ZooError

#: What import_keras accepts, for the "unsupported layer" message.
SUPPORTED = (
    "Dense (activations linear, relu, leaky_relu, elu, selu, sigmoid, tanh; L1/L2/L1L2 "
    "regularizers, MaxNorm constraints), Activation, LeakyReLU, PReLU (one slope), ELU, "
    "ReLU (plain), "
    "BatchNormalization (last axis), Dropout; a final softmax (read as logits)"
)
#: Activation names scratch and Keras share (Keras' functions take the same keyword names).
ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh")


def _keras() -> Any:
    # tf_ref first: its import loads TensorFlow with the start-up lines silenced (logging, the
    # CUDA platform); importing keras before it would print them
    import tf_ref  # noqa: F401  # isort: skip

    import keras

    return keras


def _check_keras_path(path: Any, what: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what}: expected a path to a .keras file, got {type(path).__name__}")
    p = Path(path).expanduser()
    if p.suffix != ".keras":
        raise ZooError(
            f"{what} {str(p)!r}: expected a file name ending in .keras (Keras 3's format)",
            ja=(
                f"{what} {str(p)!r}: .keras で終わるファイル名 (Keras 3 の形式) を指定してください"
            ),
        )
    return p


# ------------------------------------------------------------------------------ export


def _activation_spec(spec: Any, where: str) -> tuple[str, dict[str, float]]:
    """A config's activation ("elu" or {"name": ..., "kwargs": {...}}) as (name, kwargs)."""
    if spec is None:
        return "linear", {}
    if isinstance(spec, str):
        name, kwargs = spec, {}
    elif isinstance(spec, dict) and isinstance(spec.get("name"), str):
        name, kwargs = spec["name"], dict(spec.get("kwargs") or {})
    else:
        raise ZooError(
            f"{where}: cannot export the activation {spec!r}",
            ja=f"{where}: 活性化関数 {spec!r} はエクスポートできません",
        )
    if name not in ACTIVATIONS:
        raise ZooError(
            f"{where}: cannot export the activation {name!r}; supported: {ACTIVATIONS}",
            ja=(
                f"{where}: 活性化関数 {name!r} はエクスポートできません。"
                f"対応しているもの: {ACTIVATIONS}"
            ),
        )
    return name, kwargs


def _keras_activation_layer(
    keras: Any, name: str, kwargs: dict[str, float], layer_name: str, dtype: str, width: int
) -> tuple[Any, list[Any]]:
    """(a Keras layer applying activation ``name`` with ``kwargs``, its weights) for inputs of
    ``width`` (safe mode: no lambdas)."""
    import numpy as np

    if not kwargs:
        return keras.layers.Activation(name, name=layer_name, dtype=dtype), []
    if name == "leaky_relu" and set(kwargs) == {"negative_slope"}:
        slope = kwargs["negative_slope"]
        if dtype == "float32":
            return keras.layers.LeakyReLU(negative_slope=slope, name=layer_name, dtype=dtype), []
        # TensorFlow's leaky-ReLU kernel takes its slope as a 32-bit float attribute: a float64
        # LeakyReLU(0.1) multiplies by float32(0.1), 1.5e-9 relative off. A frozen PReLU holds
        # the slope as a float64 weight and computes relu(x) - slope * relu(-x): the same
        # function, exact to float64.
        prelu = keras.layers.PReLU(name=layer_name, dtype=dtype)
        prelu.trainable = False
        return prelu, [np.full(width, slope, dtype=dtype)]
    if name == "elu" and set(kwargs) == {"alpha"}:
        return keras.layers.ELU(alpha=kwargs["alpha"], name=layer_name, dtype=dtype), []
    raise ZooError(
        f"{layer_name}: the activation {name}({kwargs}) has no Keras layer that safe mode "
        "loads; exportable with arguments: leaky_relu(negative_slope), elu(alpha)",
        ja=(
            f"{layer_name}: 活性化関数 {name}({kwargs}) には "
            "safe mode で読み込める Keras の層がありません。"
            "引数付きでエクスポートできるもの: leaky_relu(negative_slop"
            "e)、elu(alpha)"
        ),
    )


def _keras_initializer(keras: Any, name: Any, default: str) -> str:
    """Keras' name for an initializer if it has one (a trained model's outputs do not depend
    on it), else Keras' default."""
    if isinstance(name, str):
        try:
            keras.initializers.get(name)
            return name
        except ValueError:
            pass
    return default


def _keras_regularizer(keras: Any, spec: Any, where: str) -> Any:
    if spec is None:
        return None
    if isinstance(spec, dict) and spec.get("class_name") == "L1L2":
        cfg = spec.get("config", {})
        return keras.regularizers.L1L2(l1=float(cfg.get("l1", 0.0)), l2=float(cfg.get("l2", 0.0)))
    raise ZooError(
        f"{where}: cannot export the regularizer {spec!r}; supported: L1L2 (L1, L2)",
        ja=f"{where}: 正則化 {spec!r} はエクスポートできません。対応しているもの: L1L2 (L1、L2)",
    )


def _keras_constraint(keras: Any, spec: Any, where: str) -> Any:
    if spec is None:
        return None
    if isinstance(spec, dict) and spec.get("class_name") == "MaxNorm":
        cfg = spec.get("config", {})
        return keras.constraints.MaxNorm(max_value=float(cfg["max_value"]), axis=cfg.get("axis", 0))
    raise ZooError(
        f"{where}: cannot export the constraint {spec!r}; supported: MaxNorm",
        ja=f"{where}: 制約 {spec!r} はエクスポートできません。対応しているもの: MaxNorm",
    )


def _keras_layers(
    keras: Any, layer_cfg: dict[str, Any], dtype: str, width: int, taken: set[str]
) -> list[tuple[Any, list[Any] | None]]:
    """(Keras layer, its weights or None for "the scratch layer's") for one serialized layer
    with output ``width`` (a Dense with arguments to its activation gives two layers, the
    second named ``<dense>_activation``, or with a number added if ``taken`` has that name)."""
    cls, cfg = layer_cfg.get("class_name"), dict(layer_cfg.get("config") or {})
    name = cfg.get("name")
    where = f"export_keras: layer {name!r} ({cls})"
    trainable = bool(cfg.get("trainable", True))
    if cls == "Dense":
        act, kwargs = _activation_spec(cfg.get("activation"), where)
        dense = keras.layers.Dense(
            int(cfg["units"]),
            activation=None if kwargs else act,
            use_bias=bool(cfg.get("use_bias", True)),
            kernel_initializer=_keras_initializer(
                keras, cfg.get("kernel_initializer"), "glorot_uniform"
            ),
            bias_initializer=_keras_initializer(keras, cfg.get("bias_initializer"), "zeros"),
            kernel_regularizer=_keras_regularizer(keras, cfg.get("kernel_regularizer"), where),
            bias_regularizer=_keras_regularizer(keras, cfg.get("bias_regularizer"), where),
            kernel_constraint=_keras_constraint(keras, cfg.get("kernel_constraint"), where),
            bias_constraint=_keras_constraint(keras, cfg.get("bias_constraint"), where),
            name=name,
            dtype=dtype,
        )
        dense.trainable = trainable
        if not kwargs:
            return [(dense, None)]
        return [
            (dense, None),
            _keras_activation_layer(
                keras, act, kwargs, _free(f"{name}_activation", taken), dtype, width
            ),
        ]
    if cls == "BatchNormalization":
        bn = keras.layers.BatchNormalization(
            momentum=float(cfg.get("momentum", 0.99)),
            epsilon=float(cfg.get("epsilon", 1e-3)),
            center=bool(cfg.get("center", True)),
            scale=bool(cfg.get("scale", True)),
            name=name,
            dtype=dtype,
        )
        bn.trainable = trainable
        return [(bn, None)]
    if cls == "Activation":
        act, kwargs = _activation_spec(cfg.get("activation"), where)
        return [_keras_activation_layer(keras, act, kwargs, name, dtype, width)]
    if cls == "Dropout":
        shape = cfg.get("noise_shape")
        dropout = keras.layers.Dropout(
            float(cfg["rate"]),
            noise_shape=None if shape is None else tuple(shape),
            name=name,
            dtype=dtype,
        )
        return [(dropout, None)]
    raise ZooError(
        f"{where}: cannot export this layer; exportable: Dense, BatchNormalization, Activation, "
        "Dropout",
        ja=(
            f"{where}: この層はエクスポートできません。エクスポートできる"
            "もの: Dense、BatchNormalization、Activation、Dropout"
        ),
    )


def _free(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... : the first not in ``taken`` (then taken)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def to_keras(model: Any) -> Any:
    """A ``keras.Sequential`` equal to ``model`` (a built scratch or tf_ref Sequential):
    same layers (see the module docstring), same weights, same dtype, same trainable flags."""
    keras = _keras()
    if not getattr(model, "built", False) or not hasattr(model, "get_config"):
        raise ZooError(
            "export_keras: expected a built scratch or tf_ref Sequential, got "
            f"{type(model).__name__}",
            ja=(
                "export_keras: 構築済みの scratch か tf_ref の "
                f"Sequential を渡してください。{type(model).__name__} "
                "が渡されました"
            ),
        )
    config = model.get_config()
    dtype = str(config["dtype"])
    stack, targets = [keras.Input(shape=(int(config["input_dim"]),), dtype=dtype)], []
    taken = {str(layer_cfg["config"]["name"]) for layer_cfg in config["layers"]}
    for layer_cfg, layer in zip(config["layers"], model.layers, strict=True):
        for klayer, weights in _keras_layers(keras, layer_cfg, dtype, layer.output_dim, taken):
            stack.append(klayer)
            targets.append((klayer, layer.get_weights() if weights is None else weights, layer))
    kmodel = keras.Sequential(stack, name="dnn_katas_export")
    for klayer, weights, layer in targets:
        if len(weights) != len(klayer.weights):
            raise ZooError(
                f"export_keras: layer {layer.name!r} holds {len(weights)} arrays, its Keras "
                f"twin {klayer.name!r} {len(klayer.weights)}",
                ja=(
                    f"export_keras: 層 {layer.name!r} の配列は {len(weights)} "
                    f"個ですが、対応する Keras の層 {klayer.name!r} "
                    f"は {len(klayer.weights)} 個です"
                ),
            )
        klayer.set_weights(weights)
    return kmodel


def export_keras(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` (scratch or tf_ref Sequential) as a Keras ``.keras`` file at ``path``:
    written to a temporary file beside it, then renamed, so ``path`` is whole or untouched.
    Returns the path."""
    target = _check_keras_path(path, "export_keras: path")
    kmodel = to_keras(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".keras")
    os.close(fd)
    try:
        os.unlink(tmp)  # Keras writes the file itself
        kmodel.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# ------------------------------------------------------------------------------ import


def _unsupported(layer: Any, why: str = "") -> ZooError:
    return ZooError(
        f"import_keras: layer {layer.name!r} ({type(layer).__name__}{why}) has no scratch "
        f"equivalent; supported: {SUPPORTED}",
        ja=(
            f"import_keras: 層 {layer.name!r} ({type(layer).__name__}{why}"
            ") に対応するものが scratch にありません。対応しているもの:"
            f" {SUPPORTED}"
        ),
    )


def _regularizer(keras: Any, reg: Any, layer: Any) -> Any:
    from scratch import regularizers

    if reg is None:
        return None
    if isinstance(reg, (keras.regularizers.L1L2, keras.regularizers.L1, keras.regularizers.L2)):
        return regularizers.L1L2(
            l1=float(getattr(reg, "l1", 0.0)), l2=float(getattr(reg, "l2", 0.0))
        )
    raise _unsupported(layer, f", regularizer {type(reg).__name__}")


def _constraint(keras: Any, con: Any, layer: Any) -> Any:
    from scratch import constraints

    if con is None:
        return None
    if isinstance(con, keras.constraints.MaxNorm):
        return constraints.MaxNorm(max_value=float(con.max_value), axis=con.axis)
    raise _unsupported(layer, f", constraint {type(con).__name__}")


def _scratch_initializer(cfg: Any, default: str) -> str:
    """scratch's name for a Keras initializer config ({"class_name": "HeNormal", "config":
    {"seed": None}} -> "he_normal") when scratch has it, else ``default``: it does not change
    the imported weights, only what ``Sequential.from_config`` would draw afresh."""
    import re

    from scratch.initializers import INITIALIZERS

    name = cfg.get("class_name") if isinstance(cfg, dict) else cfg
    if not isinstance(name, str):
        return default
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return snake if snake in INITIALIZERS else default


def _activation_name(spec: Any, layer: Any) -> str:
    if isinstance(spec, str) and spec in ACTIVATIONS:
        return spec
    raise _unsupported(layer, f", activation {spec!r}")


#: What a Dense's import carries over; any other regularizer or constraint must be absent.
DENSE_EXTRAS = ("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")


def _check_nothing_dropped(layer: Any, cfg: dict[str, Any], kept: tuple[str, ...]) -> None:
    """Refuse a layer whose config sets something scratch's twin would silently lose: an
    activity regularizer, a batch norm's beta/gamma regularizers or constraints, a LoRA
    adapter. (Training the imported model on would then differ from Keras without a word.)"""
    for key, value in cfg.items():
        extra = key.endswith(("_regularizer", "_constraint")) and key not in kept
        if (extra or key == "lora_rank") and value is not None:
            raise _unsupported(layer, f", {key}={value!r}")


def _scratch_layer(keras: Any, layer: Any, activation: str | None = None) -> Any:
    """The scratch layer equal to one Keras layer (weights assigned later); ``activation``
    replaces a Dense's own (a final softmax read as logits)."""
    import numpy as np

    from scratch import layers as L

    cfg = layer.get_config()
    name = layer.name
    _check_nothing_dropped(
        layer, cfg, DENSE_EXTRAS if isinstance(layer, keras.layers.Dense) else ()
    )
    if isinstance(layer, keras.layers.Dense):
        return L.Dense(
            int(cfg["units"]),
            activation or _activation_name(cfg.get("activation"), layer),
            use_bias=bool(cfg["use_bias"]),
            kernel_initializer=_scratch_initializer(
                cfg.get("kernel_initializer"), "glorot_uniform"
            ),
            bias_initializer=_scratch_initializer(cfg.get("bias_initializer"), "zeros"),
            kernel_regularizer=_regularizer(keras, layer.kernel_regularizer, layer),
            bias_regularizer=_regularizer(keras, layer.bias_regularizer, layer),
            kernel_constraint=_constraint(keras, layer.kernel_constraint, layer),
            bias_constraint=_constraint(keras, layer.bias_constraint, layer),
            name=name,
            trainable=bool(layer.trainable),
        )
    if isinstance(layer, keras.layers.BatchNormalization):
        axis = cfg.get("axis")
        if axis not in (-1, 1, [-1], [1]):
            raise _unsupported(layer, f", axis {axis!r}: only the last axis of (N, D) inputs")
        return L.BatchNormalization(
            float(cfg["momentum"]),
            float(cfg["epsilon"]),
            center=bool(cfg["center"]),
            scale=bool(cfg["scale"]),
            name=name,
            trainable=bool(layer.trainable),
        )
    if isinstance(layer, keras.layers.LeakyReLU):
        return L.Activation("leaky_relu", name=name, negative_slope=float(cfg["negative_slope"]))
    if isinstance(layer, keras.layers.PReLU):
        # one slope for every unit (what export_keras writes for a float64 leaky ReLU)
        (alpha,) = layer.get_weights()
        slopes = set(np.asarray(alpha).ravel().tolist())
        if len(slopes) != 1 or cfg.get("shared_axes") is not None:
            raise _unsupported(layer, " with per-unit slopes: scratch's leaky ReLU has one")
        return L.Activation("leaky_relu", name=name, negative_slope=float(slopes.pop()))
    if isinstance(layer, keras.layers.ELU):
        return L.Activation("elu", name=name, alpha=float(cfg["alpha"]))
    if isinstance(layer, keras.layers.ReLU):
        plain = (
            cfg.get("max_value") is None
            and float(cfg.get("negative_slope", 0.0)) == 0.0
            and float(cfg.get("threshold", 0.0)) == 0.0
        )
        if not plain:
            raise _unsupported(layer, " with max_value, negative_slope or threshold")
        return L.Activation("relu", name=name)
    if isinstance(layer, keras.layers.Activation):
        return L.Activation(_activation_name(cfg.get("activation"), layer), name=name)
    if isinstance(layer, keras.layers.Dropout):
        shape = cfg.get("noise_shape")
        return L.Dropout(float(cfg["rate"]), None if shape is None else tuple(shape), name=name)
    raise _unsupported(layer)


def _variable_dtype(layer: Any) -> str:
    policy = getattr(layer, "dtype_policy", None)
    return str(getattr(policy, "variable_dtype", None) or layer.dtype)


def _is_softmax(keras: Any, layer: Any) -> bool:
    """Whether ``layer`` applies a softmax over the last axis (a Dense's activation, an
    Activation or a Softmax layer); a softmax over another axis is refused, naming the layer."""
    cfg = layer.get_config()
    if isinstance(layer, keras.layers.Softmax):
        if cfg.get("axis", -1) not in (-1, 1, [-1], [1]):
            raise _unsupported(layer, f", axis {cfg.get('axis')!r}: only the last axis")
        return True
    return isinstance(layer, (keras.layers.Dense, keras.layers.Activation)) and (
        cfg.get("activation") == "softmax"
    )


def _logits_instead_of_softmax(
    keras: Any, klayers: list[Any], where: str, notes: list[str] | None
) -> tuple[list[Any], dict[str, Any]]:
    """The layers to import with a final softmax read as logits (see the module docstring):
    (the Keras layers that become scratch layers, {name: config override} for a Dense whose
    softmax is dropped). A softmax before the last layer is refused."""
    for layer in klayers[:-1]:
        if _is_softmax(keras, layer):
            raise _unsupported(
                layer, ", a softmax before the last layer (scratch applies it only in the loss)"
            )
    last = klayers[-1]
    if not _is_softmax(keras, last):
        return klayers, {}
    if isinstance(last, keras.layers.Dense):
        note = f"{where}: the last layer {last.name!r} is a Dense with a softmax"
        overrides = {last.name: "linear"}
        kept = klayers
    else:
        if len(klayers) == 1:
            raise ZooError(
                f"{where}: the model is only a softmax layer; nothing to import",
                ja=f"{where}: モデルが softmax の層だけです。インポートするものがありません",
            )
        note = f"{where}: the last layer {last.name!r} is a softmax layer"
        overrides, kept = {}, klayers[:-1]
    if notes is not None:
        notes.append(
            f"{note}: imported as logits (scratch's losses apply the softmax); the predicted "
            "classes are the same, softmax(model.predict(x)) gives the Keras probabilities"
        )
    return kept, overrides


def from_keras(
    kmodel: Any, dtype: Any = None, where: str = "import_keras", notes: list[str] | None = None
) -> Any:
    """The scratch Sequential equal to a Keras Sequential (see the module docstring); a final
    softmax becomes logits, with a line appended to ``notes`` (a list, if given)."""
    import numpy as np

    from scratch.models import Sequential

    keras = _keras()
    if not isinstance(kmodel, keras.Sequential):
        raise ZooError(
            f"{where}: expected a keras.Sequential model, got a {type(kmodel).__name__}; "
            "only a plain stack of layers has a scratch equivalent",
            ja=(
                f"{where}: keras.Sequential のモデルのはずが {type(kmodel).__name__}"
                " です。scratch に対応するのは層を積み重ねただけのモデルです"
            ),
        )
    shape = tuple(kmodel.inputs[0].shape) if kmodel.inputs else None
    if shape is None or len(shape) != 2 or shape[1] is None:
        raise ZooError(
            f"{where}: expected inputs of shape (batch, features), got {shape}",
            ja=f"{where}: 入力の形は (batch, features) のはずが {shape} です",
        )
    klayers = [layer for layer in kmodel.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not klayers:
        raise ZooError(f"{where}: the model has no layers", ja=f"{where}: モデルに層がありません")
    dtypes = sorted({_variable_dtype(layer) for layer in klayers})
    if len(dtypes) != 1 or dtypes[0] not in ("float32", "float64"):
        raise ZooError(
            f"{where}: expected one dtype, float32 or float64, for every layer; got {dtypes}",
            ja=(
                f"{where}: すべての層の dtype が float32 か float64 "
                f"のどちらか 1 つのはずが {dtypes} です"
            ),
        )
    if dtype is None:
        dtype = dtypes[0]
    klayers, linear = _logits_instead_of_softmax(keras, klayers, where, notes)
    layers = [_scratch_layer(keras, layer, linear.get(layer.name)) for layer in klayers]
    model = Sequential(layers, int(shape[1]), rng=np.random.default_rng(0), dtype=dtype)
    # a PReLU's slopes became the Activation's argument: only layers with weights take any
    model.set_weights(
        [
            np.asarray(w)
            for klayer, layer in zip(klayers, layers, strict=True)
            if layer.weights
            for w in klayer.get_weights()
        ]
    )
    return model


def import_keras(
    path: str | os.PathLike[str], dtype: Any = None, notes: list[str] | None = None
) -> Any:
    """A scratch Sequential from a ``.keras`` file, opened with ``keras.saving.load_model(path,
    safe_mode=True, compile=False)``; ``dtype`` None keeps the file's (float32 or float64).
    ZooError (a ValueError) for a missing or unreadable file and for a layer scratch lacks
    (naming it and what is supported). A final softmax is read as logits (``from_keras``; the
    note goes into ``notes``)."""
    source = _check_keras_path(path, "import_keras: path")
    if not source.is_file():
        raise ZooError(
            f"import_keras: {source}: no such file",
            ja=f"import_keras: {source}: ファイルがありません",
        )
    keras = _keras()
    try:
        kmodel = keras.saving.load_model(source, safe_mode=True, compile=False)
    except Exception as err:  # Keras raises many types for a bad archive; all mean "unreadable"
        raise ZooError(
            f"import_keras: {source}: not a loadable Keras 3 .keras file in safe mode "
            f"({type(err).__name__}: {str(err).strip()[:300]})",
            ja=(
                f"import_keras: {source}: safe mode で読み込める "
                f"Keras 3 の .keras ファイルではありません ({type(err).__name__}"
                f": {str(err).strip()[:300]})"
            ),
        ) from None
    return from_keras(kmodel, dtype, f"import_keras: {source}", notes)
