"""The functional update rules (what katas 6-9 rebuild) against Keras' own optimizers.

tf_ref's twins run one real Keras optimizer step on the given state. Hyperparameters are drawn
exactly representable in float32 because Keras rounds some of them through float32 (see
docs/FACTS.md); with that, float64 results agree to a few ulp over several steps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import optimizers as S
from tf_ref import optimizers as T

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

# Dyadic values: exact in float32 and float64, so Keras' float32 rounding changes nothing.
lr = st.sampled_from([2.0**-k for k in range(3, 11)])
decay = st.sampled_from([0.5, 0.75, 0.875, 0.9375, 0.96875])
beta2 = st.sampled_from([0.9990234375, 0.998046875, 0.99609375])
shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))


def state(shape, seed, n):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for _ in range(n)]
    return rng, arrays


def run_both(step, arrays, grads):
    ours = [a.copy() for a in arrays]
    theirs = [a.copy() for a in arrays]
    for g in grads:
        step(S, ours, g)
        step(T, theirs, g)
    for a, b in zip(ours, theirs, strict=True):
        # 1e-12: a few ulp of float64 accumulated over 4 steps of a handful of operations.
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@given(shapes, st.integers(0, 2**16), lr, decay, st.booleans())
def test_sgd_update(shape, seed, learning_rate, momentum, nesterov) -> None:
    rng, arrays = state(shape, seed, 2)
    grads = [rng.standard_normal(shape) for _ in range(4)]
    run_both(
        lambda M, a, g: M.sgd_update(a[0], g, a[1], learning_rate, momentum, nesterov),
        arrays,
        grads,
    )


@given(shapes, st.integers(0, 2**16), lr)
def test_adagrad_update(shape, seed, learning_rate) -> None:
    rng, arrays = state(shape, seed, 2)
    arrays[1] = np.abs(arrays[1]) + 0.125  # an accumulator is a sum of squares: positive
    grads = [rng.standard_normal(shape) for _ in range(4)]
    run_both(lambda M, a, g: M.adagrad_update(a[0], g, a[1], learning_rate, 1e-7), arrays, grads)


@given(shapes, st.integers(0, 2**16), lr, decay, st.sampled_from([0.0, 0.5]), st.booleans())
def test_rmsprop_update(shape, seed, learning_rate, rho, momentum, centered) -> None:
    rng, arrays = state(shape, seed, 4)
    arrays[1] = np.abs(arrays[1]) + 1.0  # v dominates a^2, so the centred denominator stays > 0
    arrays[3] = 0.1 * arrays[3]
    grads = [rng.standard_normal(shape) for _ in range(4)]

    def step(M, a, g):
        M.rmsprop_update(
            a[0],
            g,
            a[1],
            learning_rate,
            rho,
            1e-7,
            momentum=momentum,
            mom=a[2] if momentum > 0 else None,
            average_grad=a[3] if centered else None,
        )

    run_both(step, arrays, grads)


@given(shapes, st.integers(0, 2**16), lr, decay, beta2, st.integers(1, 50), st.booleans())
def test_adam_update(shape, seed, learning_rate, beta_1, beta_2, t0, amsgrad) -> None:
    rng, arrays = state(shape, seed, 4)
    arrays[2] = np.abs(arrays[2])
    arrays[3] = np.abs(arrays[3])
    grads = [rng.standard_normal(shape) for _ in range(4)]
    counter = {"S": t0, "T": t0}

    def step(M, a, g):
        key = "S" if M is S else "T"
        M.adam_update(
            a[0],
            g,
            a[1],
            a[2],
            learning_rate,
            counter[key],
            beta_1,
            beta_2,
            1e-7,
            v_hat=a[3] if amsgrad else None,
        )
        counter[key] += 1

    run_both(step, arrays, grads)
