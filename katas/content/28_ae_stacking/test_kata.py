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

from katas.engine.testing import expect_close, expect_shape

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
    assert isinstance(got, (list, tuple)), f"{call} returned {type(got).__name__}; expected a list"
    assert len(got) == len(expected), (
        f"{call} returned {len(got)} arrays, expected {len(expected)}: one training input per "
        "autoencoder, x first (the top encoder's codings train no autoencoder)"
    )
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        expect_close(g, e, f"{call}[{k}]", **tol)


# ------------------------------------------------------------------------ autoencoder_layer_inputs
@pytest.mark.hint(1)
def test_a_single_autoencoder_trains_on_x(impl):
    """One encoder in the stack: the only autoencoder trains on x itself, so the list is [x]."""
    x, encoders = make([5, 3], seed=0)
    got = impl.autoencoder_layer_inputs(x, encoders)
    check_list(got, [x], "autoencoder_layer_inputs(x (6, 5), one encoder (5, 3))", EXACT)


@pytest.mark.hint(1)
def test_two_autoencoders_by_hand(impl):
    """x [[1, -1]], W_1 (2, 3), b_1 [0, 0, .5]: the second trains on [[1, e^-1 - 1, .5]]."""
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
    """Stacks of 1 to 4 encoders: item k + 1 = elu(item_k @ W_k + b_k), len(encoders) items."""
    x, encoders = make(widths, seed, n=n)
    got = impl.autoencoder_layer_inputs(x, encoders)
    call = f"autoencoder_layer_inputs(x ({n}, {widths[0]}), widths {widths})"
    check_list(got, codings(x, encoders)[:-1], call)


@pytest.mark.hint(2)
def test_square_layers_still_go_up_the_stack(impl):
    """Every width 4 (no shape error to help): autoencoder 3 trains on h_2, not on x nor on h_1."""
    x, encoders = make([4, 4, 4, 4], seed=3)
    got = impl.autoencoder_layer_inputs(x, encoders)
    check_list(got, codings(x, encoders)[:-1], "autoencoder_layer_inputs(x (6, 4), 3 encoders 4x4)")


@pytest.mark.hint(2)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_inputs_keep_the_data_dtype(impl, dtype):
    """float32 data gives float32 inputs all the way up (and float64 stays float64)."""
    x, encoders = make([5, 4, 3, 2], seed=6, dtype=dtype)
    got = impl.autoencoder_layer_inputs(x, encoders)
    assert isinstance(got, (list, tuple)) and len(got) == 3, (
        f"autoencoder_layer_inputs(3 encoders) returned {got!r:.80}; expected a list of 3 arrays"
    )
    for k, (g, shape) in enumerate(zip(got, [(6, 5), (6, 4), (6, 3)], strict=True)):
        g = expect_shape(g, shape, f"autoencoder_layer_inputs({np.dtype(dtype).name} x)[{k}]")
        assert g.dtype == dtype, (
            f"autoencoder_layer_inputs({np.dtype(dtype).name} x)[{k}] has dtype {g.dtype}, "
            f"expected {dtype}"
        )


# -------------------------------------------------------------------- assemble_stacked_autoencoder
def check_pairs(got, n, call):
    assert isinstance(got, (list, tuple)) and len(got) == n, (
        f"{call} returned {got!r:.80}; expected a list of {n} (W, b) pairs"
    )
    for k, pair in enumerate(got):
        assert isinstance(pair, (list, tuple)) and len(pair) == 2, (
            f"{call}[{k}] is {pair!r:.80}; expected a pair (W, b)"
        )


@pytest.mark.hint(3)
def test_assembled_order_by_hand(impl):
    """Two phases 6-4-3: enc_1 (6, 4), enc_2 (4, 3), then dec_2 (3, 4), dec_1 (4, 6)."""
    phases = make_phases([6, 4, 3], seed=1)
    (enc1, dec1), (enc2, dec2) = phases
    got = impl.assemble_stacked_autoencoder(phases)
    call = "assemble_stacked_autoencoder(phases 6-4-3)"
    check_pairs(got, 4, call)
    names = ["enc_1", "enc_2", "dec_2", "dec_1"]
    for k, (pair, want, name) in enumerate(zip(got, [enc1, enc2, dec2, dec1], names, strict=True)):
        expect_close(pair[0], want[0], f"{call}[{k}] W (expected {name}'s)", **EXACT)
        expect_close(pair[1], want[1], f"{call}[{k}] b (expected {name}'s)", **EXACT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("widths", [[7, 5, 3, 2], [4, 4, 4]], ids=["narrowing", "square"])
def test_the_assembled_network_decodes_what_it_encoded(impl, widths):
    """Forward through the assembled pairs (ELU inside, linear last) = encode all, then decode."""
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
    expect_close(a, expected, f"the network of assemble_stacked_autoencoder(widths {widths})")


@pytest.mark.hint(3)
def test_the_stack_holds_the_phases_own_arrays(impl):
    """No copies: fine-tuning the stacked network (in place) must train the phases' layers."""
    phases = make_phases([5, 4, 3], seed=7)
    got = impl.assemble_stacked_autoencoder(phases)
    check_pairs(got, 4, "assemble_stacked_autoencoder(phases 5-4-3)")
    (enc1, dec1), (enc2, dec2) = phases
    for k, (pair, want) in enumerate(zip(got, [enc1, enc2, dec2, dec1], strict=True)):
        for part, name in ((0, "W"), (1, "b")):
            assert np.shares_memory(pair[part], want[part]), (
                f"assemble_stacked_autoencoder(...)[{k}] {name} is a copy: return the phases' own "
                "arrays, so that training the stack trains the phases' layers"
            )
