"""Off by one: returns len(params) + 1 arrays, the top RBM's hidden probabilities included,
though no RBM of the stack trains on them."""

from scratch.pretraining import stack_weights  # noqa: F401
from scratch.rbm import hidden_probabilities


def layer_inputs(x, params):
    inputs = [x]
    for w, c in params:
        inputs.append(hidden_probabilities(inputs[-1], w, c))
    return inputs
