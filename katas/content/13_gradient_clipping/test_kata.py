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

from katas.engine.testing import describe, expect_close, expect_not, expect_shape, say
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
    call = f"{name}({len(grads)} gradients, {float(c):.6g})"
    out = getattr(impl, name)(grads, c)
    if not isinstance(out, (list, tuple)) or len(out) != len(grads):
        raise AssertionError(
            say(
                f"{call} returned {describe(out)}; expected a list of {len(grads)} arrays",
                f"{call} が {describe(out)} を返しました。{len(grads)} 個の配列のリストが"
                "期待値です",
            )
        )
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        expect_shape(o, g.shape, f"{call} -> [{i}]")
    return out


@pytest.mark.mistake("clipped only from above")
@pytest.mark.hint(1)
def test_clip_by_value_by_hand(impl):
    """clipvalue 1: [0.9, 100] -> [0.9, 1] (the book's 2nd-edition example); -3 -> -1 below.
    ja: clipvalue 1: [0.9, 100] -> [0.9, 1] (本書第 2 版の例)。下側でも -3 -> -1 です。"""
    grads = [arr(0.9, 100.0), np.array([[-3.0, 0.5], [1.0, -0.25]])]
    out = call_clip(impl, "clip_by_value", grads, 1.0)
    expect_not(
        out[1],
        np.array([[-3.0, 0.5], [1.0, -0.25]]),
        "clip_by_value([..., [[-3, 0.5], [1, -0.25]]], 1) -> [1]",
        "-3 was not clipped to -1: clip from below too, np.clip(g, -c, c)",
        "-3 が -1 にクリップされていません: 下側もクリップしてください (np.clip(g, -c, c))",
    )
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
    """Every element ends in [-c, c]; an element already inside is unchanged, one outside is +-c.
    ja: すべての要素が [-c, c] に入ります。もとから中の要素は変わらず、外の要素は +-c になります。"""
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
    """New arrays of the inputs' shapes and dtypes, also when nothing is clipped; inputs intact.
    ja: 入力と同じ形と dtype の新しい配列を返します (クリップしないときも)。入力は変わりません。"""
    grads = draw_grads(7, 3, dtype)
    copies = [g.copy() for g in grads]
    originals = list(grads)
    out = call_clip(impl, name, grads, c)
    call = f"{name}(3 {np.dtype(dtype).name} gradients, {c:g})"
    assert out is not grads, say(
        f"{call} returned the caller's own list: build a new one",
        f"{call} が呼び出し側のリストそのものを返しました: 新しいリストを作ってください",
    )
    assert all(a is b for a, b in zip(grads, originals, strict=True)), say(
        f"{call} replaced arrays inside the caller's list: build a new list instead",
        f"{call} が呼び出し側のリストの中の配列を置き換えました: 代わりに新しいリストを作って"
        "ください",
    )
    for i, (g, o, before) in enumerate(zip(grads, out, copies, strict=True)):
        assert o.dtype == dtype, say(
            f"{call} -> [{i}] has dtype {o.dtype}, expected {np.dtype(dtype).name}",
            f"{call} -> [{i}] の dtype が {o.dtype} です。期待値は {np.dtype(dtype).name} です",
        )
        assert np.array_equal(g, before), say(
            f"{call} changed its input grads[{i}] in place: return new arrays instead",
            f"{call} が入力 grads[{i}] をその場で書き換えました: 代わりに新しい配列を返して"
            "ください",
        )
        # A gradient that needs no clipping still comes back as a new array: the caller (an
        # optimizer, a logger) may change the result without touching its input.
        assert not np.shares_memory(o, g), say(
            f"{call} -> [{i}] is the caller's grads[{i}] itself (or a view of it): return a "
            "new array also when nothing is clipped",
            f"{call} -> [{i}] が呼び出し側の grads[{i}] そのもの (またはそのビュー) です: "
            "クリップしないときも新しい配列を返してください",
        )
        if c > 1:
            # g * c / c rounds twice: within 2 ulps, 1.2e-7 relative in float32.
            tol = {"rtol": 1e-6, "atol": 0.0} if dtype == np.float32 else TIGHT
            expect_close(
                o,
                g,
                say(
                    f"{call} -> [{i}] (nothing to clip)", f"{call} -> [{i}] (クリップするものなし)"
                ),
                **tol,
            )


@pytest.mark.hint(1)
@pytest.mark.parametrize("name", ["clip_by_value", "clip_by_norm", "clip_by_global_norm"])
def test_a_0d_gradient_comes_back_as_a_0d_array(impl, name):
    """A scalar parameter's gradient (shape ()) comes back as a 0-d array, not a NumPy scalar.
    ja: スカラーのパラメータの勾配 (形 ()) は NumPy のスカラーではなく 0 次元配列で返ります。"""
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
    """clipnorm 1 on [0.9, 100] gives [0.00899964, 0.9999595]: the direction is kept.
    ja: [0.9, 100] に clipnorm 1 で [0.00899964, 0.9999595] になります: 向きは保たれます。"""
    g = arr(0.9, 100.0)
    out = call_clip(impl, "clip_by_norm", [g], 1.0)
    expect_close(out[0], g / np.sqrt(0.81 + 10000.0), "clip_by_norm([[0.9, 100]], 1)", **TIGHT)


@pytest.mark.mistake("clipnorm with the joint norm, or short gradients stretched")
@pytest.mark.hint(2)
def test_clip_by_norm_treats_each_tensor_on_its_own(impl):
    """c = 6.5: g1 = [3, 4] (norm 5) stays as it is, g2 = [0, 12] (norm 12) becomes [0, 6.5].
    ja: c = 6.5: g1 = [3, 4] (ノルム 5) はそのまま、g2 = [0, 12] (ノルム 12) は [0, 6.5] になります。"""
    out = call_clip(impl, "clip_by_norm", pythagoras(), 6.5)
    # A global clip would halve both (joint norm 13); rescaling every tensor to norm c even when
    # it is shorter would stretch g1 to [3.9, 5.2].
    expect_not(
        np.concatenate(out),
        arr(1.5, 2.0, 0.0, 6.0),
        "clip_by_norm([[3, 4], [0, 12]], 6.5)",
        "both halved by the joint norm 13; that is clip_by_global_norm (global_clipnorm). "
        "clipnorm clips each tensor with its own norm",
        "全体のノルム 13 で両方が半分になっています。これは clip_by_global_norm "
        "(global_clipnorm) です。clipnorm は各テンソルをそれ自身のノルムでクリップします",
    )
    expect_not(
        out[0],
        arr(3.9, 5.2),
        "clip_by_norm([[3, 4], [0, 12]], 6.5) -> [0]",
        "[3, 4] (norm 5 < 6.5) was stretched to norm 6.5: divide by max(||g||, c), not ||g||, "
        "so a short gradient stays as it is",
        "[3, 4] (ノルム 5 < 6.5) がノルム 6.5 まで引き伸ばされています: ||g|| ではなく "
        "max(||g||, c) で割れば、短い勾配はそのままになります",
    )
    expect_close(out[0], arr(3.0, 4.0), "clip_by_norm([[3, 4], [0, 12]], 6.5) -> [0]", **TIGHT)
    expect_close(out[1], arr(0.0, 6.5), "clip_by_norm([[3, 4], [0, 12]], 6.5) -> [1]", **TIGHT)


@pytest.mark.mistake("a matrix's spectral norm")
@pytest.mark.hint(2)
def test_the_norm_of_a_matrix_uses_every_entry(impl):
    """||[[3, 0], [0, 4]]|| is sqrt(9 + 16) = 5 (every entry), so clipnorm 4.5 scales it by 0.9.
    ja: ||[[3, 0], [0, 4]]|| はすべての要素を使って sqrt(9 + 16) = 5 なので、clipnorm 4.5 で 0.9 倍になります。"""
    g = np.array([[3.0, 0.0], [0.0, 4.0]])
    out = call_clip(impl, "clip_by_norm", [g], 4.5)
    expect_not(
        out[0],
        g,
        "clip_by_norm([[[3, 0], [0, 4]]], 4.5)",
        "unchanged: its norm was measured as 4 (np.linalg.norm(g, 2) of a matrix is its "
        "largest singular value); use sqrt(sum(g ** 2)) = 5 over every entry",
        "変わっていません: ノルムを 4 と測っています (行列に対する np.linalg.norm(g, 2) は"
        "最大特異値です)。すべての要素で sqrt(sum(g ** 2)) = 5 を使ってください",
    )
    # np.linalg.norm(g, 2) is the largest singular value of a matrix (4 here), not this norm.
    expect_close(out[0], 0.9 * g, "clip_by_norm([[[3, 0], [0, 4]]], 4.5)", **TIGHT)


@pytest.mark.hint(2)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 3.0))
def test_clip_by_norm_properties(impl, seed, n, fraction):
    """Each tensor ends with norm min(||g||, c), points the same way, and is untouched if short.
    ja: 各テンソルのノルムは min(||g||, c) になり、向きは同じで、短ければ手を付けません。"""
    grads = draw_grads(seed, n)
    c = fraction * max(norm(g) for g in grads)
    out = call_clip(impl, "clip_by_norm", grads, c)
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        call = f"clip_by_norm({n} gradients, {c:.4g}) -> [{i}] (||g|| = {norm(g):.4g})"
        new = norm(o)
        if not abs(new - min(norm(g), c)) <= 1e-12 * min(norm(g), c):
            raise AssertionError(
                say(
                    f"{call} has norm {new:.10g}, expected min(||g||, c) = {min(norm(g), c):.10g}",
                    f"{call} のノルムが {new:.10g} です。期待値は min(||g||, c) = "
                    f"{min(norm(g), c):.10g} です",
                )
            )
        # Same direction: o = k g with k = ||o|| / ||g|| in (0, 1] (1 when ||g|| <= c).
        expect_close(o, g * (new / norm(g)), f"{call}: direction", **TIGHT)


@pytest.mark.mistake("0 / 0 for a zero gradient")
@pytest.mark.hint(2)
def test_zero_gradient_stays_zero(impl):
    """An all-zero gradient comes back as zeros, not NaN (0 * c / max(0, c) = 0, no 0 / 0).
    ja: すべて 0 の勾配は NaN ではなく 0 のまま返ります (0 * c / max(0, c) = 0、0 / 0 なし)。"""
    grads = [np.zeros(3), arr(3.0, 4.0)]
    for name in ("clip_by_norm", "clip_by_global_norm"):
        out = call_clip(impl, name, grads, 1.0)
        expect_close(out[0], np.zeros(3), f"{name}([zeros(3), [3, 4]], 1) -> [0]", **TIGHT)
        out = call_clip(impl, name, [np.zeros((2, 2))], 1.0)
        expect_close(out[0], np.zeros((2, 2)), f"{name}([zeros((2, 2))], 1)", **TIGHT)


@pytest.mark.mistake("global norm per tensor, summed, or without the root")
@pytest.mark.hint(3)
def test_clip_by_global_norm_by_hand(impl):
    """c = 6.5 and joint norm sqrt(25 + 144) = 13: both tensors are halved, [1.5, 2] and [0, 6].
    ja: c = 6.5、全体のノルム sqrt(25 + 144) = 13: 両方のテンソルが半分になり [1.5, 2] と [0, 6] です。"""
    out = call_clip(impl, "clip_by_global_norm", pythagoras(), 6.5)
    # Per tensor: [3, 4] and [0, 6.5]; with the sum of the norms (17) instead of 13: 6.5 / 17;
    # without the square root (169): 6.5 / 169.
    call = "clip_by_global_norm([[3, 4], [0, 12]], 6.5)"
    for k, en, ja in (
        (
            None,
            "each tensor clipped with its own norm; that is clip_by_norm (clipnorm): the "
            "update turns",
            "各テンソルをそれ自身のノルムでクリップしています。これは clip_by_norm "
            "(clipnorm) で、更新の向きが変わります",
        ),
        (
            6.5 / 17,
            "scaled by 6.5 / 17: the norms were added (5 + 12); the global norm is "
            "sqrt(5^2 + 12^2) = 13",
            "6.5 / 17 倍になっています: ノルムを足しています (5 + 12)。"
            "全体のノルムは sqrt(5^2 + 12^2) = 13 です",
        ),
        (
            6.5 / 169,
            "scaled by 6.5 / 169: the square root of the sum of squares is missing",
            "6.5 / 169 倍になっています: 2 乗和の平方根が抜けています",
        ),
    ):
        wrong = arr(3, 4, 0, 6.5) if k is None else arr(3, 4, 0, 12) * k
        expect_not(np.concatenate(out), wrong, call, en, ja)
    expect_close(out[0], arr(1.5, 2.0), f"{call} -> [0]", **TIGHT)
    expect_close(out[1], arr(0.0, 6.0), f"{call} -> [1]", **TIGHT)


@pytest.mark.hint(3)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 3.0))
def test_clip_by_global_norm_properties(impl, seed, n, fraction):
    """Joint norm min(N, c) afterwards; every tensor scaled by the same factor (ratios kept).
    ja: あとの全体のノルムは min(N, c) で、どのテンソルも同じ係数で縮みます (比は保たれます)。"""
    grads = draw_grads(seed, n)
    total = global_norm(grads)
    c = fraction * total
    out = call_clip(impl, "clip_by_global_norm", grads, c)
    call = f"clip_by_global_norm({n} gradients, {c:.4g}) (N = {total:.4g})"
    new = global_norm(out)
    if not abs(new - min(total, c)) <= 1e-12 * min(total, c):
        raise AssertionError(
            say(
                f"{call} has joint norm {new:.10g}, expected min(N, c) = {min(total, c):.10g}",
                f"{call} の全体のノルムが {new:.10g} です。期待値は min(N, c) = "
                f"{min(total, c):.10g} です",
            )
        )
    k = new / total  # one factor for every tensor: 1 when N <= c
    for i, (g, o) in enumerate(zip(grads, out, strict=True)):
        expect_close(o, g * k, f"{call} -> [{i}] (expected grads[{i}] * {k:.6g})", **TIGHT)


@pytest.mark.hint(3)
@given(seed=SEEDS, n=st.integers(1, 4), fraction=st.floats(0.05, 1.5))
def test_matches_the_reference(impl, seed, n, fraction):
    """All three functions agree with scratch on random float64 gradients.
    ja: 3 つの関数はどれもランダムな float64 の勾配で scratch と一致します。"""
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
