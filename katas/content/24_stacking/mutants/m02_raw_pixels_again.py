"""Trains every RBM on the raw pixels x again instead of on the frozen layer below: with equal
widths nothing even fails, the RBMs just all learn the same thing."""

from scratch.pretraining import stack_weights  # noqa: F401


def layer_inputs(x, params):
    return [x for _ in params]
