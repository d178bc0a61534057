"""Keeps the chain's visible units as probabilities (as CD's reconstruction may), without
sampling them: the fantasy particles are no longer states of the model, and the (m, D) draws
are never asked for."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    n, (m, H) = v0.shape[0], chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        v = visible_probabilities(h, W, b)
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, uniforms((m, H)))
    dW = ph0.T @ v0 / n - ph.T @ v / m
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), h
