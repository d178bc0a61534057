"""Tests for kata 26 (denoising). ``impl`` is the module under test.

The worked examples use stddev 0.5 (a variance read as the stddev gives 0.25, an obvious
difference) and rate 0.25 with a uniform exactly at 0.25 (TF keeps an entry where u >= rate).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape

seeds = st.integers(0, 2**16)
dtypes = st.sampled_from(["float32", "float64"])
# One multiplication and one addition per entry, rounded to the dtype: 2 ulps.
TIGHT = {"float32": {"rtol": 2.5e-7, "atol": 1e-7}, "float64": {"rtol": 5e-16, "atol": 1e-16}}
EXACT = {"rtol": 0.0, "atol": 0.0}

X = np.array([[0.2, 0.4, 0.6, 0.8]])
NORMALS = np.array([[1.0, -1.0, 0.5, -2.0]])
UNIFORMS = np.array([[0.1, 0.25, 0.3, 0.9]])


def make(n, d, seed, dtype):
    """x (n, d) of pixel-like values in (0.1, 1] (never 0, so a masked entry shows), standard
    normals and uniforms of its shape (float64, as a NumPy Generator draws them)."""
    rng = np.random.default_rng(seed)
    x = (0.1 + 0.9 * rng.random((n, d))).astype(dtype)
    return x, rng.standard_normal((n, d)), rng.random((n, d))


@pytest.mark.hint(1)
def test_gaussian_worked_example(impl):
    """x + 0.5 * n on a hand-worked row: [0.7, -0.1, 0.85, -0.2]."""
    out = impl.gaussian_noise(X, 0.5, NORMALS)
    expect_shape(out, X.shape, "gaussian_noise(x, 0.5, normals)")
    expect_close(
        out, np.array([[0.7, -0.1, 0.85, -0.2]]), "gaussian_noise(x, 0.5, n)", **TIGHT["float64"]
    )


@pytest.mark.hint(2)
def test_masking_worked_example(impl):
    """rate 0.25, uniforms [0.1, 0.25, 0.3, 0.9]: the first entry is masked, the others kept as
    they are (u == rate is kept; no 1 / (1 - rate))."""
    out = impl.masking_noise(X, 0.25, UNIFORMS)
    expect_shape(out, X.shape, "masking_noise(x, 0.25, uniforms)")
    expect_close(out, np.array([[0.0, 0.4, 0.6, 0.8]]), "masking_noise(x, 0.25, u)", **EXACT)


@pytest.mark.hint(1)
@pytest.mark.parametrize("kind", ["gaussian", "masking"])
def test_nothing_is_modified_in_place(impl, kind):
    """No function changes x or the draw: the caller's batch is also the targets."""
    x, normals, uniforms = make(6, 5, 0, "float64")
    draw = normals if kind == "gaussian" else uniforms
    keep_x, keep_draw = x.copy(), draw.copy()
    if kind == "gaussian":
        impl.gaussian_noise(x, 0.5, draw)
    else:
        impl.masking_noise(x, 0.3, draw)
    impl.denoising_batch(x, kind, 0.3, draw)
    for name, a, b in (("x", x, keep_x), ("the draw", draw, keep_draw)):
        assert np.array_equal(a, b), f"{kind}: your functions changed {name} in place"


@pytest.mark.hint(3)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, dtype=dtypes)
def test_denoising_batch_corrupts_the_inputs_only(impl, n, d, seed, dtype):
    """inputs = the corruption of x, targets = the clean x, for both kinds."""
    x, normals, uniforms = make(n, d, seed, dtype)
    clean = x.copy()
    for kind, level, draw, want in (
        ("gaussian", 0.5, normals, clean + np.asarray(0.5, dtype) * normals.astype(dtype)),
        ("masking", 0.3, uniforms, np.where(uniforms >= 0.3, clean, 0).astype(dtype)),
    ):
        inputs, targets = impl.denoising_batch(x, kind, level, draw)
        call = f"denoising_batch(x {x.shape} {dtype}, {kind!r}, {level}, draw)"
        expect_close(targets, clean, call + " targets", **EXACT)
        expect_close(inputs, want, call + " inputs", **TIGHT[dtype])


@pytest.mark.hint(2)
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, dtype=dtypes)
def test_dtype_is_kept(impl, n, d, seed, dtype):
    """float32 x with float64 draws gives float32 outputs (cast the draw to x's dtype)."""
    x, normals, uniforms = make(n, d, seed, dtype)
    for name, out in (
        ("gaussian_noise", impl.gaussian_noise(x, 0.5, normals)),
        ("masking_noise", impl.masking_noise(x, 0.3, uniforms)),
        ("denoising_batch inputs", impl.denoising_batch(x, "gaussian", 0.5, normals)[0]),
    ):
        assert out.dtype == x.dtype, f"{name}: x is {x.dtype}, the output is {out.dtype}"


@pytest.mark.hint(2)
def test_noise_statistics(impl):
    """On 40,000 entries: the Gaussian noise has std stddev (not its square), the masking keeps
    a fraction 1 - rate; bounds of 5 standard errors from the sample size."""
    x, normals, uniforms = make(200, 200, 1, "float64")
    m = x.size
    e = impl.gaussian_noise(x, 0.5, normals) - x
    # the sample std of M normals has standard error sigma / sqrt(2 M)
    assert abs(e.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * m), f"noise std {e.std():.4f}, not 0.5"
    kept = impl.masking_noise(x, 0.2, uniforms) != 0
    frac = kept.mean()
    assert abs(frac - 0.8) < 5 * np.sqrt(0.8 * 0.2 / m), f"kept {frac:.4f} of the entries, not 0.8"
