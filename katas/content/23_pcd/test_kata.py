"""Tests for kata 23 (persistent contrastive divergence). ``impl`` is the module under test.

All randomness comes from the uniform source. ``Draws`` below serves seeded NumPy uniforms and
records the shapes asked for, so a test can replay exactly the draws a correct ``pcd_step``
makes; ``expected_step`` is the tests' own PCD-k with those draws. The batch has n rows and the
chain m != n, so that a mean over the wrong count, or a chain replaced by the batch, shows.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
dims = st.integers(1, 5)
# float64; each entry is a sum of at most 7 products of numbers in [0, 1]: 1e-12 is a wide margin.
TIGHT = {"rtol": 1e-12, "atol": 1e-14}
EXACT = {"rtol": 0.0, "atol": 0.0}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Draws:
    """A uniform source over a seeded Generator that records every shape it is asked for."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.shapes = []

    def __call__(self, shape):
        self.shapes.append(tuple(shape))
        return self.rng.random(shape)


class Fixed:
    """A uniform source that hands out the given arrays, one per call, in order."""

    def __init__(self, *arrays):
        self.arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        self.shapes = []

    def __call__(self, shape):
        self.shapes.append(tuple(shape))
        if len(self.shapes) > len(self.arrays):
            raise AssertionError(
                say(
                    f"pcd_step asked for uniforms {len(self.shapes)} times; this example provides "
                    f"{len(self.arrays)}: (m, D) then (m, H) per Gibbs step",
                    f"pcd_step が uniforms を {len(self.shapes)} 回求めました。この例が用意しているのは "
                    f"{len(self.arrays)} 回分です: ギブスステップごとに (m, D)、次に (m, H) です",
                )
            )
        return self.arrays[len(self.shapes) - 1].copy()


def expected_step(v0, W, b, c, chain_h, k, uniforms):
    """The tests' own PCD-k, float64: (dW, db, dc, new_chain_h)."""
    (n, D), (m, H) = v0.shape, chain_h.shape
    ph0 = sigmoid(v0 @ W.T + c)
    h = chain_h
    for _ in range(k):
        v = (uniforms((m, D)) < sigmoid(h @ W + b)).astype(np.float64)
        ph = sigmoid(v @ W.T + c)
        h = (uniforms((m, H)) < ph).astype(np.float64)
    return ph0.T @ v0 / n - ph.T @ v / m, v0.mean(0) - v.mean(0), ph0.mean(0) - ph.mean(0), h


def make(n, m, D, H, seed, dtype=np.float64):
    """v0 (n, D) in [0, 1], W (H, D), b (D,), c (H,) and a binary chain (m, H)."""
    rng = np.random.default_rng(seed)
    v0 = rng.random((n, D))
    v0[: n // 2] = v0[: n // 2] < 0.5  # half the rows binary (pixels), half grey levels
    W = rng.standard_normal((H, D))
    b, c = rng.standard_normal(D), rng.standard_normal(H)
    chain = (rng.random((m, H)) < 0.5).astype(np.float64)
    return tuple(a.astype(dtype) for a in (v0, W, b, c, chain))


NAMES = ("dW", "db", "dc", "new_chain_h")


def check_step(got, expected, call, tol=TIGHT):
    """pcd_step returned four arrays close to the expected ones."""
    assert isinstance(got, tuple) and len(got) == 4, say(
        f"{call} returned {type(got).__name__}; expected a tuple (dW, db, dc, new_chain_h)",
        f"{call} が {type(got).__name__} を返しました。タプル (dW, db, dc, new_chain_h) を返してください",
    )
    for name, g, e in zip(NAMES, got, expected, strict=True):
        expect_close(g, e, f"{call}: {name}", **tol)


@pytest.mark.hint(1)
def test_one_step_by_hand(impl):
    """W = 0, b = c = 0, every probability 1/2: u [0.25, 0.75] then 0.25 give v [1, 0], h 1.
    ja: W = 0、b = c = 0 で確率はどれも 1/2: u [0.25, 0.75]、次に 0.25 で v [1, 0]、h 1 になります。"""
    v0 = np.array([[1.0, 1.0]])
    W, b, c = np.zeros((1, 2)), np.zeros(2), np.zeros(1)
    chain = np.array([[0.0]])
    got = impl.pcd_step(v0, W, b, c, chain, 1, Fixed([[0.25, 0.75]], [[0.25]]))
    # Positive: ph0 = 1/2, so ph0.T @ v0 = [[0.5, 0.5]]. Negative: v = [1, 0] (0.25 < 1/2 and
    # 0.75 > 1/2), ph = 1/2, so ph.T @ v = [[0.5, 0]]; the new chain state is 1 (0.25 < 1/2).
    # Phases swapped: [[0, -0.5]]; the sampled h = 1 in the negative statistics: dW [[-0.5, 0.5]]
    # and dc -0.5; visible probabilities in the chain instead of states: db [0.5, 0.5].
    expected = (np.array([[0.0, 0.5]]), np.array([0.0, 1.0]), np.array([0.0]), np.array([[1.0]]))
    check_step(got, expected, "pcd_step(v0 [[1, 1]], W 0, b 0, c 0, chain [[0]], k=1)", EXACT)


@pytest.mark.hint(1)
@pytest.mark.mistake("u <= p instead of u < p")
def test_a_uniform_equal_to_the_probability_leaves_the_unit_off(impl):
    """With every probability 1/2 and every uniform 0.5, no unit turns on (u < p, strictly).
    ja: 確率がどれも 1/2 で一様乱数がどれも 0.5 なら、どのユニットもオンになりません (厳密に u < p)。"""
    v0 = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    W, b, c = np.zeros((2, 3)), np.zeros(3), np.zeros(2)
    # W = 0: every probability is 1/2 whatever the chain holds; from h = 0, u < p keeps every
    # unit off. This mistake's trace: a hidden unit on (new chain_h 1) or a visible one (the
    # negative phase of db, mean v, is 1 instead of 0, so db = mean(v0) - 1).
    got = impl.pcd_step(
        v0, W, b, c, np.zeros((1, 2)), 1, Fixed(np.full((1, 3), 0.5), np.full((1, 2), 0.5))
    )
    parts = [np.asarray(a) for a in got] if isinstance(got, tuple) and len(got) == 4 else []
    on = bool(parts) and (
        (parts[3].shape == (1, 2) and bool(np.all(parts[3] == 1)))
        or (parts[1].shape == (3,) and np.allclose(parts[1], v0.mean(axis=0) - 1))
    )
    assert not on, say(
        "pcd_step(..., uniforms all 0.5, probabilities all 1/2) turned a unit on at u = p: "
        "a unit is on only where u < p, strictly (u <= p turns every unit on here)",
        "pcd_step(..., 一様乱数はすべて 0.5、確率はすべて 1/2) で u = p のユニットがオンに"
        "なりました: オンになるのは u < p (厳密に小さい) のときだけです (u <= p だとここでは"
        "すべてのユニットがオンになります)",
    )


@pytest.mark.hint(1)
def test_all_probabilities_one_half_by_hand(impl):
    """Every probability 1/2, every uniform 0.5: db = mean(v0), dW = mean(v0) / 2, dc = 0, h = 0.
    ja: 確率はすべて 1/2、一様乱数はすべて 0.5: db = mean(v0)、dW = mean(v0) / 2、dc = 0、h = 0 です。"""
    v0 = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    W, b, c = np.zeros((2, 3)), np.zeros(3), np.zeros(2)
    chain = np.ones((1, 2))
    got = impl.pcd_step(v0, W, b, c, chain, 1, Fixed(np.full((1, 3), 0.5), np.full((1, 2), 0.5)))
    # v = 0 and h = 0: db is the data's mean, dW = ph0.T @ v0 / n = 1/2 * mean(v0). With u <= p
    # every unit would be on instead: v = 1, h = 1.
    mean = v0.mean(axis=0)
    expected = (np.tile(0.5 * mean, (2, 1)), mean, np.zeros(2), np.zeros((1, 2)))
    call = say(
        "pcd_step(..., uniforms all 0.5, probabilities all 1/2)",
        "pcd_step(..., 一様乱数はすべて 0.5、確率はすべて 1/2)",
    )
    check_step(got, expected, call, EXACT)


@pytest.mark.hint(2)
@pytest.mark.mistake("the draws in the wrong order")
def test_the_uniforms_are_asked_for_in_order(impl):
    """k = 3, chain m = 4, D = 3, H = 2: the draws are (4, 3), (4, 2) three times over.
    ja: k = 3、チェーン m = 4、D = 3、H = 2: 引く形は (4, 3)、(4, 2) の 3 回の繰り返しです。"""
    v0, W, b, c, chain = make(6, 4, 3, 2, seed=1)
    draws = Draws(1)
    impl.pcd_step(v0, W, b, c, chain, 3, draws)
    expected = [(4, 3), (4, 2)] * 3
    shapes = [tuple(int(s) for s in shape) for shape in draws.shapes]
    assert shapes == expected, say(
        f"pcd_step(v0 (6, 3), chain (4, 2), k=3) asked for uniforms of shapes {shapes}, "
        f"expected {expected}: at each step a visible sample of the CHAIN (m, D), then its hidden "
        "sample (m, H); the data needs no draw (its statistics are probabilities)",
        f"pcd_step(v0 (6, 3), chain (4, 2), k=3) が求めた uniforms の形は {shapes} でした。期待値は "
        f"{expected} です: 各ステップでまずチェーンの可視サンプル (m, D)、次にその隠れサンプル (m, H) を"
        "引きます。データには引く必要がありません (その統計量は確率です)",
    )


@pytest.mark.hint(2)
@settings(max_examples=20)  # k = 1 again among the k-step examples below
@given(n=dims, m=dims, D=dims, H=dims, seed=seeds)
def test_one_step_matches_the_formulas(impl, n, m, D, H, seed):
    """k = 1 on random data and chains (n and m independent): the four results of the formulas.
    ja: ランダムなデータとチェーン (n と m は別々) で k = 1: 4 つの結果が式どおりです。"""
    v0, W, b, c, chain = make(n, m, D, H, seed)
    got = impl.pcd_step(v0, W, b, c, chain, 1, Draws(seed))
    expected = expected_step(v0, W, b, c, chain, 1, Draws(seed))
    check_step(got, expected, f"pcd_step(v0 ({n}, {D}), chain ({m}, {H}), k=1)")


@pytest.mark.hint(2)
@pytest.mark.mistake("the negative phase averaged over n instead of m")
def test_means_over_n_for_the_data_and_m_for_the_chain(impl):
    """A batch of 2 rows and a chain of 8 particles: each phase is averaged over its own rows.
    ja: 2 行のバッチと 8 個の粒子のチェーン: それぞれのフェーズは自分の行数で平均します。"""
    v0, W, b, c, chain = make(2, 8, 3, 2, seed=5)
    got = impl.pcd_step(v0, W, b, c, chain, 1, Draws(5))
    expected = expected_step(v0, W, b, c, chain, 1, Draws(5))
    call = "pcd_step(n=2, m=8, k=1)"
    # Dividing the negative phase by n = 2 makes it m / n = 4 times too large.
    positive = sigmoid(v0 @ W.T + c).T @ v0 / 2
    wrong = positive - (positive - expected[0]) * 4
    if isinstance(got, tuple) and len(got) == 4 and np.shape(got[0]) == wrong.shape:
        assert not np.allclose(got[0], wrong, rtol=1e-10, atol=1e-12), say(
            f"{call}: dW's negative phase is exactly m / n = 4 times too large: did you average "
            "the chain's statistics over n (the batch's rows) instead of m (the particles)?",
            f"{call}: dW の負のフェーズがちょうど m / n = 4 倍大きすぎます: チェーンの統計量を m "
            "(粒子の数) ではなく n (バッチの行数) で平均していませんか",
        )


@pytest.mark.hint(2)
def test_a_batch_of_2_and_a_chain_of_8_by_hand(impl):
    """n = 2 rows, m = 8 particles, k = 1: dW, db, dc and the new chain are the guide's.
    ja: n = 2 行、m = 8 粒子、k = 1: dW・db・dc・新しいチェーンはガイドのものと一致します。"""
    v0, W, b, c, chain = make(2, 8, 3, 2, seed=5)
    got = impl.pcd_step(v0, W, b, c, chain, 1, Draws(5))
    expected = expected_step(v0, W, b, c, chain, 1, Draws(5))
    check_step(got, expected, "pcd_step(n=2, m=8, k=1)")


@pytest.mark.hint(2)
@pytest.mark.mistake("the chain restarted from the data (that is CD)")
def test_the_negative_phase_does_not_see_the_data(impl):
    """Other data, the same chain and draws: only the positive phase (ph0.T @ v0 / n) changes.
    ja: データが違ってもチェーンと乱数が同じなら、変わるのは正のフェーズ (ph0.T @ v0 / n) だけです。"""
    v0, W, b, c, chain = make(5, 3, 4, 3, seed=9)
    other = 1.0 - v0
    dW1, db1, dc1, h1 = impl.pcd_step(v0, W, b, c, chain, 2, Draws(9))
    dW2, db2, dc2, h2 = impl.pcd_step(other, W, b, c, chain, 2, Draws(9))
    p1, p2 = sigmoid(v0 @ W.T + c), sigmoid(other @ W.T + c)
    call = say(
        "pcd_step(v0) and pcd_step(1 - v0), the same chain and draws",
        "同じチェーンと乱数での pcd_step(v0) と pcd_step(1 - v0)",
    )
    # The fantasy particles start from chain_h, never from the batch (that would be CD).
    where = say(
        f"{call}: new_chain_h of the second (the chain must not depend on the data)",
        f"{call}: 2 回目の new_chain_h (チェーンはデータに依存してはいけません)",
    )
    expect_close(h2, h1, where, **EXACT)
    where = say(f"{call}: dW difference", f"{call}: dW の差")
    expect_close(dW1 - dW2, p1.T @ v0 / 5 - p2.T @ other / 5, where, **TIGHT)
    where = say(f"{call}: db difference", f"{call}: db の差")
    expect_close(db1 - db2, v0.mean(0) - other.mean(0), where, **TIGHT)
    where = say(f"{call}: dc difference", f"{call}: dc の差")
    expect_close(dc1 - dc2, p1.mean(0) - p2.mean(0), where, **TIGHT)


@pytest.mark.hint(3)
@given(n=dims, m=dims, D=dims, H=dims, k=st.integers(1, 4), seed=seeds)
def test_k_steps_match_the_formulas(impl, n, m, D, H, k, seed):
    """k Gibbs steps of the chain (k = 1 to 4): the four results of the formulas.
    ja: チェーンの k 回のギブスステップ (k = 1 から 4): 4 つの結果が式どおりです。"""
    v0, W, b, c, chain = make(n, m, D, H, seed)
    got = impl.pcd_step(v0, W, b, c, chain, k, Draws(seed))
    expected = expected_step(v0, W, b, c, chain, k, Draws(seed))
    check_step(got, expected, f"pcd_step(v0 ({n}, {D}), chain ({m}, {H}), k={k})")


@pytest.mark.hint(3)
@pytest.mark.mistake("the chain not carried over")
def test_the_chain_persists_from_one_call_to_the_next(impl):
    """Two calls with k = 1, the second from the first's new chain, equal one call with k = 2.
    ja: k = 1 で 2 回 (2 回目は 1 回目の新しいチェーンから) 呼ぶと、k = 2 で 1 回呼ぶのと同じです。"""
    v0, W, b, c, chain = make(4, 6, 3, 5, seed=3)
    draws = Draws(3)
    _, _, _, middle = impl.pcd_step(v0, W, b, c, chain, 1, draws)
    middle = expect_shape(middle, chain.shape, "pcd_step(..., k=1): new_chain_h")
    second = impl.pcd_step(v0, W, b, c, middle.copy(), 1, draws)
    once = expected_step(v0, W, b, c, chain, 2, Draws(3))
    call = say(
        "pcd_step(k=1) on the new chain of a first pcd_step(k=1)",
        "1 回目の pcd_step(k=1) の新しいチェーンでの pcd_step(k=1)",
    )
    check_step(second, once, call)


@pytest.mark.hint(3)
@pytest.mark.mistake("a chain of probabilities instead of sampled states")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_new_chain_holds_binary_states_of_the_data_dtype(impl, dtype):
    """new_chain_h is (m, H) of 0.0s and 1.0s, and all four results keep v0's dtype.
    ja: new_chain_h は 0.0 と 1.0 からなる (m, H) で、4 つの結果はどれも v0 の dtype を保ちます。"""
    v0, W, b, c, chain = make(5, 7, 4, 6, seed=2, dtype=dtype)
    got = impl.pcd_step(v0, W, b, c, chain, 2, Draws(2))
    shapes = ((6, 4), (4,), (6,), (7, 6))
    for name, g, shape in zip(NAMES, got, shapes, strict=True):
        g = expect_shape(g, shape, f"pcd_step({np.dtype(dtype).name} data): {name}")
        assert g.dtype == dtype, say(
            f"pcd_step({np.dtype(dtype).name} data): {name} has dtype {g.dtype}, expected "
            f"{np.dtype(dtype).name}",
            f"pcd_step({np.dtype(dtype).name} のデータ): {name} の dtype が {g.dtype} です。"
            f"{np.dtype(dtype).name} のはずです",
        )
    h = got[3]
    some = ", ".join(f"{float(x):.4g}" for x in np.unique(h)[:4])
    assert np.all((h == 0) | (h == 1)), say(
        f"pcd_step(...): new_chain_h holds {some}, ..., expected binary states 0 and 1 "
        "(the fantasy particles are sampled states, not probabilities)",
        f"pcd_step(...): new_chain_h に {some}, ... が入っています。0 と 1 の 2 値の状態のはずです "
        "(ファンタジー粒子は確率ではなくサンプルした状態です)",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("the chain updated in place")
def test_no_argument_is_modified(impl):
    """v0, W, b, c and chain_h are the same after the call (the caller keeps the old chain).
    ja: 呼び出しの後も v0、W、b、c、chain_h は同じです (呼び出し側は古いチェーンを持ち続けます)。"""
    args = make(4, 3, 3, 2, seed=4)
    copies = [a.copy() for a in args]
    v0, W, b, c, chain = args
    impl.pcd_step(v0, W, b, c, chain, 2, Draws(4))
    for name, a, old in zip(("v0", "W", "b", "c", "chain_h"), args, copies, strict=True):
        assert np.array_equal(a, old), say(
            f"pcd_step(...) changed its argument {name} in place: return a new array",
            f"pcd_step(...) が引数 {name} をその場で書き換えました。新しい配列を返してください",
        )


# A small RBM whose distribution the tests enumerate exactly (8 visible, 4 hidden configurations).
W_SMALL = np.array([[1.5, -1.0, 0.5], [-0.5, 1.0, 1.5]])
B_SMALL, C_SMALL = np.array([-0.5, 0.25, 0.0]), np.array([0.5, -1.0])


def model_means():
    """E[v] and E[h] under P(v, h) = exp(v @ b + h @ c + h @ W @ v) / Z, by enumeration."""
    vs = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    hs = np.array(list(itertools.product([0.0, 1.0], repeat=2)))
    p = np.exp((vs @ B_SMALL)[:, None] + (hs @ C_SMALL)[None, :] + vs @ W_SMALL.T @ hs.T)
    p /= p.sum()
    return p.sum(axis=1) @ vs, p.sum(axis=0) @ hs


@pytest.mark.hint(3)
def test_the_fantasy_particles_sample_the_model(impl):
    """30 calls (W fixed): the chain's mean v and P(h | v) reach the model's E[v] and E[h].
    ja: (W を固定して) 30 回呼ぶと、チェーンの v の平均と P(h | v) はモデルの E[v] と E[h] に届きます。"""
    m = 4000
    v0 = np.ones((3, 3))  # data nothing like the model: CD's reconstructions would stay near it
    chain, draws = np.zeros((m, 2)), Draws(11)
    for _ in range(30):
        _, db, dc, chain = impl.pcd_step(v0, W_SMALL, B_SMALL, C_SMALL, chain, 1, draws)
        chain = expect_shape(chain, (m, 2), "pcd_step(..., chain (4000, 2)): new_chain_h")
    mean_v = v0.mean(axis=0) - db  # db = mean_n v0 - mean_m v
    mean_ph = sigmoid(v0 @ W_SMALL.T + C_SMALL).mean(axis=0) - dc
    ev, eh = model_means()
    # The chain's transition matrix (over the 4 hidden states) has second eigenvalue 0.20, so
    # after 30 steps from h = 0 the particles' law is within 0.20^30 < 1e-20 of the model's. Each
    # mean is over m = 4000 independent particles of values in [0, 1] (variance <= 1/4): standard
    # deviation <= 0.5 / sqrt(4000) = 0.0079. We allow 5 of them (0.04): a correct chain fails
    # with probability < 1e-5. Measured: a chain restarted from the data misses E[v] by 0.48, one
    # that never moves on from chain_h (one step from h = 0 at every call) by 0.26.
    tol = 5 * 0.5 / np.sqrt(m)
    for name, got, expected in (
        (say("mean v", "v の平均"), mean_v, ev),
        (say("mean P(h|v)", "P(h|v) の平均"), mean_ph, eh),
    ):
        shown = np.array2string(np.asarray(got, dtype=float), precision=3, separator=", ")
        want = np.array2string(expected, precision=3, separator=", ")
        assert np.all(np.abs(got - expected) <= tol), say(
            f"after 30 calls of pcd_step the chain's {name} is {shown}, expected the model's "
            f"{want} +- {tol:.3f}: do the particles start from chain_h and carry on?",
            f"pcd_step を 30 回呼んだ後のチェーンの {name} が {shown} です。モデルの {want} +- {tol:.3f} "
            "のはずです: 粒子は chain_h から始まり、そのまま続いていますか",
        )
