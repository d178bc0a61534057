"""Samples with u <= p: u = p turns a hidden unit on."""

from scratch.rbm import (  # noqa: F401
    hidden_probabilities,
    momentum_update,
    sample_bernoulli,
    visible_probabilities,
)


def cd_step(v0, W, b, c, k, uniforms):
    n, H = v0.shape[0], W.shape[0]
    ph0 = hidden_probabilities(v0, W, c)
    h = (uniforms((n, H)) <= ph0).astype(v0.dtype)
    for step in range(k):
        pv = visible_probabilities(h, W, b)
        ph = hidden_probabilities(pv, W, c)
        if step < k - 1:
            h = (uniforms((n, H)) <= ph).astype(v0.dtype)
    return (ph0.T @ v0 - ph.T @ pv) / n, (v0 - pv).mean(0), (ph0 - ph).mean(0), pv, ph
