"""Samples the last hidden step too and uses those binary states in the statistics."""

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
    for _ in range(k):
        pv = visible_probabilities(h, W, b)
        h = sample_bernoulli(hidden_probabilities(pv, W, c), uniforms((n, H)))
    return (ph0.T @ v0 - h.T @ pv) / n, (v0 - pv).mean(0), (ph0 - h).mean(0), pv, h
