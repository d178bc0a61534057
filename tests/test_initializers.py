"""Initializers of scratch and of tf_ref (Keras / TensorFlow), checked statistically against the
variances the papers and the book prescribe. The two backends draw from different generators, so
they are never compared bitwise: each must pass the same statistical checks on its own.

How the bounds are derived (no guessed tolerances). The weights have mean 0, so their variance v
is estimated by v_hat = mean(w^2), which is unbiased with

    Var(v_hat) = Var(w^2) / n = (E[w^4] - v^2) / n = v^2 (kurtosis - 1) / n,

kurtosis = E[w^4] / v^2 being a property of the distribution's shape alone:
- uniform on [-L, L]: E[w^2] = L^2 / 3, E[w^4] = L^4 / 5, so kurtosis = 9 / 5;
- N(0, s^2) cut at +-c s: with Z = erf(c / sqrt 2) and phi the standard normal density,
  E[x^2] = 1 - 2 c phi(c) / Z and E[x^4] = 3 E[x^2] - 2 c^3 phi(c) / Z (integration by parts),
  which for c = 2 gives 0.77374 (= 0.87962^2) and 1.41618, kurtosis 2.3655;
- an untruncated normal: kurtosis 3.
w^2 is bounded (or, for the plain normal, has all moments), so with n >= 2000 draws v_hat is close
to normal and |v_hat - v| <= 5 sd fails by chance with probability 2 * Phi(-5) = 5.7e-7 < 1e-6.
The mean gets the same treatment: sd(mean(w)) = sqrt(v / n).

Sensitivity, for He normal on a (784, 10) kernel (n = 7840): 5 sd = 5 sqrt(1.3655 / 7840) = 6.6%
of v, while forgetting the truncation factor lowers v by 1 - 0.8796^2 = 22.6% (std 12% low), and
fan_out instead of fan_in changes it 78-fold. ``test_the_checks_catch_classic_mistakes`` proves it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.initializers as S
from tests.helpers import backends, lazy_module

T = lazy_module("tf_ref.initializers")

BACKENDS = backends(S, "tf_ref.initializers")
DTYPES = (np.float32, np.float64)
SIGMAS = 5.0  # two-sided false-failure rate 5.7e-7 per check (see the module docstring)
MIN_DRAWS = 2000  # enough for the normal approximation of v_hat and for the "reaches" checks


def truncated_moments(c: float = 2.0) -> tuple[float, float]:
    """(E[x^2], E[x^4]) of a standard normal cut at +-c."""
    z = math.erf(c / math.sqrt(2))
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    m2 = 1 - 2 * c * phi / z
    return m2, 3 * m2 - 2 * c**3 * phi / z


M2, M4 = truncated_moments()
KURTOSIS = {"truncated_normal": M4 / M2**2, "uniform": 9 / 5, "untruncated_normal": 3.0}


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) written out independently of both backends."""
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def variance_ok(w: np.ndarray, variance: float, distribution: str) -> bool:
    """Is mean(w^2) within SIGMAS standard errors of ``variance``?"""
    w = w.astype(np.float64).ravel()
    se = variance * math.sqrt((KURTOSIS[distribution] - 1) / w.size)
    return abs(np.mean(w * w) - variance) <= SIGMAS * se


def check_draws(w: np.ndarray, variance: float, distribution: str, bound: float | None) -> None:
    """Mean, variance and support of n >= MIN_DRAWS weights.

    ``bound``: 2 * the underlying stddev for a truncated normal, the limit L for a uniform.
    """
    assert w.size >= MIN_DRAWS
    assert abs(float(np.mean(w, dtype=np.float64))) <= SIGMAS * math.sqrt(variance / w.size)
    mean_square = float(np.mean(w.astype(np.float64) ** 2))
    assert variance_ok(w, variance, distribution), (
        f"mean(w^2) = {mean_square:.6g} != {variance:.6g}"
    )
    if bound is not None:
        # Rounding the product to float32 may step one ulp past the bound.
        assert np.abs(w).max() <= bound * (1 + 4 * np.finfo(w.dtype).eps)
        # ...and the draws reach it (a cut at 1 stddev, say, would not): P(|w| > 0.95 bound) is
        # 5% for a uniform and 1.25% for the truncated normal, so 2000 draws all missing it has
        # probability at most 0.9875^2000 = 1e-11.
        assert np.abs(w).max() >= 0.95 * bound


# name: (scale, fan: fan_in | fan_avg, distribution), from the papers (Glorot & Bengio 2010,
# He et al. 2015, LeCun et al. 1998) and the book; TF 1 core's default is LeCun.
NAMED = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "tf1_variance_scaling": (1.0, "fan_in", "truncated_normal"),
}


def expected(name: str, shape: tuple[int, ...]) -> tuple[float, str, float]:
    """(variance, distribution, bound) that initializer ``name`` must produce for ``shape``."""
    fan_in, fan_out = fans(shape)
    if name == "tf1_contrib_variance_scaling":
        # TF 1 contrib: underlying stddev sqrt(1.3 * 2 / fan_in), cut at 2 of it.
        underlying_variance = 1.3 * 2.0 / fan_in
        return underlying_variance * M2, "truncated_normal", 2 * math.sqrt(underlying_variance)
    scale, mode, distribution = NAMED[name]
    variance = scale / (fan_in if mode == "fan_in" else (fan_in + fan_out) / 2)
    return variance, distribution, bound_for(variance, distribution)


def bound_for(variance: float, distribution: str) -> float | None:
    if distribution == "uniform":
        return math.sqrt(3 * variance)
    if distribution == "truncated_normal":
        return 2 * math.sqrt(variance / M2)
    return None


@st.composite
def weight_shapes(draw) -> tuple[int, ...]:
    """1-D, 2-D (fan_in, fan_out) or 4-D (kh, kw, c_in, c_out) shapes of 2000 to ~80k entries,
    including very non-square ones such as (1, 2000) and (3000, 1)."""
    ndim = draw(st.sampled_from((1, 2, 4)))
    if ndim == 1:
        return (draw(st.integers(MIN_DRAWS, 20_000)),)
    lead = (draw(st.integers(1, 5)), draw(st.integers(1, 5))) if ndim == 4 else ()
    c_in = draw(st.integers(1, 3000 if ndim == 2 else 64))
    need = -(-MIN_DRAWS // (c_in * math.prod(lead)))  # ceiling division
    return (*lead, c_in, draw(st.integers(need, 4 * need)))


@BACKENDS
@pytest.mark.parametrize("name", [*NAMED, "tf1_contrib_variance_scaling"])
@given(shape=weight_shapes(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES))
def test_named_initializers_have_the_prescribed_statistics(backend, name, shape, seed, dtype):
    w = backend.get(name)(shape, rng=np.random.default_rng(seed), dtype=dtype)
    assert w.shape == shape and w.dtype == dtype
    check_draws(w, *expected(name, shape))


@BACKENDS
@given(
    shape=weight_shapes(),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.1, 5.0),
    mode=st.sampled_from(("fan_in", "fan_out", "fan_avg")),
    distribution=st.sampled_from(("truncated_normal", "untruncated_normal", "uniform")),
)
def test_variance_scaling_has_variance_scale_over_fan(
    backend, shape, seed, scale, mode, distribution
):
    w = backend.variance_scaling(shape, scale, mode, distribution, np.random.default_rng(seed))
    fan_in, fan_out = fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    check_draws(w, scale / fan, distribution, bound_for(scale / fan, distribution))


@BACKENDS
@pytest.mark.parametrize("shape", [(784, 10), (10, 784)])
def test_he_normal_uses_fan_in(backend, shape):
    """A strongly non-square kernel: fan_out instead of fan_in would be off by a factor 78."""
    w = backend.he_normal(shape, rng=np.random.default_rng(0))
    check_draws(w, 2.0 / shape[0], "truncated_normal", 2 * math.sqrt(2.0 / shape[0] / M2))


def test_the_checks_catch_classic_mistakes():
    """The statistical checks are tight enough to see the mistakes they are meant to catch."""
    rng, fan_in, fan_out = np.random.default_rng(0), 784, 10
    he_std = math.sqrt(2 / fan_in)
    assert 1 - M2 == pytest.approx(0.226, abs=1e-3) and 1 - math.sqrt(M2) == pytest.approx(
        0.12, abs=1e-3
    )
    # numpy-ml's mistake: truncated at 2 std, but without dividing by 0.8796: std 12% low.
    no_factor = S.truncated_normal((fan_in, fan_out), he_std, rng, "float64")
    assert not variance_ok(no_factor, 2 / fan_in, "truncated_normal")
    # fan_out instead of fan_in.
    wrong_fan = S.truncated_normal((fan_in, fan_out), math.sqrt(2 / fan_out) / math.sqrt(M2), rng)
    assert not variance_ok(wrong_fan, 2 / fan_in, "truncated_normal")
    # The book's TF 1 "he_init" is LeCun: its variance is rejected as He's.
    lecun = S.tf1_variance_scaling((fan_in, fan_out), rng=rng)
    assert not variance_ok(lecun, 2 / fan_in, "truncated_normal")
    # And the correct draw passes.
    assert variance_ok(S.he_normal((fan_in, fan_out), rng=rng), 2 / fan_in, "truncated_normal")


@pytest.mark.tf
def test_tf1_contrib_variance_is_about_1_006_times_he():
    # 1.3 was chosen to undo the truncation (1 / 0.8796^2 = 1.2924); it overshoots by 0.6%.
    assert 1.3 * M2 == pytest.approx(1.00586, abs=1e-5)
    assert M2 == pytest.approx(S.TRUNCATED_NORMAL_STD**2, rel=1e-12)
    assert T.TRUNCATED_NORMAL_STD == S.TRUNCATED_NORMAL_STD


@BACKENDS
def test_tf1_contrib_variance_is_distinguishably_not_he(backend):
    """4M draws: 5 sd = 5 sqrt(1.3655 / 4e6) = 0.29% of v, and the 0.586% surplus is 10 sd, so
    both the contrib variance is accepted and exact He (2 / fan_in) rejected, each failing by
    chance with probability < 1e-6."""
    fan_in = 2000
    w = backend.tf1_contrib_variance_scaling((fan_in, 2000), np.random.default_rng(2), "float64")
    assert variance_ok(w, 1.3 * M2 * 2 / fan_in, "truncated_normal")
    assert not variance_ok(w, 2 / fan_in, "truncated_normal")


@BACKENDS
def test_tf1_contrib_with_factor(backend):
    shape = (300, 100)
    w = backend.tf1_contrib_variance_scaling(shape, rng=np.random.default_rng(1), factor=1.0)
    check_draws(w, 1.3 * M2 / 300, "truncated_normal", 2 * math.sqrt(1.3 / 300))


@pytest.mark.tf
@pytest.mark.parametrize(
    ("shape", "want"),
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((784, 10), (784, 10)),
        ((5, 16, 32), (80, 160)),
        ((3, 3, 64, 32), (576, 288)),
        ((2, 3, 3, 8, 4), (144, 72)),
    ],
)
def test_compute_fans_by_hand(shape, want):
    assert S.compute_fans(shape) == want
    assert T.compute_fans(shape) == want


@pytest.mark.tf
@given(shape=st.lists(st.integers(1, 50), max_size=5).map(tuple))
def test_compute_fans_matches_keras(shape):
    assert S.compute_fans(shape) == T.compute_fans(shape)


@BACKENDS
@pytest.mark.parametrize("name", sorted(S.INITIALIZERS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_same_seed_same_draw(backend, name, dtype):
    init = backend.get(name)
    first = init((30, 20), rng=np.random.default_rng(7), dtype=dtype)
    again = init((30, 20), rng=np.random.default_rng(7), dtype=dtype)
    other = init((30, 20), rng=np.random.default_rng(8), dtype=dtype)
    unseeded = init((30, 20), dtype=dtype)
    assert first.dtype == again.dtype == unseeded.dtype == dtype and first.shape == (30, 20)
    np.testing.assert_array_equal(first, again)
    if name in ("zeros", "ones"):
        np.testing.assert_array_equal(first, np.full((30, 20), float(name == "ones")))
        np.testing.assert_array_equal(first, other)
    else:
        assert not np.array_equal(first, other)


@BACKENDS
def test_unknown_names_raise_listing_the_valid_ones(backend):
    with pytest.raises(ValueError, match=r"initializer: unknown name 'he_normall'.*he_normal, he_"):
        backend.get("he_normall")
    with pytest.raises(ValueError, match=r"glorot_uniform.*lecun_normal.*zeros"):
        backend.get("He")
    with pytest.raises(ValueError, match=r"mode: unknown name 'fan_sum'.*fan_avg, fan_in, fan_out"):
        backend.variance_scaling((3, 3), mode="fan_sum")
    with pytest.raises(ValueError, match=r"distribution: unknown name 'normal'.*truncated_normal"):
        backend.variance_scaling((3, 3), distribution="normal")
    with pytest.raises(ValueError, match="scale: expected a finite value > 0, got 0"):
        backend.variance_scaling((3, 3), scale=0)
    with pytest.raises(TypeError, match="dtype: expected 'float32' or 'float64', got int32"):
        backend.he_normal((3, 3), dtype="int32")


@BACKENDS
def test_get_returns_callables_unchanged(backend):
    assert backend.get(backend.he_normal) is backend.he_normal
    assert backend.get("he_normal") is backend.he_normal
    assert set(backend.INITIALIZERS) == set(S.INITIALIZERS)
