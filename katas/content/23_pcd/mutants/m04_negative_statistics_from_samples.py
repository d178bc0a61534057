"""Takes the negative statistics from the sampled hidden states h instead of their
probabilities P(h | v): an unbiased but noisier estimate, and not the one the guide prescribes."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((m, D)))
        h = sample_bernoulli(hidden_probabilities(v, W, c), uniforms((m, H)))
    dW = ph0.T @ v0 / n - h.T @ v / m
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - h.mean(0), h
