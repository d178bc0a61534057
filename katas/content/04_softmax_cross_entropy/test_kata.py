"""Tests for kata 4 (softmax and sparse softmax cross-entropy). ``impl`` is the module under test.

Expected values come from the formulas written out in this file, in float64. Tolerances:
rtol 1e-10 with atol 1e-12 lets any correct evaluation order through (a few ulps, 1e-15) while
a missing shift, a wrong axis or a missing 1/N is off by far more. Large logits are compared
exactly where the answer is exactly representable (0, 1, -1000).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_gradient, expect_shape, numerical_gradient

RTOL, ATOL = 1e-10, 1e-12  # see the module docstring


def expected_log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def make(n, k, seed):
    """Logits (n, k) ~ N(0, 1) and labels (n,) uniform in [0, k), both from one seed."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.integers(0, k, size=n)


batches = st.tuples(st.integers(1, 6), st.integers(2, 6), st.integers(0, 2**16))


def loss_call(z, y):
    return f"sparse_softmax_cross_entropy(logits {z.shape}, labels {np.asarray(y).tolist()})"


def grad_call(z, y):
    return f"sparse_softmax_cross_entropy_grad(logits {z.shape}, labels {np.asarray(y).tolist()})"


def as_scalar(got, call):
    assert np.ndim(got) == 0, f"{call} returned shape {np.shape(got)}; expected a single number"
    return float(got)


# ---------------------------------------------------------------------------- softmax


@pytest.mark.hint(1)
def test_softmax_by_hand(impl):
    """softmax([[0, ln 2, ln 3]]) = [[1/6, 2/6, 3/6]]: exp gives 1, 2, 3, divided by their sum."""
    z = np.log(np.array([[1.0, 2.0, 3.0]]))
    expect_close(impl.softmax(z.copy()), np.array([[1, 2, 3]]) / 6, "softmax([[0, ln 2, ln 3]])")


@pytest.mark.hint(1)
def test_log_softmax_by_hand(impl):
    """log_softmax([[0, ln 2, ln 3]]) = [[ln 1/6, ln 2/6, ln 3/6]]."""
    z = np.log(np.array([[1.0, 2.0, 3.0]]))
    expected = np.log(np.array([[1, 2, 3]]) / 6)
    expect_close(impl.log_softmax(z.copy()), expected, "log_softmax([[0, ln 2, ln 3]])", rtol=RTOL)


@pytest.mark.hint(2)
def test_softmax_is_taken_over_the_classes(impl):
    """Each row (one example's K class scores) is normalised on its own: axis 1, not axis 0."""
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    expected = np.array([np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), [1 / 3] * 3])
    expect_close(impl.softmax(z.copy()), expected, "softmax([[1, 2, 3], [1, 1, 1]])", rtol=RTOL)
    one_row = np.array([[1.0, 2.0, 3.0]])
    expect_close(
        impl.log_softmax(one_row.copy()),
        np.log(expected[:1]),
        "log_softmax([[1, 2, 3]])",
        rtol=RTOL,
    )


@pytest.mark.hint(1)
@given(batch=batches)
def test_softmax_rows_are_probabilities(impl, batch):
    """softmax returns (N, K) positive values whose rows sum to 1, equal to exp(z) / sum exp(z)."""
    z, _ = make(*batch)
    got = impl.softmax(z.copy())
    call = f"softmax(logits {z.shape})"
    expect_shape(got, z.shape, call)
    expect_close(got, np.exp(expected_log_softmax(z)), call, rtol=RTOL, atol=ATOL)
    expect_close(got.sum(axis=1), np.ones(z.shape[0]), f"{call}.sum(axis=1)", rtol=RTOL)


@pytest.mark.hint(1)
@given(batch=batches)
def test_log_softmax_is_z_minus_logsumexp(impl, batch):
    """log_softmax(z) = z - log(sum_j exp(z_j)) row by row, shape (N, K)."""
    z, _ = make(*batch)
    got = impl.log_softmax(z.copy())
    call = f"log_softmax(logits {z.shape})"
    expect_shape(got, z.shape, call)
    expect_close(got, expected_log_softmax(z), call, rtol=RTOL, atol=ATOL)


@pytest.mark.hint(2)
def test_softmax_of_huge_logits(impl):
    """softmax stays finite at logits of +-1000 (subtract each row's max before exp)."""
    z = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    # exp(-1000) = 0 in float64, so these are exact.
    expected = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    expect_close(impl.softmax(z.copy()), expected, "softmax([[1000, 0, -1000], ...])", rtol=RTOL)


@pytest.mark.hint(2)
def test_log_softmax_of_huge_logits(impl):
    """log_softmax([[1000, 0, -1000]]) = [[0, -1000, -2000]]: finite, unlike log(softmax(z))."""
    z = np.array([[1000.0, 0.0, -1000.0]])
    expected = np.array([[0.0, -1000.0, -2000.0]])
    expect_close(impl.log_softmax(z.copy()), expected, "log_softmax([[1000, 0, -1000]])", rtol=RTOL)


@pytest.mark.hint(2)
def test_rows_at_very_different_scales(impl):
    """Each row is shifted by its own max: a row 2000 below another still gets finite answers."""
    # One shift for the whole batch (logits.max()) would leave row 1 at -3000 and below:
    # exp underflows to 0 for all three, and log 0 = -inf.
    z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [0.0, 0.0, -5000.0]])
    y = np.array([0, 2, 1])
    logp = expected_log_softmax(z)  # row by row: exact up to a few ulps of the row's values
    call = "log_softmax([[1000, 0, -1000], [-1000, -1000, -999], [0, 0, -5000]])"
    expect_close(impl.log_softmax(z.copy()), logp, call, rtol=RTOL, atol=ATOL)
    expect_close(
        impl.softmax(z.copy()), np.exp(logp), call.replace("log_", ""), rtol=RTOL, atol=ATOL
    )
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    expected = -logp[np.arange(3), y].mean()
    assert math.isclose(got, expected, rel_tol=RTOL), (
        f"{loss_call(z, y)} returned {got!r}, expected {expected!r}"
    )
    grad = (np.exp(logp) - np.eye(3)[y]) / 3
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, grad, grad_call(z, y), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------- the loss


@pytest.mark.hint(1)
def test_loss_of_uniform_logits_is_log_k(impl):
    """All-zero logits predict 1/K for every class, so the mean loss is log K whatever N."""
    z, y = np.zeros((5, 4)), np.array([0, 1, 2, 3, 0])
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    assert math.isclose(got, math.log(4), rel_tol=RTOL), (
        f"{loss_call(z, y)} with all-zero logits returned {got!r}, expected log 4 = "
        f"{math.log(4)!r}" + (" (a sum over the batch, not the mean?)" if got > 2 else "")
    )


@pytest.mark.hint(2)
@given(batch=batches)
def test_loss_is_the_mean_negative_log_probability_of_the_label(impl, batch):
    """L = mean_n -log softmax(z)[n, labels[n]], a single number."""
    z, y = make(*batch)
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    expected = -expected_log_softmax(z)[np.arange(len(y)), y].mean()
    assert math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL), (
        f"{loss_call(z, y)} returned {got!r}, expected {expected!r}"
    )


@pytest.mark.hint(2)
def test_loss_of_huge_logits(impl):
    """Confidently wrong costs 1000, right 0: logits [[1000, 0], [0, 1000]], labels [1, 1]: 500."""
    z, y = np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])
    got = as_scalar(impl.sparse_softmax_cross_entropy(z.copy(), y.copy()), loss_call(z, y))
    assert math.isclose(got, 500.0, rel_tol=RTOL), (
        f"{loss_call(z, y)} returned {got!r}, expected (1000 + 0) / 2 = 500.0"
    )


# ---------------------------------------------------------------------------- the gradient


@pytest.mark.hint(1)
def test_grad_by_hand(impl):
    """All-zero logits, labels [0, 2]: grad = ([[1/3 - 1, 1/3, 1/3], [1/3, 1/3, 1/3 - 1]]) / 2."""
    z, y = np.zeros((2, 3)), np.array([0, 2])
    expected = (np.full((2, 3), 1 / 3) - np.array([[1, 0, 0], [0, 0, 1]])) / 2
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.hint(2)
def test_grad_subtracts_the_label_not_the_prediction(impl):
    """The one-hot sits at the true label (2), even when the model predicts class 0."""
    z, y = np.array([[5.0, 0.0, 0.0]]), np.array([2])
    p = np.exp(z) / np.exp(z).sum()
    expected = p - np.array([[0.0, 0.0, 1.0]])
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.hint(2)
def test_grad_of_huge_logits(impl):
    """Finite at +-1000: logits [[1000, 0], [0, 1000]], labels [1, 1] -> [[0.5, -0.5], [0, 0]]."""
    z, y = np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])
    expected = np.array([[0.5, -0.5], [0.0, 0.0]])
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_close(got, expected, grad_call(z, y), rtol=RTOL)


@pytest.mark.hint(3)
@given(batch=batches)
def test_gradient_check(impl, batch):
    """Gradient check (float64, random upstream gradient): rel. error <= 1e-7 against the loss."""
    z, y = make(*batch)
    # The loss is a scalar, so the upstream gradient is a random scalar g, |g| in [0.5, 2].
    g = float(np.random.default_rng(batch[2] + 1).uniform(0.5, 2.0)) * (-1) ** batch[2]
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_shape(got, z.shape, grad_call(z, y))
    # Entries (p - onehot) / N can be as small as 1e-4 while the rounding error of the centred
    # difference is about 1e-16 * L / h. h = 1e-4 balances it against the truncation error
    # (h^2 / 6 relative): over 3,000 random batches the reference's worst relative error is
    # 4e-9, 25 times below the threshold; a missing 1/N or a misplaced one-hot is off by 0.3+.
    numeric = numerical_gradient(
        lambda v: impl.sparse_softmax_cross_entropy(v, y.copy()), z.copy(), g, h=1e-4
    )
    expect_gradient(g * got, numeric, grad_call(z, y))


@pytest.mark.hint(2)
@given(batch=batches)
def test_grad_rows_sum_to_zero(impl, batch):
    """Each row of the gradient sums to 0: the softmax row sums to 1, and so does the one-hot."""
    z, y = make(*batch)
    got = impl.sparse_softmax_cross_entropy_grad(z.copy(), y.copy())
    expect_shape(got, z.shape, grad_call(z, y))
    expect_close(got.sum(axis=1), np.zeros(len(y)), grad_call(z, y) + ".sum(axis=1)", atol=1e-12)


# ---------------------------------------------------------------------------- plumbing


@pytest.mark.hint(3)
def test_float32_stays_float32(impl):
    """float32 logits give float32 softmax, log_softmax and gradient (no silent float64)."""
    z, y = make(4, 3, 0)
    z = z.astype(np.float32)
    for name, got in (
        ("softmax", impl.softmax(z.copy())),
        ("log_softmax", impl.log_softmax(z.copy())),
        ("sparse_softmax_cross_entropy_grad", impl.sparse_softmax_cross_entropy_grad(z.copy(), y)),
    ):
        expect_shape(got, z.shape, f"{name}(float32 logits (4, 3))")
        assert got.dtype == np.float32, (
            f"{name}(float32 logits (4, 3)) returned dtype {got.dtype}, expected float32 "
            "(np.eye(K) and np.zeros((N, K)) are float64 unless you pass dtype=logits.dtype)"
        )


@pytest.mark.hint(1)
def test_leaves_its_inputs_alone(impl):
    """No function modifies the logits or the labels in place (the max shift makes a new array)."""
    z, y = make(4, 3, 1)
    before = z.copy(), y.copy()
    impl.softmax(z)
    impl.log_softmax(z)
    impl.sparse_softmax_cross_entropy(z, y)
    impl.sparse_softmax_cross_entropy_grad(z, y)
    assert np.array_equal(z, before[0]), "the logits were modified in place (z -= z.max(...)?)"
    assert np.array_equal(y, before[1]), "the labels were modified in place"


@pytest.mark.hint(3)
@pytest.mark.parametrize("bad", [3, 7, -1])
def test_label_out_of_range_is_an_error(impl, bad):
    """A label outside [0, K) raises a ValueError that names it (-1 is not "the last class")."""
    z, y = np.zeros((2, 3)), np.array([0, bad])
    for name, call in (
        ("sparse_softmax_cross_entropy", loss_call(z, y)),
        ("sparse_softmax_cross_entropy_grad", grad_call(z, y)),
    ):
        try:
            got = getattr(impl, name)(z.copy(), y.copy())
        except ValueError as err:
            assert str(bad) in str(err), (
                f"{call} raised ValueError({str(err)!r}); name the bad label ({bad}) in the message"
            )
            continue
        except IndexError as err:
            # NumPy's own "index 3 is out of bounds": raised deep inside, naming no label.
            raise AssertionError(
                f"{call} raised IndexError({str(err)!r}) from NumPy's indexing: check "
                "0 <= labels < K first and raise a ValueError that names the bad label"
            ) from None
        raise AssertionError(
            f"{call} returned {got!r} for K = 3 classes instead of raising: check "
            "0 <= labels < K and raise a ValueError that names the bad label"
            + (" (NumPy reads index -1 as the last class)" if bad < 0 else "")
        )
