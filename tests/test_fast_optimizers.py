"""The update rules' Numba twins (scratch.fast.optimizers) against their NumPy definitions:
every rule and variant, float32 and float64, several steps, bit for bit. Exact equality is the
right tolerance: each twin does its definition's operations in the same dtypes and order, and
nothing is fused into multiply-adds (scratch/fast/optimizers.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scratch.fast as fast
from scratch import optimizers

RULES = {
    "sgd": lambda: optimizers.SGD(0.1),
    "momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(0.05, momentum=0.95, nesterov=True),
    "adagrad": lambda: optimizers.Adagrad(0.1),
    "adagrad-eps0": lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.0, epsilon=0.0),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop-centered-momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda: optimizers.Adam(0.01),
    "amsgrad": lambda: optimizers.Adam(0.003, beta_1=0.8, amsgrad=True),
    "clipped-adam": lambda: optimizers.Adam(0.01, clipnorm=0.5),
}


def trajectory(make, kernels, dtype, seed, steps, zeros):
    """The parameters after ``steps`` updates from the same gradients, on one path."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((5, 3)).astype(dtype), rng.standard_normal(3).astype(dtype)]
    with fast.use(kernels):
        opt = make()
        for _ in range(steps):
            grads = [rng.standard_normal(p.shape).astype(dtype) for p in params]
            if zeros:  # exact zeros: divisions by sqrt(0) + 0 where epsilon is 0
                grads[0][0] = 0
            opt.apply(params, grads)
    return params, opt.variables()


@pytest.mark.parametrize("rule", sorted(RULES))
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(1, 6),
    zeros=st.booleans(),
)
def test_each_twin_is_its_definition(rule, dtype, seed, steps, zeros):
    """The same steps on both paths: the same parameters and optimizer slots, exactly."""
    with np.errstate(all="ignore"):
        (p0, v0), (p1, v1) = (
            trajectory(RULES[rule], k, dtype, seed, steps, zeros) for k in ("numpy", "numba")
        )
    for a, b in zip(p0, p1, strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert v0.keys() == v1.keys()
    assert all(np.array_equal(v0[k], v1[k], equal_nan=True) for k in v0)


def test_a_non_contiguous_parameter_takes_the_numpy_rule():
    """A strided parameter (a view) is updated correctly: the flat twin is not used on it."""
    base = np.ones((4, 6), np.float32)
    view = base[:, ::2]
    grad = np.full(view.shape, 2.0, np.float32)
    optimizers.SGD(0.25).apply([view], [grad])
    assert np.all(base[:, ::2] == 0.5) and np.all(base[:, 1::2] == 1.0)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(
    ("param_dtype", "grad_dtype"), [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_a_gradient_of_another_dtype_takes_the_numpy_rule(rule, param_dtype, grad_dtype):
    """A gradient whose dtype differs from its parameter's: both paths give the same steps
    (NumPy mixes the two dtypes; the twins would compute in the parameter's)."""
    results = []
    for kernels in fast.KERNELS:
        rng = np.random.default_rng(7)
        param = rng.standard_normal((4, 3)).astype(param_dtype)
        with fast.use(kernels):
            opt = RULES[rule]()
            for _ in range(3):
                opt.apply([param], [rng.standard_normal((4, 3)).astype(grad_dtype)])
        results.append(param)
    assert np.array_equal(*results)
