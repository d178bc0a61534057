"""Binarises the hidden probabilities at 1/2 before passing them up (a deterministic "sample"):
the next RBM trains on 0s and 1s, and all the graded information is thrown away."""

from scratch.pretraining import stack_weights  # noqa: F401
from scratch.rbm import hidden_probabilities


def layer_inputs(x, params):
    inputs = [x]
    for w, c in params[:-1]:
        p = hidden_probabilities(inputs[-1], w, c)
        inputs.append((p > 0.5).astype(p.dtype))
    return inputs
