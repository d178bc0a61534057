"""Plugs the hidden probabilities into the energy, E(v, P(h|v)): the entropy term is missing."""

from scratch.activations import sigmoid


def free_energy(v, W, b, c):
    x = v @ W.T + c
    return -v @ b - (sigmoid(x) * x).sum(axis=1)
