"""Sums the statistics over the batch instead of averaging them."""

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
            h = sample_bernoulli(ph, uniforms((n, H)))
    return ph0.T @ v0 - ph.T @ pv, (v0 - pv).sum(0), (ph0 - ph).sum(0), pv, ph
