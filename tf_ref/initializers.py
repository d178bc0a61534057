"""Weight initializers drawn by Keras 3 and TensorFlow themselves: the oracle for
``scratch.initializers`` (book section "Xavier and He Initialization").

Same names and signatures as ``scratch.initializers``: ``f(shape, rng=None, dtype="float32") ->
ndarray``. TensorFlow has its own random generators, so the NumPy ``Generator`` only supplies a
seed: ``int(rng.integers(2**31 - 1))`` (``rng=None`` means unseeded). The draws therefore differ
from scratch's; tests compare the two statistically (variance, bounds), never bitwise.

Source: ``keras/src/initializers/random_initializers.py`` (``VarianceScaling`` and its named
subclasses); the book's TF 1 initializers through ``tf.compat.v1`` or their published formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras.src.initializers.random_initializers import compute_fans as _keras_compute_fans

from scratch.checks import as_dtype, check_choice, check_positive, check_rng, check_shape
from scratch.initializers import initializer_name

# The constant Keras divides by (``VarianceScaling.__call__``): std of N(0, 1) cut at +-2.
TRUNCATED_NORMAL_STD = 0.87962566103423978

Initializer = Callable[..., np.ndarray]


def _seed(rng: np.random.Generator | None) -> int | None:
    """An int seed for TensorFlow drawn from the NumPy Generator (or from
    ``default_rng(seed)`` for an int seed, ``check_rng``); None stays unseeded."""
    return None if rng is None else int(check_rng(rng).integers(2**31 - 1))


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape: Keras' own ``compute_fans``.

    () -> (1, 1); (n,) -> (n, n); (fan_in, fan_out) as is; (..., c_in, c_out) ->
    (c_in * receptive field, c_out * receptive field).
    """
    return _keras_compute_fans(check_shape(shape))


def truncated_normal(
    shape: tuple[int, ...], stddev: float, rng: np.random.Generator, dtype: Any = "float32"
) -> np.ndarray:
    """N(0, stddev^2) cut at 2 stddev, drawn by ``tf.random.stateless_truncated_normal``.

    The stateless op makes the same seed give the same draw (eager ``tf.random`` ops with an op
    seed do not); with ``rng=None`` the stateful, unseeded ``tf.random.truncated_normal`` draws.
    """
    shape, dtype = check_shape(shape), tf.as_dtype(as_dtype(dtype).name)
    check_positive(stddev, "stddev", zero=True)
    seed = _seed(rng)
    if seed is None:
        return tf.random.truncated_normal(shape, stddev=stddev, dtype=dtype).numpy()
    return tf.random.stateless_truncated_normal(
        shape, seed=[seed, 0], stddev=stddev, dtype=dtype
    ).numpy()


def variance_scaling(
    shape: tuple[int, ...],
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    rng: np.random.Generator | None = None,
    dtype: Any = "float32",
) -> np.ndarray:
    """``keras.initializers.VarianceScaling(scale, mode, distribution)``: Var[w] = scale / fan.

    fan = max(1, fan_in | fan_out | (fan_in + fan_out) / 2); Keras then draws
    - "truncated_normal": stddev = sqrt(scale / fan) / 0.8796..., cut at 2 stddev;
    - "untruncated_normal": stddev = sqrt(scale / fan);
    - "uniform": U(-limit, limit), limit = sqrt(3 * scale / fan).
    """
    # Shared checks, so that both backends reject bad arguments with the same words.
    check_choice(mode, "mode", ("fan_in", "fan_out", "fan_avg"))
    check_choice(
        distribution, "distribution", ("truncated_normal", "untruncated_normal", "uniform")
    )
    check_positive(scale, "scale")
    shape, dtype = check_shape(shape), as_dtype(dtype)
    init = keras.initializers.VarianceScaling(scale, mode, distribution, seed=_seed(rng))
    return _draw(init, shape, dtype)


def _draw(init: keras.initializers.Initializer, shape, dtype) -> np.ndarray:
    return np.asarray(init(check_shape(shape), dtype=as_dtype(dtype).name))


def glorot_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.GlorotUniform``: U(-limit, limit), limit^2 = 6 / (fan_in + fan_out).

    Keras Dense's default kernel initializer.
    """
    return _draw(keras.initializers.GlorotUniform(seed=_seed(rng)), shape, dtype)


def glorot_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.GlorotNormal``: truncated normal with Var = 2 / (fan_in + fan_out)."""
    return _draw(keras.initializers.GlorotNormal(seed=_seed(rng)), shape, dtype)


def he_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.HeNormal``: truncated normal with Var = 2 / fan_in."""
    return _draw(keras.initializers.HeNormal(seed=_seed(rng)), shape, dtype)


def he_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.HeUniform``: U(-limit, limit), limit = sqrt(6 / fan_in)."""
    return _draw(keras.initializers.HeUniform(seed=_seed(rng)), shape, dtype)


def lecun_normal(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.LecunNormal``: truncated normal with Var = 1 / fan_in."""
    return _draw(keras.initializers.LecunNormal(seed=_seed(rng)), shape, dtype)


def lecun_uniform(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.LecunUniform``: U(-limit, limit), limit = sqrt(3 / fan_in)."""
    return _draw(keras.initializers.LecunUniform(seed=_seed(rng)), shape, dtype)


def tf1_variance_scaling(shape, rng=None, dtype="float32") -> np.ndarray:
    """The book's ``he_init = tf.variance_scaling_initializer()``, run the TF 1 way.

    ``tf.compat.v1.variance_scaling_initializer`` keeps TF 1's defaults (scale=1.0, mode="fan_in",
    truncated normal): Var = 1 / fan_in, LeCun's, not He's. It is built in a fresh graph and run
    in a session because an eager TF 1 op with a seed gives a new draw on every call.
    """
    with tf.Graph().as_default():
        init = tf.compat.v1.variance_scaling_initializer(seed=_seed(rng))
        weights = init(check_shape(shape), dtype=tf.as_dtype(as_dtype(dtype).name))
        with tf.compat.v1.Session() as session:
            return session.run(weights)


def tf1_contrib_variance_scaling(shape, rng=None, dtype="float32", factor=2.0) -> np.ndarray:
    """``tf.contrib.layers.variance_scaling_initializer(factor=2.0, mode="FAN_IN")`` (TF 1.x).

    ``tf.contrib`` is gone from TF 2, so this is its published formula with TF ops: a normal
    truncated at 2 stddev with stddev = sqrt(1.3 * factor / fan_in), hence
    Var = 1.3 * 0.8796^2 * factor / fan_in ~ 1.006 * factor / fan_in.
    """
    check_positive(factor, "factor")
    fan_in, _ = compute_fans(shape)
    return truncated_normal(shape, np.sqrt(1.3 * factor / max(1.0, fan_in)), rng, dtype)


def zeros(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.Zeros``. ``rng`` is accepted and unused."""
    return _draw(keras.initializers.Zeros(), shape, dtype)


def ones(shape, rng=None, dtype="float32") -> np.ndarray:
    """``keras.initializers.Ones``. ``rng`` is accepted and unused."""
    return _draw(keras.initializers.Ones(), shape, dtype)


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


def get(name: str | Initializer, arg: str = "initializer") -> Initializer:
    """Look an initializer up by its Keras name (an unknown one is refused naming ``arg``, the
    caller's argument, e.g. "bias_initializer"); a callable is returned unchanged."""
    if callable(name):
        return name
    return INITIALIZERS[check_choice(name, arg, INITIALIZERS)]


def serialize(initializer: str | Initializer, name: str = "initializer") -> str:
    """An initializer's Keras name, for a config. A custom callable has none, so it cannot be
    described: TypeError naming ``name`` (pass a name such as "he_normal" instead)."""
    return initializer_name(initializer, name, INITIALIZERS)


def deserialize(spec: Any, name: str = "initializer") -> Initializer:
    """The inverse of ``serialize``: the initializer of that name."""
    return INITIALIZERS[check_choice(spec, name, INITIALIZERS)]
