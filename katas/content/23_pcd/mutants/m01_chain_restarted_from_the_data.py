"""Restarts the negative phase from the data at every call (that is CD, not PCD): the chain
begins with hidden states sampled from P(h | v0), and chain_h is ignored."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), H = v0.shape, W.shape[0]
    ph0 = hidden_probabilities(v0, W, c)
    h = sample_bernoulli(ph0, uniforms((n, H)))
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((n, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, uniforms((n, H)))
    dW = ph0.T @ v0 / n - ph.T @ v / n
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), h
