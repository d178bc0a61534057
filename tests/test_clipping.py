"""Gradient clipping and weight constraints: scratch against TensorFlow's ops and Keras' own
optimizers (Keras' step order: clip the gradients, update, then apply the constraints).

Thresholds are drawn relative to the gradients' norms so that clipping really happens, and with
several tensors of different norms, so clipping each tensor on its own (``clipnorm``) and all of
them together (``global_clipnorm``) give different answers. Hyperparameters in the lockstep are
float32-exact, for the reason given in test_optimizers.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch import constraints as s_con
from scratch import optimizers as s_opt
from tests.strategies import f32
from tests.test_optimizers import assert_lockstep
from tf_ref import constraints as t_con
from tf_ref import optimizers as t_opt

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
CLIPPERS = ("clip_by_value", "clip_by_norm", "clip_by_global_norm")
# float32: TF and NumPy sum the squares in different orders; float64: a few ulps.
RTOL = {"float32": 2e-6, "float64": 1e-13}


def draw_grads(seed: int, dtype: str, n: int) -> list[np.ndarray]:
    """``n`` gradients of assorted shapes whose scales differ by up to 1e3 from one another."""
    rng = np.random.default_rng(seed)
    grads = []
    for _ in range(n):
        shape = tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(0, 4)))
        grads.append((rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 1)).astype(dtype))
    return grads


def threshold_for(kind: str, grads: list[np.ndarray], fraction: float) -> float:
    """A threshold at ``fraction`` of the relevant size: the largest |g|, the largest tensor
    norm, or the global norm; fraction < 1 clips something, > 1 nothing."""
    if kind == "clip_by_value":
        size = max(float(np.abs(g).max()) for g in grads)
    elif kind == "clip_by_norm":
        size = max(float(np.linalg.norm(g)) for g in grads)
    else:
        size = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))
    return float(np.float32(max(size, 1e-6) * fraction))


@given(
    kind=st.sampled_from(CLIPPERS),
    dtype=DTYPES,
    seed=SEEDS,
    n=st.integers(1, 4),
    fraction=st.floats(0.05, 1.5),
)
def test_clip_functions_match_tensorflow(kind, dtype, seed, n, fraction) -> None:
    grads = draw_grads(seed, dtype, n)
    c = threshold_for(kind, grads, fraction)
    ours = getattr(s_opt, kind)(grads, c)
    theirs = getattr(t_opt, kind)(grads, c)
    assert len(ours) == len(theirs) == n
    for g, a, b in zip(grads, ours, theirs, strict=True):
        assert a.shape == b.shape == g.shape and a.dtype == b.dtype == g.dtype
        np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=1e-30, err_msg=kind)


@given(dtype=DTYPES, seed=SEEDS, fraction=st.floats(0.05, 0.95))
def test_clipnorm_is_per_tensor_and_global_clipnorm_keeps_the_direction(
    dtype, seed, fraction
) -> None:
    """clipnorm: every tensor ends with norm min(||g||, c), each in its own direction.
    global_clipnorm: one common factor for all, so the joint norm is c."""
    grads = draw_grads(seed, dtype, 3)
    c = threshold_for("clip_by_norm", grads, fraction)
    tol = 8 * np.finfo(dtype).eps
    for module in (s_opt, t_opt):
        for g, clipped in zip(grads, module.clip_by_norm(grads, c), strict=True):
            norm = float(np.linalg.norm(g.astype(np.float64)))
            new = float(np.linalg.norm(clipped.astype(np.float64)))
            assert new == pytest.approx(min(norm, c), rel=tol, abs=1e-30)
        total = threshold_for("clip_by_global_norm", grads, 1.0)
        c_global = threshold_for("clip_by_global_norm", grads, fraction)
        clipped = module.clip_by_global_norm(grads, c_global)
        for g, out in zip(grads, clipped, strict=True):
            np.testing.assert_allclose(out, g * (c_global / total), rtol=1e-5, atol=1e-30)


def test_clipping_small_example_by_hand() -> None:
    """g1 = [3, 4] (norm 5), g2 = [0, 12] (norm 12), joint norm 13; threshold 6.5."""
    g = [np.array([3.0, 4.0]), np.array([0.0, 12.0])]
    for module in (s_opt, t_opt):
        by_value = module.clip_by_value(g, 6.5)
        np.testing.assert_array_equal(by_value[1], [0.0, 6.5])
        by_norm = module.clip_by_norm(g, 6.5)
        np.testing.assert_allclose(by_norm[0], [3.0, 4.0])  # short enough: unchanged
        np.testing.assert_allclose(by_norm[1], [0.0, 6.5])
        by_global = module.clip_by_global_norm(g, 6.5)
        np.testing.assert_allclose(by_global[0], [1.5, 2.0])  # everything halved
        np.testing.assert_allclose(by_global[1], [0.0, 6.0])


@pytest.mark.parametrize("module", [s_opt, t_opt], ids=["scratch", "tf_ref"])
@pytest.mark.parametrize("kind", CLIPPERS)
def test_clipping_keeps_arrays_shapes_and_dtypes(module, kind) -> None:
    """A 0-d gradient (a scalar parameter's) comes back as a 0-d array, not a NumPy scalar."""
    grads = [np.array(3.0, dtype=np.float32), np.ones((2, 3), dtype=np.float32)]
    out = getattr(module, kind)(grads, 0.5)
    for g, c in zip(grads, out, strict=True):
        assert isinstance(c, np.ndarray) and c.shape == g.shape and c.dtype == g.dtype


def test_infinite_global_norm_gives_nan_in_both_backends() -> None:
    """One infinite entry: TensorFlow turns every gradient into NaN (not zeros); so do we."""
    grads = [np.array([np.inf, 1.0]), np.array([2.0])]
    for module in (s_opt, t_opt):
        out = module.clip_by_global_norm(grads, 1.0)
        assert all(np.isnan(c).all() for c in out), module.__name__


# ------------------------------------------------------------ optimizers with clipping

OPTIMIZERS = {
    "sgd": lambda m, lr, clip: m.SGD(lr, **clip),
    "nesterov": lambda m, lr, clip: m.SGD(lr, momentum=0.875, nesterov=True, **clip),
    "adagrad": lambda m, lr, clip: m.Adagrad(lr, initial_accumulator_value=0.125, **clip),
    "rmsprop": lambda m, lr, clip: m.RMSprop(lr, rho=0.875, momentum=0.5, **clip),
    "adam": lambda m, lr, clip: m.Adam(lr, beta_1=0.875, beta_2=0.9990234375, **clip),
}
CLIP_KWARGS = {
    "clip_by_value": "clipvalue",
    "clip_by_norm": "clipnorm",
    "clip_by_global_norm": "global_clipnorm",
}


@given(
    name=st.sampled_from(sorted(OPTIMIZERS)),
    kind=st.sampled_from(CLIPPERS),
    dtype=DTYPES,
    seed=SEEDS,
    steps=st.integers(10, 14),
    lr=f32(1e-3, 0.25, log=True),
    fraction=st.floats(0.05, 0.9),
    max_value=f32(0.25, 4.0) | st.none(),
    axis=st.sampled_from([0, 1]),
)
def test_clipping_optimizers_match_keras(
    name, kind, dtype, seed, steps, lr, fraction, max_value, axis
) -> None:
    """Every optimizer with each clipping option (and, when drawn, a MaxNorm constraint on the
    matrix) against the same Keras optimizer, parameters and state compared after every step."""
    rng = np.random.default_rng(seed)
    shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 5))), (int(rng.integers(1, 7)),)]
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    scales = [10.0 ** rng.uniform(-2, 1) for _ in shapes]  # unequal: per-tensor != global
    grads = [
        [(rng.standard_normal(s) * k).astype(dtype) for s, k in zip(shapes, scales, strict=True)]
        for _ in range(steps)
    ]
    c = threshold_for(kind, grads[0], fraction)
    clip = {CLIP_KWARGS[kind]: c}
    ours, theirs = OPTIMIZERS[name](s_opt, lr, clip), OPTIMIZERS[name](t_opt, lr, clip)
    assert theirs.keras_optimizer.get_config()[CLIP_KWARGS[kind]] == c
    if max_value is None:
        cons_s = cons_t = None
    else:
        cons_s = [s_con.MaxNorm(max_value, axis), None]
        cons_t = [t_con.MaxNorm(max_value, axis), None]
    p_s, p_t = [p.copy() for p in params], [p.copy() for p in params]
    for step, g in enumerate(grads):
        ours.apply(p_s, g, constraints=cons_s)
        theirs.apply(p_t, g, constraints=cons_t)
        for i, (a, b, p0) in enumerate(zip(p_s, p_t, params, strict=True)):
            assert b.dtype == np.dtype(dtype)
            assert_lockstep(a, b, p0, dtype, f"{name} {kind}: step {step + 1}, param {i}")
        state_s, state_t = ours.variables(), theirs.variables()
        assert sorted(state_s) == sorted(state_t)
        for key in state_s:
            if key != "iterations":
                zero = np.zeros_like(state_s[key])
                assert_lockstep(state_s[key], state_t[key], zero, dtype, f"{name} {kind}: {key}")
    if max_value is not None:
        norms = np.linalg.norm(p_s[0].astype(np.float64), axis=axis)
        assert norms.max() <= max_value * (1 + 8 * np.finfo(dtype).eps)


def test_constraint_comes_after_the_update() -> None:
    """SGD(lr=1) from w = [[3], [4]] with gradient 0: the constraint alone acts, and Keras applies
    it after the (empty) update: norm 5 -> 2 (MaxNorm default). Clipping first, then the update:
    g = [[30], [40]] clipped to norm 1 moves w by exactly -[0.6, 0.8]."""
    for module, con in ((s_opt, s_con), (t_opt, t_con)):
        w = [np.array([[3.0], [4.0]])]
        module.SGD(1.0).apply(w, [np.zeros((2, 1))], constraints=[con.MaxNorm()])
        np.testing.assert_allclose(w[0], [[1.2], [1.6]], rtol=1e-6)
        w = [np.array([[3.0], [4.0]])]
        module.SGD(1.0, clipnorm=1.0).apply(w, [np.array([[30.0], [40.0]])])
        np.testing.assert_allclose(w[0], [[2.4], [3.2]], rtol=1e-15)


# -------------------------------------------------------------------------- max-norm


@given(
    dtype=DTYPES,
    seed=SEEDS,
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    axis=st.sampled_from([0, 1, (0, 1), -1]),
    fraction=st.floats(0.1, 1.5),
)
def test_max_norm_matches_keras_and_tf(dtype, seed, rows, cols, axis, fraction) -> None:
    """Keras' MaxNorm and the book's tf.clip_by_norm(axes=...) on the same kernel, both axes.
    Columns get very different norms, so taking the norm along the wrong axis shows."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((rows, cols)) * rng.uniform(0.1, 3, size=cols)).astype(dtype)
    limit = float(np.float32(fraction * np.linalg.norm(w, axis=0).max()))
    ours, theirs = s_con.MaxNorm(limit, axis)(w), t_con.MaxNorm(limit, axis)(w)
    assert ours.dtype == theirs.dtype == w.dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=1e-30)
    ours, theirs = s_con.book_max_norm(w, limit, axis), t_con.book_max_norm(w, limit, axis)
    assert ours.dtype == theirs.dtype == w.dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=1e-30)


def test_max_norm_axis_0_is_each_units_incoming_weights() -> None:
    """Kernel (2 inputs, 2 units): unit 0's incoming weights [3, 4] (norm 5) are cut to norm 2,
    unit 1's [0.6, 0.8] (norm 1) stay (up to Keras' 1 / (1 + 1e-7)). The book's axes=1 takes
    the rows instead: [3, 0.6] and [4, 0.8]."""
    w = np.array([[3.0, 0.6], [4.0, 0.8]])
    for con in (s_con, t_con):
        np.testing.assert_allclose(con.MaxNorm(2.0, axis=0)(w), [[1.2, 0.6], [1.6, 0.8]], 1e-6)
        rows = con.book_max_norm(w, 2.0)
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), [2.0, 2.0])
        np.testing.assert_array_equal(con.book_max_norm(w, 10.0), w)  # no epsilon: unchanged


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("module", [s_opt, t_opt], ids=["scratch", "tf_ref"])
def test_bad_clipping_options_are_refused(module) -> None:
    with pytest.raises(ValueError, match="expected at most one of them to be set, got clipvalue"):
        module.Adam(clipvalue=1.0, global_clipnorm=2.0)
    with pytest.raises(ValueError, match="clipnorm: expected a finite value > 0, got 0"):
        module.SGD(clipnorm=0)
    with pytest.raises(ValueError, match="global_clipnorm: expected a finite value > 0"):
        module.clip_by_global_norm([np.ones(2)], -1.0)
    with pytest.raises(TypeError, match="grads: expected a list of arrays, got ndarray"):
        module.clip_by_norm(np.ones(3), 1.0)
    with pytest.raises(TypeError, match=r"grads\[1\]: expected a floating-point array"):
        module.clip_by_value([np.ones(2), np.ones(2, dtype=int)], 1.0)
    with pytest.raises(ValueError, match=r"constraints: expected 1 entries"):
        module.SGD().apply([np.ones(2)], [np.ones(2)], constraints=[None, None])


@pytest.mark.parametrize("con", [s_con, t_con], ids=["scratch", "tf_ref"])
def test_bad_constraint_arguments_are_refused(con) -> None:
    with pytest.raises(TypeError, match="axis: expected an int or a sequence of ints"):
        con.MaxNorm(2.0, axis=0.5)
    with pytest.raises(ValueError, match="axis: expected axes of a 2-D array, got 2"):
        con.MaxNorm(2.0, axis=2)(np.ones((2, 2)))
    with pytest.raises(ValueError, match="threshold: expected a finite value > 0"):
        con.book_max_norm(np.ones((2, 2)), 0.0)
