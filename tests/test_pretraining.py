"""Greedy layer-wise pretraining (scratch.pretraining, tf_ref.pretraining): each RBM of the stack
trains on exactly the frozen layers' hidden probabilities, the stacked Dense layers compute that
same chain, and the DBN classifier is an ordinary model (fit, freeze, save/load, the tf_ref twin).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scratch import pretraining
from scratch.rbm import hidden_probabilities

F64 = {"rtol": 1e-12, "atol": 1e-14}  # one float64 matmul + sigmoid done two ways: a few ulps


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def stack_params(widths: list[int], seed: int = 0, scale: float = 0.5) -> list[tuple]:
    """Random RBM parameters (W (H, D), c (H,)) for a stack of the given widths [D, H1, H2...]."""
    rng = np.random.default_rng(seed)
    return [
        (scale * rng.standard_normal((h, d)), scale * rng.standard_normal(h))
        for d, h in itertools.pairwise(widths)
    ]


def grey(n: int = 12, d: int = 7, seed: int = 1) -> np.ndarray:
    """Grey levels in [0, 1] (like scaled pixels)."""
    return np.random.default_rng(seed).random((n, d))


# ------------------------------------------------------------------ pure functions (kata 24)


def test_layer_inputs_are_the_chain_of_hidden_probabilities() -> None:
    """[x, sigma(x W1.T + c1), sigma(. W2.T + c2)]: len(params) items, probabilities, no samples."""
    x, params = grey(), stack_params([7, 5, 4, 3])
    inputs = pretraining.layer_inputs(x, params)
    assert len(inputs) == 3
    np.testing.assert_array_equal(inputs[0], x)
    expected = x
    for got, (w, c) in zip(inputs[1:], params[:-1], strict=True):
        expected = sigmoid(expected @ w.T + c)
        np.testing.assert_allclose(got, expected, **F64)
    assert not np.isin(inputs[1], (0.0, 1.0)).any()  # probabilities, never binary samples


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_inputs_keep_the_data_dtype(dtype: str) -> None:
    """float32 data gives float32 inputs (the RBMs train in the data's dtype), float64 alike."""
    inputs = pretraining.layer_inputs(grey().astype(dtype), stack_params([7, 5, 4]))
    assert [a.dtype for a in inputs] == [np.dtype(dtype)] * 2


def test_stack_weights_give_dense_layers_computing_the_same_chain() -> None:
    """Dense(H, sigmoid) with stack_weights' (W.T, c): forward = the hidden_probabilities chain."""
    from scratch.layers import Dense
    from scratch.models import Sequential

    x, params = grey(), stack_params([7, 5, 4, 3])
    weights = pretraining.stack_weights(params)
    assert [k.shape for k, _ in weights] == [(7, 5), (5, 4), (4, 3)]
    model = Sequential([Dense(w.shape[0], "sigmoid") for w, _ in params], 7, dtype="float64")
    model.set_weights([a for pair in weights for a in pair])
    expected = x
    for w, c in params:
        expected = hidden_probabilities(expected, w, c)
    np.testing.assert_allclose(model.forward(x), expected, **F64)
    weights[0][0][0, 0] = 99.0  # copies: editing the Dense kernel leaves the RBM alone
    assert params[0][0][0, 0] != 99.0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ([], r"params: expected a non-empty list of \(W, c\) pairs"),
        ("W", r"params: expected a non-empty list"),
        ([(np.zeros((5, 7)),)], r"params\[0\]: expected a pair \(W, c\)"),
        ([(np.zeros((5, 6)), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected shape \(H, 7\)"),
        ([(np.zeros((5, 7)), np.zeros(4))], r"params\[0\]\[1\] \(c\): expected shape \(5,\)"),
        (
            [(np.zeros((5, 7)), np.zeros(5)), (np.zeros((4, 6)), np.zeros(4))],
            r"params\[1\]\[0\] \(W\): expected shape \(H, 5\) \(params\[0\]'s hidden layer",
        ),
        ([(np.zeros((5, 7), dtype=int), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected a float"),
        ([(np.full((5, 7), np.nan), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected finite"),
    ],
)
def test_bad_params_are_refused_by_position(params, match: str) -> None:
    """Both pure functions name the pair and array: empty, not pairs, widths that do not chain."""
    with pytest.raises((TypeError, ValueError), match=match):
        pretraining.layer_inputs(grey(), params)
    if "H, 7" not in match:  # stack_weights has no input width to check the first W against
        with pytest.raises((TypeError, ValueError), match=match):
            pretraining.stack_weights(params)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (grey() * 2, r"x: expected values in \[0, 1\]"),
        (grey() - 0.5, r"x: expected values in \[0, 1\]"),
        ((grey() * 255).astype(np.uint8), r"x: expected a floating-point array"),
        (np.full((3, 7), np.nan), r"x: expected finite"),
        (grey()[0], r"x: expected a 2-D array"),
    ],
)
def test_layer_inputs_refuse_data_outside_the_unit_interval(x, match: str) -> None:
    """x must be visible units: finite floats in [0, 1], 2-D (the RBM's own check)."""
    with pytest.raises((TypeError, ValueError), match=match):
        pretraining.layer_inputs(x, stack_params([7, 5]))
