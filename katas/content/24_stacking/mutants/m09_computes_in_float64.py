"""Casts every input to float64 before going up: float32 data (MNIST as the project loads it)
comes back as float64 arrays, twice the memory of the cache."""

import numpy as np

from scratch.pretraining import stack_weights  # noqa: F401
from scratch.rbm import hidden_probabilities


def layer_inputs(x, params):
    inputs = [x]
    for w, c in params[:-1]:
        h = inputs[-1].astype(np.float64)
        inputs.append(hidden_probabilities(h, w.astype(np.float64), c.astype(np.float64)))
    return inputs
