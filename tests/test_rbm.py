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
