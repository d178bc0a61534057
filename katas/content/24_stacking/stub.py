"""Kata 24: stacking RBMs (a deep belief net). Run `katas check stacking` after each change."""

import numpy as np


def layer_inputs(x: np.ndarray, params) -> list:
    """The input each RBM of a stack trains on: [x, P(h_1|x), P(h_2|h_1), ...].

    x (n, D_1) in [0, 1]; params = [(W_1, c_1), (W_2, c_2), ...], one pair per RBM, W_k of shape
    (H_k, D_k) (scikit-learn's components_), c_k (H_k,) its hidden biases, D_(k+1) = H_k.
    Returns len(params) arrays: item 0 is x, item k + 1 = sigmoid(item_k @ W_k.T + c_k) (n, H_k),
    hidden PROBABILITIES (never sampled states), in x's dtype. The last RBM's own output is not
    an input of any RBM, so it is not in the list.
    """
    raise NotImplementedError("write layer_inputs")


def stack_weights(params) -> list:
    """The stack as Dense weights: [(kernel_1, bias_1), (kernel_2, bias_2), ...].

    kernel_k = W_k.T (D_k, H_k) and bias_k = c_k (H_k,), so that a Dense(H_k, "sigmoid") layer
    computes sigmoid(x @ kernel_k + bias_k) = P(h_k = 1 | x). New arrays: fine-tuning the Dense
    layers must not change the RBMs.
    """
    raise NotImplementedError("write stack_weights")
