"""Tests for kata 19 (replacing the top). ``impl`` is the module under test.

The "trained" net is 4 -> 6 -> 5 -> 3 with random float64 weights (every width different, so a
fan-in taken from the wrong layer shows as a wrong shape). The new kernels are compared with
``scratch.initializers`` drawing from a generator of the same seed, in the same order.
"""

import itertools

import numpy as np
import pytest

from katas.engine.testing import expect_close, expect_shape, say
from scratch import initializers

# Copies and draws from the same generator are bit-identical: no tolerance at all.
EXACT = {"rtol": 0.0, "atol": 0.0}


def trained(seed=0, dims=(4, 6, 5, 3), dtype=np.float64):
    """A list of (kernel, bias) pairs with random values (biases too: none is zero)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((a, b)).astype(dtype), rng.standard_normal(b).astype(dtype))
        for a, b in itertools.pairwise(dims)
    ]


def shapes(net):
    """[(kernel shape, bias shape), ...] of a returned net (None for a missing bias)."""
    return [
        (np.shape(k), None if b is None else np.shape(b)) for k, b in (tuple(pair) for pair in net)
    ]


@pytest.mark.hint(1)
@pytest.mark.parametrize(
    ("n_reuse", "new_units", "expected"),
    [
        (2, 7, [((4, 6), (6,)), ((6, 5), (5,)), ((5, 7), (7,))]),
        (1, 2, [((4, 6), (6,)), ((6, 2), (2,))]),
        (3, 4, [((4, 6), (6,)), ((6, 5), (5,)), ((5, 3), (3,)), ((3, 4), (4,))]),
        (0, 8, [((4, 8), (8,))]),
        (1, [9, 2], [((4, 6), (6,)), ((6, 9), (9,)), ((9, 2), (2,))]),
    ],
)
def test_the_new_net_has_the_right_shapes(impl, n_reuse, new_units, expected):
    """Reused layers keep their shapes; each new kernel is (width below it, its units).
    ja: 再利用する層は形を保ち、新しいカーネルはどれも (すぐ下の層の幅, その層のユニット数) です。"""
    net = impl.replace_top(trained(), n_reuse, new_units, np.random.default_rng(1))
    got = shapes(net)
    assert got == expected, say(
        f"replace_top(4->6->5->3, n_reuse={n_reuse}, new_units={new_units}) returned layers of "
        f"shapes {got}, expected {expected} (a new kernel's fan-in is the width of the layer just "
        "below it; the output width is new_units)",
        f"replace_top(4->6->5->3, n_reuse={n_reuse}, new_units={new_units}) の層の形が {got} に"
        f"なりました。期待値は {expected} です (新しいカーネルの fan-in はすぐ下の層の幅、出力の幅は "
        "new_units です)",
    )


@pytest.mark.hint(1)
def test_the_reused_layers_keep_their_trained_weights(impl):
    """The lower n_reuse kernels and biases come back with exactly their trained values.
    ja: 下の n_reuse 個のカーネルとバイアスは、訓練済みの値そのままで返ります。"""
    old = trained()
    net = impl.replace_top(old, 2, 7, np.random.default_rng(1))
    for k in range(2):
        for i, what in ((0, "kernel"), (1, "bias")):
            where = say(f"replace_top(...)[{k}] {what}", f"replace_top(...)[{k}] の {what}")
            expect_close(net[k][i], old[k][i], where, **EXACT)


@pytest.mark.hint(2)
@pytest.mark.mistake("the reused layers aliased, not copied")
def test_the_reused_layers_are_copies(impl):
    """Training the new net (here: writing into its arrays) leaves the old net unchanged.
    ja: 新しいネットワークを訓練しても (ここでは配列に書き込んでも) 元のネットワークは変わりません。"""
    old = trained()
    before = [a.copy() for pair in old for a in pair]
    net = impl.replace_top(old, 2, 7, np.random.default_rng(1))
    for k in range(2):
        for i, what in ((0, "kernel"), (1, "bias")):
            assert not np.shares_memory(net[k][i], old[k][i]), say(
                f"replace_top(...)[{k}] {what} is the old net's own array: training the new net "
                "would change the old one too (copy it)",
                f"replace_top(...)[{k}] の {what} は元のネットワークの配列そのものです: 新しい"
                "ネットワークを訓練すると元のものまで変わります (コピーしてください)",
            )
            arr = net[k][i]
            arr += 1.0  # one step of "training", in place as an optimizer does
    for b, a in zip(before, (a for pair in old for a in pair), strict=True):
        assert np.array_equal(a, b), say(
            "replace_top: the old net's weights changed while the new net trained (copy every "
            "reused kernel and bias)",
            "replace_top: 新しいネットワークの訓練中に元のネットワークの重みが変わりました "
            "(再利用するカーネルとバイアスはすべてコピーしてください)",
        )


@pytest.mark.hint(2)
@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal"])
def test_the_new_output_layer_is_freshly_initialized(impl, initializer):
    """New kernel = initializer((5, 7), rng) drawn from the given rng; new bias = zeros.
    ja: 新しいカーネルは渡された rng から引いた initializer((5, 7), rng)、新しいバイアスは 0 です。"""
    net = impl.replace_top(trained(), 2, 7, np.random.default_rng(3), initializer)
    expected = initializers.get(initializer)((5, 7), np.random.default_rng(3), "float64")
    call = f"replace_top(4->6->5->3, n_reuse=2, new_units=7, default_rng(3), '{initializer}')"
    expect_close(
        net[2][0], expected, say(f"{call}: new kernel", f"{call}: 新しいカーネル"), **EXACT
    )
    assert net[2][1] is not None, say(
        f"{call}: the new layer has no bias (expected zeros (7,))",
        f"{call}: 新しい層にバイアスがありません (形 (7,) の 0 のはずです)",
    )
    expect_close(
        net[2][1], np.zeros(7), say(f"{call}: new bias", f"{call}: 新しいバイアス"), **EXACT
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("a new rng (or seed) for every new layer")
def test_several_new_layers_draw_in_order_from_one_rng(impl):
    """new_units [9, 2]: kernels (6, 9) then (9, 2), drawn one after the other from one rng.
    ja: new_units [9, 2]: カーネル (6, 9)、次に (9, 2) を、1 つの rng から順に引きます。"""
    net = impl.replace_top(trained(), 1, [9, 2], np.random.default_rng(4))
    rng = np.random.default_rng(4)
    for k, shape in ((1, (6, 9)), (2, (9, 2))):
        expected = initializers.glorot_uniform(shape, rng, "float64")
        where = say(
            f"replace_top(..., new_units=[9, 2])[{k}] kernel",
            f"replace_top(..., new_units=[9, 2])[{k}] のカーネル",
        )
        expect_close(net[k][0], expected, where, **EXACT)


@pytest.mark.hint(3)
def test_the_new_layers_have_the_old_dtype(impl):
    """A float32 net gives a float32 new layer (kernel and bias).
    ja: float32 のネットワークからは float32 の新しい層 (カーネルもバイアスも) ができます。"""
    net = impl.replace_top(trained(dtype=np.float32), 2, 7, np.random.default_rng(5))
    for i, what in ((0, "kernel"), (1, "bias")):
        call = f"replace_top(float32 4->6->5->3, 2, 7, rng)[2] {what}"
        got = expect_shape(net[2][i], (5, 7) if i == 0 else (7,), call)
        assert got.dtype == np.float32, say(
            f"{call}: dtype {got.dtype}, expected float32 (the old net's dtype)",
            f"{call}: dtype が {got.dtype} です。期待する dtype は float32 (元のネットワークの dtype) です",
        )


@pytest.mark.hint(2)
@pytest.mark.mistake("a zero (or unscaled) new kernel")
def test_a_fresh_kernel_has_the_initializer_s_spread(impl):
    """A (200, 100) Glorot-uniform kernel has variance near 1 / fan_avg = 1/150 (not 0).
    ja: (200, 100) の Glorot 一様分布のカーネルの分散は 1 / fan_avg = 1/150 に近くなります (0 ではありません)。"""
    old = trained(dims=(3, 200, 10))
    net = impl.replace_top(old, 1, 100, np.random.default_rng(6))
    call = say(
        "replace_top(3->200->10, 1, 100) new kernel",
        "replace_top(3->200->10, 1, 100) の新しいカーネル",
    )
    kernel = expect_shape(net[1][0], (200, 100), call)
    # 20 000 draws of U(-a, a): the sample variance's relative standard error is about
    # sqrt(0.8 / 20000) = 0.6%; 5% is over 8 standard errors.
    var = float(np.var(kernel))
    assert abs(var * 150 - 1) < 0.05, say(
        f"{call}: its variance is {var:.4g}, expected about 1/150 = {1 / 150:.4g}"
        + (" (an all-zero kernel: draw it from the initializer)" if var == 0 else ""),
        f"{call}: 分散が {var:.4g} です。およそ 1/150 = {1 / 150:.4g} のはずです"
        + (" (すべて 0 のカーネルです: 初期化子から引いてください)" if var == 0 else ""),
    )
