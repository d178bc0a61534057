"""tf_ref.rbm, the TensorFlow oracle, against scratch.rbm and scikit-learn: the pure functions on
random inputs, 200 CD-k / PCD-k updates of the estimators from the same seed (the same NumPy
draws, so the same samples), method="sklearn" against sklearn.neural_network.BernoulliRBM, and
bad input refused in the same words."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import rbm as S
from tf_ref import rbm as T

pytestmark = pytest.mark.tf  # every test here runs TensorFlow


FITTED = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


def data(n: int = 25, D: int = 6, seed: int = 0) -> np.ndarray:
    """Binary data, with n not a multiple of the batch size so that a partial batch runs."""
    return (np.random.default_rng(seed).random((n, D)) < 0.4).astype(np.float64)


def assert_same_model(a, b, atol: float) -> None:
    """The fitted parameters and the chain of two estimators agree to ``atol``."""
    for name in FITTED:
        np.testing.assert_allclose(
            getattr(a, name), getattr(b, name), rtol=0, atol=atol, err_msg=name
        )


@st.composite
def rbm_case(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A random RBM (weights large enough to saturate some units), binary data and a chain."""
    n, m, D, H = (draw(st.integers(1, 6)) for _ in range(4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([0.01, 1.0, 4.0]))
    W = rng.normal(0, scale, (H, D))
    b, c = rng.normal(0, scale, D), rng.normal(0, scale, H)
    v = (rng.random((n, D)) < 0.5).astype(float)
    if draw(st.booleans()):  # grey levels are data too (probabilities in [0, 1])
        v = rng.random((n, D))
    chain = (rng.random((m, H)) < 0.5).astype(float)
    return v, W, b, c, chain, seed


# float64 throughout: the two backends run the same formulas by different routes (TF kernels,
# autodiff through softplus) and differ by a few ulps; 1e-12 leaves room for that and for no
# formula error, which would show at the size of the values themselves.
TOL = 1e-12


@settings(max_examples=8)
@given(rbm_case(), st.sampled_from([1, 3]))  # the k of the 200-update tests: no new traces
def test_pure_functions_agree_with_scratch(case: tuple, k: int) -> None:
    """Probabilities, free energy, CD-k, PCD-k and the monitors agree with scratch on random
    RBMs, the steps consuming the same uniforms in the same order."""
    v, W, b, c, chain, seed = case
    pairs = [
        (S.hidden_probabilities(v, W, c), T.hidden_probabilities(v, W, c)),
        (S.visible_probabilities(chain, W, b), T.visible_probabilities(chain, W, b)),
        (S.free_energy(v, W, b, c), T.free_energy(v, W, b, c)),
        (S.reconstruction_error(v, W, b, c), T.reconstruction_error(v, W, b, c)),
        (
            S.free_energy_gap(v, v[::-1] * 0.5, W, b, c),
            T.free_energy_gap(v, v[::-1] * 0.5, W, b, c),
        ),
    ]
    idx = np.random.default_rng(seed).integers(0, v.shape[1], v.shape[0])
    pairs.append((S.pseudo_likelihood(v, W, b, c, idx), T.pseudo_likelihood(v, W, b, c, idx)))
    cd = [
        mod.cd_step(v, W, b, c, k, S.UniformStream(np.random.default_rng(seed))) for mod in (S, T)
    ]
    pcd = [
        mod.pcd_step(v, W, b, c, chain, k, S.UniformStream(np.random.default_rng(seed)))
        for mod in (S, T)
    ]
    pairs += list(zip(*cd, strict=True)) + list(zip(*pcd, strict=True))
    for ours, theirs in pairs:
        # relative for the free energies (order D * scale), absolute for the rest (order 1)
        np.testing.assert_allclose(theirs, ours, rtol=TOL, atol=TOL)


def test_sample_bernoulli_is_strict_and_keeps_dtype() -> None:
    """u = p gives 0, p = 1 always fires, p = 0 never; float64 uniforms compared in float32."""
    p = np.array([[0.0, 0.5, 1.0, 0.3]], np.float32)
    u = np.array([[0.0, 0.5, 0.999, 0.2]])
    out = T.sample_bernoulli(p, u)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, S.sample_bernoulli(p, u))
    np.testing.assert_array_equal(out, [[0, 0, 1, 1]])


def test_the_chain_end_is_held_constant() -> None:
    """The CD gradient is the guide's positive-minus-negative statistics: differentiating
    through the reconstruction (no stop_gradient) would add a term, and this test sees it."""
    rng = np.random.default_rng(3)
    W, b, c = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, 4), rng.normal(0, 1, 3)
    v0 = (rng.random((5, 4)) < 0.5).astype(float)
    dW, db, dc, v_neg, ph_neg = T.cd_step(v0, W, b, c, 2, S.UniformStream(rng))
    ph0 = 1 / (1 + np.exp(-(v0 @ W.T + c)))
    np.testing.assert_allclose(dW, (ph0.T @ v0 - ph_neg.T @ v_neg) / 5, rtol=0, atol=TOL)
    np.testing.assert_allclose(db, (v0 - v_neg).mean(0), rtol=0, atol=TOL)
    np.testing.assert_allclose(dc, (ph0 - ph_neg).mean(0), rtol=0, atol=TOL)


def test_momentum_update_agrees_and_decays_weights_only() -> None:
    """momentum_update: the same new parameters and velocities as scratch, biases undecayed."""
    rng = np.random.default_rng(4)
    params = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3))
    grads = tuple(rng.normal(size=p.shape) for p in params)
    vel = tuple(rng.normal(size=p.shape) for p in params)
    ours = S.momentum_update(params, grads, vel, 0.1, 0.5, 0.01)
    theirs = T.momentum_update(params, grads, vel, 0.1, 0.5, 0.01)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-15)  # the same few flops
    zero = tuple(np.zeros_like(p) for p in params)
    (_, b1, c1), _ = T.momentum_update(params, zero, zero, 0.1, 0.0, 0.5)
    np.testing.assert_array_equal(b1, params[1])
    np.testing.assert_array_equal(c1, params[2])


@pytest.mark.parametrize("method", ["cd", "pcd"])
@pytest.mark.parametrize("k", [1, 3])
def test_200_updates_agree_with_scratch(method: str, k: int) -> None:
    """200 CD-k / PCD-k updates with momentum and weight decay from the same seed (67 epochs of
    3 batches, the last one partial): scratch and tf_ref end with the same weights, biases and
    chain."""
    kwargs = dict(
        n_components=4,
        learning_rate=0.1,
        batch_size=10,
        n_iter=67,
        method=method,
        k=k,
        momentum=0.5,
        weight_decay=1e-3,
        random_state=0,
    )
    X = data()
    ours, theirs = S.BernoulliRBM(**kwargs).fit(X), T.BernoulliRBM(**kwargs).fit(X)
    assert np.abs(ours.components_).max() > 0.1  # it learnt something: not a trivial agreement
    # TOL: a few ulps per update, 201 updates on values of order 1; any sample drawn
    # differently would move a weight by about learning_rate / batch_size
    assert_same_model(ours, theirs, TOL)
    for name in ("transform", "free_energy", "score_samples"):
        np.testing.assert_allclose(getattr(theirs, name)(X), getattr(ours, name)(X), atol=TOL)
    np.testing.assert_array_equal(theirs.gibbs(X), ours.gibbs(X))
    ours.partial_fit(X[:7])
    theirs.partial_fit(X[:7])
    assert_same_model(ours, theirs, TOL)


def test_float32_keeps_its_dtype() -> None:
    """float32 data trains a float32 model in both backends, close to scratch's."""
    X = data().astype(np.float32)
    kwargs = dict(n_components=3, n_iter=5, method="pcd", k=2, momentum=0.5, random_state=1)
    ours, theirs = S.BernoulliRBM(**kwargs).fit(X), T.BernoulliRBM(**kwargs).fit(X)
    for name in FITTED:
        assert getattr(theirs, name).dtype == np.float32, name
    assert_same_model(ours, theirs, 1e-5)  # float32 ulps (6e-8) over 15 updates


def test_fit_transform_is_fit_then_transform() -> None:
    """fit_transform (scikit-learn's TransformerMixin) in tf_ref: its own fit, then transform,
    scratch's features to 1e-12 (float64, one cd epoch: rounding only)."""
    X = data()
    kwargs = dict(n_components=3, n_iter=1, method="cd", random_state=2)
    ours = S.BernoulliRBM(**kwargs).fit_transform(X)
    np.testing.assert_allclose(T.BernoulliRBM(**kwargs).fit_transform(X), ours, rtol=0, atol=1e-12)


def test_method_sklearn_matches_scikit_learn() -> None:
    """method="sklearn" in tf_ref reproduces sklearn's BernoulliRBM: fit (partial last batch),
    partial_fit, transform, score_samples and gibbs, from the same integer seed."""
    from sklearn.neural_network import BernoulliRBM as Reference

    X = data()
    kwargs = dict(n_components=4, learning_rate=0.1, batch_size=10, n_iter=10, random_state=0)
    ref, ours = Reference(**kwargs).fit(X), T.BernoulliRBM(**kwargs).fit(X)
    assert_same_model(ref, ours, TOL)  # float64; TOL as above
    ref.partial_fit(X[:7])
    ours.partial_fit(X[:7])
    assert_same_model(ref, ours, TOL)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(ours.gibbs(X), ref.gibbs(X))
    fresh_ref, fresh = Reference(**kwargs), T.BernoulliRBM(**kwargs)
    for _ in range(3):  # partial_fit from nothing: the stream random_state_ continues
        fresh_ref.partial_fit(X)
        fresh.partial_fit(X)
    assert_same_model(fresh_ref, fresh, TOL)


Z = np.zeros
P = (Z((4, 3)), Z(3), Z(4))  # W (H=4, D=3), b, c
V = Z((2, 3))  # two rows of data
U = np.random.default_rng(0).random  # a uniform source


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: m.sample_bernoulli(np.full((2, 3), 0.5), Z((1, 3))), "u: expected"),
        (lambda m: m.sample_bernoulli(np.full((2, 3), 1.5), Z((2, 3))), "p: expected values"),
        (lambda m: m.sample_bernoulli(np.full((2, 3), 0.5), np.ones((2, 3))), "u: expected"),
        (lambda m: m.hidden_probabilities(V, Z((4, 5)), Z(4)), "W:"),
        (lambda m: m.free_energy(np.full((2, 3), np.nan), *P), "v"),
        (lambda m: m.free_energy(np.full((2, 3), 255.0), *P), "v: expected values in"),
        (lambda m: m.reconstruction_error(Z((0, 3)), *P), "v: expected at least one row"),
        (lambda m: m.free_energy_gap(V, Z((0, 3)), *P), "v_valid: expected at least one row"),
        (lambda m: m.hidden_probabilities(np.full((2, 3), 2.0), P[0], P[2]), "v: expected val"),
        (lambda m: m.visible_probabilities(np.full((2, 4), -1.0), P[0], P[1]), "h: expected val"),
        (lambda m: m.cd_step(np.full((2, 3), 2.0), *P, 1, U), "v0"),
        (lambda m: m.cd_step(V.astype(int), *P, 1, U), "v0"),
        (lambda m: m.cd_step(V, *P, 0, U), "k:"),
        (lambda m: m.cd_step(V, *P, 1, None), "uniforms"),
        (lambda m: m.cd_step(V, *P, 1, lambda shape: np.ones(shape)), "uniforms"),
        (lambda m: m.pcd_step(V, *P, Z((2, 5)), 1, U), "chain_h"),
        (lambda m: m.momentum_update(P, P[:1], P, 0.1, 0.5, 0.0), "grads"),
        (lambda m: m.momentum_update(P, P, P, 0.1, 1.0, 0.0), "momentum"),
        (lambda m: m.momentum_update(P, P, P, 0.1, 0.5, -1.0), "weight_decay"),
        (lambda m: m.pseudo_likelihood(V, *P, [0, 3]), "flip_index"),
        (lambda m: m.BernoulliRBM(2, method="cd").fit(np.arange(6).reshape(2, 3)), "X"),
        (lambda m: m.BernoulliRBM(2, method="magic").fit(V), "method"),
        (lambda m: m.BernoulliRBM(2, k=2).fit(V), "k:"),
        (lambda m: m.BernoulliRBM(2, method="cd").fit(V).transform(Z((2, 4))), "X"),
        (lambda m: m.BernoulliRBM(2).transform(V), "not fitted"),
    ],
)
def test_bad_input_is_refused_like_scratch(call, match: str) -> None:
    """Each bad argument is refused by both backends with the same error type and message."""
    errors = []
    for mod in (S, T):
        with pytest.raises((TypeError, ValueError)) as info:
            call(mod)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]
    assert match in errors[1][1]


def test_method_sklearn_float32_matches_scikit_learn() -> None:
    """float32 data: scikit-learn keeps float32 weights, biases and chain through fit and a
    float64 partial_fit (computed in float64, stored in float32); tf_ref does the same."""
    from sklearn.neural_network import BernoulliRBM as Reference

    X = data().astype(np.float32)
    kwargs = dict(n_components=4, learning_rate=0.1, batch_size=10, n_iter=10, random_state=0)
    ref, ours = Reference(**kwargs).fit(X), T.BernoulliRBM(**kwargs).fit(X)
    ref.partial_fit(X[:7].astype(np.float64))
    ours.partial_fit(X[:7].astype(np.float64))
    for name in FITTED:
        assert getattr(ours, name).dtype == getattr(ref, name).dtype == np.float32, name
    # float32: TF's and NumPy's BLAS round differently (6e-8 relative per operation), over
    # 31 updates of values below 1
    assert_same_model(ref, ours, 1e-6)


def test_refit_with_another_method_continues_like_scratch() -> None:
    """cd fit -> sklearn refit -> cd partial_fit -> gibbs: the stream and the momentum an
    earlier method left are dropped, or kept, exactly as scratch does."""
    X = data()
    models = [
        mod.BernoulliRBM(3, n_iter=2, method="cd", momentum=0.5, random_state=0) for mod in (S, T)
    ]
    for model in models:
        model.fit(X)
        model.set_params(method="sklearn", momentum=0.0).fit(X)
        model.set_params(method="cd", momentum=0.5).partial_fit(X[:7])
    assert_same_model(*models, TOL)
    np.testing.assert_array_equal(models[1].gibbs(X), models[0].gibbs(X))
