"""Tests for kata 5 (backprop through a stack). ``impl`` is the module under test.

The stacks are built from ``scratch.layers`` (``Dense``, ``Activation``), plus two tiny test
layers: ``Scale`` (multiplies by a constant, so the chain rule becomes a product of numbers) and
``Probe`` (the identity, which writes down every call it receives).
"""

import numpy as np
import pytest

from katas.engine.testing import (
    expect_close,
    expect_gradient,
    expect_shape,
    numerical_gradient,
    say,
)
from scratch.layers import Activation, Dense, Layer


class Scale(Layer):
    """out = c * x, so d out / d x = c: a layer whose local derivative is a plain number."""

    kind = "scale"

    def __init__(self, c: float) -> None:
        super().__init__(name=f"scale_{c:g}")
        self.c = c

    def forward(self, x, training=False):
        return self.c * x

    def backward(self, dout):
        return self.c * dout


class Probe(Layer):
    """The identity; appends ("forward", name, training) or ("backward", name) to ``log``."""

    kind = "probe"

    def __init__(self, name: str, log: list) -> None:
        super().__init__(name=name)
        self.log = log

    def forward(self, x, training=False):
        self.log.append(("forward", self.name, training))
        return x

    def backward(self, dout):
        self.log.append(("backward", self.name))
        return dout


def build(layers, input_dim, seed):
    """Build the layers in float64 with random biases (zeros would hide a missing bias)."""
    rng = np.random.default_rng(seed)
    width = input_dim
    for layer in layers:
        width = layer.build(width, rng, "float64")
        if "bias" in layer.params:
            layer.params["bias"][...] = 0.5 * rng.standard_normal(layer.params["bias"].shape)
    return layers


def expect_calls(log, expected, call):
    """The probes saw exactly the calls ``expected``, in that order."""
    if log != expected:
        raise AssertionError(
            say(
                f"{call} made the calls {log}, expected {expected}",
                f"{call} の呼び出しが {log} でした。期待値は {expected} です",
            )
        )


# What a wrong factor of the x2, x3, x5 stack gives away: (factor, English, Japanese).
SCALE_FACTORS = {
    "forward": [
        (
            5.0,
            "5 = only the last layer's factor: is every layer fed x instead of the previous "
            "layer's output?",
            "5 は最後の層の係数だけです: 各層に前の層の出力ではなく x を渡していませんか?",
        ),
        (6.0, "6 = 2 * 3: the last layer was skipped", "6 = 2 * 3 です: 最後の層を飛ばしています"),
        (
            2.0,
            "2 = only the first layer's factor: did the loop return after the first layer?",
            "2 は最初の層の係数だけです: ループが最初の層のあとで return していませんか?",
        ),
    ],
    "backward": [
        (
            2.0,
            "2 = only the first layer's factor: is every layer given the same dout instead of "
            "the gradient the layer above returned?",
            "2 は最初の層の係数だけです: 各層に上の層が"
            "返した勾配ではなく同じ dout を渡していませんか?",
        ),
        (
            5.0,
            "5 = only the last layer's factor: returned the top layer's gradient, or returned "
            "inside the loop?",
            "5 は最後の層の係数だけです: 一番上の層の勾配を返したか、ループの"
            "中で return していませんか?",
        ),
    ],
}


def expect_scaled(got, x, direction, call):
    """got = 30 * x through the x2, x3, x5 stack; a known wrong factor is named."""
    got = expect_shape(got, x.shape, call)
    for factor, en, ja in SCALE_FACTORS[direction]:
        assert not np.allclose(got, factor * x), say(
            f"{call} returned {factor:g} * input, expected 30 * input: {en}",
            f"{call} が入力の {factor:g} 倍を返しました。期待値は 30 倍です: {ja}",
        )
    expect_close(got, 30 * x, call)


def compose(layers, x):
    """The forward pass written out by hand (the tests' own, independent of ``impl``)."""
    for layer in layers:
        x = layer.forward(x)
    return x


@pytest.mark.mistake("each layer fed x, or a layer skipped")
@pytest.mark.hint(1)
def test_forward_multiplies_through_a_stack_of_scales(impl):
    """forward_layers([x2, x3, x5], x) is 30 * x: every layer runs, each on the previous output.
    ja: forward_layers([x2, x3, x5], x) は 30 * x です: すべての層が、それぞれ前の層の出力に対して動きます。"""
    x = np.array([[1.0, -2.0]])
    out = impl.forward_layers([Scale(2.0), Scale(3.0), Scale(5.0)], x)
    expect_scaled(out, x, "forward", "forward_layers([Scale(2), Scale(3), Scale(5)], [[1, -2]])")


@pytest.mark.hint(1)
def test_forward_equals_the_manual_composition(impl):
    """A Dense-tanh / Activation(sigmoid) / Dense stack gives dense2(sigmoid(tanh(x W1 + b1))).
    ja: Dense-tanh / Activation(sigmoid) / Dense の積み重ねは dense2(sigmoid(tanh(x W1 + b1))) を返します。"""
    layers = build([Dense(4, "tanh"), Activation("sigmoid"), Dense(2)], 3, seed=0)
    x = np.random.default_rng(1).standard_normal((5, 3))
    (w1, b1), (w2, b2) = (layers[0].params.values()), (layers[2].params.values())
    expected = 1 / (1 + np.exp(-np.tanh(x @ w1 + b1))) @ w2 + b2
    out = impl.forward_layers(layers, x)
    # Same float64 operations as the hand-written line up to rounding: 1e-12 is ~1e4 ulps.
    expect_close(out, expected, "forward_layers([Dense, Activation, Dense], x (5, 3))", rtol=1e-12)


@pytest.mark.mistake("training flag dropped")
@pytest.mark.hint(1)
def test_forward_passes_the_training_flag_to_every_layer(impl):
    """Every layer receives training=True when asked, and training=False by default.
    ja: すべての層が、指定すれば training=True を、既定では training=False を受け取ります。"""
    log = []
    layers = [Probe("a", log), Probe("b", log), Probe("c", log)]
    impl.forward_layers(layers, np.ones((2, 2)), training=True)
    expect_calls(log, [("forward", n, True) for n in "abc"], "forward_layers(..., training=True)")
    log.clear()
    impl.forward_layers(layers, np.ones((2, 2)))
    expect_calls(log, [("forward", n, False) for n in "abc"], "forward_layers(...) (default)")


@pytest.mark.hint(1)
def test_an_empty_stack_is_the_identity(impl):
    """With no layers, forward returns x and backward returns dout unchanged.
    ja: 層がなければ、順伝播は x を、逆伝播は dout をそのまま返します。"""
    x = np.array([[1.0, 2.0]])
    expect_close(impl.forward_layers([], x), x, "forward_layers([], x)", rtol=0, atol=0)
    expect_close(impl.backward_layers([], x), x, "backward_layers([], dout)", rtol=0, atol=0)


@pytest.mark.mistake("same dout for every layer")
@pytest.mark.hint(2)
def test_backward_multiplies_the_local_derivatives(impl):
    """Back through [x2, x3, x5]: dL/dx = 2 * 3 * 5 * dout (the chain rule, with numbers).
    ja: [x2, x3, x5] を逆にたどると dL/dx = 2 * 3 * 5 * dout です (数で見る連鎖律)。"""
    layers = [Scale(2.0), Scale(3.0), Scale(5.0)]
    dout = np.array([[1.0, -1.0]])
    dx = impl.backward_layers(layers, dout)
    expect_scaled(
        dx, dout, "backward", "backward_layers([Scale(2), Scale(3), Scale(5)], [[1, -1]])"
    )


@pytest.mark.mistake("backward in forward order")
@pytest.mark.hint(2)
def test_backward_visits_the_layers_in_reverse(impl):
    """backward_layers calls the last layer's backward first and the first layer's last.
    ja: backward_layers は最後の層の backward を最初に、最初の層のものを最後に呼びます。"""
    log = []
    layers = [Probe("a", log), Probe("b", log), Probe("c", log)]
    compose(layers, np.ones((2, 2)))  # the tests' own forward: this test is about backward
    log.clear()
    impl.backward_layers(layers, np.ones((2, 2)))
    expect_calls(log, [("backward", n) for n in "cba"], "backward_layers(...)")


@pytest.mark.hint(2)
def test_two_layer_backward_by_hand(impl):
    """Dense-tanh then Dense: dx and every parameter gradient equal the chain rule by hand.
    ja: Dense-tanh のあと Dense: dx とすべてのパラメータ勾配が手で書いた連鎖律と一致します。"""
    layers = build([Dense(4, "tanh"), Dense(2)], 3, seed=2)
    rng = np.random.default_rng(3)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    w1, w2 = layers[0].params["kernel"], layers[1].params["kernel"]
    a1 = np.tanh(x @ w1 + layers[0].params["bias"])
    dz1 = (dout @ w2.T) * (1 - a1**2)
    compose(layers, x)  # the tests' own forward: this test is about backward
    dx = impl.backward_layers(layers, dout)
    call = "backward_layers([Dense(tanh), Dense], dout)"
    # Same products and sums as the reference in a possibly different order: 1e-10 is plenty.
    expect_close(dx, dz1 @ w1.T, f"{call} -> dx", rtol=1e-10, atol=1e-12)
    expected = {
        (0, "kernel"): x.T @ dz1,
        (0, "bias"): dz1.sum(axis=0),
        (1, "kernel"): a1.T @ dout,
        (1, "bias"): dout.sum(axis=0),
    }
    for (i, key), value in expected.items():
        expect_close(layers[i].grads[key], value, f"{call}: layers[{i}].grads[{key!r}]", rtol=1e-10)


@pytest.mark.hint(2)
def test_backward_returns_the_input_gradient_and_fills_every_layer(impl):
    """dx has x's shape, and every Dense layer's grads (zeros after build) are filled.
    ja: dx は x と同じ形で、すべての Dense 層の grads (build 直後は 0) が埋まります。"""
    layers = build([Dense(5, "tanh"), Dense(4, "sigmoid"), Dense(3)], 6, seed=4)
    rng = np.random.default_rng(5)
    compose(layers, rng.standard_normal((2, 6)))
    dx = impl.backward_layers(layers, rng.standard_normal((2, 3)))
    expect_shape(dx, (2, 6), "backward_layers(3 Dense layers 6->5->4->3, dout (2, 3))")
    for i, layer in enumerate(layers):
        for key, grad in layer.grads.items():
            expect_shape(grad, layer.params[key].shape, f"layers[{i}].grads[{key!r}]")
            assert np.any(grad != 0), say(
                f"after backward_layers, layers[{i}].grads[{key!r}] is still all zeros: "
                "that layer's backward was never given its upstream gradient",
                f"backward_layers のあとも layers[{i}].grads[{key!r}] がすべて 0 です: "
                "その層の backward に上流の勾配が渡されていません",
            )


@pytest.mark.hint(3)
@pytest.mark.parametrize(("n", "d", "seed"), [(4, 3, 0), (2, 6, 0), (5, 1, 2)])
def test_whole_stack_gradient_check(impl, n, d, seed):
    """Gradient check of a 3-layer net (float64, random dout): dx and every grad within 1e-7.
    ja: 3 層ネットワークの勾配チェック (float64、ランダムな dout): dx とすべての grad が 1e-7 以内です。"""
    layers = build([Dense(5), Activation("tanh"), Dense(4, "sigmoid"), Dense(3, "tanh")], d, seed)
    rng = np.random.default_rng(seed + 100)
    x, dout = rng.standard_normal((n, d)), rng.standard_normal((n, 3))
    impl.forward_layers(layers, x, training=True)
    dx = impl.backward_layers(layers, dout)
    analytic = [
        (i, k, layer.grads[k].copy()) for i, layer in enumerate(layers) for k in layer.grads
    ]
    # Centred differences with h = 1e-5 on smooth activations (no kinks): truncation ~h^2 and
    # rounding ~1e-16/h leave the reference below 1e-8 on these fixed inputs; 1e-7 is CS231n's
    # bar for a whole net. (Fixed inputs, not random ones: the check is entrywise, and a random
    # draw now and then has a gradient entry near 1e-9 whose relative error is pure noise.)
    expect_gradient(dx, numerical_gradient(lambda v: compose(layers, v), x.copy(), dout), "dx")
    for i, key, grad in analytic:
        param = layers[i].params[key]  # perturbed in place by numerical_gradient
        numeric = numerical_gradient(lambda _: compose(layers, x), param, dout)
        expect_gradient(grad, numeric, f"layers[{i}].grads[{key!r}]")


@pytest.mark.mistake("reverses or pops the caller's list")
@pytest.mark.hint(2)
def test_leaves_the_callers_list_alone_and_takes_a_tuple(impl):
    """The caller's list keeps its layers in order (no reverse() or pop()); a tuple works too.
    ja: 呼び出し側のリストの層の順序は変わらず (reverse() や pop() なし)、タプルでも動きます。"""
    log = []
    layers = [Probe("a", log), Probe("b", log), Probe("c", log)]
    before = list(layers)
    for stack in (layers, tuple(layers)):
        for _ in range(2):  # a second pass must see the same order as the first
            log.clear()
            impl.forward_layers(stack, np.ones((2, 2)), training=True)
            impl.backward_layers(stack, np.ones((2, 2)))
            expected = [("forward", n, True) for n in "abc"] + [("backward", n) for n in "cba"]
            expect_calls(
                log,
                expected,
                say(
                    f"forward_layers then backward_layers on a {type(stack).__name__}",
                    f"{type(stack).__name__} に対する forward_layers のあとの backward_layers",
                ),
            )
        same = len(layers) == 3 and all(a is b for a, b in zip(layers, before, strict=True))
        assert same, say(
            "forward_layers or backward_layers changed the caller's list of layers: iterate over "
            "reversed(layers) (or layers[::-1]) instead of layers.reverse() or layers.pop()",
            "forward_layers か backward_layers が呼び出し側の層のリストを変えました: "
            "layers.reverse() や layers.pop() ではなく reversed(layers) (または layers[::-1]) "
            "でたどってください",
        )
