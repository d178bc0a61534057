"""Tests for kata 3 (activations and their derivatives). ``impl`` is the module under test.

Tolerances: values are compared in float64 with rtol 1e-12. That is loose enough for any
reasonable order of the multiplications (a few ulps, 1e-16 relative) and for exp(z) - 1 instead
of expm1(z) at the inputs used here (|z| >= 0.1, where the cancellation costs at most 1e-15
relative), and tight enough that a wrong constant (SELU's to 4 digits: 3e-5) or a wrong slope
fails.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from katas.engine.testing import (
    expect_close,
    expect_gradient,
    expect_shape,
    numerical_gradient,
    say,
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
RTOL = 1e-12  # see the module docstring

# Away from the kinks: the tests of the values at exactly 0 come separately.
Z = np.array([[-3.0, -1.0, -0.5, -0.1], [0.1, 0.5, 1.0, 3.0]])


def elu_expected(z, alpha):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def call_of(name, z, **kwargs):
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    values = np.array2string(np.ravel(z)[:8], precision=3, separator=", ")
    return f"{name}({values}{', ' + args if args else ''})"


# ---------------------------------------------------------------------------- values


@pytest.mark.hint(1)
def test_relu(impl):
    """relu(z) = max(0, z).
    ja: relu(z) = max(0, z) です。"""
    expect_close(impl.relu(Z.copy()), np.maximum(Z, 0), call_of("relu", Z), rtol=RTOL)


@pytest.mark.hint(1)
def test_relu_grad(impl):
    """relu'(z) is 1 for z > 0 and 0 for z < 0.
    ja: relu'(z) は z > 0 で 1、z < 0 で 0 です。"""
    expect_close(impl.relu_grad(Z.copy()), (Z > 0) * 1.0, call_of("relu_grad", Z), rtol=RTOL)


@pytest.mark.mistake("book's 0.01 as the default slope")
@pytest.mark.hint(1)
def test_leaky_relu_default_slope_is_keras_0_2(impl):
    """leaky_relu's default negative_slope is 0.2, Keras' function default: leaky_relu(-10) = -2.
    ja: leaky_relu の negative_slope の既定値は Keras の関数と同じ 0.2 です: leaky_relu(-10) = -2。"""
    z = np.array([-10.0, 10.0])
    expect_close(impl.leaky_relu(z.copy()), np.array([-2.0, 10.0]), call_of("leaky_relu", z))


@pytest.mark.hint(1)
@pytest.mark.parametrize("slope", [0.01, 0.3], ids=["book_0.01", "keras_layer_0.3"])
def test_leaky_relu(impl, slope):
    """leaky_relu(z, s) = z for z > 0, s * z otherwise (book: s = 0.01; Keras' layer: 0.3).
    ja: leaky_relu(z, s) は z > 0 で z、それ以外で s * z です (本書: s = 0.01、Keras のレイヤー: 0.3)。"""
    expected = np.where(Z > 0, Z, slope * Z)
    got = impl.leaky_relu(Z.copy(), negative_slope=slope)
    expect_close(got, expected, call_of("leaky_relu", Z, negative_slope=slope), rtol=RTOL)


@pytest.mark.hint(1)
@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_grad(impl, slope):
    """leaky_relu'(z) is 1 for z > 0 and negative_slope for z < 0.
    ja: leaky_relu'(z) は z > 0 で 1、z < 0 で negative_slope です。"""
    expected = np.where(Z > 0, 1.0, slope)
    got = impl.leaky_relu_grad(Z.copy(), negative_slope=slope)
    expect_close(got, expected, call_of("leaky_relu_grad", Z, negative_slope=slope), rtol=RTOL)


@pytest.mark.hint(1)
@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu(impl, alpha):
    """elu(z) = z for z > 0, alpha (exp(z) - 1) otherwise (book Eq. 11-2).
    ja: elu(z) は z > 0 で z、それ以外で alpha (exp(z) - 1) です (本書の式 11-2)。"""
    got = impl.elu(Z.copy(), alpha=alpha)
    expect_close(got, elu_expected(Z, alpha), call_of("elu", Z, alpha=alpha), rtol=RTOL)


@pytest.mark.hint(2)
@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_grad(impl, alpha):
    """elu'(z) is 1 for z > 0 and alpha exp(z) for z < 0.
    ja: elu'(z) は z > 0 で 1、z < 0 で alpha exp(z) です。"""
    expected = np.where(Z > 0, 1.0, alpha * np.exp(np.minimum(Z, 0)))
    got = impl.elu_grad(Z.copy(), alpha=alpha)
    expect_close(got, expected, call_of("elu_grad", Z, alpha=alpha), rtol=RTOL)


@pytest.mark.hint(2)
def test_elu_saturates_at_minus_alpha(impl):
    """For very negative z, elu(z) tends to -alpha and elu'(z) to 0: elu(-1000, alpha=2) = -2.
    ja: z が大きな負の値なら elu(z) は -alpha に、elu'(z) は 0 に近づきます: elu(-1000, alpha=2) = -2。"""
    z = np.array([-1000.0, -50.0])
    expect_close(
        impl.elu(z.copy(), alpha=2.0), np.array([-2.0, -2.0]), call_of("elu", z, alpha=2.0)
    )
    # exp(-50) = 2e-22, far below the absolute tolerance of 1e-8.
    expect_close(impl.elu_grad(z.copy(), alpha=2.0), np.zeros(2), call_of("elu_grad", z, alpha=2.0))


@pytest.mark.mistake("SELU constants swapped")
@pytest.mark.hint(2)
def test_selu_constants(impl):
    """selu(1) = scale = 1.0507... and selu(-1000) = -scale * alpha = -1.7581... (not swapped).
    ja: selu(1) = scale = 1.0507...、selu(-1000) = -scale * alpha = -1.7581... です (入れ替えなし)。"""
    z = np.array([1.0, -1000.0])
    expected = np.array([SELU_SCALE, -SELU_SCALE * SELU_ALPHA])
    got = expect_shape(impl.selu(z.copy()), z.shape, call_of("selu", z))
    assert not np.isclose(got[0], SELU_ALPHA, rtol=1e-6), say(
        f"selu(1) returned {float(got[0]):.6g}, which is alpha (1.6733), expected scale "
        "(1.0507): are alpha and scale swapped?",
        f"selu(1) が {float(got[0]):.6g} (alpha = 1.6733) を返しました。期待値は scale "
        "(1.0507) です: alpha と scale を入れ替えていませんか?",
    )
    expect_close(got, expected, call_of("selu", z), rtol=RTOL)


@pytest.mark.hint(2)
def test_selu(impl):
    """selu(z) = scale * elu(z, alpha) with alpha = 1.6733, scale = 1.0507.
    ja: alpha = 1.6733、scale = 1.0507 として selu(z) = scale * elu(z, alpha) です。"""
    expected = SELU_SCALE * elu_expected(Z, SELU_ALPHA)
    expect_close(impl.selu(Z.copy()), expected, call_of("selu", Z), rtol=RTOL)


@pytest.mark.hint(2)
def test_selu_grad(impl):
    """selu'(z) is scale for z > 0 and scale * alpha * exp(z) for z < 0.
    ja: selu'(z) は z > 0 で scale、z < 0 で scale * alpha * exp(z) です。"""
    expected = np.where(Z > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(Z, 0)))
    expect_close(impl.selu_grad(Z.copy()), expected, call_of("selu_grad", Z), rtol=RTOL)


@pytest.mark.hint(2)
def test_selu_maps_a_standard_normal_to_mean_0_variance_1(impl):
    """The point of SELU's constants: if z ~ N(0, 1), selu(z) has mean 0 and variance 1.
    ja: SELU の定数の意味: z ~ N(0, 1) なら selu(z) の平均は 0、分散は 1 です。"""
    # E[f(z)] and E[f(z)^2] by a Riemann sum on [-12, 12] with step 1e-4. The kink at 0 lies on
    # the grid and the tails beyond 12 weigh less than 1e-32, so the sums are within 1e-9 of
    # the integrals; swapped constants give mean 0.25 and second moment 1.85.
    z = np.linspace(-12.0, 12.0, 240_001)
    weight = np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi) * (z[1] - z[0])
    f = np.asarray(impl.selu(z.copy()), dtype=np.float64)
    expect_shape(f, z.shape, "selu(z) on 240,001 points")
    mean, second = float(np.sum(f * weight)), float(np.sum(f * f * weight))
    assert abs(mean) < 1e-6 and abs(second - 1) < 1e-6, say(
        f"with z ~ N(0, 1), selu(z) has mean {mean:.6f} and E[selu(z)^2] = {second:.6f}; SELU's "
        "constants are chosen to make them 0 and 1 (are alpha and scale swapped or rounded?)",
        f"z ~ N(0, 1) のとき selu(z) の平均が {mean:.6f}、E[selu(z)^2] が {second:.6f} です。"
        "SELU の定数はこれを 0 と 1 にするように選ばれています (alpha と scale が逆か、"
        "丸めすぎていませんか?)",
    )


# ---------------------------------------------------------------------------- kinks

KINKS = [
    ("relu_grad", {}, 0.0, "0, as TensorFlow's ReluGrad"),
    ("leaky_relu_grad", {"negative_slope": 0.01}, 0.01, "the slope, as TF's LeakyReluGrad"),
    ("leaky_relu_grad", {}, 0.2, "the (default) slope, as TF's LeakyReluGrad"),
    ("elu_grad", {"alpha": 0.5}, 0.5, "alpha, as Keras' where(z > 0, ...)"),
    ("elu_grad", {"alpha": 2.0}, 2.0, "alpha, as Keras' where(z > 0, ...)"),
    ("selu_grad", {}, SELU_SCALE, "scale, as TF's SeluGrad (it tests y < 0)"),
]


WHY_JA = {
    "0, as TensorFlow's ReluGrad": "TensorFlow の ReluGrad と同じく 0",
    "the slope, as TF's LeakyReluGrad": "TF の LeakyReluGrad と同じく slope",
    "the (default) slope, as TF's LeakyReluGrad": "TF の LeakyReluGrad と同じく (既定の) slope",
    "alpha, as Keras' where(z > 0, ...)": "Keras の where(z > 0, ...) と同じく alpha",
    "scale, as TF's SeluGrad (it tests y < 0)": "TF の SeluGrad と同じく scale (y < 0 で判定)",
}


@pytest.mark.mistake("derivative at the kink")
@pytest.mark.hint(2)
@pytest.mark.parametrize(
    ("name", "kwargs", "expected", "why"), KINKS, ids=[f"{k[0]}{k[1]}" for k in KINKS]
)
def test_derivative_at_exactly_zero(impl, name, kwargs, expected, why):
    """At the kink z = 0, TensorFlow's values: relu' 0, leaky' slope, elu' alpha, selu' scale.
    ja: 折れ目 z = 0 では TensorFlow の値: relu' は 0、leaky' は slope、elu' は alpha、selu' は scale です。"""
    z = np.array([-1.0, 0.0, 1.0])
    got = getattr(impl, name)(z.copy(), **kwargs)
    call = call_of(name, z, **kwargs)
    why_ja = WHY_JA[why]
    expect_shape(got, z.shape, call)
    assert np.isclose(got[1], expected, rtol=RTOL, atol=0), say(
        f"{call} returned {float(got[1]):.6g} at z = 0, expected {expected:.6g}: {why}",
        f"{call} が z = 0 で {float(got[1]):.6g} を返しました。期待値は {expected:.6g} です"
        f" (TensorFlow と同じ値: {why_ja})",
    )


# ---------------------------------------------------------------------------- overflow

LARGE = {
    "float32": np.array([-1e4, -100.0, 0.5, 100.0, 1e4], dtype=np.float32),  # exp(89) > max
    "float64": np.array([-1e4, -1000.0, 0.5, 1000.0, 1e300]),  # exp(710) > max
}


@pytest.mark.mistake("exp overflows on the discarded branch")
@pytest.mark.hint(3)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["elu", "elu_grad", "selu", "selu_grad"])
def test_no_overflow_for_large_inputs(impl, name, dtype):
    """ELU and SELU never compute exp of a large positive z, not even on the branch they discard.
    ja: ELU と SELU は大きな正の z の exp を計算しません (捨てる側の分岐でも)。"""
    z = LARGE[dtype]
    zz = z.astype(np.float64)
    expected = {
        "elu": elu_expected(zz, 1.0),
        "elu_grad": np.where(zz > 0, 1.0, np.exp(np.minimum(zz, 0))),
        "selu": SELU_SCALE * elu_expected(zz, SELU_ALPHA),
        "selu_grad": np.where(
            zz > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(zz, 0))
        ),
    }[name]
    call = call_of(name, z) + f" in {dtype}"
    # Turn NumPy's overflow and invalid-operation warnings into errors, just for this call.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            got = getattr(impl, name)(z.copy())
        except FloatingPointError as err:
            raise AssertionError(
                say(
                    f"{call} raised '{err}': np.where evaluates both branches, so exp(z) "
                    "overflows for large positive z even though that branch is thrown away. "
                    "Feed the exp np.minimum(z, 0) instead of z.",
                    f"{call} が '{err}' を送出しました: np.where は両方の分岐を計算するので、"
                    "捨てる側の分岐でも大きな正の z では exp(z) がオーバーフローします。"
                    "exp には z ではなく np.minimum(z, 0) を渡してください。",
                )
            ) from None
    # float32 results are within one float32 ulp (6e-8 relative) of the float64 values.
    expect_close(np.asarray(got, dtype=np.float64), expected, call, rtol=1e-6)


# ---------------------------------------------------------------------------- gradient checks

GRADIENTS = [
    ("relu", "relu_grad", {}),
    ("leaky_relu", "leaky_relu_grad", {}),
    ("leaky_relu", "leaky_relu_grad", {"negative_slope": 0.01}),
    ("elu", "elu_grad", {}),
    ("elu", "elu_grad", {"alpha": 0.5}),
    ("selu", "selu_grad", {}),
]


@pytest.mark.hint(3)
@pytest.mark.parametrize(
    ("f", "grad", "kwargs"), GRADIENTS, ids=[f"{g[0]}{g[2]}" for g in GRADIENTS]
)
# Elementwise functions: 10 arrays of up to 16 entries each cover both sides of every kink well,
# and keep the six checks at about 0.1 s together.
@settings(max_examples=10)
@given(n=st.integers(1, 16), seed=st.integers(0, 2**16))
def test_gradient_check(impl, f, grad, kwargs, n, seed):
    """Gradient check (float64, random upstream gradient, |z| >= 0.01): rel. error <= 1e-7.
    ja: 勾配チェック (float64、ランダムな上流勾配、|z| >= 0.01): 相対誤差は 1e-7 以下です。"""
    rng = np.random.default_rng(seed)
    # numerical_gradient differentiates sum(f(z) * dout), so its rounding error is about
    # 1e-16 * |sum| / h whatever the entry, while an entry's true value dout_i * f'(z_i) can be
    # tiny (f' = 0.01 for the book's leaky ReLU). With h = 1e-4 and |dout_i| in [0.5, 2] the
    # worst relative error over 9,000 random draws of the reference is 1.4e-9, 70 times below
    # the threshold; a wrong derivative is off by 1e-2 or more. |z| >= 0.01 = 100 h keeps
    # z +- h on one side of the kink, and the truncation error (h^2 / 6) |f'''| / |f'| of the
    # centred difference is below 2e-9 (ELU) or 0 (the piecewise-linear ones).
    z = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.01, 4.0, size=n)
    dout = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.5, 2.0, size=n)
    g = getattr(impl, grad)(z.copy(), **kwargs)
    expect_shape(g, z.shape, call_of(grad, z, **kwargs))
    numeric = numerical_gradient(lambda v: getattr(impl, f)(v, **kwargs), z.copy(), dout, h=1e-4)
    expect_gradient(dout * g, numeric, f"dout * {call_of(grad, z, **kwargs)}")


# ---------------------------------------------------------------------------- plumbing

ALL = ["relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "selu", "selu_grad"]


@pytest.mark.mistake("upcast to float64")
@pytest.mark.hint(1)
@pytest.mark.parametrize("name", ALL)
def test_keeps_shape_and_dtype(impl, name):
    """Elementwise: the shape comes back unchanged, float32 stays float32, float64 stays float64.
    ja: 要素ごとの関数: 形はそのまま、float32 は float32、float64 は float64 のままです。"""
    z = np.random.default_rng(0).standard_normal((2, 3, 4))
    for dtype in ("float32", "float64"):
        got = getattr(impl, name)(z.astype(dtype))
        call = say(
            f"{name}(z of shape (2, 3, 4), dtype {dtype})",
            f"{name}(形 (2, 3, 4) の z、dtype {dtype})",
        )
        expect_shape(got, z.shape, call)
        assert got.dtype == np.dtype(dtype), say(
            f"{call} returned dtype {got.dtype}; keep the input's dtype (e.g. "
            "(z > 0).astype(z.dtype), not .astype(float))",
            f"{call} が dtype {got.dtype} を返しました。入力の dtype を保ってください "
            "(例: .astype(float) ではなく (z > 0).astype(z.dtype))",
        )


@pytest.mark.mistake("input modified in place")
@pytest.mark.hint(1)
@pytest.mark.parametrize("name", ALL)
def test_leaves_its_input_alone(impl, name):
    """The caller still owns z: no function may modify it in place.
    ja: z は呼び出し側のものです: どの関数も z をその場で書き換えません。"""
    z = np.random.default_rng(1).standard_normal((4, 5))
    before = z.copy()
    getattr(impl, name)(z)
    assert np.array_equal(z, before), say(
        f"{name}(z) changed z in place; compute a new array (np.where, np.maximum) instead",
        f"{name}(z) が z をその場で書き換えました。代わりに新しい配列を作ってください "
        "(np.where, np.maximum)",
    )
