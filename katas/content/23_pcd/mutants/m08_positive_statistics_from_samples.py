"""Samples the data's hidden states and takes the positive statistics from them (h0.T @ v0)
instead of the probabilities P(h | v0): extra noise, and an extra (n, H) draw first."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    h0 = sample_bernoulli(hidden_probabilities(v0, W, c), uniforms((n, H)))
    h = chain_h
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((m, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, uniforms((m, H)))
    dW = h0.T @ v0 / n - ph.T @ v / m
    return dW, v0.mean(0) - v.mean(0), h0.mean(0) - ph.mean(0), h
