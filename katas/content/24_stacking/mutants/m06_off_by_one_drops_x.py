"""Off by one the other way: the list starts at P(h_1 | x) and leaves out x, the first RBM's
input, so every RBM is handed the input of the one above it."""

from scratch.pretraining import stack_weights  # noqa: F401
from scratch.rbm import hidden_probabilities


def layer_inputs(x, params):
    inputs, h = [], x
    for w, c in params:
        h = hidden_probabilities(h, w, c)
        inputs.append(h)
    return inputs
