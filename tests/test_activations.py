"""scratch.activations against TensorFlow (tf_ref.activations), and both against finite
differences.

Pre-activations mix ordinary values with the ones that break careless code: exact zeros (the
kinks), +-1e-30 (tiny but normal in float32: TF's CPU kernels flush subnormals to zero, NumPy does
not, so subnormals are left out), +-30 (exp underflows in sigmoid's tail) and +-1000 (exp
overflows unless the code avoids it).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.activations as S
from tests.helpers import backends, lazy_module, numerical_gradient, rel_error

T = lazy_module("tf_ref.activations")

# A NumPy overflow or invalid-value warning means an unstable formula, even when np.where later
# discards the inf (e.g. exp(1000) on the branch that is not taken): make it an error.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

DTYPES = (np.float32, np.float64)
BACKENDS = backends(S, "tf_ref.activations")
SPECIALS = (0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 1.0, -1.0, 30.0, -30.0, 1000.0, -1000.0)

# The same comparison and (at most) one multiplication in both backends.
EXACT = ("linear", "relu", "leaky_relu")


@st.composite
def pre_activations(draw) -> np.ndarray:
    """A (batch, width) float32 or float64 array: Gaussian values of a drawn scale, ~20% specials,
    and a short hypothesis-chosen head (so that shrinking can find a single bad value)."""
    dtype = draw(st.sampled_from(DTYPES))
    batch, width = draw(st.integers(1, 64)), draw(st.integers(1, 128))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    z = rng.standard_normal(batch * width) * draw(st.sampled_from((1e-3, 1.0, 5.0, 50.0)))
    is_special = rng.random(z.size) < 0.2
    z[is_special] = rng.choice(SPECIALS, int(is_special.sum()))
    finite = st.floats(-1e3, 1e3, width=32, allow_subnormal=False)
    head = draw(st.lists(st.one_of(st.sampled_from(SPECIALS), finite), max_size=16))
    z[: len(head)] = head[: z.size]
    return z.reshape(batch, width).astype(dtype)


def draw_kwargs(data: st.DataObject, name: str, min_slope: float = 0.0) -> dict[str, float]:
    if name == "elu":
        return {"alpha": data.draw(st.floats(0.1, 3.0), label="alpha")}
    if name == "leaky_relu":
        # float32-representable slopes: TF's LeakyRelu stores alpha as a float32 attribute, so a
        # float64 run multiplies by float32(slope); with such a slope both backends are exact.
        slope = st.floats(float(np.float32(min_slope)), 1.0, width=32, allow_subnormal=False)
        return {"negative_slope": data.draw(slope, label="negative_slope")}
    return {}


def assert_close(name: str, got: np.ndarray, want: np.ndarray, kwargs: dict) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype)
    if name in EXACT:
        # Bit for bit, except that TF's CPU kernels flush a subnormal product (slope * z) to zero.
        np.testing.assert_allclose(got, want, rtol=0, atol=np.finfo(got.dtype).tiny)
        return
    eps = np.finfo(got.dtype).eps
    # NumPy's libm and Eigen's vectorised exp/tanh differ by a few ulp (measured: <= 4 relative,
    # <= 7 absolute); TF's Elu/Selu compute exp(z) - 1 (not expm1) and their gradients y + 1 from
    # the output, an absolute error of ~1 ulp of the exp branch's size (alpha; 1.76 for SELU).
    size = max(1.0, kwargs.get("alpha", 1.0), S.SELU_SCALE * S.SELU_ALPHA)
    np.testing.assert_allclose(got, want, rtol=8 * eps, atol=8 * eps * size)


@pytest.mark.tf
@pytest.mark.parametrize("name", S.NAMES)
@given(z=pre_activations(), data=st.data())
def test_forward_matches_tensorflow(name, z, data):
    kwargs = draw_kwargs(data, name)
    got = S.get(name, **kwargs)(z)
    assert np.isfinite(got).all()
    assert_close(name, got, T.get(name, **kwargs)(z), kwargs)


@pytest.mark.tf
@pytest.mark.parametrize("name", S.NAMES)
@given(z=pre_activations(), data=st.data())
def test_grad_matches_tensorflow(name, z, data):
    kwargs = draw_kwargs(data, name)
    got, want = S.get(name, **kwargs).grad(z), T.get(name, **kwargs).grad(z)
    assert np.isfinite(got).all()
    if name == "selu":
        # TF quirk: for -eps/2 < z < 0, exp(z) - 1 rounds to 0, and SeluGrad, which tests y < 0,
        # takes the z >= 0 branch (scale). The true derivative there is scale * alpha * exp(z) ~
        # scale * alpha, which scratch returns; compare everywhere else.
        rounded_to_zero = (z < 0) & (T.selu(z) == 0)
        scale_alpha = z.dtype.type(S.SELU_SCALE * S.SELU_ALPHA)
        np.testing.assert_allclose(
            got[rounded_to_zero], scale_alpha, rtol=4 * np.finfo(z.dtype).eps
        )
        np.testing.assert_array_equal(want[rounded_to_zero], z.dtype.type(S.SELU_SCALE))
        got, want = got[~rounded_to_zero], want[~rounded_to_zero]
    assert_close(name, got, want, kwargs)


@BACKENDS
@pytest.mark.parametrize("dtype", DTYPES)
def test_values_at_the_kinks(backend, dtype):
    """The derivative each backend picks at exactly 0, and on either side of it."""
    z = np.array([-1.0, 0.0, 1.0], dtype)
    e = np.exp(dtype(-1.0))
    np.testing.assert_array_equal(backend.relu_grad(z), [0, 0, 1])
    np.testing.assert_array_equal(backend.leaky_relu_grad(z, negative_slope=0.25), [0.25, 0.25, 1])
    # ELU: alpha at 0 (not 1, not 0) and 1, not alpha * exp(z), on the positive side.
    np.testing.assert_allclose(backend.elu_grad(z, alpha=0.5), [0.5 * e, 0.5, 1], rtol=1e-6)
    np.testing.assert_allclose(backend.elu_grad(z, alpha=2.0), [2 * e, 2.0, 1], rtol=1e-6)
    np.testing.assert_allclose(backend.elu(z, alpha=2.0), [2 * (e - 1), 0, 1], rtol=1e-6)
    scale, alpha = S.SELU_SCALE, S.SELU_ALPHA
    np.testing.assert_allclose(backend.selu(z), [scale * alpha * (e - 1), 0, scale], rtol=1e-6)
    np.testing.assert_allclose(backend.selu_grad(z), [scale * alpha * e, scale, scale], rtol=1e-6)
    # Keras' function default slope is 0.2 (TF rounds it to float32, hence the tolerance).
    assert backend.leaky_relu(np.array([-2.0], dtype))[0] == pytest.approx(-0.4, rel=1e-7)


@pytest.mark.tf
def test_selu_constants_match_tensorflow():
    # tf_ref reads them back from TF's Selu kernel; its alpha is a quotient, hence 1 ulp.
    assert S.SELU_SCALE == pytest.approx(T.SELU_SCALE, rel=1e-15)
    assert S.SELU_ALPHA == pytest.approx(T.SELU_ALPHA, rel=1e-15)
    assert S.SELU_ALPHA > S.SELU_SCALE  # the 1st-edition fallback swapped them


@st.composite
def away_from_kinks(draw) -> tuple[np.ndarray, np.ndarray]:
    """float64 z with 0.05 <= |z| <= 2 (a margin of 5000 h from the kink at 0, and f' not so small
    that rounding in the difference quotient dominates), and an upstream gradient of random sign
    with 0.5 <= |dout| <= 2 (no entry so small that its relative error means nothing)."""
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    z = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.05, 2.0, shape)
    dout = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)
    return z, dout


@BACKENDS
@pytest.mark.parametrize("name", S.NAMES)
@given(z_dout=away_from_kinks(), data=st.data())
def test_grad_matches_finite_differences(backend, name, z_dout, data):
    z, dout = z_dout
    # Slope >= 0.01 (the book's): with a smaller one the gradient is so small that the rounding
    # of the difference quotient, ~1e-10 here, is no longer below 1e-7 of it.
    f = backend.get(name, **draw_kwargs(data, name, min_slope=0.01))
    numeric = numerical_gradient(f, z.copy(), dout)
    assert rel_error(numeric, dout * f.grad(z)) <= 1e-7


@BACKENDS
def test_get(backend):
    assert backend.get(None).name == "linear"
    f = backend.get("elu", alpha=0.5)
    assert backend.get(f) is f and f.kwargs == {"alpha": 0.5}
    assert tuple(backend.NAMES) == tuple(S.NAMES)
    with pytest.raises(ValueError, match=r"activation: unknown name 'eLU'.*elu, leaky_relu"):
        backend.get("eLU")
    with pytest.raises(TypeError, match="activation"):
        backend.get(3)


@BACKENDS
@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_and_shape_preserved(backend, dtype):
    z = np.linspace(-3, 3, 24, dtype=dtype).reshape(2, 3, 4)
    for name in backend.NAMES:
        f = backend.get(name)
        for out in (f(z), f.grad(z)):
            assert out.dtype == dtype and out.shape == z.shape, name
