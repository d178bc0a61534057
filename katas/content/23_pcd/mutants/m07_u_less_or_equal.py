"""Samples with u <= p instead of u < p: a uniform equal to the probability turns the unit on,
and a unit of probability 0 fires when u = 0.0."""

from scratch.rbm import hidden_probabilities, visible_probabilities


def pcd_step(v0, W, b, c, chain_h, k, uniforms):
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = hidden_probabilities(v0, W, c)
    h = chain_h
    for _ in range(k):
        pv = visible_probabilities(h, W, b)
        v = (uniforms((m, D)).astype(pv.dtype) <= pv).astype(pv.dtype)
        ph = hidden_probabilities(v, W, c)
        h = (uniforms((m, H)).astype(ph.dtype) <= ph).astype(ph.dtype)
    dW = ph0.T @ v0 / n - ph.T @ v / m
    return dW, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), h
