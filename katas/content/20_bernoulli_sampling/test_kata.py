"""Tests for kata 20 (an RBM's units). ``impl`` is the module under test.

W has scikit-learn's layout (H, D). The hand-worked examples use H != D, so that a wrong
transpose fails at once, and one test uses H == D, where a wrong transpose raises no error.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
dims = st.integers(1, 6)
# float64, one product of at most 6 terms and a sigmoid: 1e-12 relative is a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-15}
EXACT = {"rtol": 0.0, "atol": 0.0}


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))  # exact identity, no overflow


def make(n, d, h, seed, dtype=np.float64):
    """v (n, d) in [0, 1], W (h, d), b (d,), c (h,)."""
    rng = np.random.default_rng(seed)
    return (
        rng.random((n, d)).astype(dtype),
        rng.standard_normal((h, d)).astype(dtype),
        rng.standard_normal(d).astype(dtype),
        rng.standard_normal(h).astype(dtype),
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("u <= p instead of u < p")
def test_sampling_by_hand(impl):
    """p [0.2, 0.5, 0.8] against u 0.5: [0, 0, 1] (on only where u < p, strictly).
    ja: p [0.2, 0.5, 0.8] と u 0.5 なら [0, 0, 1] です (オンになるのは厳密に u < p のところだけ)。"""
    p = np.array([0.2, 0.5, 0.8])
    got = impl.sample_bernoulli(p, np.full(3, 0.5))
    # u = p (the middle entry) must give 0: u <= p would give 1.
    expect_close(got, np.array([0.0, 0.0, 1.0]), "sample_bernoulli([0.2, 0.5, 0.8], 0.5)", **EXACT)


@pytest.mark.hint(1)
def test_probability_zero_never_fires_and_one_always_fires(impl):
    """p = 0 gives 0 even for u = 0.0 (a possible uniform); p = 1 gives 1 for every u in [0, 1).
    ja: p = 0 は u = 0.0 (一様乱数として出うる値) でも 0、p = 1 は [0, 1) のどの u でも 1 です。"""
    u = np.array([0.0, 0.5, np.nextafter(1.0, 0.0)])
    expect_close(impl.sample_bernoulli(np.zeros(3), u), np.zeros(3), "sample_bernoulli(0, u)",
                 **EXACT)  # fmt: skip
    expect_close(impl.sample_bernoulli(np.ones(3), u), np.ones(3), "sample_bernoulli(1, u)",
                 **EXACT)  # fmt: skip


@pytest.mark.hint(1)
@pytest.mark.mistake("booleans returned instead of numbers")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_are_numbers_of_p_dtype(impl, dtype):
    """The states are 0.0/1.0 of p's dtype and p's shape, not booleans.
    ja: 状態は真偽値ではなく、p と同じ dtype と形の 0.0/1.0 です。"""
    rng = np.random.default_rng(1)
    p, u = rng.random((4, 3)).astype(dtype), rng.random((4, 3)).astype(dtype)
    call = f"sample_bernoulli(p (4, 3) {np.dtype(dtype).name}, u)"
    got = expect_shape(impl.sample_bernoulli(p, u), (4, 3), call)
    assert got.dtype == dtype, say(
        f"{call} returned dtype {got.dtype}, expected {np.dtype(dtype)}"
        + (" (cast the comparison: (u < p).astype(p.dtype))" if got.dtype == bool else ""),
        f"{call} が dtype {got.dtype} を返しました。期待する dtype は {np.dtype(dtype)} です"
        + (" (比較の結果を変換してください: (u < p).astype(p.dtype))" if got.dtype == bool else ""),
    )


@pytest.mark.hint(1)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_are_u_below_p(impl, dtype):
    """On random p and u (4, 3) the states are exactly (u < p) as 0.0/1.0.
    ja: ランダムな p と u (4, 3) で、状態はちょうど (u < p) を 0.0/1.0 にしたものです。"""
    rng = np.random.default_rng(1)
    p, u = rng.random((4, 3)).astype(dtype), rng.random((4, 3)).astype(dtype)
    call = f"sample_bernoulli(p (4, 3) {np.dtype(dtype).name}, u)"
    got = expect_shape(impl.sample_bernoulli(p, u), (4, 3), call)
    expect_close(np.asarray(got, dtype=np.float64), (u < p).astype(np.float64), call, **EXACT)


@pytest.mark.hint(1)
@pytest.mark.mistake("u > p (or a threshold at 1/2) instead of u < p")
@pytest.mark.parametrize("prob", [0.1, 0.3, 0.75])
def test_a_unit_fires_with_probability_p(impl, prob):
    """Over 40,000 fresh uniforms, a unit of probability p is on about a fraction p of the time.
    ja: 40,000 個の新しい一様乱数で、確率 p のユニットはおよそ割合 p だけオンになります。"""
    n = 40_000
    u = np.random.default_rng(2).random(n)
    got = expect_shape(impl.sample_bernoulli(np.full(n, prob), u), (n,), "sample_bernoulli")
    # The count is Binomial(n, p): the fraction has standard deviation sqrt(p (1 - p) / n),
    # 1.5e-3 to 2.3e-3 here. 5 of them: a correct implementation fails with probability ~6e-7;
    # u > p (fraction 1 - p) is over 100 of them away, rounding p to 0 or 1 over 40.
    frac, sd = float(np.mean(got)), np.sqrt(prob * (1 - prob) / n)
    assert abs(frac - prob) <= 5 * sd, say(
        f"sample_bernoulli(p={prob}, u) turned on {frac:.4f} of the units, expected {prob} +- "
        f"{5 * sd:.4f} (5 standard deviations): on where u < p"
        + (f" (about 1 - p = {1 - prob:g}: u > p?)" if abs(frac - (1 - prob)) <= 5 * sd else ""),
        f"sample_bernoulli(p={prob}, u) はユニットの {frac:.4f} をオンにしました。期待値は {prob} +- "
        f"{5 * sd:.4f} (標準偏差の 5 倍) です: u < p のところでオンにします"
        + (
            f" (およそ 1 - p = {1 - prob:g} です: u > p にしていませんか)"
            if abs(frac - (1 - prob)) <= 5 * sd
            else ""
        ),
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("sampled in place")
def test_sampling_leaves_p_and_u_alone(impl):
    """sample_bernoulli modifies neither p nor u.
    ja: sample_bernoulli は p も u も書き換えません。"""
    rng = np.random.default_rng(3)
    p, u = rng.random((3, 4)), rng.random((3, 4))
    p0, u0 = p.copy(), u.copy()
    impl.sample_bernoulli(p, u)
    assert np.array_equal(p, p0) and np.array_equal(u, u0), say(
        "sample_bernoulli(p, u) changed p or u in place: return a new array",
        "sample_bernoulli(p, u) が p か u をその場で書き換えました。新しい配列を返してください",
    )


W_HAND = np.array([[2.0, 3.0], [-1.0, 1.0], [0.0, 4.0]])  # H = 3 hidden, D = 2 visible


@pytest.mark.hint(3)
@pytest.mark.mistake("the bias subtracted")
def test_hidden_probabilities_by_hand(impl):
    """v [[1, 0]], W [[2, 3], [-1, 1], [0, 4]], c [-2, 1, 0]: sigmoid([0, 0, 0]) = 0.5 each.
    ja: v [[1, 0]]、W [[2, 3], [-1, 1], [0, 4]]、c [-2, 1, 0]: sigmoid([0, 0, 0]) = どれも 0.5 です。"""
    got = impl.hidden_probabilities(np.array([[1.0, 0.0]]), W_HAND, np.array([-2.0, 1.0, 0.0]))
    # A bias subtracted instead: sigmoid([4, -2, 0]); no sigmoid: [0, 0, 0].
    expect_close(got, np.full((1, 3), 0.5), "hidden_probabilities(v (1, 2), W (3, 2), c (3,))",
                 **TIGHT)  # fmt: skip


@pytest.mark.hint(3)
def test_visible_probabilities_by_hand(impl):
    """h [[1, 0, 1]], the same W, b [-2, -7]: sigmoid([0, 0]) = 0.5 each.
    ja: h [[1, 0, 1]]、同じ W、b [-2, -7]: sigmoid([0, 0]) = どれも 0.5 です。"""
    got = impl.visible_probabilities(np.array([[1.0, 0.0, 1.0]]), W_HAND, np.array([-2.0, -7.0]))
    expect_close(got, np.full((1, 2), 0.5), "visible_probabilities(h (1, 3), W (3, 2), b (2,))",
                 **TIGHT)  # fmt: skip


@pytest.mark.hint(2)
@given(n=dims, d=dims, h=dims, seed=seeds)
def test_probabilities_match_the_formulas(impl, n, d, h, seed):
    """P(h|v) = sigmoid(v @ W.T + c) is (n, H); P(v|h) = sigmoid(h @ W + b) is (n, D).
    ja: P(h|v) = sigmoid(v @ W.T + c) は (n, H)、P(v|h) = sigmoid(h @ W + b) は (n, D) です。"""
    v, w, b, c = make(n, d, h, seed)
    hid = np.random.default_rng(seed + 1).random((n, h))
    call = f"hidden_probabilities(v {v.shape}, W {w.shape}, c {c.shape})"
    expect_close(impl.hidden_probabilities(v, w, c), sigmoid(v @ w.T + c), call, **TIGHT)
    call = f"visible_probabilities(h {hid.shape}, W {w.shape}, b {b.shape})"
    expect_close(impl.visible_probabilities(hid, w, b), sigmoid(hid @ w + b), call, **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("forgot the transpose (or transposed the wrong side)")
def test_a_square_w_is_still_transposed_one_way_only(impl):
    """With H == D == 3, a wrong transpose raises nothing: the values must still be right.
    ja: H == D == 3 では転置を間違えてもエラーになりません。それでも値は正しくなければなりません。"""
    v, w, b, c = make(4, 3, 3, 5)
    call = "hidden_probabilities(v (4, 3), W (3, 3), c)"
    expect_close(impl.hidden_probabilities(v, w, c), sigmoid(v @ w.T + c), call, **TIGHT)
    call = "visible_probabilities(h (4, 3), W (3, 3), b)"
    expect_close(impl.visible_probabilities(v, w, b), sigmoid(v @ w + b), call, **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("a softmax over the layer instead of one sigmoid per unit")
def test_each_unit_is_its_own_sigmoid(impl):
    """With W = 0 every unit is sigmoid(its bias) alone: the units do not share a softmax.
    ja: W = 0 ならどのユニットも sigmoid(自分のバイアス) だけです。ユニットはソフトマックスを共有しません。"""
    c, b = np.array([0.0, 0.0, 0.0, 2.0]), np.array([0.0, -1.0])
    w = np.zeros((4, 2))
    got = impl.hidden_probabilities(np.ones((2, 2)), w, c)
    expect_close(got, np.tile(sigmoid(c), (2, 1)), "hidden_probabilities(v, W = 0, c)", **TIGHT)
    got = impl.visible_probabilities(np.ones((2, 4)), w, b)
    expect_close(got, np.tile(sigmoid(b), (2, 1)), "visible_probabilities(h, W = 0, b)", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("a naive sigmoid that overflows")
def test_large_inputs_neither_overflow_nor_warn(impl):
    """Pre-activations of +-1000: probabilities exactly 1 and 0, with no overflow warning.
    ja: 活性化前の値が +-1000 なら確率はちょうど 1 と 0 で、オーバーフローの警告も出ません。"""
    w = np.array([[1000.0], [-1000.0]])  # H = 2, D = 1
    for call, run, expected in (
        (
            "hidden_probabilities(v, W (+-1000), c)",
            lambda: impl.hidden_probabilities(np.ones((1, 1)), w, np.zeros(2)),
            np.array([[1.0, 0.0]]),
        ),
        (
            "visible_probabilities(h, W, b) (pre-activation -2000)",
            lambda: impl.visible_probabilities(np.array([[1.0, 0.0]]), w, np.array([-3000.0])),
            np.array([[0.0]]),
        ),
    ):
        try:
            with np.errstate(over="raise"):  # np.exp(1000) would raise FloatingPointError here
                got = run()
        except FloatingPointError:
            raise AssertionError(
                say(
                    f"{call} overflowed (np.exp of a large number): use a stable sigmoid, e.g. "
                    "0.5 * (1 + np.tanh(z / 2)) or scipy.special.expit",
                    f"{call} がオーバーフローしました (大きな数の np.exp): 安定な sigmoid を使って"
                    "ください (例: 0.5 * (1 + np.tanh(z / 2)) や scipy.special.expit)",
                )
            ) from None
        expect_close(got, expected, call, **TIGHT)


@pytest.mark.hint(1)
@pytest.mark.mistake("float32 cast to float64")
def test_float32_stays_float32(impl):
    """float32 v, W and biases give float32 probabilities, close to the float64 ones.
    ja: float32 の v、W、バイアスからは、float64 の値に近い float32 の確率が出ます。"""
    v, w, b, c = make(5, 4, 3, 6, dtype=np.float32)
    v64, w64, b64, c64 = (a.astype(np.float64) for a in (v, w, b, c))
    hid = (v[:, :3] > 0.5).astype(np.float32)
    cases = {
        "hidden_probabilities": (impl.hidden_probabilities(v, w, c), sigmoid(v64 @ w64.T + c64)),
        "visible_probabilities": (
            impl.visible_probabilities(hid, w, b),
            sigmoid(hid.astype(np.float64) @ w64 + b64),
        ),
    }
    for name, (got, expected) in cases.items():
        call = say(f"{name} on float32 inputs", f"float32 の入力での {name}")
        got = expect_shape(got, expected.shape, call)
        assert got.dtype == np.float32, say(
            f"{name} on float32 inputs returned dtype {got.dtype}, expected float32",
            f"float32 の入力で {name} が dtype {got.dtype} を返しました。float32 のはずです",
        )
        # A sum of 4 float32 products and a sigmoid (slope <= 1/4): a few float32 roundings
        # (6e-8 relative each) of unit-scale numbers, so 1e-5 absolute is a wide margin.
        expect_close(got.astype(np.float64), expected, f"{name} (float32)", atol=1e-5)


@pytest.mark.hint(1)
def test_probabilities_leave_their_inputs_alone(impl):
    """Neither function modifies v, h, W or the biases.
    ja: どちらの関数も v、h、W、バイアスを書き換えません。"""
    v, w, b, c = make(3, 2, 3, 7)
    hid = np.random.default_rng(8).random((3, 3))
    args = (v, w, b, c, hid)
    copies = [a.copy() for a in args]
    impl.hidden_probabilities(v, w, c)
    impl.visible_probabilities(hid, w, b)
    for name, a, a0 in zip(("v", "W", "b", "c", "h"), args, copies, strict=True):
        assert np.array_equal(a, a0), say(
            f"hidden/visible_probabilities changed {name} in place",
            f"hidden/visible_probabilities が {name} をその場で書き換えました",
        )
