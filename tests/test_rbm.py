"""scratch.rbm: the pure functions (sampling, probabilities, free energy, CD-k / PCD-k steps,
momentum update, monitors), the estimator's methods "cd"/"pcd", and bad input. TF-free."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import rbm


def params(D: int = 5, H: int = 3, seed: int = 0, dtype=np.float64):
    """A small random RBM (W (H, D), b (D,), c (H,)) with weights large enough to matter."""
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0, 1, (H, D)).astype(dtype),
        rng.normal(0, 0.5, D).astype(dtype),
        rng.normal(0, 0.5, H).astype(dtype),
    )


def recorded(seed: int = 1):
    """A uniform source that records what it hands out, to replay the draws in a test."""
    rng = np.random.default_rng(seed)
    log: list[np.ndarray] = []

    def uniforms(shape):
        u = rng.random(shape)
        log.append(u)
        return u

    return uniforms, log


def binary(n: int = 7, D: int = 5, seed: int = 2) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, D)) < 0.5).astype(np.float64)


# ----------------------------------------------------------------------------- pure functions
def test_sample_bernoulli_is_strict_and_keeps_dtype() -> None:
    """u = p gives 0 (strict <), p = 1 always fires, p = 0 never; the result has p's dtype."""
    p = np.array([[0.0, 0.5, 1.0, 0.3]], np.float32)
    u = np.array([[0.0, 0.5, 0.999, 0.2]])
    out = rbm.sample_bernoulli(p, u)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1, 1]])


@pytest.mark.parametrize(
    "p, u, match",
    [
        (np.full(3, 1.5), np.zeros(3), r"p: expected values in \[0, 1\]"),
        (np.full(3, -0.1), np.zeros(3), r"p: expected values in \[0, 1\]"),
        (np.full(3, 0.5), np.ones(3), r"u: expected uniforms in \[0, 1\)"),
        (np.full(3, 0.5), np.full(3, -0.5), r"u: expected uniforms in \[0, 1\)"),
        (np.full(3, 0.5), np.full(3, np.nan), "u: expected finite"),
    ],
)
def test_sample_bernoulli_refuses_what_is_no_probability_or_uniform(p, u, match) -> None:
    """p outside [0, 1] or u outside [0, 1) would give a silent 0/1 that is no Bernoulli(p)
    draw (p = 1.5 always fires, u = 1 never does): refused by name."""
    with pytest.raises(ValueError, match=match):
        rbm.sample_bernoulli(p, u)


def test_sample_bernoulli_refuses_mismatched_shapes() -> None:
    """p and u of different shapes is an error naming u, not a broadcast."""
    with pytest.raises(ValueError, match="u: expected the shape of p"):
        rbm.sample_bernoulli(np.full((2, 3), 0.5), np.zeros((1, 3)))


def test_probabilities_are_the_sigmoids_of_the_affine_maps() -> None:
    """P(h|v) = sigma(v W^T + c) and P(v|h) = sigma(h W + b), by the textbook formula."""
    W, b, c = params()
    v = binary()
    h = rbm.hidden_probabilities(v, W, c)
    np.testing.assert_allclose(h, 1 / (1 + np.exp(-(v @ W.T + c))), rtol=1e-14)
    np.testing.assert_allclose(
        rbm.visible_probabilities(h, W, b), 1 / (1 + np.exp(-(h @ W + b))), rtol=1e-14
    )


def test_free_energy_sums_the_hidden_units_out() -> None:
    """F(v) = -log sum_h exp(-E(v, h)) by brute force over the 2^3 hidden states."""
    W, b, c = params()
    v = binary()
    hs = np.array(np.meshgrid(*[[0, 1]] * 3, indexing="ij")).reshape(3, -1).T
    energy = -(v @ b)[:, None] - (hs @ c)[None] - v @ W.T @ hs.T  # (n, 8)
    expected = -np.log(np.exp(-energy).sum(axis=1))
    # rtol: a log-sum-exp of 8 terms of order 1 against logaddexp, a few ulps apart
    np.testing.assert_allclose(rbm.free_energy(v, W, b, c), expected, rtol=1e-12)


def test_cd_step_follows_the_guide() -> None:
    """CD-k: sampled data-driven h, probabilities for the reconstruction and the last step,
    and (dW, db, dc) = positive - negative statistics; k draws of (n, H), in order."""
    W, b, c = params()
    v0 = binary()
    k = 3
    uniforms, log = recorded()
    dW, db, dc, v_neg, ph_neg = rbm.cd_step(v0, W, b, c, k, uniforms)
    assert [u.shape for u in log] == [(7, 3)] * k
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    ph0 = sig(v0 @ W.T + c)
    h = (log[0] < ph0).astype(float)
    for step in range(k):
        pv = sig(h @ W + b)
        ph = sig(pv @ W.T + c)
        if step < k - 1:
            h = (log[step + 1] < ph).astype(float)
    # tolerance: the same operations in the same order, up to the sigmoid's formula (ulps)
    np.testing.assert_allclose(v_neg, pv, rtol=1e-13)
    np.testing.assert_allclose(ph_neg, ph, rtol=1e-13)
    np.testing.assert_allclose(dW, (ph0.T @ v0 - ph.T @ pv) / 7, atol=1e-14)
    np.testing.assert_allclose(db, (v0 - pv).mean(0), atol=1e-14)
    np.testing.assert_allclose(dc, (ph0 - ph).mean(0), atol=1e-14)


def test_pcd_step_runs_the_persistent_chain() -> None:
    """PCD-k: the chain (m, H) advances by k sampled Gibbs steps, draws (m, D) then (m, H);
    the negative statistics come from the chain, averaged over m (not over the batch's n)."""
    W, b, c = params()
    v0 = binary(n=7)
    chain = (np.random.default_rng(5).random((4, 3)) < 0.5).astype(float)
    uniforms, log = recorded()
    dW, db, dc, new = rbm.pcd_step(v0, W, b, c, chain, 2, uniforms)
    assert [u.shape for u in log] == [(4, 5), (4, 3), (4, 5), (4, 3)]
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    h = chain
    for step in range(2):
        v = (log[2 * step] < sig(h @ W + b)).astype(float)
        ph = sig(v @ W.T + c)
        h = (log[2 * step + 1] < ph).astype(float)
    ph0 = sig(v0 @ W.T + c)
    np.testing.assert_array_equal(new, h)
    np.testing.assert_allclose(dW, ph0.T @ v0 / 7 - ph.T @ v / 4, atol=1e-14)
    np.testing.assert_allclose(db, v0.mean(0) - v.mean(0), atol=1e-14)
    np.testing.assert_allclose(dc, ph0.mean(0) - ph.mean(0), atol=1e-14)


def test_momentum_update_decays_weights_only_and_copies() -> None:
    """Weight decay acts on W alone; velocities accumulate; inputs are not modified."""
    W, b, c = params()
    zeros = tuple(np.zeros_like(p) for p in (W, b, c))
    before = [p.copy() for p in (W, b, c)]
    (W1, b1, c1), (vW, vb, vc) = rbm.momentum_update((W, b, c), zeros, zeros, 0.1, 0.5, 0.01)
    np.testing.assert_allclose(W1, W - 0.1 * 0.01 * W, rtol=1e-15)
    np.testing.assert_array_equal(b1, b)  # zero gradient: no decay on the biases
    np.testing.assert_array_equal(c1, c)
    for p, q in zip(before, (W, b, c), strict=True):
        np.testing.assert_array_equal(p, q)
    g = (np.ones_like(W), np.ones_like(b), np.ones_like(c))
    _, (vW2, vb2, _) = rbm.momentum_update((W1, b1, c1), g, (vW, vb, vc), 0.1, 0.5, 0.0)
    np.testing.assert_allclose(vW2, 0.5 * vW + 0.1, rtol=1e-15)
    np.testing.assert_allclose(vb2, 0.5 * vb + 0.1, rtol=1e-15)


def test_reconstruction_error_and_free_energy_gap() -> None:
    """The monitors by their formulas; the gap of a set with itself is 0."""
    W, b, c = params()
    v = binary()
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    r = sig(sig(v @ W.T + c) @ W + b)
    assert rbm.reconstruction_error(v, W, b, c) == pytest.approx(((v - r) ** 2).sum(1).mean())
    assert rbm.free_energy_gap(v, v, W, b, c) == 0.0
    other = binary(seed=9)
    expected = rbm.free_energy(other, W, b, c).mean() - rbm.free_energy(v, W, b, c).mean()
    assert rbm.free_energy_gap(v, other, W, b, c) == pytest.approx(expected)


def test_pseudo_likelihood_flips_one_feature() -> None:
    """D * log sigma(F(v~) - F(v)) with v~ = v with the named feature flipped; <= 0."""
    W, b, c = params()
    v = binary()
    idx = np.arange(7) % 5
    flipped = v.copy()
    flipped[np.arange(7), idx] = 1 - flipped[np.arange(7), idx]
    gap = rbm.free_energy(flipped, W, b, c) - rbm.free_energy(v, W, b, c)
    pl = rbm.pseudo_likelihood(v, W, b, c, idx)
    np.testing.assert_allclose(pl, 5 * np.log(1 / (1 + np.exp(-gap))), rtol=1e-12)
    assert (pl <= 0).all()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda W, b, c: rbm.hidden_probabilities(np.zeros((2, 4)), W, c), "W: expected 4"),
        (lambda W, b, c: rbm.free_energy(np.zeros((2, 5)), W, b[:3], c), "b: expected shape"),
        (lambda W, b, c: rbm.hidden_probabilities(np.full((2, 5), 2.0), W, c), "v: expected val"),
        (lambda W, b, c: rbm.visible_probabilities(np.full((2, 3), -1.0), W, b), "h: expected val"),
        (lambda W, b, c: rbm.free_energy(np.full((2, 5), 255.0), W, b, c), "v: expected values"),
        (lambda W, b, c: rbm.reconstruction_error(np.zeros((0, 5)), W, b, c), "v: expected at"),
        (
            lambda W, b, c: rbm.free_energy_gap(np.zeros((0, 5)), np.zeros((2, 5)), W, b, c),
            "v_train: expected at least one row",
        ),
        (
            lambda W, b, c: rbm.free_energy_gap(np.zeros((2, 5)), np.zeros((0, 5)), W, b, c),
            "v_valid: expected at least one row",
        ),
        (lambda W, b, c: rbm.cd_step(np.full((2, 5), 2.0), W, b, c, 1, np.random.random), "v0"),
        (lambda W, b, c: rbm.cd_step(np.zeros((2, 5)), W, b, c, 0, np.random.random), "k:"),
        (lambda W, b, c: rbm.cd_step(np.full((2, 5), np.nan), W, b, c, 1, None), "v0"),
        (lambda W, b, c: rbm.cd_step(np.zeros((2, 5)), W, b, c, 1, "rng"), "uniforms"),
        (
            lambda W, b, c: rbm.cd_step(np.zeros((2, 5)), W, b, c, 1, lambda s: np.ones(s)),
            "uniforms: expected values in",
        ),
        (
            lambda W, b, c: rbm.pcd_step(np.zeros((2, 5)), W, b, c, np.zeros((3, 2)), 1, None),
            "chain_h",
        ),
        (lambda W, b, c: rbm.pseudo_likelihood(np.zeros((2, 5)), W, b, c, [0, 5]), "flip_index"),
        (
            lambda W, b, c: rbm.momentum_update((W, b, c), (W, b), (W, b, c), 0.1, 0, 0),
            "grads",
        ),
        (
            lambda W, b, c: rbm.momentum_update((W, b, c), (W, b, c), (W, b, c), 0.1, 1.5, 0),
            "momentum",
        ),
    ],
)
def test_pure_functions_refuse_bad_input_by_name(call, match) -> None:
    """Wrong widths, values outside [0, 1], NaN, k < 1, bad uniform sources, bad hyperparameters:
    a TypeError/ValueError naming the argument."""
    W, b, c = params()
    with pytest.raises((TypeError, ValueError), match=match):
        call(W, b, c)


# ----------------------------------------------------------------------------- the estimator
def manual_fit(X, method, H=4, bs=3, epochs=2, k=2, lr=0.1, mom=0.5, wd=0.01, seed=7):
    """The documented cd/pcd training loop written out with the pure functions: the stream
    order (init, then per epoch a permutation and the steps' uniforms) is the API contract."""
    rng = np.random.default_rng(seed)
    n, D = X.shape
    W = rng.normal(0, 0.01, (H, D)).astype(X.dtype)
    b, c = np.zeros(D, X.dtype), np.zeros(H, X.dtype)
    vel = (np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
    chain = np.zeros((bs, H), X.dtype)
    uniforms = rbm.UniformStream(rng)
    for _ in range(epochs):
        Xs = X[rng.permutation(n)]
        for start in range(0, n, bs):
            v0 = Xs[start : start + bs]
            if method == "cd":
                dW, db, dc, _, _ = rbm.cd_step(v0, W, b, c, k, uniforms)
            else:
                dW, db, dc, chain = rbm.pcd_step(v0, W, b, c, chain, k, uniforms)
            (W, b, c), vel = rbm.momentum_update((W, b, c), (dW, db, dc), vel, lr, mom, wd)
    return W, b, c, chain


@pytest.mark.parametrize("method", ["cd", "pcd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cd_and_pcd_fit_follow_the_documented_loop(method, dtype) -> None:
    """fit(method="cd"/"pcd") is the documented loop over the pure functions, draw for draw
    (a last partial batch included: 8 rows, batches of 3), in the data's dtype."""
    X = binary(8, 5).astype(dtype)
    model = rbm.BernoulliRBM(
        4, batch_size=3, n_iter=2, method=method, k=2, momentum=0.5, weight_decay=0.01,
        random_state=7,
    )  # fmt: skip
    model.fit(X)
    W, b, c, chain = manual_fit(X, method)
    np.testing.assert_array_equal(model.components_, W)
    np.testing.assert_array_equal(model.intercept_visible_, b)
    np.testing.assert_array_equal(model.intercept_hidden_, c)
    if method == "pcd":
        np.testing.assert_array_equal(model.h_samples_, chain)
    assert model.components_.dtype == dtype and model.n_features_in_ == 5


def bars(n: int = 200, side: int = 4, seed: int = 0) -> np.ndarray:
    """The bars problem: each image one random horizontal or vertical bar of a 4x4 grid."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, side, side))
    for i, (vertical, pos) in enumerate(
        zip(rng.random(n) < 0.5, rng.integers(0, side, n), strict=True)
    ):
        if vertical:
            out[i, :, pos] = 1
        else:
            out[i, pos, :] = 1
    return out.reshape(n, -1)


@pytest.mark.parametrize("method", ["sklearn", "cd", "pcd"])
def test_every_method_learns_the_bars(method) -> None:
    """Training lowers the reconstruction error of the bars well below the untrained model's
    and raises the pseudo-likelihood (a property of learning, not of one seed's luck: the
    margin, a factor of 2, is far wider than the seed-to-seed spread seen)."""
    X = bars()
    kw = dict(n_components=8, learning_rate=0.1, batch_size=10, random_state=0, method=method)
    if method != "sklearn":
        kw.update(momentum=0.5)
    before = rbm.BernoulliRBM(n_iter=0, **kw).fit(X)
    after = rbm.BernoulliRBM(n_iter=30, **kw).fit(X)
    err = lambda m: rbm.reconstruction_error(  # noqa: E731
        X, m.components_, m.intercept_visible_, m.intercept_hidden_
    )
    assert err(after) < err(before) / 2
    assert after.score_samples(X).mean() > before.score_samples(X).mean()


def test_partial_fit_gibbs_and_free_energy_of_cd() -> None:
    """partial_fit initialises and does one update on all of X; gibbs gives 0/1 floats of the
    data's dtype; free_energy and transform have the documented shapes."""
    X = bars(20).astype(np.float32)
    model = rbm.BernoulliRBM(6, method="pcd", batch_size=5, random_state=1)
    model.partial_fit(X).partial_fit(X[:7])
    assert model.h_samples_.shape == (5, 6)
    v = model.gibbs(X)
    assert v.dtype == np.float32 and set(np.unique(v)) <= {0.0, 1.0}
    assert model.free_energy(X).shape == (20,) and model.transform(X).shape == (20, 6)


def test_estimator_protocol() -> None:
    """get_params returns the constructor arguments as given; set_params changes them and
    refuses unknown names; the repr shows what differs from the defaults."""
    model = rbm.BernoulliRBM(5, method="cd", k=3)
    params = model.get_params()
    assert params["n_components"] == 5 and params["k"] == 3 and params["random_state"] is None
    assert model.set_params(k=2) is model and model.k == 2
    assert repr(model) == "BernoulliRBM(n_components=5, method='cd', k=2)"
    with pytest.raises(ValueError, match="unknown parameter 'kk'"):
        model.set_params(kk=1)


GOOD = bars(12)


@pytest.mark.parametrize(
    "make, call, match",
    [
        (dict(), lambda m: m.transform(GOOD), "not fitted"),
        (dict(), lambda m: m.gibbs(GOOD), "not fitted"),
        (dict(), lambda m: m.fit(GOOD).transform(GOOD[:, :5]), "X: expected 16 columns"),
        (dict(), lambda m: m.fit(GOOD).partial_fit(GOOD[:, :5]), "X: expected 16 columns"),
        (dict(), lambda m: m.fit(np.full((3, 4), np.nan)), "X: expected finite"),
        (dict(), lambda m: m.fit(GOOD * 255), r"X: expected values in \[0, 1\]"),
        (dict(), lambda m: m.fit(-GOOD), r"X: expected values in \[0, 1\]"),
        (dict(), lambda m: m.fit(np.zeros((0, 4))), "X: expected at least one row"),
        (dict(), lambda m: m.fit((GOOD * 255).astype(np.uint8)), "X: expected a floating"),
        (dict(), lambda m: m.fit(GOOD[0]), "X: expected a 2-D"),
        (dict(method="gibbs"), lambda m: m.fit(GOOD), "method: unknown name 'gibbs'"),
        (dict(method="cd", k=0), lambda m: m.fit(GOOD), "k: expected an integer >= 1"),
        (dict(method="cd", k=1.5), lambda m: m.fit(GOOD), "k: expected an integer"),
        (dict(n_components=0), lambda m: m.fit(GOOD), "n_components"),
        (dict(learning_rate=-1), lambda m: m.fit(GOOD), "learning_rate"),
        (dict(batch_size="10"), lambda m: m.fit(GOOD), "batch_size"),
        (dict(n_iter=-1), lambda m: m.fit(GOOD), "n_iter"),
        (dict(method="cd", momentum=1.0), lambda m: m.fit(GOOD), "momentum"),
        (dict(method="cd", weight_decay=np.nan), lambda m: m.fit(GOOD), "weight_decay"),
        (dict(verbose="yes"), lambda m: m.fit(GOOD), "verbose"),
        (dict(momentum=0.9), lambda m: m.fit(GOOD), 'momentum: method="sklearn"'),
        (dict(k=2), lambda m: m.partial_fit(GOOD), 'k: method="sklearn"'),
        (dict(weight_decay=1e-4), lambda m: m.fit(GOOD), 'weight_decay: method="sklearn"'),
        (
            dict(random_state=np.random.default_rng(0)),
            lambda m: m.fit(GOOD),
            'random_state: method="sklearn" expects',
        ),
        (
            dict(method="pcd", random_state=np.random.RandomState(0)),
            lambda m: m.fit(GOOD),
            'random_state: methods "cd"/"pcd" expect',
        ),
        (dict(random_state=1.5), lambda m: m.fit(GOOD), "random_state"),
    ],
)
def test_estimator_refuses_bad_input_by_name(make, call, match) -> None:
    """Every refusal a TypeError/ValueError that names the argument and what was expected."""
    with pytest.raises((TypeError, ValueError), match=match):
        call(rbm.BernoulliRBM(4, n_iter=1, **make))


def test_float16_data_is_cast_to_float64() -> None:
    """Floats other than float32/float64 are cast to float64 (scikit-learn's rule), not refused
    and not computed in half precision."""
    model = rbm.BernoulliRBM(3, n_iter=1, method="cd", random_state=0).fit(GOOD.astype(np.float16))
    assert model.components_.dtype == np.float64


@pytest.mark.parametrize(
    "method", ["fit", "partial_fit", "transform", "gibbs", "score_samples", "free_energy"]
)
@pytest.mark.parametrize(
    "bad, match",
    [
        (GOOD * 2, r"expected values in \[0, 1\].*x / 255"),
        (GOOD - 0.5, r"expected values in \[0, 1\], got values in \[-0.5"),
        (np.where(GOOD > 0, np.nan, 0.0), "expected finite values"),
        (GOOD.astype(np.int64), "expected a floating-point array"),
        (GOOD[:0], "expected at least one row"),
    ],
)
def test_every_entry_point_checks_its_data(method, bad, match) -> None:
    """The whole family of data arguments goes through one check (check_visible_data): each
    public method refuses out-of-range, NaN, integer and empty data by the argument's name."""
    model = rbm.BernoulliRBM(4, n_iter=1, random_state=0).fit(GOOD)
    with pytest.raises((TypeError, ValueError), match=match):
        getattr(model, method)(bad)


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_verbose_and_scoring_leave_a_generator_stream_alone(method, capsys) -> None:
    """With a Generator as random_state, verbose's per-epoch pseudo-likelihood and score_samples
    draw from a copy: the weights are those of a silent fit and the stream does not move."""

    def fit(verbose):
        gen = np.random.default_rng(3)
        model = rbm.BernoulliRBM(4, n_iter=2, method=method, random_state=gen, verbose=verbose)
        return model.fit(GOOD), gen

    loud, _ = fit(True)
    assert "pseudo-likelihood" in capsys.readouterr().out
    quiet, gen = fit(False)
    np.testing.assert_array_equal(loud.components_, quiet.components_)  # same draws: bit for bit
    state = gen.bit_generator.state
    first = quiet.score_samples(GOOD)
    assert gen.bit_generator.state == state
    np.testing.assert_array_equal(first, quiet.score_samples(GOOD))
