"""Tests for kata 26 (denoising). ``impl`` is the module under test.

The worked examples use stddev 0.5 (a variance read as the stddev gives 0.25, an obvious
difference) and rate 0.25 with a uniform exactly at 0.25 (TF keeps an entry where u >= rate).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape, say

seeds = st.integers(0, 2**16)
dtypes = st.sampled_from(["float32", "float64"])
# One multiplication and one addition per entry, rounded to the dtype: 2 ulps.
TIGHT = {"float32": {"rtol": 2.5e-7, "atol": 1e-7}, "float64": {"rtol": 5e-16, "atol": 1e-16}}
EXACT = {"rtol": 0.0, "atol": 0.0}

X = np.array([[0.2, 0.4, 0.6, 0.8]])
NORMALS = np.array([[1.0, -1.0, 0.5, -2.0]])
UNIFORMS = np.array([[0.1, 0.25, 0.3, 0.9]])


def make(n, d, seed, dtype):
    """x (n, d) of pixel-like values in (0.1, 1] (never 0, so a masked entry shows), standard
    normals and uniforms of its shape (float64, as a NumPy Generator draws them)."""
    rng = np.random.default_rng(seed)
    x = (0.1 + 0.9 * rng.random((n, d))).astype(dtype)
    return x, rng.standard_normal((n, d)), rng.random((n, d))


@pytest.mark.hint(1)
@pytest.mark.mistake("the variance used as the stddev")
def test_gaussian_worked_example(impl):
    """x + 0.5 * n on a hand-worked row: [0.7, -0.1, 0.85, -0.2].
    ja: 手計算した行での x + 0.5 * n: [0.7, -0.1, 0.85, -0.2] です。"""
    out = impl.gaussian_noise(X, 0.5, NORMALS)
    out = expect_shape(out, X.shape, "gaussian_noise(x, 0.5, normals)")
    # 0.25 * n would be the noise scaled by stddev^2 = 0.25: far from 0.5 * n in every entry.
    assert not np.allclose(out - X, 0.25 * NORMALS), say(
        "gaussian_noise(x, 0.5, n) added 0.25 * n, exactly half the expected 0.5 * n = "
        "stddev * n: did you use the variance stddev^2 as the scale?",
        "gaussian_noise(x, 0.5, n) が 0.25 * n を足しました。期待する 0.5 * n = stddev * n の"
        "ちょうど半分です: 分散 stddev^2 を倍率に使っていませんか",
    )
    expect_close(
        out, np.array([[0.7, -0.1, 0.85, -0.2]]), "gaussian_noise(x, 0.5, n)", **TIGHT["float64"]
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("kept entries rescaled by 1 / (1 - rate), as in dropout")
def test_masking_worked_example(impl):
    """rate 0.25, u [0.1, 0.25, 0.3, 0.9]: only the first is masked (u == rate is kept; no rescale).
    ja: rate 0.25、u [0.1, 0.25, 0.3, 0.9]: 消すのは最初だけです (u == rate は残し、倍率もかけません)。"""
    out = impl.masking_noise(X, 0.25, UNIFORMS)
    out = expect_shape(out, X.shape, "masking_noise(x, 0.25, uniforms)")
    rescaled = np.array([[0.0, 0.4, 0.6, 0.8]]) / 0.75
    assert not np.allclose(out, rescaled), say(
        "masking_noise(x, 0.25, u) kept the entries multiplied by 1 / (1 - rate) = 4/3: masking "
        "noise corrupts the input, it is not inverted dropout (keep the kept entries as they are)",
        "masking_noise(x, 0.25, u) が残した値に 1 / (1 - rate) = 4/3 をかけました: マスキングノイズは"
        "入力を壊すもので、逆ドロップアウトではありません (残す値はそのままにしてください)",
    )
    expect_close(out, np.array([[0.0, 0.4, 0.6, 0.8]]), "masking_noise(x, 0.25, u)", **EXACT)


@pytest.mark.hint(1)
@pytest.mark.mistake("x corrupted in place")
@pytest.mark.parametrize("kind", ["gaussian", "masking"])
def test_nothing_is_modified_in_place(impl, kind):
    """No function changes x or the draw: the caller's batch is also the targets.
    ja: どの関数も x や乱数を書き換えません。呼び出し側のバッチはターゲットでもあります。"""
    x, normals, uniforms = make(6, 5, 0, "float64")
    draw = normals if kind == "gaussian" else uniforms
    keep_x, keep_draw = x.copy(), draw.copy()
    if kind == "gaussian":
        impl.gaussian_noise(x, 0.5, draw)
    else:
        impl.masking_noise(x, 0.3, draw)
    impl.denoising_batch(x, kind, 0.3, draw)
    for name, ja, a, b in (("x", "x", x, keep_x), ("the draw", "乱数", draw, keep_draw)):
        assert np.array_equal(a, b), say(
            f"{kind}: your functions changed {name} in place (x is also the clean target)",
            f"{kind}: あなたの関数が{ja}をその場で書き換えました (x はきれいなターゲットでもあります)",
        )


@pytest.mark.hint(3)
@pytest.mark.mistake("the targets corrupted too")
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, dtype=dtypes)
def test_denoising_batch_corrupts_the_inputs_only(impl, n, d, seed, dtype):
    """inputs = the corruption of x, targets = the clean x, for both kinds.
    ja: どちらの種類でも、inputs は x を壊したもの、targets はきれいな x です。"""
    x, normals, uniforms = make(n, d, seed, dtype)
    clean = x.copy()
    for kind, level, draw, want in (
        ("gaussian", 0.5, normals, clean + np.asarray(0.5, dtype) * normals.astype(dtype)),
        ("masking", 0.3, uniforms, np.where(uniforms >= 0.3, clean, 0).astype(dtype)),
    ):
        inputs, targets = impl.denoising_batch(x, kind, level, draw)
        call = f"denoising_batch(x {x.shape} {dtype}, '{kind}', {level}, draw)"
        where = say(f"{call} targets (the clean x)", f"{call} の targets (きれいな x)")
        expect_close(targets, clean, where, **EXACT)
        expect_close(inputs, want, say(f"{call} inputs", f"{call} の inputs"), **TIGHT[dtype])


@pytest.mark.hint(2)
@pytest.mark.mistake("float32 computed in float64")
@given(n=st.integers(1, 6), d=st.integers(1, 6), seed=seeds, dtype=dtypes)
def test_dtype_is_kept(impl, n, d, seed, dtype):
    """float32 x with float64 draws gives float32 outputs (cast the draw to x's dtype).
    ja: float32 の x と float64 の乱数からは float32 の出力が出ます (乱数を x の dtype に変換します)。"""
    x, normals, uniforms = make(n, d, seed, dtype)
    for name, out in (
        ("gaussian_noise", impl.gaussian_noise(x, 0.5, normals)),
        ("masking_noise", impl.masking_noise(x, 0.3, uniforms)),
        ("denoising_batch inputs", impl.denoising_batch(x, "gaussian", 0.5, normals)[0]),
    ):
        assert out.dtype == x.dtype, say(
            f"{name}: x is {x.dtype}, the output is {out.dtype} (cast the draw to x's dtype)",
            f"{name}: x は {x.dtype} なのに出力は {out.dtype} です (乱数を x の dtype に変換してください)",
        )


@pytest.mark.hint(2)
def test_noise_statistics(impl):
    """On 40,000 entries the Gaussian noise has std stddev, and masking keeps a fraction 1 - rate.
    ja: 40,000 個の要素で、ガウスノイズの標準偏差は stddev、マスキングが残す割合は 1 - rate です。

    The bounds are 5 standard errors from the sample size.
    """
    x, normals, uniforms = make(200, 200, 1, "float64")
    m = x.size
    e = impl.gaussian_noise(x, 0.5, normals) - x
    # the sample std of M normals has standard error sigma / sqrt(2 M)
    assert abs(e.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * m), say(
        f"gaussian_noise(x, 0.5, normals): the noise has std {e.std():.4f}, expected 0.5",
        f"gaussian_noise(x, 0.5, normals): ノイズの標準偏差が {e.std():.4f} です。0.5 のはずです",
    )
    kept = impl.masking_noise(x, 0.2, uniforms) != 0
    frac = kept.mean()
    assert abs(frac - 0.8) < 5 * np.sqrt(0.8 * 0.2 / m), say(
        f"masking_noise(x, 0.2, uniforms) kept {frac:.4f} of the entries, expected 0.8 = 1 - rate"
        + (" (about rate: kept where u < rate?)" if abs(frac - 0.2) < 0.01 else ""),
        f"masking_noise(x, 0.2, uniforms) が要素の {frac:.4f} を残しました。0.8 = 1 - rate のはずです"
        + (
            " (およそ rate です: u < rate のところを残していませんか)"
            if abs(frac - 0.2) < 0.01
            else ""
        ),
    )
