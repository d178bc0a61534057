"""Weight penalties: scratch against Keras' regularizers (values) and tf.GradientTape (gradients),
a float64 finite-difference check of the gradients, and ``sparsify``; the plain functions of
kata 14 (``l1_l2_penalty``, ``l1_l2_penalty_grad``, ``max_norm``) against their Keras twins.

The weights drawn include exact zeros, where |w| has a kink: TensorFlow's gradient of abs is
sign(0) = 0 there, and scratch must agree. The factors are float32-exact because Keras casts
every factor through a float32 tensor (float64 weights then see float32(l1), float32(l2); see
tf_ref/regularizers.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import constraints as s_con
from scratch import regularizers as s_reg
from tests.helpers import lazy_module, numerical_gradient, rel_error
from tests.strategies import f32

t_con = lazy_module("tf_ref.constraints")
t_reg = lazy_module("tf_ref.regularizers")

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = st.lists(st.integers(1, 6), min_size=0, max_size=3).map(tuple)
FACTORS = st.just(0.0) | f32(1e-4, 2.0, log=True)
RTOL = {"float32": 1e-5, "float64": 1e-13}  # float32: the sums run in different orders


def draw_weights(seed: int, shape: tuple[int, ...], dtype: str, zeros: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = np.asarray(rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 1))
    if zeros:
        w[np.asarray(rng.random(shape)) < 0.3] = 0.0  # the kink of |w|
    return w.astype(dtype)


def make(module, kind: str, l1: float, l2: float):
    return {
        "L1": lambda: module.L1(l1),
        "L2": lambda: module.L2(l2),
        "L1L2": lambda: module.L1L2(l1, l2),
    }[kind]()


@pytest.mark.tf
@given(
    kind=st.sampled_from(["L1", "L2", "L1L2"]),
    dtype=DTYPES,
    seed=SEEDS,
    shape=SHAPES,
    l1=FACTORS,
    l2=FACTORS,
)
def test_penalty_and_gradient_match_keras(kind, dtype, seed, shape, l1, l2) -> None:
    w = draw_weights(seed, shape, dtype)
    ours, theirs = make(s_reg, kind, l1, l2), make(t_reg, kind, l1, l2)
    value_s, value_t = ours(w), theirs(w)
    assert isinstance(value_s, float) and isinstance(value_t, float)
    assert value_s == pytest.approx(value_t, rel=RTOL[dtype], abs=1e-30), kind
    grad_s, grad_t = ours.grad(w), theirs.grad(w)
    assert grad_s.shape == grad_t.shape == w.shape
    assert grad_s.dtype == grad_t.dtype == w.dtype
    np.testing.assert_allclose(grad_s, grad_t, rtol=RTOL[dtype], atol=1e-30, err_msg=kind)


@given(seed=SEEDS, shape=SHAPES.filter(lambda s: 0 < int(np.prod(s)) <= 30), l1=FACTORS, l2=FACTORS)
def test_gradient_against_finite_differences(seed, shape, l1, l2) -> None:
    """float64 centred differences, the weights kept at least 1e-3 away from the kink at 0 so a
    step of 1e-5 never crosses it (the analytic gradient is then exact up to rounding)."""
    w = draw_weights(seed, shape, "float64", zeros=False)
    w = np.where(np.abs(w) < 1e-3, np.copysign(1e-3, w) + w, w)
    reg = s_reg.L1L2(l1, l2)
    numeric = numerical_gradient(lambda x: np.array(reg(x)), w.copy(), np.array(1.0))
    assert rel_error(reg.grad(w), numeric) < 1e-7


@pytest.mark.tf
def test_penalties_by_hand() -> None:
    """Keras' conventions: no 0.5 in L2 (Keras' own docstring: L2(0.5) on ones(5, 5) is 12.5),
    L1 at w = 0 has gradient 0, and L1L2 is the sum of both."""
    w = np.array([[1.0, -2.0], [0.0, 0.5]])
    for reg in (s_reg, t_reg):
        assert reg.L2(0.5)(np.ones((5, 5))) == 12.5
        np.testing.assert_array_equal(reg.L2(0.5).grad(w), w)  # 2 * 0.5 * w
        assert reg.L1(0.25)(w) == 0.25 * 3.5
        np.testing.assert_array_equal(reg.L1(0.25).grad(w), [[0.25, -0.25], [0.0, 0.25]])
        assert reg.L1L2(0.25, 0.5)(w) == 0.25 * 3.5 + 0.5 * 5.25
        assert reg.L1L2()(w) == 0.0 and reg.L1L2().grad(w).sum() == 0.0
        assert reg.L1().l1 == reg.L2().l2 == 0.01  # Keras' defaults


@pytest.mark.tf
@given(dtype=DTYPES, seed=SEEDS, shape=SHAPES, l1=FACTORS, l2=FACTORS)
def test_penalty_functions_match_keras(dtype, seed, shape, l1, l2) -> None:
    """``l1_l2_penalty`` / ``l1_l2_penalty_grad`` against ``keras.regularizers.L1L2`` and its taped
    gradient, and the scratch classes against the functions they wrap (bit for bit: the same
    code). RTOL as above: float32 sums in another order, float64 a few ulps."""
    w = draw_weights(seed, shape, dtype)
    value_s, value_t = s_reg.l1_l2_penalty(w, l1, l2), t_reg.l1_l2_penalty(w, l1, l2)
    assert isinstance(value_s, float) and isinstance(value_t, float)
    assert value_s == pytest.approx(value_t, rel=RTOL[dtype], abs=1e-30)
    grad_s, grad_t = s_reg.l1_l2_penalty_grad(w, l1, l2), t_reg.l1_l2_penalty_grad(w, l1, l2)
    assert grad_s.shape == grad_t.shape == w.shape
    assert grad_s.dtype == grad_t.dtype == w.dtype
    np.testing.assert_allclose(grad_s, grad_t, rtol=RTOL[dtype], atol=1e-30)
    assert s_reg.L1L2(l1, l2)(w) == value_s
    np.testing.assert_array_equal(s_reg.L1L2(l1, l2).grad(w), grad_s)


@pytest.mark.tf
def test_penalty_functions_by_hand() -> None:
    """The functions with Keras' conventions: defaults (0, 0) give no penalty at all; no 0.5 in
    L2; sign(0) = 0 in the L1 gradient."""
    w = np.array([[1.0, -2.0], [0.0, 0.5]])
    for reg in (s_reg, t_reg):
        assert reg.l1_l2_penalty(w) == 0.0
        np.testing.assert_array_equal(reg.l1_l2_penalty_grad(w), np.zeros_like(w))
        assert reg.l1_l2_penalty(w, l2=0.5) == 0.5 * 5.25
        assert reg.l1_l2_penalty(w, l1=0.25, l2=0.5) == 0.25 * 3.5 + 0.5 * 5.25
        np.testing.assert_array_equal(
            reg.l1_l2_penalty_grad(w, l1=0.25, l2=0.5), [[1.25, -2.25], [0.0, 0.75]]
        )


# Kernels whose columns differ in norm by up to 1e3, some of them all zero or tiny (norm ~1e-7,
# where Keras' epsilon visibly shrinks them), and the axes a Keras model uses.
KERNEL_AXES = {2: [0, 1, -1, (0, 1)], 4: [0, (0, 1, 2), 3]}


@pytest.mark.tf
@given(
    dtype=DTYPES,
    seed=SEEDS,
    ndim=st.sampled_from(sorted(KERNEL_AXES)),
    data=st.data(),
    fraction=st.floats(0.1, 1.5),
)
def test_max_norm_function_matches_keras(dtype, seed, ndim, data, fraction) -> None:
    """``max_norm`` against ``keras.constraints.MaxNorm`` on dense and conv kernels, with zero
    and tiny slices; and the scratch class against the function (the same code, bit for bit).
    RTOL as above: TF sums the squares in another order."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in rng.integers(1, 5, size=ndim))
    axis = data.draw(st.sampled_from(KERNEL_AXES[ndim]), label="axis")
    scales = 10.0 ** rng.uniform(-2, 1, size=shape[-1])
    scales[rng.random(shape[-1]) < 0.2] = 0.0
    scales[rng.random(shape[-1]) < 0.2] = 1e-7
    w = (rng.standard_normal(shape) * scales).astype(dtype)
    limit = float(np.float32(fraction * max(float(np.abs(w).max()), 1e-6) * 2))
    ours, theirs = s_con.max_norm(w, limit, axis), t_con.max_norm(w, limit, axis)
    assert ours.shape == theirs.shape == w.shape
    assert ours.dtype == theirs.dtype == w.dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=1e-30)
    np.testing.assert_array_equal(s_con.MaxNorm(limit, axis)(w), ours)


@pytest.mark.tf
def test_max_norm_function_by_hand() -> None:
    """Kernel (2 inputs, 3 units), default max_value 2 and axis 0: column [3, 4] (norm 5) is cut
    to [1.2, 1.6]; the zero column stays 0 (the 1e-7 avoids 0 / 0); a column of norm 1e-7 is
    halved by norm / (norm + 1e-7); the input is not changed."""
    w = np.array([[3.0, 0.0, 6e-8], [4.0, 0.0, 8e-8]])
    before = w.copy()
    for con in (s_con, t_con):
        out = con.max_norm(w)
        np.testing.assert_allclose(out[:, 0], [1.2, 1.6], rtol=1e-6)
        np.testing.assert_array_equal(out[:, 1], [0.0, 0.0])
        np.testing.assert_allclose(out[:, 2], [3e-8, 4e-8], rtol=1e-6)
        np.testing.assert_array_equal(w, before)


@pytest.mark.tf
@given(dtype=DTYPES, seed=SEEDS, shape=SHAPES, threshold=st.floats(0.0, 3.0))
def test_sparsify_matches_tensorflow(dtype, seed, shape, threshold) -> None:
    w = draw_weights(seed, shape, dtype)
    ours, theirs = s_reg.sparsify(w, threshold), t_reg.sparsify(w, threshold)
    assert ours.dtype == theirs.dtype == w.dtype
    np.testing.assert_array_equal(ours, theirs)
    small = np.abs(w) < threshold
    assert not ours[small].any()
    np.testing.assert_array_equal(ours[~small], w[~small])


@pytest.mark.tf
def test_sparsify_keeps_the_threshold_itself_and_copies() -> None:
    w = np.array([0.5, -0.5, 0.49, -0.01, 2.0])
    for reg in (s_reg, t_reg):
        out = reg.sparsify(w, 0.5)
        np.testing.assert_array_equal(out, [0.5, -0.5, 0.0, 0.0, 2.0])
        assert out is not w and w[2] == 0.49


@pytest.mark.tf
@pytest.mark.parametrize("reg", [s_reg, t_reg], ids=["scratch", "tf_ref"])
def test_bad_input_is_refused(reg) -> None:
    with pytest.raises(ValueError, match=r"l1: expected a finite value >= 0, got -0\.1"):
        reg.L1(-0.1)
    with pytest.raises(ValueError, match="l2: expected a finite value >= 0, got inf"):
        reg.L1L2(l2=float("inf"))
    with pytest.raises(TypeError, match="w: expected a floating-point array, got dtype int64"):
        reg.L2()(np.ones(3, dtype=np.int64))
    with pytest.raises(ValueError, match="threshold: expected a finite value >= 0"):
        reg.sparsify(np.ones(3), -1.0)
    with pytest.raises(ValueError, match=r"l1: expected a finite value >= 0, got -1"):
        reg.l1_l2_penalty(np.ones(3), l1=-1)
    with pytest.raises(TypeError, match="w: expected a floating-point array, got dtype int64"):
        reg.l1_l2_penalty_grad(np.ones(3, dtype=np.int64), l2=0.1)


@pytest.mark.tf
@pytest.mark.parametrize("con", [s_con, t_con], ids=["scratch", "tf_ref"])
def test_bad_max_norm_arguments_are_refused(con) -> None:
    with pytest.raises(ValueError, match="max_value: expected a finite value >= 0, got -1"):
        con.max_norm(np.ones((2, 2)), -1.0)
    with pytest.raises(ValueError, match="axis: expected axes of a 2-D array, got 2"):
        con.max_norm(np.ones((2, 2)), 2.0, axis=2)
    with pytest.raises(TypeError, match="w: expected a floating-point array"):
        con.max_norm(np.ones((2, 2), dtype=np.int64))
