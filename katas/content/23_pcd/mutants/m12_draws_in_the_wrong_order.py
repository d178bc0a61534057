"""Asks for a step's two uniform arrays in the wrong order, (m, H) before (m, D): the draws land
on other units than the ones a replay (the TensorFlow twin, a test) gives them to."""

from scratch.rbm import hidden_probabilities, sample_bernoulli, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        u_h = uniforms((m, H))
        v = sample_bernoulli(visible_probabilities(h, W, b), uniforms((m, D)))
        ph = hidden_probabilities(v, W, c)
        h = sample_bernoulli(ph, u_h)
    dW = ph0.T @ v0 / n - ph.T @ v / m
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), h
