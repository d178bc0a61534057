"""Draws the uniforms once and reuses the same array at every step of the chain."""

from scratch.rbm import (  # noqa: F401
    hidden_probabilities,
    momentum_update,
    sample_bernoulli,
    visible_probabilities,
)


def cd_step(v0, W, b, c, k, uniforms):
    n, H = v0.shape[0], W.shape[0]
    u = uniforms((n, H))
    ph0 = hidden_probabilities(v0, W, c)
    h = sample_bernoulli(ph0, u)
    for step in range(k):
        pv = visible_probabilities(h, W, b)
        ph = hidden_probabilities(pv, W, c)
        if step < k - 1:
            h = sample_bernoulli(ph, u)
    return (ph0.T @ v0 - ph.T @ pv) / n, (v0 - pv).mean(0), (ph0 - ph).mean(0), pv, ph
