"""scratch.fast.rbm: each Numba twin (and each in-place NumPy step) equals its NumPy definition in
scratch.rbm, or scikit-learn's code for method="sklearn", and whole fits on either path end with
the same weights. TF-free.

Tolerances: none but one. A twin does the definition's arithmetic in the same dtype and order
(Numba does not contract a * b + c into an FMA without fastmath), the matrix products are the
same BLAS calls, cd/pcd's sigmoid is NumPy's own ufuncs in place, and scikit-learn's expit is
the C library's ``1 / (1 + exp(-x))``, which ``expit_bias`` computes: so the tests hold every
kernel and every fit bit for bit. The exception is the reconstruction-error monitor's sum, done
in float64 where NumPy sums float32 squares pairwise (its test says how far apart).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit

from scratch import fast
from scratch import rbm as R
from scratch.fast import rbm as K

DTYPES = [np.float32, np.float64]


def values(dtype, lo=-120.0, hi=120.0):
    """Finite values of ``dtype`` over the sigmoid's whole range, edges drawn often: 0, +-1,
    large |z| (saturated, and past exp's overflow at about 88.7 in float32, 709 in float64)."""
    edges = [0.0, -0.0, 1.0, -1.0, 17.0, -17.0, 88.0, -88.0, 103.0, -103.0]
    edges = st.sampled_from([e for e in edges if lo <= e <= hi])  # -0.0 stays in [0, 1]
    return st.one_of(edges, st.floats(lo, hi, width=32 if dtype == np.float32 else 64))


def matrices(dtype, lo=-120.0, hi=120.0):
    """An (n, K) array of ``dtype`` and a bias (K,), small shapes (1..6 x 1..9)."""

    @st.composite
    def draw(draw_):
        n, k = draw_(st.integers(1, 6)), draw_(st.integers(1, 9))
        z = draw_(hnp.arrays(dtype, (n, k), elements=values(dtype, lo, hi)))
        bias = draw_(hnp.arrays(dtype, (k,), elements=values(dtype, -5.0, 5.0)))
        return z, bias

    return draw()


def uniforms_near(p, seed):
    """float64 uniforms in [0, 1) of p's shape, a third of them equal to p (as float64) or to
    its neighbours, where ``u < p`` and ``u.astype(p.dtype) < p`` decide differently."""
    rng = np.random.default_rng(seed)
    u = rng.random(p.shape)
    near = np.clip(p.astype(np.float64), 0, np.nextafter(1.0, 0))
    pick = rng.integers(0, 6, p.shape)
    u = np.where(pick == 0, near, u)
    u = np.where(pick == 1, np.clip(np.nextafter(near, 0), 0, None), u)
    return np.where(pick == 2, np.clip(np.nextafter(near, 1), 0, np.nextafter(1.0, 0)), u)


def numpy_sigmoid(z, bias):
    """The definition: ``_sigmoid(z + bias)``, the tail of ``_hidden`` / ``_visible``."""
    return R._sigmoid(z + bias)


def sklearn_sigmoid(z, bias):
    """scikit-learn's ``p += bias; expit(p, out=p)``."""
    p = z.copy()
    p += bias
    return expit(p, out=p)


# ----------------------------------------------------------------------------- sigmoids
def bits(x):
    """x's bit patterns (unsigned integers), so that equality is bit for bit (0.0 vs -0.0)."""
    return x.view(f"u{x.itemsize}")


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_sigmoid_bias_is_the_sigmoid_of_z_plus_bias(dtype, data) -> None:
    """sigmoid_bias(z, b) in place = _sigmoid(z + b) bit for bit, in z's dtype, saturated
    and overflowing exp included."""
    z, bias = data.draw(matrices(dtype))
    out = z.copy()
    assert K.sigmoid_bias(out, bias) is out
    np.testing.assert_array_equal(bits(out), bits(numpy_sigmoid(z, bias)))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_expit_bias_is_scikit_learns_expit_bit_for_bit(dtype, data) -> None:
    """expit_bias(z, b) = scikit-learn's p += b; expit(p), bit for bit (what keeps
    method="sklearn" exact on the Numba path)."""
    z, bias = data.draw(matrices(dtype))
    out = z.copy()
    K.expit_bias(out, bias)
    np.testing.assert_array_equal(bits(out), bits(sklearn_sigmoid(z, bias)))


def test_the_sklearn_kernels_are_exact_in_this_process() -> None:
    """SKLEARN_EXACT holds (no SVML): method="sklearn" takes the fused kernels here."""
    assert K.SKLEARN_EXACT


# ----------------------------------------------------------------------------- sampling
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data(), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_sample_is_u_less_than_p_in_ps_dtype(dtype, data, seed) -> None:
    """sample(p, u, out) = _sample(p, u) exactly, u = p and its neighbours included (u cast to
    p's dtype first, strict <)."""
    z, _ = data.draw(matrices(dtype, 0.0, 1.0))
    u = uniforms_near(z, seed)
    out = np.empty_like(z)
    K.sample(z, u, out)
    np.testing.assert_array_equal(out, R._sample(z, u))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data(), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_sklearn_sampling_kernels_are_scikit_learns(dtype, data, seed) -> None:
    """expit_bias_sample = p += b; expit(p); u < p (compared in float64), and
    sklearn_sample = h[u < h] = 1; floor(h): bit for bit, u = p and its neighbours included."""
    z, bias = data.draw(matrices(dtype))
    p = sklearn_sigmoid(z, bias)
    u = uniforms_near(p, seed)
    fused, out = z.copy(), np.empty_like(z)
    K.expit_bias_sample(fused, bias, u, out)
    np.testing.assert_array_equal(fused, p)
    np.testing.assert_array_equal(out, (u < p).astype(dtype))
    h = p.copy()
    h[u < h] = 1.0
    expected = np.floor(h, h)
    K.sklearn_sample(p, u, out)
    np.testing.assert_array_equal(out, expected)


# ----------------------------------------------------------------------------- statistics
def unit_pairs(dtype):
    """Two arrays of values in [0, 1] and one width: (n, K) and (m, K), K 1..9, n, m 1..7."""

    @st.composite
    def draw(draw_):
        k = draw_(st.integers(1, 9))
        shapes = [(draw_(st.integers(1, 7)), k) for _ in range(2)]
        elements = values(dtype, 0.0, 1.0)
        return tuple(draw_(hnp.arrays(dtype, shape, elements=elements)) for shape in shapes)

    return draw()


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_reductions_are_numpys_bit_for_bit(dtype, data) -> None:
    """column_sums = a.sum(0), mean_difference = (a - b).mean(0) (same rows), and
    difference_of_means = a.mean(0) - b.mean(0) (any rows): exactly NumPy's roundings and
    signs of zero (a column of -0.0 sums to +0.0)."""
    a, b = data.draw(unit_pairs(dtype))
    out, scratch = np.empty(a.shape[1], dtype), np.empty(a.shape[1], dtype)
    K.column_sums(a, out)
    np.testing.assert_array_equal(bits(out), bits(a.sum(axis=0)))
    K.difference_of_means(a, b, out, scratch)
    np.testing.assert_array_equal(bits(out), bits(a.mean(axis=0) - b.mean(axis=0)))
    b = np.resize(b, a.shape)  # mean_difference takes two arrays of one shape
    K.mean_difference(a, b, out)
    np.testing.assert_array_equal(bits(out), bits((a - b).mean(axis=0)))


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 9), m=st.integers(1, 9))
@settings(max_examples=40, deadline=None)
def test_weight_and_bias_steps_are_the_momentum_update(dtype, seed, n, m) -> None:
    """weight_step / momentum_step in place = _momentum on dW = pos / n - neg / m (as _cd and
    _pcd compute it), bit for bit: the velocities and the new parameters."""
    rng = np.random.default_rng(seed)
    H, D = 3, 5
    W, vW, pos, neg = (rng.normal(0, s, (H, D)).astype(dtype) for s in (0.1, 0.01, 3, 3))
    b, vb, db = (rng.normal(0, 0.1, D).astype(dtype) for _ in range(3))
    lr, mom, wd = 0.1, 0.5, 1e-3
    dW = pos / n - neg / m
    (W1, b1, _), (vW1, vb1, _) = R._momentum((W, b, b[:0]), (dW, db, db[:0]), (vW, vb, vb[:0]),
                                              lr, mom, wd)  # fmt: skip
    W2, vW2, b2, vb2 = W.copy(), vW.copy(), b.copy(), vb.copy()
    s = np.dtype(dtype).type
    K.weight_step(W2, vW2, pos, neg, s(n), s(m), s(lr), s(mom), s(wd))
    K.momentum_step(b2, vb2, db, s(lr), s(mom))
    for got, want in ((W2, W1), (vW2, vW1), (b2, b1), (vb2, vb1)):
        np.testing.assert_array_equal(got, want)


def sklearn_update_numpy(W, b, c, v_pos, h_pos, v_neg, h_neg, lr):
    """scikit-learn 1.9's update lines (BernoulliRBM._fit), v_neg boolean as there."""
    update = (v_pos.T @ h_pos).T
    update -= np.dot(h_neg.T, v_neg)
    W += lr * update
    c += lr * (h_pos.sum(axis=0) - h_neg.sum(axis=0))
    b += lr * (v_pos.sum(axis=0) - v_neg.sum(axis=0))


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 6), m=st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_sklearn_update_has_scikit_learns_roundings(dtype, seed, n, m) -> None:
    """sklearn_update = scikit-learn's W, c, b updates bit for bit (b's in float64: a float32
    sum minus a boolean count), W Fortran-ordered as scikit-learn's components_."""
    rng = np.random.default_rng(seed)
    H, D = 4, 7
    W = np.asfortranarray(rng.normal(0, 0.1, (H, D))).astype(dtype, order="F")
    b, c = rng.normal(0, 0.1, D).astype(dtype), rng.normal(0, 0.1, H).astype(dtype)
    v_pos, h_pos = rng.random((n, D)).astype(dtype), rng.random((n, H)).astype(dtype)
    v_bool, h_neg = rng.random((m, D)) < 0.5, rng.random((m, H)).astype(dtype)
    lr = 0.1 / n
    W1, b1, c1 = W.copy(order="F"), b.copy(), c.copy()
    sklearn_update_numpy(W1, b1, c1, v_pos, h_pos, v_bool, h_neg, lr)
    v_neg = v_bool.astype(dtype)
    pos_T, neg = v_pos.T @ h_pos, np.dot(h_neg.T, v_neg)
    sums_h, sums_d = np.empty((2, H), dtype), np.empty((2, D), dtype)
    K.sklearn_update(W, b, c, pos_T, neg, h_pos, h_neg, v_pos, v_neg, dtype(lr), lr, sums_h,
                     sums_d)  # fmt: skip
    for got, want in ((W, W1), (b, b1), (c, c1)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 20))
@settings(max_examples=30, deadline=None)
def test_reconstruction_error_twin(dtype, seed, n) -> None:
    """The fused monitor = reconstruction_error on the NumPy path: the same reconstructions,
    the total within 1e-5 relative in float32 (NumPy sums the float32 squares pairwise in
    float32, the twin in float64: the difference is NumPy's own rounding, at most about
    log2(n * D) = 8 float32 roundings of 6e-8), 1e-12 in float64 (likewise with 1e-16)."""
    rng = np.random.default_rng(seed)
    v = rng.random((n, 11)).astype(dtype)
    W, b, c = (rng.normal(0, 1, shape).astype(dtype) for shape in ((6, 11), 11, 6))
    with fast.use("numpy"):
        want = R.reconstruction_error(v, W, b, c)
    with fast.use("numba"):
        got = R.reconstruction_error(v, W, b, c)
    assert got == pytest.approx(want, rel=1e-5 if dtype == np.float32 else 1e-12)


# ----------------------------------------------------------------------------- uniforms
@pytest.mark.parametrize("make", [np.random.default_rng, np.random.RandomState])
def test_uniform_stream_fill_draws_the_same_numbers(make) -> None:
    """UniformStream.fill(out) hands out the numbers UniformStream(shape) would, in order."""
    a, b = R.UniformStream(make(3)), R.UniformStream(make(3))
    out = np.empty((4, 5))
    for _ in range(3):
        np.testing.assert_array_equal(a.fill(out), b((4, 5)))


# ----------------------------------------------------------------------------- whole fits
def data(n=230, D=20, seed=0, dtype=np.float32):
    """Grey-level 'images' in [0, 1] with structure (bars plus noise), n rows: batches of 50
    leave a partial last one."""
    rng = np.random.default_rng(seed)
    bars = (rng.random((n, 4, 1)) < 0.4).repeat(D // 4, axis=2).reshape(n, -1)
    return np.clip(0.7 * bars + 0.3 * rng.random((n, D)), 0, 1).astype(dtype)


def fit(method, X, kernels, **kwargs):
    """A BernoulliRBM fitted on the ``kernels`` path, 2 epochs of batch 50, 12 hidden units."""
    extra = {} if method == "sklearn" else {"momentum": 0.5, "weight_decay": 1e-3}
    model = R.BernoulliRBM(12, batch_size=50, n_iter=2, method=method, random_state=4,
                           learning_rate=0.05, **extra, **kwargs)  # fmt: skip
    with fast.use(kernels):
        return model.fit(X)


PARAMS = ("components_", "intercept_visible_", "intercept_hidden_", "h_samples_")


@pytest.mark.parametrize("dtype", DTYPES)
def test_sklearn_mode_is_scikit_learns_on_both_paths(dtype) -> None:
    """method="sklearn": the Numba path, the NumPy path and scikit-learn end with the same
    parameters and chain, bit for bit (a partial last batch included)."""
    from sklearn.neural_network import BernoulliRBM as SkRBM

    X = data(dtype=dtype)
    numba_fit, numpy_fit = fit("sklearn", X, "numba"), fit("sklearn", X, "numpy")
    theirs = SkRBM(12, batch_size=50, n_iter=2, random_state=4, learning_rate=0.05).fit(X)
    for name in PARAMS:
        np.testing.assert_array_equal(getattr(numba_fit, name), getattr(theirs, name))
        np.testing.assert_array_equal(getattr(numpy_fit, name), getattr(theirs, name))
        assert getattr(numba_fit, name).dtype == getattr(theirs, name).dtype


def test_sklearn_partial_fit_of_a_float32_model_keeps_scikit_learns_float64_update() -> None:
    """partial_fit with method="sklearn" casts X to float64 (scikit-learn does): on a float32
    model the parameters' dtypes are mixed, the fast path steps aside, and the numbers stay
    scikit-learn's bit for bit."""
    from sklearn.neural_network import BernoulliRBM as SkRBM

    X = data(dtype=np.float32)
    ours = fit("sklearn", X, "numba")
    theirs = SkRBM(12, batch_size=50, n_iter=2, random_state=4, learning_rate=0.05).fit(X)
    for start in (0, 50, 100):
        with fast.use("numba"):
            ours.partial_fit(X[start : start + 50])
        theirs.partial_fit(X[start : start + 50])
    for name in PARAMS:
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method, k", [("cd", 1), ("cd", 2), ("pcd", 1), ("pcd", 2)])
def test_cd_and_pcd_fits_agree_across_paths(method, k, dtype) -> None:
    """method="cd"/"pcd": two epochs under use("numba") and use("numpy") end with the same
    weights, biases, chain and velocities, bit for bit, in the data's dtype."""
    X = data(dtype=dtype)
    a, b = fit(method, X, "numba", k=k), fit(method, X, "numpy", k=k)
    for name in PARAMS:
        got, want = getattr(a, name), getattr(b, name)
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want)
    for got, want in zip(a.velocities_, b.velocities_, strict=True):
        np.testing.assert_array_equal(got, want)
    # the same draws consumed: the two streams stand at the same place
    assert a.random_state_.random() == b.random_state_.random()


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_partial_fit_on_the_fast_path_agrees_and_leaves_read_only_arrays_alone(method) -> None:
    """partial_fit under use("numba") = under use("numpy"), bit for bit; parameters the
    user set read-only are copied before the in-place update, never written (or refused)."""
    X = data(dtype=np.float64)
    models = [fit(method, X, kernels) for kernels in ("numba", "numpy")]
    frozen = models[0].components_.copy()
    for model in models:
        model.components_ = frozen.copy()
        model.components_.flags.writeable = False
    snapshot = frozen.copy()
    for model, kernels in zip(models, ("numba", "numpy"), strict=True):
        with fast.use(kernels):
            user_array = model.components_
            model.partial_fit(X[:37])
            assert not user_array.flags.writeable
            np.testing.assert_array_equal(user_array, snapshot)
    for name in PARAMS:
        np.testing.assert_array_equal(getattr(models[0], name), getattr(models[1], name))


@pytest.mark.parametrize("method", ["sklearn", "cd", "pcd"])
def test_an_epoch_on_the_fast_path_allocates_no_copy_of_the_data(method) -> None:
    """The fast path gathers each batch into its workspace (no shuffled copy of X) and keeps no
    per-batch temporaries: a one-epoch fit's peak of traced allocations stays under a quarter
    of X's size (fit's input check makes a boolean mask, an eighth of a float64 X; one 50-row
    batch's buffers are a few kB), where the NumPy path's shuffled copy alone is X's size."""
    import tracemalloc

    X = data(n=4000, D=64, dtype=np.float64)  # 2 MB
    fit(method, X[:100], "numba")  # compile / load the kernels first
    peaks = {}
    for kernels in ("numba", "numpy"):
        tracemalloc.start()
        fit(method, X, kernels)
        peaks[kernels] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks["numba"] < X.nbytes / 4, peaks
    if method != "sklearn":  # the NumPy path's X[permutation]: the test can tell
        assert peaks["numpy"] > X.nbytes, peaks
