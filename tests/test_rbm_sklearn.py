"""scratch.rbm.BernoulliRBM(method="sklearn") against scikit-learn's BernoulliRBM (the pinned
oracle of the dev extra): the same weights, biases and persistent chain through fit and
partial_fit, and scikit-learn's own RBM test expectations, ported to dense input. TF-free."""

from __future__ import annotations

import numpy as np
import pytest

from scratch.rbm import BernoulliRBM, UniformStream, sample_bernoulli

sk = pytest.importorskip("sklearn.neural_network")

# Bit-for-bit is the claim; 1e-12 leaves room for nothing but a last-ulp difference on values
# of order 1 in float64 (float32 values of order 0.01 have ulps near 1e-9, so in float32 the
# bound means identical).
TOL = 1e-12
ATTRS = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


def grey(n: int = 53, D: int = 12, seed: int = 0) -> np.ndarray:
    """Grey levels in [0, 1] with some exact 0s and 1s (the MNIST-like case)."""
    x = np.random.default_rng(seed).random((n, D))
    return np.clip(1.4 * x - 0.2, 0, 1)


def binary(n: int = 53, D: int = 12, seed: int = 0) -> np.ndarray:
    return (grey(n, D, seed) > 0.5).astype(np.float64)


def assert_same(ours: BernoulliRBM, theirs) -> None:
    for name in ATTRS:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        assert np.max(np.abs(a - b.astype(a.dtype))) <= TOL, name


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", [grey, binary])
def test_fit_matches_scikit_learn(make, dtype) -> None:
    """fit: the same weights, both biases and chain, with a last partial batch (53 = 5*10+3),
    for grey and binary data in float64 and float32; then partial_fit continues alike."""
    X = make().astype(dtype)
    kw = dict(n_components=7, learning_rate=0.3, batch_size=10, n_iter=4, random_state=3)
    ours = BernoulliRBM(**kw).fit(X)
    theirs = sk.BernoulliRBM(**kw).fit(X)
    assert_same(ours, theirs)
    for i in range(3):  # partial_fit after fit: a fresh RandomState(3) kept in random_state_
        ours.partial_fit(X[i * 9 : i * 9 + 9])
        theirs.partial_fit(X[i * 9 : i * 9 + 9])
    assert_same(ours, theirs)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.score_samples(X), theirs.score_samples(X))
    np.testing.assert_array_equal(ours.gibbs(X), theirs.gibbs(X))


def test_fit_transform_matches_scikit_learn() -> None:
    """fit_transform (scikit-learn's TransformerMixin) exists and gives scikit-learn's
    features and weights, so the RBM drops into a Pipeline's fit_transform path."""
    X = grey()
    kw = dict(n_components=5, n_iter=2, random_state=1)
    ours, theirs = BernoulliRBM(**kw), sk.BernoulliRBM(**kw)
    np.testing.assert_array_equal(ours.fit_transform(X), theirs.fit_transform(X))
    assert_same(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_partial_fit_from_scratch_matches_scikit_learn(dtype) -> None:
    """partial_fit on an unfitted model: init from random_state_, X cast to float64, one
    update per call, batches of any size (7, 10, 3) against the 10-row chain."""
    X = grey(20).astype(dtype)
    kw = dict(n_components=5, batch_size=10, random_state=11)
    ours, theirs = BernoulliRBM(**kw), sk.BernoulliRBM(**kw)
    for lo, hi in ((0, 7), (7, 17), (17, 20)):
        ours.partial_fit(X[lo:hi])
        theirs.partial_fit(X[lo:hi])
        assert_same(ours, theirs)


def test_a_random_state_instance_is_shared_as_in_scikit_learn() -> None:
    """A RandomState passed as random_state is consumed across fits, as scikit-learn does."""
    X = binary(30)
    ours = BernoulliRBM(4, n_iter=2, random_state=np.random.RandomState(5))
    theirs = sk.BernoulliRBM(4, n_iter=2, random_state=np.random.RandomState(5))
    for _ in range(2):
        ours.fit(X)
        theirs.fit(X)
        assert_same(ours, theirs)


# ------------------------------------------- scikit-learn's own tests (test_rbm.py), dense input
def digits() -> np.ndarray:
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float64)
    return X / 16.0  # scikit-learn's tests scale 0..16 to [0, 1] the same way


def test_sklearn_expectation_fit_digits_score() -> None:
    """test_fit: 10 epochs on the digits give a mean pseudo-likelihood of -21 (within 1.0),
    and fitting leaves X unchanged."""
    X = digits()
    X_copy = X.copy()
    rbm = BernoulliRBM(n_components=64, learning_rate=0.1, batch_size=10, n_iter=7,
                       random_state=9)  # fmt: skip
    rbm.fit(X)
    assert np.mean(rbm.score_samples(X)) == pytest.approx(-21.0, abs=1.0)
    np.testing.assert_array_equal(X, X_copy)


def test_sklearn_expectation_partial_fit_digits_score() -> None:
    """test_partial_fit: 7 passes of partial_fit on batches of 20 give the same -21 (1.0)."""
    X = digits()
    rbm = BernoulliRBM(n_components=64, learning_rate=0.1, batch_size=20, random_state=9)
    n_batches = int(np.ceil(len(X) / 20))
    batches = np.array_split(X, n_batches)
    for _ in range(7):
        for batch in batches:
            rbm.partial_fit(batch)
    assert np.mean(rbm.score_samples(X)) == pytest.approx(-21.0, abs=1.0)


def test_sklearn_expectation_transform_is_the_mean_hiddens() -> None:
    """test_transform: transform(X) is P(h | v) of the fitted parameters."""
    X = digits()[:100]
    rbm = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42).fit(X)
    p = 1 / (1 + np.exp(-(X @ rbm.components_.T + rbm.intercept_hidden_)))
    np.testing.assert_allclose(rbm.transform(X), p, rtol=1e-12)  # expit vs this formula: ulps


def test_sklearn_expectation_small_dense_data_and_dtypes() -> None:
    """test_small_sparse / test_transformer_dtypes_casting, dense: a 4x2 matrix fits, and
    float32 stays float32 everywhere (float64 alike)."""
    X = np.array([[0.0], [1.0]])
    BernoulliRBM(2, batch_size=2, n_iter=1, random_state=42).fit(X)
    for dtype in (np.float32, np.float64):
        Xd = grey(6, 3).astype(dtype)
        rbm = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42).fit(Xd)
        assert rbm.transform(Xd).dtype == dtype
        for name in ATTRS:
            assert getattr(rbm, name).dtype == dtype


def test_sklearn_expectation_sample_hiddens() -> None:
    """test_sample_hiddens: the mean of 100 hidden samples is P(h | v) to 0.15 (decimal=1)."""
    X = digits()[:100]
    rbm = BernoulliRBM(n_components=2, batch_size=5, n_iter=5, random_state=42).fit(X)
    h = rbm.transform(X[:1])
    uniforms = UniformStream(np.random.RandomState(0))
    hs = np.mean([sample_bernoulli(h, uniforms(h.shape)) for _ in range(100)], axis=0)
    np.testing.assert_allclose(hs, h, atol=1.5e-1)  # assert_almost_equal(decimal=1)'s bound


def test_sklearn_expectation_fit_gibbs() -> None:
    """test_fit_gibbs: 42 epochs on [[0], [1]] give scikit-learn's weights to 4 decimals, and
    a Gibbs step from the data recreates it."""
    X = np.array([[0.0], [1.0]])
    rbm = BernoulliRBM(2, batch_size=2, n_iter=42, random_state=np.random.RandomState(42))
    rbm.fit(X)
    np.testing.assert_allclose(rbm.components_, [[0.02649814], [0.02009084]], atol=1.5e-4)
    np.testing.assert_array_equal(rbm.gibbs(X), X)


def test_sklearn_expectation_gibbs_smoke() -> None:
    """test_gibbs_smoke: Gibbs samples of the digits are finite and a second step differs from
    the first in every row (the stream advances)."""
    X = digits()
    rbm = BernoulliRBM(n_components=42, batch_size=40, n_iter=20, random_state=42).fit(X)
    first = rbm.gibbs(X)
    assert np.isfinite(first).all() and set(np.unique(first)) <= {0.0, 1.0}
    assert (first != rbm.gibbs(X)).max(axis=1).all()


def test_sklearn_expectation_dtype_consistency() -> None:
    """test_convergence_dtype_consistency: float32 and float64 runs agree to scikit-learn's
    tolerances (float32 rounding over 100 updates)."""
    X = digits()[:100]
    kw = dict(n_components=16, batch_size=5, n_iter=5, random_state=42)
    r64 = BernoulliRBM(**kw).fit(X)
    r32 = BernoulliRBM(**kw).fit(X.astype(np.float32))
    np.testing.assert_allclose(r64.transform(X), r32.transform(X.astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(r64.intercept_hidden_, r32.intercept_hidden_, rtol=1e-6)
    np.testing.assert_allclose(r64.intercept_visible_, r32.intercept_visible_, rtol=1e-5)
    np.testing.assert_allclose(r64.components_, r32.components_, rtol=1e-3)
    np.testing.assert_allclose(r64.h_samples_, r32.h_samples_)


def test_sklearn_expectation_score_samples_is_finite() -> None:
    """test_score_samples: an absurd learning rate still scores finite values (no overflow in
    the logaddexp form), the same flips each call for a seed."""
    rng = np.random.RandomState(42)
    X = np.vstack([np.zeros(1000), np.ones(1000)])
    rbm = BernoulliRBM(n_components=10, batch_size=2, n_iter=10, random_state=rng).fit(X)
    assert (rbm.score_samples(X) < -300).all()
    with np.errstate(under="ignore"):  # #2785: used to overflow to infinity and crash
        assert np.isfinite(rbm.score_samples(np.linspace(0, 1, 1000)[None])).all()
    rbm.components_[0, 0] = rbm.intercept_hidden_[0] = 1e30
    assert np.isfinite(rbm.score_samples(X)).all()
    Xs = grey(10, 5)
    seeded = BernoulliRBM(3, n_iter=1, random_state=1).fit(Xs)
    np.testing.assert_array_equal(seeded.score_samples(Xs), seeded.score_samples(Xs))


def test_sklearn_expectation_verbose_prints_progress(capsys) -> None:
    """test_rbm_verbose: verbose=True prints one line per epoch."""
    BernoulliRBM(n_iter=2, verbose=True, random_state=0).fit(grey(10, 4))
    assert capsys.readouterr().out.count("Iteration") == 2


def test_switching_method_leaves_no_stale_state() -> None:
    """A model refitted with method="sklearn" after "cd" continues exactly as a fresh one:
    the cd stream and velocities of the earlier fit are dropped."""
    X = grey(30, 6)
    ours = BernoulliRBM(4, n_iter=2, method="cd", random_state=2).fit(X)
    ours.set_params(method="sklearn").fit(X).partial_fit(X[:10])
    theirs = sk.BernoulliRBM(4, n_iter=2, random_state=2).fit(X)
    theirs.partial_fit(X[:10])  # scikit-learn's partial_fit returns None
    assert_same(ours, theirs)
    assert not hasattr(ours, "velocities_")


@pytest.mark.parametrize("then", ["partial_fit", "gibbs"])
def test_partial_fit_and_gibbs_after_a_method_switch_use_scikit_learns_stream(then) -> None:
    """A cd partial_fit leaves a Generator in random_state_; after set_params(method="sklearn")
    partial_fit and gibbs draw from check_random_state(random_state) as scikit-learn does from
    the same parameters, never from the stale Generator."""
    X = grey(30, 6)
    ours = BernoulliRBM(4, method="cd", random_state=5).partial_fit(X)
    ours.set_params(method="sklearn")
    theirs = sk.BernoulliRBM(4, random_state=5)
    for name in ATTRS:
        setattr(theirs, name, getattr(ours, name).copy())
    if then == "partial_fit":
        ours.partial_fit(X[:10])
        theirs.partial_fit(X[:10])
        assert_same(ours, theirs)
    else:
        np.testing.assert_array_equal(ours.gibbs(X), theirs.gibbs(X))
