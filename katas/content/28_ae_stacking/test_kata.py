"""Tests for kata 28 (stacking autoencoders). ``impl`` is the module under test.

A stack of encoders is ``[(W_1, b_1), ...]`` with W_k (D_k, H_k), a Dense kernel; a phase is
``((W_enc, b_enc), (W_dec, b_dec))``, one shallow autoencoder. ``codings`` below is the tests'
own pass up the stack. Most stacks narrow (different widths, so that a layer in the wrong place
fails on its shape); the square ones (every width 4) catch what equal shapes hide.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
# float64, one product of at most 5 unit-scale terms and an ELU per layer, at most 4 layers:
# 1e-12 relative is a wide margin
TIGHT = {"rtol": 1e-12, "atol": 1e-14}
EXACT = {"rtol": 0.0, "atol": 0.0}


def elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def make_phases(widths, seed, dtype=np.float64):
    """One phase per consecutive pair of widths: encoder (D_k, H_k), decoder (H_k, D_k)."""
    rng = np.random.default_rng(seed)

    def pair(d, h):
        return rng.standard_normal((d, h)).astype(dtype), rng.standard_normal(h).astype(dtype)

    return [(pair(d, h), pair(h, d)) for d, h in itertools.pairwise(widths)]


def make(widths, seed, n=6, dtype=np.float64):
    """x (n, widths[0]) and the encoders of make_phases(widths, seed)."""
    x = np.random.default_rng(seed + 1).standard_normal((n, widths[0])).astype(dtype)
    return x, [enc for enc, _ in make_phases(widths, seed, dtype)]


def codings(x, encoders):
    """The tests' own pass: [x, h_1, ..., h_L], the top codings included."""
    out = [x]
    for w, b in encoders:
        out.append(elu(out[-1] @ w + b))
    return out


def check_list(got, expected, call, tol=TIGHT):
    """got is a list of arrays close to the expected ones, item by item."""
    assert isinstance(got, (list, tuple)), say(
        f"{call} returned {type(got).__name__}; expected a list",
        f"{call} が {type(got).__name__} を返しました。リストを返してください",
    )
    assert len(got) == len(expected), say(
        f"{call} returned {len(got)} arrays, expected {len(expected)}: one training input per "
        "autoencoder, x first (the top encoder's codings train no autoencoder)",
        f"{call} が {len(got)} 個の配列を返しました。期待値は {len(expected)} 個です: オートエンコーダ"
        "ごとに 1 つの訓練入力で、先頭は x です (一番上のエンコーダのコーディングはどのオートエンコーダも"
        "訓練しません)",
    )
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        expect_close(g, e, f"{call}[{k}]", **tol)


# ------------------------------------------------------------------------ autoencoder_layer_inputs
@pytest.mark.hint(1)
@pytest.mark.mistake("the top codings included")
def test_a_single_autoencoder_trains_on_x(impl):
    """One encoder in the stack: the only autoencoder trains on x itself, so the list is [x].
    ja: スタックにエンコーダが 1 つなら、ただ 1 つのオートエンコーダは x そのもので訓練するので、リストは [x] です。"""
    x, encoders = make([5, 3], seed=0)
    got = impl.autoencoder_layer_inputs(x, encoders)
    call = say(
        "autoencoder_layer_inputs(x (6, 5), one encoder (5, 3))",
        "autoencoder_layer_inputs(x (6, 5), エンコーダ 1 つ (5, 3))",
    )
    check_list(got, [x], call, EXACT)


@pytest.mark.hint(1)
@pytest.mark.mistake("codings without the bias, or reconstructions instead of codings")
def test_two_autoencoders_by_hand(impl):
    """x [[1, -1]], W_1 (2, 3), b_1 [0, 0, .5]: the second trains on [[1, e^-1 - 1, .5]].
    ja: x [[1, -1]]、W_1 (2, 3)、b_1 [0, 0, .5]: 2 つ目は [[1, e^-1 - 1, .5]] で訓練します。"""
    x = np.array([[1.0, -1.0]])
    w1, b1 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([0.0, 0.0, 0.5])
    w2, b2 = np.ones((3, 2)), np.zeros(2)
    got = impl.autoencoder_layer_inputs(x, [(w1, b1), (w2, b2)])
    # the codings: ELU of x @ W_1 + b_1 = [1, -1, 0.5]; a reconstruction would be 2 wide, the
    # pre-activation would keep -1, no bias would give 0 in the last place
    expected = [x, np.array([[1.0, np.exp(-1.0) - 1.0, 0.5]])]
    check_list(got, expected, "autoencoder_layer_inputs(x [[1, -1]], [(W_1, b_1), (W_2, b_2)])")


@pytest.mark.hint(2)
@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    n=st.integers(1, 5),
    seed=seeds,
)
def test_each_autoencoder_trains_on_the_codings_below(impl, widths, n, seed):
    """Stacks of 1 to 4 encoders: item k + 1 = elu(item_k @ W_k + b_k), len(encoders) items.
    ja: 1 から 4 個のエンコーダのスタック: 要素 k + 1 = elu(item_k @ W_k + b_k)、要素は len(encoders) 個です。"""
    x, encoders = make(widths, seed, n=n)
    got = impl.autoencoder_layer_inputs(x, encoders)
    call = say(
        f"autoencoder_layer_inputs(x ({n}, {widths[0]}), widths {widths})",
        f"autoencoder_layer_inputs(x ({n}, {widths[0]}), 幅 {widths})",
    )
    check_list(got, codings(x, encoders)[:-1], call)


@pytest.mark.hint(2)
@pytest.mark.mistake("every autoencoder trained on x")
def test_square_layers_still_go_up_the_stack(impl):
    """Every width 4 (no shape error to help): autoencoder 3 trains on h_2, not on x nor on h_1.
    ja: 幅がすべて 4 (形のエラーは出ません): オートエンコーダ 3 は x でも h_1 でもなく h_2 で訓練します。"""
    x, encoders = make([4, 4, 4, 4], seed=3)
    got = impl.autoencoder_layer_inputs(x, encoders)
    call = say(
        "autoencoder_layer_inputs(x (6, 4), 3 encoders 4x4)",
        "autoencoder_layer_inputs(x (6, 4), 4x4 のエンコーダ 3 つ)",
    )
    check_list(got, codings(x, encoders)[:-1], call)


@pytest.mark.hint(2)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_inputs_keep_the_data_dtype(impl, dtype):
    """float32 data gives float32 inputs all the way up (and float64 stays float64).
    ja: float32 のデータなら一番上まで float32 の入力になります (float64 は float64 のまま)。"""
    x, encoders = make([5, 4, 3, 2], seed=6, dtype=dtype)
    got = impl.autoencoder_layer_inputs(x, encoders)
    what = f"len {len(got)}" if isinstance(got, (list, tuple)) else "?"
    assert isinstance(got, (list, tuple)) and len(got) == 3, say(
        f"autoencoder_layer_inputs(3 encoders) returned {type(got).__name__} ({what}); expected "
        "a list of 3 arrays",
        f"autoencoder_layer_inputs(エンコーダ 3 つ) が {type(got).__name__} ({what}) を返しました。"
        "3 つの配列のリストを返してください",
    )
    for k, (g, shape) in enumerate(zip(got, [(6, 5), (6, 4), (6, 3)], strict=True)):
        call = f"autoencoder_layer_inputs({np.dtype(dtype).name} x)[{k}]"
        g = expect_shape(g, shape, call)
        assert g.dtype == dtype, say(
            f"{call} has dtype {g.dtype}, expected {np.dtype(dtype).name}",
            f"{call} の dtype が {g.dtype} です。{np.dtype(dtype).name} のはずです",
        )


# -------------------------------------------------------------------- assemble_stacked_autoencoder
def kind(x):
    """A value's kind for a message: "list (len 4)", "tuple (len 2)", "ndarray"."""
    return (
        f"{type(x).__name__} (len {len(x)})" if isinstance(x, (list, tuple)) else type(x).__name__
    )


def check_pairs(got, n, call):
    """got is a list of n (W, b) pairs."""
    assert isinstance(got, (list, tuple)) and len(got) == n, say(
        f"{call} returned {kind(got)}; expected a list of {n} (W, b) pairs",
        f"{call} が {kind(got)} を返しました。(W, b) の組 {n} 個のリストを返してください",
    )
    for k, pair in enumerate(got):
        assert isinstance(pair, (list, tuple)) and len(pair) == 2, say(
            f"{call}[{k}] is {kind(pair)}; expected a pair (W, b)",
            f"{call}[{k}] が {kind(pair)} です。組 (W, b) のはずです",
        )


@pytest.mark.hint(3)
@pytest.mark.mistake("the decoders in the encoders' order")
def test_assembled_order_by_hand(impl):
    """Two phases 6-4-3: enc_1 (6, 4), enc_2 (4, 3), then dec_2 (3, 4), dec_1 (4, 6).
    ja: 6-4-3 の 2 つのフェーズ: enc_1 (6, 4)、enc_2 (4, 3)、次に dec_2 (3, 4)、dec_1 (4, 6) の順です。"""
    phases = make_phases([6, 4, 3], seed=1)
    (enc1, dec1), (enc2, dec2) = phases
    got = impl.assemble_stacked_autoencoder(phases)
    call = "assemble_stacked_autoencoder(phases 6-4-3)"
    check_pairs(got, 4, call)
    names = ["enc_1", "enc_2", "dec_2", "dec_1"]
    for k, (pair, want, name) in enumerate(zip(got, [enc1, enc2, dec2, dec1], names, strict=True)):
        where = say(
            f"{call}[{k}] W (expected {name}'s)", f"{call}[{k}] の W (期待値は {name} のもの)"
        )
        expect_close(pair[0], want[0], where, **EXACT)
        where = say(
            f"{call}[{k}] b (expected {name}'s)", f"{call}[{k}] の b (期待値は {name} のもの)"
        )
        expect_close(pair[1], want[1], where, **EXACT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("widths", [[7, 5, 3, 2], [4, 4, 4]], ids=["narrowing", "square"])
def test_the_assembled_network_decodes_what_it_encoded(impl, widths):
    """Forward through the assembled pairs (ELU inside, linear last) = encode all, then decode.
    ja: 組み立てた層 (内側は ELU、最後は線形) を通すと、すべてエンコードしてからデコードしたものになります。"""
    phases = make_phases(widths, seed=4)
    x = np.random.default_rng(5).standard_normal((6, widths[0]))
    got = impl.assemble_stacked_autoencoder(phases)
    check_pairs(got, 2 * len(phases), f"assemble_stacked_autoencoder(widths {widths})")
    a = x
    for k, (w, b) in enumerate(got):
        a = a @ w + b
        if k < len(got) - 1:
            a = elu(a)
    expected = codings(x, [enc for enc, _ in phases])[-1]
    for k, (_, (w, b)) in enumerate(reversed(phases)):
        expected = expected @ w + b
        if k < len(phases) - 1:
            expected = elu(expected)
    where = say(
        f"the network of assemble_stacked_autoencoder(widths {widths})",
        f"assemble_stacked_autoencoder(幅 {widths}) のネットワーク",
    )
    expect_close(a, expected, where)


@pytest.mark.hint(3)
@pytest.mark.mistake("the weights copied")
def test_the_stack_holds_the_phases_own_arrays(impl):
    """No copies: fine-tuning the stacked network (in place) must train the phases' layers.
    ja: コピーしません: 積み重ねたネットワークを (その場で) ファインチューニングすると、各フェーズの層が訓練されなければなりません。"""
    phases = make_phases([5, 4, 3], seed=7)
    got = impl.assemble_stacked_autoencoder(phases)
    check_pairs(got, 4, "assemble_stacked_autoencoder(phases 5-4-3)")
    (enc1, dec1), (enc2, dec2) = phases
    for k, (pair, want) in enumerate(zip(got, [enc1, enc2, dec2, dec1], strict=True)):
        for part, name in ((0, "W"), (1, "b")):
            assert np.shares_memory(pair[part], want[part]), say(
                f"assemble_stacked_autoencoder(...)[{k}] {name} is a copy: return the phases' own "
                "arrays, so that training the stack trains the phases' layers",
                f"assemble_stacked_autoencoder(...)[{k}] の {name} はコピーです: 各フェーズの配列"
                "そのものを返してください。そうすればスタックの訓練が各フェーズの層を訓練します",
            )
