"""Trains the next RBM on SAMPLED hidden states (0s and 1s) instead of the probabilities: the
same expected input with more noise (Hinton & Salakhutdinov 2006 pass the probabilities up),
and a list that changes from call to call, so it can no longer be cached once."""

import numpy as np

from scratch.pretraining import stack_weights  # noqa: F401
from scratch.rbm import hidden_probabilities


def layer_inputs(x, params):
    rng = np.random.default_rng()
    inputs = [x]
    for w, c in params[:-1]:
        p = hidden_probabilities(inputs[-1], w, c)
        inputs.append((rng.random(p.shape) < p).astype(p.dtype))
    return inputs
