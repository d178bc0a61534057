"""scratch.targets (TF-free plumbing): every loss's targets checked once with clear errors, its
metrics and predictions against explicit formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import losses, targets

SEEDS = st.integers(0, 2**32 - 1)
SOFTMAX, BINARY = "sparse_softmax_cross_entropy", "sigmoid_binary_cross_entropy"
PIXELS, MSE = "sigmoid_cross_entropy", "mean_squared_error"


def test_every_loss_has_a_spec_and_every_spec_a_loss() -> None:
    """SPECS and the loss registries name the same losses, each spec its own name."""
    assert set(targets.SPECS) == set(losses.LOSSES) == set(losses.UNCHECKED)
    assert all(targets.get_spec(name).name == name for name in targets.SPECS)


def test_the_table() -> None:
    """Kinds, metrics and output activations as the API table says."""
    table = {n: (s.kind, s.metrics, s.output_activation) for n, s in targets.SPECS.items()}
    assert table == {
        SOFTMAX: ("labels", ("accuracy",), "softmax"),
        BINARY: ("binary", ("binary_accuracy",), "sigmoid"),
        PIXELS: ("unit_interval", ("mean_squared_error",), "sigmoid"),
        MSE: ("real", (), "linear"),
    }


def test_get_spec_names_the_choices() -> None:
    """An unknown loss name is refused with every valid one listed."""
    with pytest.raises(ValueError, match=r"loss: unknown name 'mse'; expected one of .*" + MSE):
        targets.get_spec("mse")
    with pytest.raises(TypeError, match="loss: expected a name"):
        targets.get_spec(None)


def test_the_measured_bug_binary_labels_of_one_output() -> None:
    """A 1-unit output with labels 0/1 is valid for the binary loss, (N,) or (N, 1), returned
    (N, 1) in the model's dtype (the class-label check refused label 1: 'range of [0, 1)')."""
    spec = targets.get_spec(BINARY)
    for y in (np.array([0, 1, 1]), np.array([[0], [1], [1]]), np.array([False, True, True])):
        out = spec.check_targets(y, "y", n_rows=3, output_dim=1, dtype="float32")
        assert out.shape == (3, 1) and out.dtype == np.float32
        np.testing.assert_array_equal(out[:, 0], [0, 1, 1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(seed=SEEDS, n=st.integers(1, 20), d=st.integers(1, 6))
def test_valid_targets_pass_unchanged_in_the_models_dtype(dtype, seed, n, d) -> None:
    """Valid targets of every kind come back with the same values, 2-D, in ``dtype``."""
    rng = np.random.default_rng(seed)
    cases = {
        BINARY: rng.integers(0, 2, (n, d)),
        PIXELS: rng.random((n, d)),
        MSE: rng.standard_normal((n, d)) * 100,
    }
    for name, y in cases.items():
        out = targets.get_spec(name).check_targets(y, "y", n_rows=n, output_dim=d, dtype=dtype)
        assert out.shape == (n, d) and out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(out, y.astype(dtype))
    labels = rng.integers(0, d, n)
    out = targets.get_spec(SOFTMAX).check_targets(labels, "y", n_rows=n, output_dim=d)
    np.testing.assert_array_equal(out, labels)


def test_ints_are_fine_for_mse_and_before_the_model_is_built() -> None:
    """Integer regression targets are cast; without output_dim any width passes (prepare_fit
    checks again once the model is built) and without dtype floats keep theirs."""
    spec = targets.get_spec(MSE)
    out = spec.check_targets(np.array([[3, -7]]), "y")
    assert out.dtype == np.float64 and out.tolist() == [[3.0, -7.0]]
    assert spec.check_targets(np.ones((2, 5), np.float32), "y").dtype == np.float32
    assert spec.check_targets([1.5, 2.5], "y").shape == (2, 1)


BAD = [
    (SOFTMAX, np.array([0.0, 1.0]), {}, TypeError, "y: expected integer class labels"),
    (SOFTMAX, np.array([0, 3]), {"output_dim": 3}, ValueError, r"label value of 3 .*\[0, 3\)"),
    (BINARY, np.array(["0", "1"]), {}, TypeError, "y: loss 'sigmoid_binary.*dtype <U1"),
    (BINARY, "01", {}, TypeError, "y: loss .* expects .*got an array of dtype <U2"),
    (BINARY, None, {}, TypeError, "y: loss .* expects .*got NoneType"),
    (BINARY, np.array([0, 1j]), {}, TypeError, "dtype complex128"),
    (BINARY, np.array([0.0, 0.5]), {}, ValueError, r"neither 0 nor 1 \(e.g. 0.5\).*sigmoid_cross"),
    (BINARY, np.array([0, 2]), {}, ValueError, "1 entries that are neither 0 nor 1"),
    (BINARY, np.array([0, 1]), {"output_dim": 2}, ValueError, r"shape \(2,\).*2 outputs"),
    (BINARY, np.zeros((2, 3)), {"output_dim": 2}, ValueError, r"shape \(2, 3\).*expected \(2, 2"),
    (BINARY, np.zeros((2, 1, 1)), {}, ValueError, r"got shape \(2, 1, 1\)"),
    (BINARY, np.array([0, 1, 1]), {"n_rows": 2}, ValueError, "expected 2 rows .*got 3"),
    (BINARY, np.zeros((0, 1)), {}, ValueError, "empty array"),
    (BINARY, [[0, 1], [1]], {}, ValueError, "ragged"),
    (PIXELS, np.array([0.5, np.nan]), {}, ValueError, "1 NaN or infinite entries"),
    (PIXELS, np.array([0.5, 255.0]), {}, ValueError, r"in \[0.5, 255.0\] \(scale pixels"),
    (PIXELS, np.array([-0.1, 0.5]), {}, ValueError, r"targets in \[0, 1\].*got values in \[-0.1"),
    (MSE, np.array([1.0, np.inf]), {}, ValueError, "NaN or infinite"),
    (MSE, np.array([1e300]), {"dtype": "float32"}, ValueError, "fit float32"),
    (MSE, np.array([[1.0, 2.0]]), {"output_dim": 3}, ValueError, "3 outputs"),
]


@pytest.mark.parametrize(("loss", "y", "kwargs", "error", "match"), BAD)
def test_bad_targets_are_refused_by_name(loss, y, kwargs, error, match) -> None:
    """Each bad target (wrong kind, shape, count, NaN, range, non-binary) is refused with the
    argument's name, what the loss expects and what came."""
    with pytest.raises(error, match=match):
        targets.get_spec(loss).check_targets(y, "y", **kwargs)


def test_metric_values_follow_their_formulas() -> None:
    """accuracy = argmax hits; binary_accuracy = mean((z > 0) == (t == 1)); the pixels'
    mean_squared_error of sigmoid(z) vs t; MSE has none."""
    z = np.array([[2.0, -1.0], [-3.0, 0.5], [0.0, 0.0]])
    got = targets.metric_values(targets.get_spec(SOFTMAX), z, np.array([0, 0, 1]))
    assert got == {"accuracy": pytest.approx(1 / 3)}  # row 3's tie goes to class 0
    t = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    got = targets.metric_values(targets.get_spec(BINARY), z, t)
    assert got == {"binary_accuracy": pytest.approx(4 / 6)}  # z == 0 reads as class 0
    s = 1 / (1 + np.exp(-z))
    got = targets.metric_values(targets.get_spec(PIXELS), z, t)
    assert got == {"mean_squared_error": pytest.approx(np.mean((s - t) ** 2), rel=1e-12)}
    assert targets.metric_values(targets.get_spec(MSE), z, t) == {}


def test_predictions_are_softmax_sigmoid_or_identity() -> None:
    """predictions: rows summing to 1, sigmoid without overflow at |z| = 1000, a copy."""
    z = np.array([[1000.0, -1000.0], [0.0, np.log(3.0)]])
    p = targets.predictions(targets.get_spec(SOFTMAX), z)
    np.testing.assert_allclose(p, [[1, 0], [0.25, 0.75]], atol=1e-12)
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is the right answer
        s = targets.predictions(targets.get_spec(PIXELS), z)
    np.testing.assert_allclose(s, [[1, 0], [0.5, 0.75]], atol=1e-12)
    same = targets.predictions(targets.get_spec(MSE), z)
    assert same is not z and np.array_equal(same, z)
