"""Swaps the phases (negative minus positive): the gradient of the log-likelihood with the wrong
sign, which gradient ascent then follows AWAY from the data."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((m, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, uniforms((m, H)))
    dW = ph.T @ v / m - ph0.T @ v0 / n
    return dW, v.mean(0) - v0.mean(0), ph.mean(0) - ph0.mean(0), h
