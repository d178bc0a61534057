"""Tests for kata 13 (gradient clipping). ``impl`` is the module under test.

The hand-worked examples use g1 = [3, 4] (norm 5) and g2 = [0, 12] (norm 12), whose joint norm
is sqrt(25 + 144) = 13: Pythagorean triples, so every norm is exact and the expected values can
be checked on paper. The random tests draw several tensors of different shapes whose scales
differ by up to 1e3, so clipping each tensor on its own and clipping them all together give
different answers.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape
from scratch import optimizers as reference

SEEDS = st.integers(0, 2**32 - 1)
# float64, a norm (a sum of at most 64 squares and a root) and one or two products per entry:
# the rounding error is below 1e-14 relative, so 1e-12 is a wide margin, and every mistake in the
# bug zoo moves some value by 1e-3 or more.
TIGHT = {"rtol": 1e-12, "atol": 0.0}


def arr(*values):
    return np.array(values, dtype=np.float64)


def pythagoras():
    """g1 = [3, 4] (norm 5), g2 = [0, 12] (norm 12): joint norm 13."""
    return [arr(3.0, 4.0), arr(0.0, 12.0)]


def draw_grads(seed, n, dtype=np.float64):
    """``n`` gradients of assorted shapes (1-D to 3-D) and scales from 0.01 to 10."""
    rng = np.random.default_rng(seed)
    grads = []
    for _ in range(n):
        shape = tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(1, 4)))
        scale = 10.0 ** rng.uniform(-2, 1)
        grads.append((rng.standard_normal(shape) * scale).astype(dtype))
    return grads


def norm(g):
    return float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))


def global_norm(grads):
    return float(np.sqrt(sum(norm(g) ** 2 for g in grads)))


def call_clip(impl, name, grads, c):
    """``impl.name(grads, c)``, checked to be a list of arrays shaped like ``grads``."""
    call = f"{name}({len(grads)} gradients, {c!r})"
    out = getattr(impl, name)(grads, c)
    if not isinstance(out, (list, tuple)) or len(out) != len(grads):
        raise AssertionError(f"{call} returned {out!r}; expected a list of {len(grads)} arrays")
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        expect_shape(o, g.shape, f"{call} -> [{i}]")
    return out


@pytest.mark.hint(1)
def test_clip_by_value_by_hand(impl):
    """clipvalue 1: [0.9, 100] -> [0.9, 1] (the book's 2nd-edition example); -3 -> -1 below."""
    grads = [arr(0.9, 100.0), np.array([[-3.0, 0.5], [1.0, -0.25]])]
    out = call_clip(impl, "clip_by_value", grads, 1.0)
    expect_close(out[0], arr(0.9, 1.0), "clip_by_value([[0.9, 100], ...], 1) -> [0]", **TIGHT)
    expect_close(
        out[1],
        np.array([[-1.0, 0.5], [1.0, -0.25]]),
        "clip_by_value([..., [[-3, 0.5], [1, -0.25]]], 1) -> [1]",
        **TIGHT,
    )


@pytest.mark.hint(1)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 1.5))
def test_clip_by_value_keeps_every_element_in_the_box(impl, seed, n, fraction):
    """Every element ends in [-c, c]; an element already inside is unchanged, one outside is +-c."""
    grads = draw_grads(seed, n)
    c = fraction * max(float(np.abs(g).max()) for g in grads)
    out = call_clip(impl, "clip_by_value", grads, c)
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        # np.clip copies or replaces each element: no arithmetic, so the match is exact.
        expected = np.where(np.abs(g) <= c, g, np.sign(g) * c)
        expect_close(o, expected, f"clip_by_value({n} gradients, {c:.4g}) -> [{i}]", **TIGHT)


@pytest.mark.hint(1)
@pytest.mark.parametrize("name", ["clip_by_value", "clip_by_norm", "clip_by_global_norm"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
# 0.01 is small enough that every function clips every tensor; 1e6 is so large that none clips.
@pytest.mark.parametrize("c", [0.01, 1e6], ids=["clipping", "nothing_to_clip"])
def test_returns_new_arrays_and_leaves_the_inputs_alone(impl, name, dtype, c):
    """New arrays of the inputs' shapes and dtypes, also when nothing is clipped; inputs intact."""
    grads = draw_grads(7, 3, dtype)
    copies = [g.copy() for g in grads]
    originals = list(grads)
    out = call_clip(impl, name, grads, c)
    call = f"{name}(3 {np.dtype(dtype).name} gradients, {c:g})"
    assert out is not grads, f"{call} returned the caller's own list: build a new one"
    assert all(a is b for a, b in zip(grads, originals, strict=True)), (
        f"{call} replaced arrays inside the caller's list: build a new list instead"
    )
    for i, (g, o, before) in enumerate(zip(grads, out, copies, strict=True)):
        assert o.dtype == dtype, f"{call} -> [{i}] has dtype {o.dtype}, expected {dtype}"
        assert np.array_equal(g, before), (
            f"{call} changed its input grads[{i}] in place: return new arrays instead"
        )
        # A gradient that needs no clipping still comes back as a new array: the caller (an
        # optimizer, a logger) may change the result without touching its input.
        assert not np.shares_memory(o, g), (
            f"{call} -> [{i}] is the caller's grads[{i}] itself (or a view of it): return a "
            "new array also when nothing is clipped"
        )
        if c > 1:
            # g * c / c rounds twice: within 2 ulps, 1.2e-7 relative in float32.
            tol = {"rtol": 1e-6, "atol": 0.0} if dtype == np.float32 else TIGHT
            expect_close(o, g, f"{call} -> [{i}] (nothing to clip)", **tol)


@pytest.mark.hint(1)
@pytest.mark.parametrize("name", ["clip_by_value", "clip_by_norm", "clip_by_global_norm"])
def test_a_0d_gradient_comes_back_as_a_0d_array(impl, name):
    """A scalar parameter's gradient (shape ()) comes back as a 0-d array, not a NumPy scalar."""
    grads = [np.array(3.0), np.array([4.0])]
    out = call_clip(impl, name, grads, 2.5)  # call_clip checks: an ndarray of shape ()
    expected = {
        "clip_by_value": [2.5, [2.5]],
        "clip_by_norm": [2.5, [2.5]],
        "clip_by_global_norm": [1.5, [2.0]],  # joint norm 5: both scaled by 2.5 / 5
    }[name]
    for i, (o, e) in enumerate(zip(out, expected, strict=True)):
        expect_close(o, np.array(e), f"{name}([3.0 (shape ()), [4.0]], 2.5) -> [{i}]", **TIGHT)


@pytest.mark.hint(2)
def test_clip_by_norm_book_example(impl):
    """clipnorm 1 on [0.9, 100] gives [0.00899964, 0.9999595]: the direction is kept."""
    g = arr(0.9, 100.0)
    out = call_clip(impl, "clip_by_norm", [g], 1.0)
    expect_close(out[0], g / np.sqrt(0.81 + 10000.0), "clip_by_norm([[0.9, 100]], 1)", **TIGHT)


@pytest.mark.hint(2)
def test_clip_by_norm_treats_each_tensor_on_its_own(impl):
    """c = 6.5: g1 = [3, 4] (norm 5) stays as it is, g2 = [0, 12] (norm 12) becomes [0, 6.5]."""
    out = call_clip(impl, "clip_by_norm", pythagoras(), 6.5)
    # A global clip would halve both (joint norm 13); rescaling every tensor to norm c even when
    # it is shorter would stretch g1 to [3.9, 5.2].
    expect_close(out[0], arr(3.0, 4.0), "clip_by_norm([[3, 4], [0, 12]], 6.5) -> [0]", **TIGHT)
    expect_close(out[1], arr(0.0, 6.5), "clip_by_norm([[3, 4], [0, 12]], 6.5) -> [1]", **TIGHT)


@pytest.mark.hint(2)
def test_the_norm_of_a_matrix_uses_every_entry(impl):
    """||[[3, 0], [0, 4]]|| is sqrt(9 + 16) = 5 (every entry), so clipnorm 4.5 scales it by 0.9."""
    g = np.array([[3.0, 0.0], [0.0, 4.0]])
    out = call_clip(impl, "clip_by_norm", [g], 4.5)
    # np.linalg.norm(g, 2) is the largest singular value of a matrix (4 here), not this norm.
    expect_close(out[0], 0.9 * g, "clip_by_norm([[[3, 0], [0, 4]]], 4.5)", **TIGHT)


@pytest.mark.hint(2)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 3.0))
def test_clip_by_norm_properties(impl, seed, n, fraction):
    """Each tensor ends with norm min(||g||, c), points the same way, and is untouched if short."""
    grads = draw_grads(seed, n)
    c = fraction * max(norm(g) for g in grads)
    out = call_clip(impl, "clip_by_norm", grads, c)
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        call = f"clip_by_norm({n} gradients, {c:.4g}) -> [{i}] (||g|| = {norm(g):.4g})"
        new = norm(o)
        if not abs(new - min(norm(g), c)) <= 1e-12 * min(norm(g), c):
            raise AssertionError(
                f"{call} has norm {new!r}, expected min(||g||, c) = {min(norm(g), c)!r}"
            )
        # Same direction: o = k g with k = ||o|| / ||g|| in (0, 1] (1 when ||g|| <= c).
        expect_close(o, g * (new / norm(g)), f"{call}: direction", **TIGHT)


@pytest.mark.hint(2)
def test_zero_gradient_stays_zero(impl):
    """An all-zero gradient comes back as zeros, not NaN (0 * c / max(0, c) = 0, no 0 / 0)."""
    grads = [np.zeros(3), arr(3.0, 4.0)]
    for name in ("clip_by_norm", "clip_by_global_norm"):
        out = call_clip(impl, name, grads, 1.0)
        expect_close(out[0], np.zeros(3), f"{name}([zeros(3), [3, 4]], 1) -> [0]", **TIGHT)
        out = call_clip(impl, name, [np.zeros((2, 2))], 1.0)
        expect_close(out[0], np.zeros((2, 2)), f"{name}([zeros((2, 2))], 1)", **TIGHT)


@pytest.mark.hint(3)
def test_clip_by_global_norm_by_hand(impl):
    """c = 6.5 and joint norm sqrt(25 + 144) = 13: both tensors are halved, [1.5, 2] and [0, 6]."""
    out = call_clip(impl, "clip_by_global_norm", pythagoras(), 6.5)
    # Per tensor: [3, 4] and [0, 6.5]; with the sum of the norms (17) instead of 13: 6.5 / 17;
    # without the square root (169): 6.5 / 169.
    call = "clip_by_global_norm([[3, 4], [0, 12]], 6.5)"
    expect_close(out[0], arr(1.5, 2.0), f"{call} -> [0]", **TIGHT)
    expect_close(out[1], arr(0.0, 6.0), f"{call} -> [1]", **TIGHT)


@pytest.mark.hint(3)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 3.0))
def test_clip_by_global_norm_properties(impl, seed, n, fraction):
    """Joint norm min(N, c) afterwards; every tensor scaled by the same factor (ratios kept)."""
    grads = draw_grads(seed, n)
    total = global_norm(grads)
    c = fraction * total
    out = call_clip(impl, "clip_by_global_norm", grads, c)
    call = f"clip_by_global_norm({n} gradients, {c:.4g}) (N = {total:.4g})"
    new = global_norm(out)
    if not abs(new - min(total, c)) <= 1e-12 * min(total, c):
        raise AssertionError(
            f"{call} has joint norm {new!r}, expected min(N, c) = {min(total, c)!r}"
        )
    k = new / total  # one factor for every tensor: 1 when N <= c
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        expect_close(o, g * k, f"{call} -> [{i}] (expected grads[{i}] * {k:.6g})", **TIGHT)


@pytest.mark.hint(3)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 1.5))
def test_matches_the_reference(impl, seed, n, fraction):
    """All three functions agree with scratch on random float64 gradients."""
    grads = draw_grads(seed, n)
    sizes = {
        "clip_by_value": max(float(np.abs(g).max()) for g in grads),
        "clip_by_norm": max(norm(g) for g in grads),
        "clip_by_global_norm": global_norm(grads),
    }
    for name, size in sizes.items():
        c = fraction * size
        out = call_clip(impl, name, grads, c)
        expected = getattr(reference, name)(grads, c)
        for i, (o, e) in enumerate(zip(out, expected, strict=True)):
            expect_close(o, e, f"{name}({n} gradients, {c:.4g}) -> [{i}]", **TIGHT)
