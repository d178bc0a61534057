"""scratch.losses against TensorFlow (tf_ref.losses), both against finite differences, and both
refusing bad input with the same clear messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.losses as S
from tests.helpers import backends, lazy_module, numerical_gradient, rel_error

keras = lazy_module("keras")
T = lazy_module("tf_ref.losses")

# A NumPy overflow or invalid-value warning means an unstable formula, even when np.where later
# discards the inf (e.g. exp(1000) on the branch that is not taken): make it an error.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

DTYPES = (np.float32, np.float64)
BACKENDS = backends(S, "tf_ref.losses")


@st.composite
def logits_arrays(draw, max_rows: int = 64, max_classes: int = 20) -> np.ndarray:
    """(N, K) logits of a drawn dtype and magnitude, up to 1000 (exp(1000) overflows float64)."""
    dtype = draw(st.sampled_from(DTYPES))
    n, k = draw(st.integers(1, max_rows)), draw(st.integers(1, max_classes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from((1e-3, 1.0, 30.0, 1000.0)))
    return (rng.standard_normal((n, k)) * scale).astype(dtype)


def tolerances(logits: np.ndarray) -> tuple[float, float]:
    """(loss atol, gradient atol). Both backends shift by the row max and take a log of a sum of
    exps, so a loss carries an absolute error of a few ulp of the largest |logit| (the shift
    cancels digits), and a gradient entry (p - onehot) / N a few ulp of its bound 1 / N."""
    eps = np.finfo(logits.dtype).eps
    return 16 * eps * (1 + float(np.abs(logits).max())), 16 * eps / logits.shape[0]


@pytest.mark.tf
@given(logits=logits_arrays(), data=st.data())
def test_sparse_softmax_cross_entropy_matches_tensorflow(logits, data):
    labels = data.draw(
        st.lists(st.integers(0, logits.shape[1] - 1), min_size=len(logits), max_size=len(logits)),
        label="labels",
    )
    labels = np.array(labels)
    loss, grad = S.sparse_softmax_cross_entropy_value_and_grad(logits, labels)
    tf_loss, tf_grad = T.sparse_softmax_cross_entropy_value_and_grad(logits, labels)
    loss_atol, grad_atol = tolerances(logits)
    assert np.isfinite(loss) and np.isfinite(grad).all()
    assert isinstance(loss, float) and grad.dtype == logits.dtype and grad.shape == logits.shape
    assert loss == pytest.approx(tf_loss, rel=0, abs=loss_atol)
    np.testing.assert_allclose(grad, tf_grad, rtol=0, atol=grad_atol)
    # Every row of softmax - onehot sums to 0.
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=grad_atol * logits.shape[1])


@pytest.mark.tf
@given(logits=logits_arrays(), data=st.data())
def test_sigmoid_binary_cross_entropy_matches_tensorflow(logits, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    # Soft targets in [0, 1], with exact 0s and 1s mixed in.
    targets = np.where(rng.random(logits.shape) < 0.3, rng.integers(0, 2, logits.shape), 0.0)
    targets = np.where(targets == 0, rng.random(logits.shape), targets).astype(logits.dtype)
    loss, grad = S.sigmoid_binary_cross_entropy_value_and_grad(logits, targets)
    tf_loss, tf_grad = T.sigmoid_binary_cross_entropy_value_and_grad(logits, targets)
    # Per entry max(z, 0) - z t + log1p(exp(-|z|)): the first two terms cancel digits of |z|.
    eps = np.finfo(logits.dtype).eps
    assert np.isfinite(loss) and np.isfinite(grad).all()
    assert isinstance(loss, float) and grad.dtype == logits.dtype
    assert loss == pytest.approx(tf_loss, rel=0, abs=16 * eps * (1 + np.abs(logits).max()))
    # (sigmoid(z) - t) / size: a few ulp of its bound 1 / size.
    np.testing.assert_allclose(grad, tf_grad, rtol=0, atol=16 * eps / logits.size)


@BACKENDS
@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_of_magnitude_1000_stay_finite(backend, dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], dtype)
    labels = np.array([1, 2])
    loss, grad = backend.sparse_softmax_cross_entropy_value_and_grad(logits, labels)
    assert loss == pytest.approx(1000.0)  # row 1: 2000 / 2, row 2: 0
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0], [0, 0, 0]], atol=1e-7)
    np.testing.assert_allclose(backend.softmax(logits).sum(axis=1), 1, rtol=1e-6)
    assert np.isfinite(backend.log_softmax(logits)).all()
    targets = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]], dtype)
    loss, grad = backend.sigmoid_binary_cross_entropy_value_and_grad(logits, targets)
    assert np.isfinite(loss) and np.isfinite(grad).all()
    # Entries: 1000, 1000, log 2 | 1000, 0, 1000 * (1 - 0.25) -> mean (3750 + log 2) / 6.
    assert loss == pytest.approx((3750 + np.log(2)) / 6, rel=1e-6)


@pytest.mark.tf
@given(logits=logits_arrays())
def test_softmax_and_log_softmax_match_tensorflow(logits):
    eps = np.finfo(logits.dtype).eps
    np.testing.assert_allclose(S.softmax(logits), T.softmax(logits), rtol=0, atol=16 * eps)
    loss_atol, _ = tolerances(logits)
    np.testing.assert_allclose(S.log_softmax(logits), T.log_softmax(logits), atol=loss_atol)


@st.composite
def small_logits(draw) -> tuple[np.ndarray, np.random.Generator, float]:
    """float64 N(0, 0.5^2) logits, at most 4 x 6, a generator for the labels, and a random
    upstream gradient of random sign with 0.5 <= |dout| <= 2.

    Small logits keep every probability well away from 0, so no gradient entry is so small that
    the rounding of the difference quotient (~1e-11 here) reaches 1e-7 of it.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    logits = 0.5 * rng.standard_normal((draw(st.integers(1, 4)), draw(st.integers(2, 6))))
    return logits, rng, rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)


@BACKENDS
@given(case=small_logits())
def test_softmax_gradient_matches_finite_differences(backend, case):
    logits, rng, dout = case
    labels = rng.integers(0, logits.shape[1], len(logits))
    numeric = numerical_gradient(
        lambda z: backend.sparse_softmax_cross_entropy(z, labels), logits.copy(), np.array(dout)
    )
    analytic = dout * backend.sparse_softmax_cross_entropy_grad(logits, labels)
    assert rel_error(numeric, analytic) <= 1e-7


@BACKENDS
@given(case=small_logits())
def test_sigmoid_gradient_matches_finite_differences(backend, case):
    logits, rng, dout = case
    # Keep |sigmoid(z) - t| >= 0.05: where the gradient is ~0 its relative error means nothing.
    s = 1 / (1 + np.exp(-logits))
    targets = rng.random(logits.shape)
    targets = np.where(np.abs(s - targets) < 0.05, (s < 0.5).astype(float), targets)
    numeric = numerical_gradient(
        lambda z: backend.sigmoid_binary_cross_entropy(z, targets), logits.copy(), np.array(dout)
    )
    analytic = dout * backend.sigmoid_binary_cross_entropy_grad(logits, targets)
    assert rel_error(numeric, analytic) <= 1e-7


@pytest.mark.tf
def test_tf_ref_agrees_with_keras_loss_classes():
    """tf.nn's per-example loss + batch mean is what Keras' loss classes compute by default.

    Keras casts its loss to floatx (float32), hence rel=1e-6 although the inputs are float64.
    """
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    keras_sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert T.sparse_softmax_cross_entropy(logits, labels) == pytest.approx(
        float(keras_sparse(labels, logits)), rel=1e-6
    )
    targets = rng.random((8, 5))
    keras_binary = keras.losses.BinaryCrossentropy(from_logits=True)
    assert T.sigmoid_binary_cross_entropy(logits, targets) == pytest.approx(
        float(keras_binary(targets, logits)), rel=1e-6
    )


@BACKENDS
def test_value_grad_and_unchecked_twins_agree(backend):
    rng = np.random.default_rng(1)
    logits, labels, targets = rng.standard_normal((5, 3)), rng.integers(0, 3, 5), rng.random((5, 3))
    for name, y in (
        ("sparse_softmax_cross_entropy", labels),
        ("sigmoid_binary_cross_entropy", targets),
        ("mean_squared_error", 3 * targets - 1),
    ):
        loss, grad = backend.get(name)(logits, y)
        assert loss == getattr(backend, name)(logits, y)
        np.testing.assert_array_equal(grad, getattr(backend, f"{name}_grad")(logits, y))
        unchecked_loss, unchecked_grad = backend.UNCHECKED[name](logits, y)
        assert unchecked_loss == loss
        np.testing.assert_array_equal(unchecked_grad, grad)


@BACKENDS
def test_sigmoid_cross_entropy_is_the_binary_losss_maths(backend):
    """'sigmoid_cross_entropy' (soft targets, e.g. pixels) is a second name for the binary
    loss's functions, not a copy that could drift."""
    assert (
        backend.LOSSES["sigmoid_cross_entropy"]
        is backend.sigmoid_binary_cross_entropy_value_and_grad
    )
    assert (
        backend.UNCHECKED["sigmoid_cross_entropy"]
        is backend.UNCHECKED["sigmoid_binary_cross_entropy"]
    )


@pytest.mark.tf
@given(outputs=logits_arrays(), data=st.data())
def test_mean_squared_error_matches_tensorflow(outputs, data):
    """MSE value and gradient 2 (z - t) / (N D) against TF's tape, every dtype and scale."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    scale = float(np.abs(outputs).max()) + 1
    targets = (rng.standard_normal(outputs.shape) * scale).astype(outputs.dtype)
    loss, grad = S.mean_squared_error_value_and_grad(outputs, targets)
    tf_loss, tf_grad = T.mean_squared_error_value_and_grad(outputs, targets)
    eps = np.finfo(outputs.dtype).eps
    assert isinstance(loss, float) and grad.dtype == outputs.dtype and grad.shape == outputs.shape
    # A mean of squares of differences up to ~3 scale: relative rounding of a few ulp per term
    # (the two sum in other orders); the gradient entries a few ulp of their bound 6 scale/size.
    assert loss == pytest.approx(tf_loss, rel=64 * eps, abs=0)
    np.testing.assert_allclose(grad, tf_grad, rtol=0, atol=64 * eps * scale / outputs.size)


@BACKENDS
@given(case=small_logits())
def test_mse_gradient_matches_finite_differences(backend, case):
    """float64 centred differences of the mean squared error, times a random upstream."""
    outputs, rng, dout = case
    # Keep |z - t| >= 0.05 so no entry of the gradient is ~0 (its relative error is noise there).
    targets = outputs + rng.choice([-1.0, 1.0], outputs.shape) * rng.uniform(0.05, 2, outputs.shape)
    numeric = numerical_gradient(
        lambda z: backend.mean_squared_error(z, targets), outputs.copy(), np.array(dout)
    )
    analytic = dout * backend.mean_squared_error_grad(outputs, targets)
    assert rel_error(numeric, analytic) <= 1e-7


@BACKENDS
def test_mean_squared_error_by_hand(backend):
    """((1-0)^2 + (2-4)^2 + (3-3)^2 + (0-(-2))^2) / 4 = 9 / 4; gradient 2 (z - t) / 4; integer
    targets are cast, not refused."""
    z = np.array([[1.0, 2.0], [3.0, 0.0]])
    t = np.array([[0, 4], [3, -2]])
    loss, grad = backend.mean_squared_error_value_and_grad(z, t)
    assert loss == pytest.approx(2.25, rel=1e-12)
    np.testing.assert_allclose(grad, [[0.5, -1.0], [0.0, 1.0]], rtol=1e-12)


@pytest.mark.tf
def test_tf_ref_mse_is_keras_mean_squared_error():
    """tf_ref's MSE is Keras' MeanSquaredError (float32 rounding of Keras' result: rel 1e-6)."""
    rng = np.random.default_rng(3)
    z, t = rng.standard_normal((8, 5)), rng.standard_normal((8, 5))
    keras_mse = keras.losses.MeanSquaredError()
    assert T.mean_squared_error(z, t) == pytest.approx(float(keras_mse(t, z)), rel=1e-6)


OUTS = np.zeros((2, 3))
MSE_FNS = ("mean_squared_error", "mean_squared_error_grad", "mean_squared_error_value_and_grad")


@BACKENDS
@pytest.mark.parametrize("fn", MSE_FNS)
@pytest.mark.parametrize(
    ("outputs", "targets", "error", "message"),
    [
        (OUTS, np.zeros((3, 2)), ValueError, r"targets: expected shape \(2, 3\) \(as outputs"),
        (OUTS, np.full((2, 3), np.inf), ValueError, "targets: .*finite"),
        (np.full((2, 3), np.nan), np.zeros((2, 3)), ValueError, "outputs: .*finite"),
        (np.zeros((0, 3)), np.zeros((0, 3)), ValueError, "outputs: expected a non-empty array"),
        (OUTS, np.full((2, 3), "a"), TypeError, "targets: expected a floating-point"),
        (np.zeros((2, 3), int), np.zeros((2, 3)), TypeError, "outputs: expected a floating-point"),
    ],
    ids=["shape", "inf-targets", "nan-outputs", "empty", "str-targets", "int-outputs"],
)
def test_mse_bad_input_raises_clearly(backend, fn, outputs, targets, error, message):
    """MSE refuses bad outputs/targets by name, as the other losses do."""
    with pytest.raises(error, match=message):
        getattr(backend, fn)(outputs, targets)


SPARSE = (
    "sparse_softmax_cross_entropy",
    "sparse_softmax_cross_entropy_grad",
    "sparse_softmax_cross_entropy_value_and_grad",
)
BINARY = (
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_grad",
    "sigmoid_binary_cross_entropy_value_and_grad",
)
LOGITS = np.zeros((2, 3))


@BACKENDS
@pytest.mark.parametrize("fn", SPARSE)
@pytest.mark.parametrize(
    ("logits", "labels", "error", "message"),
    [
        (LOGITS, np.array([0, 3]), ValueError, r"labels: .*label value of 3 .*range of \[0, 3\)"),
        (LOGITS, np.array([-1, 0]), ValueError, r"labels: .*label value of -1 .*range of \[0, 3\)"),
        (LOGITS, np.array([0.0, 1.0]), TypeError, "labels: expected integer class labels"),
        (np.zeros((0, 3)), np.array([], int), ValueError, "logits: expected a non-empty array"),
        (np.array([[0, np.nan, 0], [0, 0, 0]]), np.array([0, 1]), ValueError, "logits: .*finite"),
        (LOGITS, np.array([0, 1, 2]), ValueError, "labels: expected 2 labels .*got 3"),
        (LOGITS, np.array([[0], [1]]), ValueError, r"labels: expected a 1-D .*\(2, 1\)"),
        (np.zeros(3), np.array([0]), ValueError, r"logits: expected a 2-D array, got shape \(3,\)"),
        (np.zeros((2, 3), int), np.array([0, 1]), TypeError, "logits: expected a floating-point"),
    ],
    ids=[
        "label-too-big",
        "label-negative",
        "float-labels",
        "empty-batch",
        "nan-logits",
        "labels-count",
        "labels-2d",
        "logits-1d",
        "int-logits",
    ],
)
def test_sparse_bad_input_raises_clearly(backend, fn, logits, labels, error, message):
    with pytest.raises(error, match=message):
        getattr(backend, fn)(logits, labels)


@BACKENDS
@pytest.mark.parametrize("fn", BINARY)
@pytest.mark.parametrize(
    ("logits", "targets", "error", "message"),
    [
        (LOGITS, np.zeros((3, 2)), ValueError, r"targets: expected shape \(2, 3\) .*got \(3, 2\)"),
        (LOGITS, np.full((2, 3), 1.5), ValueError, r"targets: expected probabilities in \[0, 1\]"),
        (LOGITS, np.full((2, 3), -0.5), ValueError, r"targets: expected probabilities in \[0, 1\]"),
        (np.zeros((0, 3)), np.zeros((0, 3)), ValueError, "logits: expected a non-empty array"),
        (np.full((2, 3), np.nan), np.zeros((2, 3)), ValueError, "logits: .*finite"),
        (LOGITS, np.full((2, 3), np.nan), ValueError, "targets: .*finite"),
    ],
    ids=["shape", "above-1", "below-0", "empty", "nan-logits", "nan-targets"],
)
def test_binary_bad_input_raises_clearly(backend, fn, logits, targets, error, message):
    with pytest.raises(error, match=message):
        getattr(backend, fn)(logits, targets)


@BACKENDS
def test_get_lists_the_valid_names(backend):
    assert (
        backend.get("sigmoid_binary_cross_entropy")
        is backend.LOSSES["sigmoid_binary_cross_entropy"]
    )
    assert set(backend.LOSSES) == set(S.LOSSES)
    with pytest.raises(ValueError, match=r"loss: unknown name 'mse'.*sigmoid_binary_cross_entropy"):
        backend.get("mse")
