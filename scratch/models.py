"""``Sequential``: a stack of layers, forward in order, backward in reverse (the chain rule).

Mirrors ``keras.Sequential``. Parameters and gradients are exposed as parallel lists, the form
an optimizer consumes; ``get_weights``/``set_weights`` move weights as plain arrays (to Keras,
to a checkpoint, between models).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scratch.checks import (
    OrderError,
    as_dtype,
    check_bool,
    check_float_array,
    check_path,
    check_positive,
    check_rng,
)
from scratch.layers import Layer, check_rebuild, deserialize, serialize


def check_stack(layers: Any, method: str) -> list[Any]:
    """A list (or tuple) of layers, each with a callable ``method`` (forward or backward)."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers: expected a list of layers, got {type(layers).__name__}")
    for i, layer in enumerate(layers):
        if not callable(getattr(layer, method, None)):
            raise TypeError(f"layers[{i}]: expected a layer with .{method}(), got {layer!r}")
    return list(layers)


def forward_layers(layers: Sequence[Layer], x: np.ndarray, training: bool = False) -> np.ndarray:
    """Apply the layers in order: h_0 = x, h_k = layer_k(h_{k-1}); returns h_L.

    Each layer caches what its backward will need, so call this before ``backward_layers``.
    """
    check_bool(training, "training")
    for layer in check_stack(layers, "forward"):
        x = layer.forward(x, training=training)
    return x


def backward_layers(layers: Sequence[Layer], dout: np.ndarray) -> np.ndarray:
    """The chain rule through a stack: visit the layers in reverse, each turning dL/d(its
    output) into dL/d(its input) and filling its parameter gradients; returns dL/dx."""
    for layer in reversed(check_stack(layers, "backward")):
        dout = layer.backward(dout)
    return dout


@functools.lru_cache(maxsize=64)
def _takes_input_grad(layer_class: type) -> bool:
    """Whether ``layer_class.backward`` takes ``input_grad`` (Dense: the lowest layer of a
    model then skips dL/dx, a product as large as its kernel's gradient)."""
    return "input_grad" in inspect.signature(layer_class.backward).parameters


def _add_tied_grads(layers: Sequence[Layer]) -> None:
    """After a whole backward pass: tied_to.grads["kernel"] += kernel_grad for every
    ``DenseTranspose`` that left one (its tied Dense is trainable), so the shared kernel gets
    the sum of its two uses, whatever the order the layers were visited in."""
    for layer in layers:
        share = getattr(layer, "kernel_grad", None)
        if share is not None:
            tied = layer.tied_to
            tied.grads["kernel"] = tied.grads["kernel"] + share


def name_layers(layers: Sequence[Any]) -> None:
    """Give unnamed layers Keras-style names ("dense", "dense_1", ...); names must be unique.

    Plumbing shared with tf_ref.models, so both backends name (and checkpoint) layers alike.
    """
    # A name already taken (a reused layer of another model keeps its "dense") is skipped.
    taken = {layer.name for layer in layers if layer.name is not None}
    counts: dict[str, int] = {}
    for layer in layers:
        if layer.name is None:
            n = counts.get(layer.kind, 0)
            while (name := layer.kind if n == 0 else f"{layer.kind}_{n}") in taken:
                n += 1
            layer.name = name
            taken.add(name)
            counts[layer.kind] = n + 1
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        raise ValueError(f"layers: names must be unique, got {names}")


def check_build_plan(layers: Sequence[Any], input_dim: int, dtype: np.dtype) -> None:
    """Before a model builds anything: every already built layer must sit where its input has
    the width and dtype it was built for (``check_rebuild``), and every ``DenseTranspose`` where
    its input is its tied layer's width (the tied layer's input width, planned here when it is
    not built yet, is the decoder's output width), so a refused build draws nothing and leaves
    every layer as it was. Plumbing shared with tf_ref.models."""
    width = int(input_dim)
    planned: dict[int, int] = {}  # id(layer) -> its input width in this model
    for layer in layers:
        if layer.built:
            check_rebuild(layer, width, dtype)
        planned[id(layer)] = width
        tied = getattr(layer, "tied_to", None)
        if tied is not None and not layer.built:
            if width != tied.units:
                raise ValueError(
                    f"{layer.name}: tied to {tied.name!r} ({tied.units} units), so it takes "
                    f"inputs of width {tied.units}, got {width}"
                )
            width = planned.get(id(tied), tied.input_dim)
        else:
            width = layer.compute_output_dim(width)


def check_tied_layers(layers: Sequence[Any]) -> None:
    """Every ``DenseTranspose`` (a layer with ``tied_to``) tied to a Dense earlier in the same
    ``layers``: a name (from a config: ``from_config``, ``clone_model``, ``load_model``) is
    resolved to the layer of that name before it, which must be a Dense (``tie_to``); a layer
    object must be one of the layers before it (a decoder without its encoder would train a
    kernel the model does not hold). Plumbing shared with tf_ref.models."""
    for i, layer in enumerate(layers):
        if not hasattr(layer, "tied_to"):
            continue
        tied, before = layer.tied_to, layers[:i]
        if isinstance(tied, str):
            match = [other for other in before if other.name == tied]
            if not match:
                names = [other.name for other in before]
                raise ValueError(
                    f"layers[{i}] ({layer.name!r}): tied_to {tied!r} names no layer before it "
                    f"in this model (before it: {names})"
                )
            if match[0].kind != "dense":
                raise ValueError(
                    f"layers[{i}] ({layer.name!r}): tied_to {tied!r} is a "
                    f"{type(match[0]).__name__}, expected a Dense"
                )
            layer.tie_to(match[0])
        elif not any(other is tied for other in before):
            # a Dense gets its name from the Sequential that holds it: none yet means none does
            what = "an unnamed Dense" if tied.name is None else repr(tied.name)
            raise ValueError(
                f"layers[{i}] ({layer.name!r}): tied to {what}, which is not a layer "
                "before it in this model; a DenseTranspose needs its tied Dense earlier in the "
                "same model (it shares that layer's kernel)"
            )


def check_layer_list(layers: Any, layer_class: type, backend: str) -> list[Any]:
    """A non-empty list (or tuple) of distinct ``layer_class`` instances (one object twice is
    refused by position). Plumbing shared with tf_ref."""
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers: expected a list of {backend} layers, got {type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise ValueError("layers: expected at least one layer, got an empty list")
    first: dict[int, int] = {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, layer_class):
            raise TypeError(f"layers[{i}]: expected a {backend} Layer, got {type(layer).__name__}")
        j = first.setdefault(id(layer), i)
        if j != i:  # one object twice would share its weights and its forward cache with itself
            raise ValueError(
                f"layers[{i}]: the same layer object as layers[{j}] ({layer.name!r}); a layer "
                "sits once in a model (clone_model gives a copy)"
            )
    return layers


def check_model_weights(layers: Sequence[Any], weights: Any) -> list[list[np.ndarray]]:
    """A whole model's ``set_weights`` argument, every array checked by its layer's
    ``check_weights`` before anything is assigned; returns one checked list per layer."""
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"weights: expected a list of arrays, got {type(weights).__name__}")
    counts = [len(layer.weights) for layer in layers]  # weights, not copies of them
    if len(weights) != sum(counts):
        raise ValueError(f"weights: expected {sum(counts)} arrays, got {len(weights)}")
    out, i = [], 0
    for layer, n in zip(layers, counts, strict=True):
        out.append(layer.check_weights(list(weights[i : i + n])))
        i += n
    return out


def summary_table(layers: Sequence[Any]) -> str:
    """One line per layer: name, output width, weight count (incl. non-trainable state, as
    Keras counts it), frozen or not; then the total. Shared with tf_ref.models."""
    w = max(16, *(len(layer.name) + 2 for layer in layers))  # "batch_normalization_1"
    lines = [f"{'layer':<{w}}{'output':>8}{'params':>10}  trainable"]
    for layer in layers:
        n = sum(p.size for p in layer.weights.values())
        lines.append(f"{layer.name:<{w}}{layer.output_dim:>8}{n:>10}  {layer.trainable}")
    total = sum(p.size for layer in layers for p in layer.weights.values())
    lines.append(f"total parameters: {total}")
    return "\n".join(lines)


MODEL_CONFIG_KEYS = ("input_dim", "dtype", "layers")
CONFIG_KEY, SHA256_KEY = "__config__", "__sha256__"


def model_config(model: Any, serialize_layer: Any) -> dict[str, Any]:
    """{"input_dim": int | None, "dtype": "float32", "layers": [serialize(layer), ...]}.
    Plumbing shared with tf_ref.models (each backend passes its own ``serialize``)."""
    return {
        "input_dim": model.input_dim,
        "dtype": model.dtype.name,
        "layers": [serialize_layer(layer) for layer in model.layers],
    }


def check_model_config(config: Any) -> tuple[int | None, str, list[Any]]:
    """A model config's three keys (``model_config``), the values left to ``Sequential``'s own
    checks; returns (input_dim, dtype, the serialized layers). Plumbing shared with tf_ref."""
    if not isinstance(config, dict):
        raise TypeError(f"model config: expected a dict, got {type(config).__name__}")
    for key in config:
        if key not in MODEL_CONFIG_KEYS:
            raise ValueError(
                f"model config: unknown key {key!r}; expected {', '.join(MODEL_CONFIG_KEYS)}"
            )
    for key in ("layers",):
        if key not in config:
            raise ValueError(f"model config: missing key {key!r}")
    if not isinstance(config["layers"], list):
        raise TypeError(
            f"model config['layers']: expected a list, got {type(config['layers']).__name__}"
        )
    return config.get("input_dim"), config.get("dtype", "float32"), config["layers"]


def clone_layers(model: Any, serialize_layer: Any, deserialize_layer: Any) -> list[Any]:
    """New layer objects from ``model``'s layer configs, unbuilt, with the same ``trainable``
    flags (a parameter-free layer's flag is not in its config). Plumbing shared with tf_ref."""
    layers = [deserialize_layer(serialize_layer(layer)) for layer in model.layers]
    for new, old in zip(layers, model.layers, strict=True):
        new.trainable = old.trainable
    return layers


def _digest(config_bytes: bytes, arrays: Sequence[np.ndarray]) -> str:
    """SHA-256 (hex) of the config bytes, then every array's bytes (C order), in order."""
    h = hashlib.sha256(config_bytes)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def write_model_file(path: Any, config: dict[str, Any], named: dict[str, np.ndarray]) -> Path:
    """Write one ``.npz`` (no pickle): the arrays ``named`` ("<layer>/<weight>", in order), then
    "__config__" (the config as JSON, uint8 bytes) and "__sha256__" (``_digest`` as 64 ASCII hex
    digits, uint8). Atomic: a temporary file beside the target, then ``os.replace``, so an
    interrupted save never leaves a half-written model; an OS error (a folder at ``path``, a
    full disk) is a ValueError naming the file, with nothing written. Plumbing shared with
    tf_ref."""
    path = check_path(path)
    if path.is_dir():
        raise ValueError(f"{path}: a folder; expected a model file name (e.g. model.npz)")
    config_bytes = json.dumps(config, sort_keys=True, allow_nan=False).encode("utf-8")
    arrays = {k: np.asarray(v) for k, v in named.items()}
    digest = _digest(config_bytes, list(arrays.values()))
    payload = {
        **arrays,
        CONFIG_KEY: np.frombuffer(config_bytes, np.uint8),
        SHA256_KEY: np.frombuffer(digest.encode("ascii"), np.uint8),
    }
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise ValueError(f"{path}: cannot write a model file there ({e})") from e
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise ValueError(f"{path}: cannot write a model file there ({e})") from e
        raise
    return path


def read_model_file(path: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a file ``write_model_file`` wrote: (the config, the arrays in file order).
    Anything wrong (not a zip/npz, truncated, no or bad config, checksum mismatch, an object
    array) is a ValueError naming the file and what is wrong. Plumbing shared with tf_ref."""
    path = check_path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as e:  # a damaged zip fails in many ways (BadZipFile, EOFError, struct...)
        raise ValueError(
            f"{path}: not a readable saved-model file ({type(e).__name__}: {e})"
        ) from e
    for key in (CONFIG_KEY, SHA256_KEY):
        a = arrays.pop(key, None)
        if a is None or a.dtype != np.uint8 or a.ndim != 1:
            raise ValueError(f"{path}: not a saved-model file (no valid {key!r} entry)")
        arrays[key] = a
    config_bytes = arrays.pop(CONFIG_KEY).tobytes()
    stored = arrays.pop(SHA256_KEY).tobytes()
    if stored != _digest(config_bytes, list(arrays.values())).encode("ascii"):
        raise ValueError(
            f"{path}: checksum mismatch (the file was changed or damaged after it was saved)"
        )
    try:
        config = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{path}: its model config is not valid JSON ({e})") from e
    return config, arrays


def model_from_file(path: Any, rng: Any, from_config: Any) -> Any:
    """The model saved in ``path``: built by ``from_config(config, rng)``, its weights set
    from the file's arrays after every one was checked against it (same names in the same
    order, same shapes and dtype, finite). A bad ``rng`` is the caller's TypeError, checked
    first, not blamed on the file. Plumbing shared with tf_ref."""
    rng = check_rng(rng)
    config, arrays = read_model_file(path)
    try:
        model = from_config(config, rng=rng)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: its model config is refused: {e}") from e
    if not model.built:
        raise ValueError(f"{path}: its model config has no input_dim (an unbuilt model)")
    expected = model.named_weights()
    if list(arrays) != list(expected):
        raise ValueError(
            f"{path}: its arrays {list(arrays)} do not match the model's weights {list(expected)}"
        )
    for key, a in arrays.items():
        want = expected[key]
        if a.shape != want.shape or a.dtype != want.dtype:
            raise ValueError(
                f"{path}: {key} is {a.dtype}{a.shape}, the model needs {want.dtype}{want.shape}"
            )
    try:
        model.set_weights(list(arrays.values()))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: {e}") from e
    return model


class Sequential:
    """Layers applied one after another: logits = layer_L(...layer_1(x)).

    ``Sequential(layers, input_dim=784, rng=rng)`` builds at once; without ``input_dim``,
    call ``build(input_dim, rng)`` before use. ``dtype`` is float32 or float64.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        input_dim: int | None = None,
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = "float32",
    ) -> None:
        layers = check_layer_list(layers, Layer, "scratch")
        name_layers(layers)
        check_tied_layers(layers)
        self.layers = layers
        self.dtype = as_dtype(dtype)
        self.input_dim: int | None = None
        if input_dim is not None:
            self.build(input_dim, rng)
        else:
            check_rng(rng)  # refused now, not at the later build() that would not even use it

    def build(self, input_dim: int, rng: np.random.Generator | int | None = None) -> Sequential:
        """Create every unbuilt layer's parameters, drawing from ``rng`` (a Generator, an int
        seed or None, ``check_rng``) in layer order. Layers already built (taken from another
        model) keep their arrays: the two models share them, as Keras models share a layer;
        ``clone_model`` copies instead."""
        check_positive(input_dim, "input_dim", integer=True)
        rng = check_rng(rng)
        check_build_plan(self.layers, input_dim, self.dtype)
        width = int(input_dim)
        for layer in self.layers:
            width = layer.build(width, rng, self.dtype)
        self.input_dim = int(input_dim)
        return self

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    @property
    def output_dim(self) -> int:
        return self.layers[-1].output_dim

    def _require_built(self) -> None:
        if not self.built:
            raise OrderError("model is not built: pass input_dim=... or call build() first")

    def check_input(self, x: Any, name: str = "x") -> np.ndarray:
        """A 2-D finite float batch of width ``input_dim``, cast to the model's dtype."""
        self._require_built()
        return check_float_array(x, name, ndim=2, width=self.input_dim, dtype=self.dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (N, input_dim) -> outputs (N, output_dim); ``training`` switches dropout/BN modes."""
        return self._forward(self.check_input(x), check_bool(training, "training"))

    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        return forward_layers(self.layers, x, training)

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate dL/doutputs (N, output_dim); fills every trainable layer's ``grads``.

        Returns dL/dx (N, input_dim). With ``input_grad=False`` it stops below the lowest
        trainable layer (frozen lower layers then cost nothing) and returns None.
        """
        self._require_built()
        stop = 0
        if not check_bool(input_grad, "input_grad"):
            trainable = [
                i for i, layer in enumerate(self.layers) if layer.trainable and layer.params
            ]
            if not trainable:
                return None
            stop = trainable[0]
        if input_grad:
            dx = backward_layers(self.layers, dout)
        else:  # the lowest trainable layer's dL/dx is not needed: a Dense can skip it
            dout = backward_layers(self.layers[stop + 1 :], dout)
            bottom = self.layers[stop]
            if _takes_input_grad(type(bottom)):
                bottom.backward(dout, input_grad=False)
            else:
                bottom.backward(dout)
            dx = None
        _add_tied_grads(self.layers[stop:])
        return dx

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return self.forward(x, training)

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Inference-mode outputs in chunks of ``batch_size`` rows (keeps memory flat)."""
        x = self.check_input(x)
        check_positive(batch_size, "batch_size", integer=True)
        chunks = [
            self._forward(x[i : i + batch_size], training=False)
            for i in range(0, x.shape[0], batch_size)
        ]
        return np.concatenate(chunks, axis=0)

    def trainable_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.trainable and layer.params]

    def trainable_params(self) -> list[np.ndarray]:
        """The arrays an optimizer updates in place, layer by layer (kernel, bias, gamma, ...).

        Only ``params``: a layer's ``state`` (BN's moving statistics) is never an optimizer's.
        """
        return [p for layer in self.trainable_layers() for p in layer.params.values()]

    def trainable_grads(self) -> list[np.ndarray]:
        """Gradients parallel to ``trainable_params()``, filled by the last ``backward``."""
        return [layer.grads[k] for layer in self.trainable_layers() for k in layer.params]

    def trainable_constraints(self) -> list[Any]:
        """One constraint or None per entry of ``trainable_params()`` (for ``optimizer.apply``)."""
        return [layer.constraints.get(k) for layer in self.trainable_layers() for k in layer.params]

    def regularization_loss(self) -> float:
        """Sum of the trainable layers' weight penalties, e.g. l2 * sum(kernel^2) per layer.

        Keras adds the same sum (``model.losses``, over trainable weights only) to the loss it
        trains on and reports, in training and in evaluation.
        """
        return float(
            sum(
                reg(layer.params[k])
                for layer in self.trainable_layers()
                for k, reg in layer.regularizers.items()
            )
        )

    def add_regularization_grads(self) -> None:
        """grads[k] += dPenalty/dparams[k] for every regularized trainable parameter.

        Call after ``backward`` (which fills the gradients of the data loss only).
        """
        for layer in self.trainable_layers():
            for k, reg in layer.regularizers.items():
                layer.grads[k] = layer.grads[k] + reg.grad(layer.params[k])

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights, parameters and state (BN's moving statistics), trainable or
        not, in Keras' ``model.get_weights()`` order."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def check_weights(self, weights: Sequence[np.ndarray]) -> list[list[np.ndarray]]:
        """Check a list shaped like ``get_weights()`` without assigning anything (each layer's
        ``check_weights``); returns the arrays cast to the model's dtype, one list per layer."""
        self._require_built()
        return check_model_weights(self.layers, weights)

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Overwrite all weights from a list shaped like ``get_weights()``: real floating arrays
        of the right shapes, finite (``Layer.set_weights``). Every array is checked before any
        is assigned, so a refused list leaves the model as it was."""
        for layer, checked in zip(self.layers, self.check_weights(weights), strict=True):
            layer._assign_weights(checked)

    def named_weights(self) -> dict[str, np.ndarray]:
        """{"layer/weight": array} views of every parameter and state array (for checkpoints and
        comparisons): "dense/kernel", ..., "batch_normalization/moving_mean"."""
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.weights.items()}

    def get_config(self) -> dict[str, Any]:
        """{"input_dim": int | None, "dtype": "float32", "layers": [layers.serialize(l), ...]}:
        plain JSON, the same in both backends (``keras.Sequential.get_config``'s role)."""
        return model_config(self, serialize)

    @classmethod
    def from_config(
        cls, config: dict[str, Any], rng: np.random.Generator | int | None = None
    ) -> Sequential:
        """A new model from ``get_config()``'s dict: new layers, built with fresh weights from
        ``rng`` when input_dim is set. Bad layer configs are refused by the layers' own checks."""
        input_dim, dtype, specs = check_model_config(config)
        return cls([deserialize(spec) for spec in specs], input_dim, rng=rng, dtype=dtype)

    def summary(self) -> str:
        """One line per layer: name, output width, weight count, frozen or not.

        Counts include non-trainable state (BN's moving statistics), as Keras' summary does.
        """
        return summary_table(self.layers)


def clone_model(model: Sequential, rng: np.random.Generator | int | None = None) -> Sequential:
    """A copy that shares nothing: new layers from the configs (same names, same ``trainable``
    flags), built, with the weights copied (``set_weights(model.get_weights())``); training one
    never moves the other. Keras' ``clone_model`` re-initializes: this is it plus
    ``set_weights``. ``rng`` only feeds what is not copied (dropout masks)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected a scratch Sequential, got {type(model).__name__}")
    layers = clone_layers(model, serialize, deserialize)
    clone = Sequential(layers, model.input_dim, rng=rng, dtype=model.dtype)
    if model.built:
        clone.set_weights(model.get_weights())
    return clone


def save_model(model: Sequential, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` (built) to one ``.npz``: its config and every weight (``write_model_file``:
    no pickle, a SHA-256 over everything, atomic). Returns the path."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected a scratch Sequential, got {type(model).__name__}")
    model._require_built()
    return write_model_file(path, model.get_config(), model.named_weights())


def load_model(
    path: str | os.PathLike[str], rng: np.random.Generator | int | None = None
) -> Sequential:
    """The model ``save_model`` (of either backend) wrote to ``path``, every entry verified first:
    a corrupt, truncated, tampered or mismatched file is a ValueError naming it."""
    return model_from_file(path, rng, Sequential.from_config)


# Towers (two inputs side by side, exercise 10) is a layer defined over this module's
# forward/backward; importing it registers it in layers.CLASSES, so configs and saved files
# that hold one load through Sequential.from_config / load_model.
from scratch import towers as _towers  # noqa: E402, F401
