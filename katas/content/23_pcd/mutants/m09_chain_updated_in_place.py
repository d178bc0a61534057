"""Writes the new states into chain_h in place (chain_h[...] = h) and returns it: the caller's
array changes under it, e.g. a chain it kept to restart from."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(chain_h, W, b), uniforms((m, D)))
        ph = hidden_probabilities(v, W, c)
        chain_h[...] = sample_bernoulli(ph, uniforms((m, H)))
    dW = ph0.T @ v0 / n - ph.T @ v / m
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), chain_h
