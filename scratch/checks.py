"""Input checks shared by every public entry point (plumbing, no maths).

``tf_ref`` uses these too, so both backends reject bad input with the same words. Each error
names the argument, what was expected and what came: "name: expected X, got Y".

The rules, once for the whole API:
- numbers: ``int``/``float`` or NumPy scalars; bools, strings, None, arrays and complex numbers
  are refused by name (``check_number``, ``check_positive``, ``check_fraction``, ``check_range``);
- flags: ``True``/``False`` only (``bool("False")`` is True, so nothing is cast; ``check_bool``);
- arrays: float32 or float64 (float16 and wider floats only where a target dtype is named and
  the array is cast to it); integers, bools, complex, object and string arrays are refused
  (``check_float_array``); NaN and infinity only where documented;
- randomness: ``rng`` is None (fresh entropy), an int seed or a ``numpy.random.Generator``
  (``check_rng``); nothing else, not even the legacy ``RandomState``.
"""

from __future__ import annotations

import inspect
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype("float32"), np.dtype("float64"))


class OrderError(RuntimeError, ValueError):
    """A call that needs an earlier one first: ``build`` before ``forward``, ``forward`` before
    ``backward``. A RuntimeError (what it always was) and a ValueError, like every other refusal
    of the API, so ``except ValueError`` catches all bad use."""


def _got(value: Any) -> str:
    """How an error shows the value it refuses: its repr, shortened; arrays by shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_real_number(value: Any) -> bool:
    """int, float or a NumPy integer/floating scalar; not a bool (True is an int in Python)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype argument; only float32 and float64 are supported.

    None is refused: NumPy reads ``np.dtype(None)`` as float64, which would silently double a
    model meant to have Keras' default float32.
    """
    if dtype is None:
        raise TypeError("dtype: expected 'float32' or 'float64', got None")
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"dtype: expected 'float32' or 'float64', got {_got(dtype)}") from err
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype: expected 'float32' or 'float64', got {dt.name}")
    return dt


def check_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | None = None,
    width: int | None = None,
    dtype: np.dtype | None = None,
    finite: bool = True,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``x`` as a floating ndarray, or raise a clear error.

    Integer input is refused rather than cast: for MNIST it almost always means the pixels were
    not scaled to [0, 1] yet. Without ``dtype`` the array must be float32 or float64 (float16
    would silently compute in half precision). With ``dtype`` any floating input (float16 too)
    is cast to it, as Keras casts a layer's inputs; values that overflow the narrower type are
    refused. ``width`` checks the size of the last axis.
    """
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple)) or np.isscalar(x):
            try:
                x = np.asarray(x)
            except ValueError as err:  # ragged nested lists
                raise ValueError(f"{name}: expected a rectangular array, got {_got(x)}") from err
        else:
            raise TypeError(f"{name}: expected a NumPy array, got {type(x).__name__}")
    if x.dtype.kind != "f":
        hint = " (scale uint8 pixels with x / 255 first)" if x.dtype == np.uint8 else ""
        raise TypeError(f"{name}: expected a floating-point array, got dtype {x.dtype}{hint}")
    if dtype is None and x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected a float32 or float64 array, got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {x.shape}")
    if not allow_empty and x.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {x.shape}")
    if width is not None and x.shape[-1] != width:
        raise ValueError(
            f"{name}: expected last dimension {width}, got shape {x.shape} (width {x.shape[-1]})"
        )
    if finite and not np.isfinite(x).all():
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite entries")
    if dtype is not None and x.dtype != dtype:
        narrower = np.dtype(dtype).itemsize < x.dtype.itemsize
        with np.errstate(over="ignore"):  # an overflow is reported below, by name
            x = x.astype(dtype)
        if finite and narrower and not np.isfinite(x).all():
            raise ValueError(f"{name}: expected values that fit {x.dtype}, got some that overflow")
    return x


def check_unit_interval(x: np.ndarray, name: str) -> np.ndarray:
    """``x`` (a float array, already checked finite) with every value in [0, 1]: probabilities,
    binary states or grey levels; anything else is refused by name with the offending range."""
    if x.size and (x.min() < 0 or x.max() > 1):
        low, high = float(x.min()), float(x.max())
        hint = " (scale pixels with x / 255 first)" if high > 1 else ""
        raise ValueError(
            f"{name}: expected values in [0, 1], got values in [{low!r}, {high!r}]{hint}"
        )
    return x


def check_weight(
    w: Any, name: str, shape: tuple[int, ...], dtype: Any, *, nonnegative: bool = False
) -> np.ndarray:
    """One weight array for ``set_weights``, a checkpoint or an optimizer slot: a real floating
    array (float16/32/64; cast to ``dtype``) of exactly ``shape``, finite (>= 0 with
    ``nonnegative``, e.g. a moving variance). Integer arrays are refused like integer data;
    complex ones are refused rather than losing their imaginary part. Returns a new array."""
    w = check_float_array(w, name, dtype=np.dtype(dtype), allow_empty=True)
    if w.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {w.shape}")
    if nonnegative and (w < 0).any():
        raise ValueError(f"{name}: expected values >= 0, got a minimum of {w.min()!r}")
    return np.array(w, dtype=dtype, copy=True)


def check_labels(
    y: Any, name: str, *, n_classes: int | None, n_rows: int | None = None
) -> np.ndarray:
    """Return integer class labels of shape (n,) with values in [0, n_classes) (any value >= 0
    when ``n_classes`` is None, e.g. before the model that fixes it is built)."""
    if not isinstance(y, (np.ndarray, list, tuple)) and not np.isscalar(y):
        raise TypeError(f"{name}: expected an array of integer class labels, got {_got(y)}")
    try:
        y = np.asarray(y)
    except ValueError as err:
        raise ValueError(f"{name}: expected a rectangular array, got {_got(y)}") from err
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of labels, got shape {y.shape}")
    if n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(f"{name}: expected {n_rows} labels (one per row), got {y.shape[0]}")
    if y.size == 0:
        raise ValueError(f"{name}: expected at least one label, got an empty array")
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or (n_classes is not None and hi >= n_classes):
        bad = lo if lo < 0 else hi
        valid = f"[0, {n_classes})" if n_classes is not None else "[0, inf)"
        raise ValueError(
            f"{name}: received a label value of {bad} which is outside the valid range of {valid}"
        )
    return y


def check_choice(value: str, name: str, options: Iterable[str]) -> str:
    """Raise a ValueError listing the valid names when ``value`` is not one of them (a
    TypeError when it is not a string at all)."""
    options = sorted(options)
    if not isinstance(value, str):
        raise TypeError(
            f"{name}: expected a name (one of {', '.join(options)}), got {type(value).__name__}"
        )
    if value not in options:
        raise ValueError(f"{name}: unknown name {value!r}; expected one of {', '.join(options)}")
    return value


def check_number(value: Any, name: str, *, integer: bool = False) -> float | int:
    """A real number (an integer with ``integer``): int, float or a NumPy scalar. Refused by
    name: bool, str (``np.isscalar('0.01')`` is True), None, arrays, complex. Returns it as a
    Python int or float."""
    if integer:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name}: expected an integer, got {_got(value)}")
        return int(value)
    if not is_real_number(value):
        raise TypeError(f"{name}: expected a number, got {_got(value)}")
    return float(value)


def check_positive(
    value: Any, name: str, *, integer: bool = False, zero: bool = False
) -> float | int:
    """A finite number > 0 (>= 0 with ``zero``), an integer with ``integer``: TypeError for
    anything that is not a number, ValueError out of range. Returns it as an int or float."""
    number = check_number(value, name, integer=integer)
    if not np.isfinite(number) or number < 0 or (number == 0 and not zero):
        bound = ">= 0" if zero else "> 0"
        raise ValueError(f"{name}: expected a finite value {bound}, got {value!r}")
    return number


def check_widths(widths: Any, name: str, what: str) -> tuple[int, ...]:
    """Layer widths: a non-empty list or tuple of integers > 0 (``what`` says what each one
    sizes, for the message), returned as a tuple; each entry is named ``name[k]``."""
    if not isinstance(widths, (list, tuple)) or not widths:
        raise TypeError(
            f"{name}: expected a non-empty list of {what} (integers > 0, e.g. (300, 150)), "
            f"got {_got(widths)}"
        )
    return tuple(check_positive(w, f"{name}[{k}]", integer=True) for k, w in enumerate(widths))


def check_fraction(value: Any, name: str, *, one: bool = False) -> float:
    """A probability-like hyperparameter: a number in [0, 1), or [0, 1] with ``one=True``."""
    number = check_number(value, name)
    if not (0 <= number < 1 or (one and number == 1)):  # NaN fails both comparisons
        raise ValueError(f"{name}: expected a number in [0, 1{']' if one else ')'}, got {value!r}")
    return number


def check_range(
    value: Any,
    name: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A number in [low, high], an end left out with ``low_open``/``high_open``; NaN never is."""
    number = check_number(value, name)
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    if not (above and below):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name}: expected a value in {interval}, got {value!r}")
    return number


def check_bool(value: Any, name: str) -> bool:
    """True or False (NumPy's too); anything else is refused, since ``bool('False')`` is True."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {_got(value)}")
    return bool(value)


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """The ``numpy.random.Generator`` behind an ``rng=`` argument: None -> fresh entropy, an int
    seed s >= 0 -> ``np.random.default_rng(s)``, a Generator -> itself (so that one stream feeds
    every draw of a call). ``RandomState``, floats, strings and the rest are refused by name."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name}: expected a seed >= 0, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name}: expected None, an int seed or a numpy.random.Generator "
        f"(np.random.default_rng(seed)), got {type(rng).__name__}"
    )


def check_shape(shape: Any, name: str = "shape") -> tuple[int, ...]:
    """An array shape: a tuple or list of integers >= 0 (a single integer n means (n,))."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name}: expected a tuple of integers, got {_got(shape)}")
    for i, d in enumerate(shape):
        check_positive(d, f"{name}[{i}]", integer=True, zero=True)
    return tuple(int(d) for d in shape)


def check_name(name: Any, what: str = "name") -> str | None:
    """A layer name: None (named later) or a non-empty string without '/' (checkpoints and Keras
    use '/' between a layer's name and its weight's)."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"{what}: expected a string or None, got {_got(name)}")
    if not name or "/" in name:
        raise ValueError(f"{what}: expected a non-empty name without '/', got {name!r}")
    return name


def check_path(path: Any, name: str = "path") -> Path:
    """A file path: a str or an ``os.PathLike``, not empty (``Path("")`` is the current folder)
    and without NUL characters (which no OS allows in a path)."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a file path (str or pathlib.Path), got {_got(path)}")
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{name}: expected a file path (str or pathlib.Path), got {_got(path)}")
    if not text or "\0" in text:
        raise ValueError(f"{name}: expected a file path, got {_got(path)}")
    return Path(text)


def check_logits_labels(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, K) float and labels (N,) int in [0, K) for a softmax loss."""
    logits = check_float_array(logits, "logits", ndim=2)
    labels = check_labels(labels, "labels", n_classes=logits.shape[1], n_rows=logits.shape[0])
    return logits, labels


def _same_shape_targets(
    outputs: np.ndarray, targets: Any, outputs_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Float ``outputs`` and ``targets`` of the same shape, finite, in the outputs' dtype:
    float targets, or integer and boolean ones (cast exactly)."""
    outputs = check_float_array(outputs, outputs_name)
    if isinstance(targets, (list, tuple)) or np.isscalar(targets):
        targets = np.asarray(targets)
    if isinstance(targets, np.ndarray) and targets.dtype.kind in "biu":
        targets = targets.astype(outputs.dtype)
    targets = check_float_array(targets, "targets", dtype=outputs.dtype)
    if targets.shape != outputs.shape:
        raise ValueError(
            f"targets: expected shape {outputs.shape} (as {outputs_name}), got {targets.shape}"
        )
    return outputs, targets


def check_logits_targets(logits: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logits and same-shaped targets in [0, 1] for a sigmoid loss: float targets, or integer
    and boolean 0/1 labels (cast exactly to the logits' dtype)."""
    logits, targets = _same_shape_targets(logits, targets, "logits")
    lo, hi = targets.min(), targets.max()
    if lo < 0 or hi > 1:
        raise ValueError(
            f"targets: expected probabilities in [0, 1], got values from {float(lo)!r} to "
            f"{float(hi)!r}"
        )
    return logits, targets


def check_outputs_targets(
    outputs: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and same-shaped finite real targets for a regression loss (mean squared error):
    float targets, or integer ones (cast to the outputs' dtype)."""
    return _same_shape_targets(outputs, targets, "outputs")


# ------------------------------------------------------ configs (get_config/from_config)
# A config is plain JSON (str, int, float, bool, None, list, dict): what ``json.dumps`` writes and
# ``json.loads`` gives back, identical between the backends.


def _init_parameters(cls: type) -> list[inspect.Parameter]:
    """The named parameters of ``cls.__init__`` (no self, no *args/**kwargs)."""
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in skip
    ]


def plain(value: Any) -> Any:
    """``value`` as plain JSON data: tuples become lists, NumPy scalars Python numbers."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def config_from_attributes(obj: Any) -> dict[str, Any]:
    """The constructor arguments of ``obj``, read back from the attributes of the same names
    (each class stores its checked arguments so): {parameter: plain(getattr(obj, parameter))}."""
    return {p.name: plain(getattr(obj, p.name)) for p in _init_parameters(type(obj))}


def check_config(config: Any, cls: type) -> dict[str, Any]:
    """A ``cls.from_config`` argument: a dict whose keys are parameters of ``cls.__init__``.
    An unknown key, or a missing one that has no default, is a ValueError naming it; the values
    are left to the constructor's own checks. Returns a copy."""
    owner = f"{cls.__name__} config"
    if not isinstance(config, dict):
        raise TypeError(f"{owner}: expected a dict, got {_got(config)}")
    params = _init_parameters(cls)
    names = [p.name for p in params]
    for key in config:
        if key not in names:
            raise ValueError(
                f"{owner}: unknown key {key!r}; expected keys among {', '.join(names)}"
            )
    for p in params:
        if p.default is inspect.Parameter.empty and p.name not in config:
            raise ValueError(f"{owner}: missing key {p.name!r} (it has no default)")
    return dict(config)


def serialize_object(obj: Any, what: str, classes: dict[str, type]) -> dict[str, Any]:
    """``{"class_name": NAME, "config": obj.get_config()}`` (Keras' ``serialize``) for an object
    whose class is exactly ``classes[NAME]`` (a subclass would come back as its parent, so it is
    refused: TypeError). Plumbing for both backends' layers, optimizers and schedules."""
    name = type(obj).__name__
    if classes.get(name) is not type(obj):
        raise TypeError(f"{what}: serialize describes {', '.join(classes)} objects, got {name}")
    return {"class_name": name, "config": obj.get_config()}


def deserialize_object(spec: Any, what: str, classes: dict[str, type]) -> Any:
    """The inverse of ``serialize_object``: ``cls.from_config(config)`` for a checked
    ``{"class_name", "config"}`` dict (``check_serialized``)."""
    cls, config = check_serialized(spec, what, classes)
    return cls.from_config(config)


def check_serialized(spec: Any, what: str, classes: dict[str, type]) -> tuple[type, dict]:
    """``{"class_name": NAME, "config": {...}}`` with NAME one of ``classes``; returns (the
    class, the config dict) for ``cls.from_config``."""
    if not isinstance(spec, dict) or set(spec) != {"class_name", "config"}:
        raise ValueError(
            f"{what}: expected {{'class_name': ..., 'config': {{...}}}}, got {_got(spec)}"
        )
    name = check_choice(spec["class_name"], f"{what}['class_name']", classes)
    if not isinstance(spec["config"], dict):
        raise TypeError(f"{what}['config']: expected a dict, got {_got(spec['config'])}")
    return classes[name], spec["config"]
