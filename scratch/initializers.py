"""Weight initializers: Glorot, He and LeCun, Keras 3 semantics (book section "Xavier and He
Initialization"; Glorot & Bengio 2010, He et al. 2015, LeCun et al. 1998).

Every initializer is ``f(shape, rng=None, dtype="float32") -> ndarray``; randomness comes only from
the NumPy ``Generator`` passed in. A Dense kernel has shape (fan_in, fan_out).

All of them are one function, ``variance_scaling``: draw weights with variance ``scale / fan``.

========================  =====  =======  ==================
name                      scale  fan      distribution
========================  =====  =======  ==================
glorot_uniform (default)  1      avg      uniform
glorot_normal             1      avg      truncated normal
he_normal                 2      fan_in   truncated normal
he_uniform                2      fan_in   uniform
lecun_normal              1      fan_in   truncated normal
lecun_uniform             1      fan_in   uniform
========================  =====  =======  ==================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratch.checks import (
    as_dtype,
    check_choice,
    check_positive,
    check_rng,
    check_shape,
    check_weight,
)

# Standard deviation of a standard normal truncated to [-2, 2]. Dividing the target stddev by it
# makes the *truncated* samples have exactly the variance we asked for (Keras does the same).
TRUNCATED_NORMAL_STD = 0.87962566103423978

Initializer = Callable[..., np.ndarray]


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    2-D (fan_in, fan_out) kernels give their two sizes; for k-D conv kernels
    (..., in_channels, out_channels) the leading axes are a receptive field that multiplies both.
    """
    shape = check_shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def truncated_normal(
    shape: tuple[int, ...], stddev: float, rng: np.random.Generator, dtype: Any = "float32"
) -> np.ndarray:
    """N(0, stddev^2) samples, each redrawn until it lies within 2 stddev of the mean.

    This is what ``tf.random.truncated_normal`` draws. Its std is ``0.8796 * stddev``.
    ``rng``: a Generator, an int seed or None (``check_rng``).
    """
    shape, dtype = check_shape(shape), as_dtype(dtype)
    check_positive(stddev, "stddev", zero=True)
    rng = check_rng(rng)
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (out * stddev).astype(dtype, copy=False)


def variance_scaling(
    shape: tuple[int, ...],
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    rng: np.random.Generator | None = None,
    dtype: Any = "float32",
) -> np.ndarray:
    """Weights with Var[w] = scale / fan (Keras ``VarianceScaling``).

    fan = fan_in, fan_out or (fan_in + fan_out) / 2 by ``mode``.
    - "truncated_normal": stddev = sqrt(scale / fan) / 0.8796..., cut at 2 stddev;
    - "untruncated_normal": stddev = sqrt(scale / fan);
    - "uniform": U(-limit, limit) with limit = sqrt(3 * scale / fan).
    """
    check_choice(mode, "mode", ("fan_in", "fan_out", "fan_avg"))
    check_choice(
        distribution, "distribution", ("truncated_normal", "untruncated_normal", "uniform")
    )
    check_positive(scale, "scale")
    shape, dtype = check_shape(shape), as_dtype(dtype)
    rng = check_rng(rng)
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    variance = scale / max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, np.sqrt(variance) / TRUNCATED_NORMAL_STD, rng, dtype)
    if distribution == "untruncated_normal":
        return (rng.standard_normal(shape) * np.sqrt(variance)).astype(as_dtype(dtype))
    limit = np.sqrt(3.0 * variance)
    return rng.uniform(-limit, limit, size=shape).astype(as_dtype(dtype))


def glorot_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """Glorot (Xavier) uniform: Var = 1 / fan_avg; Keras Dense's default kernel initializer."""
    return variance_scaling(shape, 1.0, "fan_avg", "uniform", rng, dtype)


def glorot_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """Glorot (Xavier) normal: Var = 1 / fan_avg, truncated normal."""
    return variance_scaling(shape, 1.0, "fan_avg", "truncated_normal", rng, dtype)


def he_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """He normal: Var = 2 / fan_in, truncated normal (for ReLU and ELU; book Table 11-1)."""
    return variance_scaling(shape, 2.0, "fan_in", "truncated_normal", rng, dtype)


def he_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """He uniform: Var = 2 / fan_in, U(-sqrt(6/fan_in), sqrt(6/fan_in))."""
    return variance_scaling(shape, 2.0, "fan_in", "uniform", rng, dtype)


def lecun_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """LeCun normal: Var = 1 / fan_in, truncated normal (SELU's initializer)."""
    return variance_scaling(shape, 1.0, "fan_in", "truncated_normal", rng, dtype)


def lecun_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """LeCun uniform: Var = 1 / fan_in, U(-sqrt(3/fan_in), sqrt(3/fan_in))."""
    return variance_scaling(shape, 1.0, "fan_in", "uniform", rng, dtype)


def tf1_variance_scaling(shape, rng=None, dtype="float32") -> np.ndarray:
    """The book's ``he_init = tf.variance_scaling_initializer()`` (TF 1.x core).

    Its defaults are scale=1.0, mode="fan_in", truncated normal: that is LeCun normal, Var =
    1 / fan_in, *not* He's 2 / fan_in, despite the variable's name in the notebook.
    """
    return variance_scaling(shape, 1.0, "fan_in", "truncated_normal", rng, dtype)


def tf1_contrib_variance_scaling(shape, rng=None, dtype="float32", factor=2.0) -> np.ndarray:
    """The seed's ``tf.contrib.layers.variance_scaling_initializer()`` (factor=2, FAN_IN).

    TF1 contrib drew a normal truncated at 2 stddev with stddev = sqrt(1.3 * factor / fan_in);
    1.3 ~ 1 / 0.8796^2 roughly undoes the truncation, so Var ~ 1.006 * factor / fan_in:
    He initialization up to 0.6%.
    """
    check_positive(factor, "factor")
    fan_in, _ = compute_fans(shape)
    return truncated_normal(shape, np.sqrt(1.3 * factor / max(1.0, fan_in)), rng, dtype)


def zeros(shape, rng=None, dtype="float32") -> np.ndarray:
    """All zeros (Keras' default bias initializer). ``rng`` is accepted and unused."""
    return np.zeros(check_shape(shape), dtype=as_dtype(dtype))


def ones(shape, rng=None, dtype="float32") -> np.ndarray:
    """All ones (batch norm's gamma). ``rng`` is accepted and unused."""
    return np.ones(check_shape(shape), dtype=as_dtype(dtype))


INITIALIZERS: dict[str, Initializer] = {
    f.__name__: f
    for f in (
        glorot_uniform,
        glorot_normal,
        he_normal,
        he_uniform,
        lecun_normal,
        lecun_uniform,
        tf1_variance_scaling,
        tf1_contrib_variance_scaling,
        zeros,
        ones,
    )
}


def check_initial(values: Any, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """What an initializer returned for ``shape``: a finite floating array of that shape
    (a user's callable may return anything). Plumbing shared with tf_ref's layers."""
    return check_weight(values, f"{name}{tuple(shape)}", shape, dtype)


def get(name: str | Initializer, arg: str = "initializer") -> Initializer:
    """Look an initializer up by its Keras name (an unknown one is refused naming ``arg``, the
    caller's argument, e.g. "bias_initializer"); a callable is returned unchanged (a layer
    checks what it draws: ``check_initial``)."""
    if callable(name):
        return name
    return INITIALIZERS[check_choice(name, arg, INITIALIZERS)]


def initializer_name(initializer: Any, name: str, table: dict[str, Any]) -> str:
    """The Keras name of ``initializer`` (a name, or a function of the backend's ``table``, or
    its twin in the other backend); a custom callable has none: TypeError naming ``name``.
    Plumbing shared with tf_ref.initializers."""
    if isinstance(initializer, str):
        return check_choice(initializer, name, table)
    for key, fn in table.items():
        if fn is initializer:
            return key
    # the twin backend's function of that name (a layer spec may build either backend)
    key = getattr(initializer, "__name__", None)
    module = getattr(initializer, "__module__", None)
    if key in table and module in ("scratch.initializers", "tf_ref.initializers"):
        return key
    raise TypeError(
        f"{name}: {initializer!r} is a custom callable with no name, so get_config cannot "
        f"describe it; build the layer with a name ({', '.join(table)})"
    )


def serialize(initializer: str | Initializer, name: str = "initializer") -> str:
    """An initializer's Keras name, for a config. A custom callable has none, so it cannot be
    described: TypeError naming ``name`` (pass a name such as "he_normal" instead)."""
    return initializer_name(initializer, name, INITIALIZERS)


def deserialize(spec: Any, name: str = "initializer") -> Initializer:
    """The inverse of ``serialize``: the initializer of that name."""
    return INITIALIZERS[check_choice(spec, name, INITIALIZERS)]
