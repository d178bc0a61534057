"""The exact oracle: a 6-visible x 4-hidden RBM is small enough to enumerate all 2^6 visible
and 2^4 hidden states, so the free energy, the partition function, the true log-likelihood
gradient and the exact expectation of a CD-k estimate can all be computed by summation.

It shows CD-k (the fully sampled chain of ``pcd_step``, started from the data-driven hidden
states) approaching the true gradient as k grows, and the code's Monte-Carlo averages agreeing
with the exact expectations within a Hoeffding bound. It also documents a fact of the guide's
recipe: with reconstructions kept as probabilities (``cd_step``) the chain is no longer the
model's Gibbs chain, and its bias does not vanish as k grows. TF-free."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scratch import rbm

D, H = 6, 4
V = np.array(list(itertools.product([0.0, 1.0], repeat=D)))  # (64, D) every visible state
HS = np.array(list(itertools.product([0.0, 1.0], repeat=H)))  # (16, H) every hidden state


def sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


@pytest.fixture(scope="module")
def model():
    """Weights large enough (sd 2) that Gibbs sampling mixes slowly and CD-1 is visibly off."""
    rng = np.random.default_rng(0)
    W = rng.normal(0, 2, (H, D))
    b = rng.normal(0, 1, D)
    c = rng.normal(0, 1, H)
    data = V[rng.choice(len(V), 8, replace=False)]
    return W, b, c, data


def energy(W, b, c) -> np.ndarray:
    """E(v, h) = -v.b - h.c - h W v for every pair: (64, 16)."""
    return -(V @ b)[:, None] - (HS @ c)[None, :] - V @ W.T @ HS.T


def bernoulli_table(p: np.ndarray, states: np.ndarray) -> np.ndarray:
    """P(state | probabilities p) for every row of p and every state: (len(p), len(states))."""
    return np.prod(np.where(states[None] == 1, p[:, None, :], 1 - p[:, None, :]), axis=2)


def stats(v: np.ndarray, W, c) -> np.ndarray:
    """The sufficient statistics of the weights' gradient per row, P(h|v) v^T: (n, H, D)."""
    return sig(v @ W.T + c)[:, :, None] * v[:, None, :]


def index(rows: np.ndarray) -> list[int]:
    return [int("".join(str(int(x)) for x in r), 2) for r in rows]


def true_gradient(W, b, c, data) -> np.ndarray:
    """d mean log P(data) / dW = E_data[P(h|v) v^T] - E_model[P(h|v) v^T], exactly."""
    F = rbm.free_energy(V, W, b, c)
    p = np.exp(-F - np.logaddexp.reduce(-F))  # P(v) = exp(-F(v)) / Z
    return stats(data, W, c).mean(0) - np.einsum("v,vhd->hd", p, stats(V, W, c))


def exact_sampled_cd(W, b, c, data, k: int) -> np.ndarray:
    """E[dW] of fully sampled CD-k: h0 ~ P(h|v0), then k times v ~ P(v|h), h ~ P(h|v); the
    negative statistics at the last v. The chain's law on h moves by the 16x16 matrix
    T = P(v|h) P(h|v); v_k's law is q0 T^(k-1) P(v|h)."""
    h_given_v = bernoulli_table(sig(V @ W.T + c), HS)  # (64, 16)
    v_given_h = bernoulli_table(sig(HS @ W + b), V)  # (16, 64)
    q = h_given_v[index(data)].mean(0)
    for _ in range(k - 1):
        q = q @ v_given_h @ h_given_v
    v_law = q @ v_given_h
    return stats(data, W, c).mean(0) - np.einsum("v,vhd->hd", v_law, stats(V, W, c))


def exact_guide_cd(W, b, c, data, k: int) -> np.ndarray:
    """E[dW] of ``cd_step`` (the guide's recipe): h ~ P(h | pv(h_prev)) with pv(h) = P(v|h)
    as probabilities; the negative statistics P(h|pv) pv^T at the last pv."""
    pv = sig(HS @ W + b)  # (16, D): the reconstruction from each hidden state
    step = bernoulli_table(sig(pv @ W.T + c), HS)  # (16, 16)
    q = bernoulli_table(sig(data @ W.T + c), HS).mean(0)
    for _ in range(k - 1):
        q = q @ step
    return stats(data, W, c).mean(0) - np.einsum("h,hjd->jd", q, stats(pv, W, c))


def test_free_energy_and_partition_function_by_enumeration(model) -> None:
    """F(v) = -log sum_h exp(-E(v, h)) for all 64 v, and Z = sum_v exp(-F(v)) =
    sum_{v,h} exp(-E(v, h)); so the P(v) = exp(-F(v)) / Z sum to 1."""
    W, b, c, _ = model
    E = energy(W, b, c)
    F = rbm.free_energy(V, W, b, c)
    # rtol: log-sum-exp of 16 terms against logaddexp: a few ulps of values of order 10
    np.testing.assert_allclose(F, -np.logaddexp.reduce(-E, axis=1), rtol=1e-12)
    log_z = np.logaddexp.reduce(-E.ravel())
    assert np.logaddexp.reduce(-F) == pytest.approx(log_z, rel=1e-12)
    assert np.exp(-F - log_z).sum() == pytest.approx(1.0, rel=1e-12)


def test_exact_cd_k_approaches_the_true_gradient(model) -> None:
    """The exact expectation of sampled CD-k: its error against the true gradient falls with
    k = 1, 5, 25 and is negligible at 25 (the chain has mixed)."""
    W, b, c, data = model
    true = true_gradient(W, b, c, data)
    errors = [np.abs(exact_sampled_cd(W, b, c, data, k) - true).max() for k in (1, 5, 25)]
    assert errors[0] > 0.05  # CD-1's bias with these weights is large (about 0.12)
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-8  # 1 - (second eigenvalue of T)^24: mixed to near machine precision


@pytest.mark.parametrize("k", [1, 5, 25])
def test_the_code_averages_to_the_exact_expectations(model, k) -> None:
    """Averaged over N = 20,000 copies of the data, ``pcd_step`` from data-driven hidden
    samples (sampled CD-k) matches its exact expectation, so at k = 25 the true gradient, and
    ``cd_step`` matches the exact expectation of the guide's recipe, within the bound.

    Bound (Hoeffding): each weight's negative statistic lies in [0, 1], so the mean of N
    draws misses its expectation by more than t with probability <= 2 exp(-2 N t^2); over the
    2 * 24 weights, t = sqrt(log(2 * 48 / 1e-6) / (2 N)) ~ 0.0215 fails with probability
    <= 1e-6 (and the seed is fixed)."""
    W, b, c, data = model
    N = 20_000
    bound = np.sqrt(np.log(2 * 48 / 1e-6) / (2 * N))
    v0 = np.repeat(data, N // len(data), axis=0)
    rng = np.random.default_rng(k)
    uniforms = rbm.UniformStream(rng)
    h0 = rbm.sample_bernoulli(rbm.hidden_probabilities(v0, W, c), uniforms((len(v0), H)))
    dW_sampled = rbm.pcd_step(v0, W, b, c, h0, k, uniforms)[0]
    dW_guide = rbm.cd_step(v0, W, b, c, k, uniforms)[0]
    assert np.abs(dW_sampled - exact_sampled_cd(W, b, c, data, k)).max() < bound
    assert np.abs(dW_guide - exact_guide_cd(W, b, c, data, k)).max() < bound
    if k == 25:
        assert np.abs(dW_sampled - true_gradient(W, b, c, data)).max() < bound


def test_the_guides_probabilities_leave_a_bias_that_k_does_not_remove(model) -> None:
    """The guide's recipe (reconstructions as probabilities) is cheaper and less noisy, but
    its chain is mean-field in v, not the model's Gibbs chain: its exact expectation levels
    off away from the true gradient (here about 0.06) instead of converging."""
    W, b, c, data = model
    true = true_gradient(W, b, c, data)
    errors = [np.abs(exact_guide_cd(W, b, c, data, k) - true).max() for k in (1, 5, 25, 100)]
    assert errors[0] > errors[1]  # the first steps still help
    assert errors[3] == pytest.approx(errors[2], rel=1e-6)  # converged: no further gain
    assert errors[3] > 0.03  # and it converged to a biased value
