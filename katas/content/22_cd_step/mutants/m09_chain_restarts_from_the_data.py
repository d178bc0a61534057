"""Samples every step from the data-driven ph0: for k > 1 the chain never moves on."""

from scratch.rbm import (  # noqa: F401
    hidden_probabilities,
    momentum_update,
    sample_bernoulli,
    visible_probabilities,
)


def cd_step(v0, W, b, c, k, uniforms):
    n, H = v0.shape[0], W.shape[0]
    ph0 = hidden_probabilities(v0, W, c)
    h = sample_bernoulli(ph0, uniforms((n, H)))
    for step in range(k):
        pv = visible_probabilities(h, W, b)
        ph = hidden_probabilities(pv, W, c)
        if step < k - 1:
            h = sample_bernoulli(ph0, uniforms((n, H)))
    return (ph0.T @ v0 - ph.T @ pv) / n, (v0 - pv).mean(0), (ph0 - ph).mean(0), pv, ph
