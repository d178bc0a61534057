"""Divides the negative statistics by the batch size n instead of the number of particles m:
right only when the chain has exactly as many rows as the batch."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((m, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, uniforms((m, H)))
    dW = ph0.T @ v0 / n - ph.T @ v / n
    return dW, v0.mean(0) - v.sum(0) / n, ph0.mean(0) - ph.sum(0) / n, h
