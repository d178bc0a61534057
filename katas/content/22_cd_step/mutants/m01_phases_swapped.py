"""Subtracts the data statistics from the model's: every step lowers the likelihood."""

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
    return (ph.T @ pv - ph0.T @ v0) / n, (pv - v0).mean(0), (ph - ph0).mean(0), pv, ph
