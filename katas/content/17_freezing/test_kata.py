"""Tests for kata 17 (freezing layers). ``impl`` is the module under test.

The stacks are small float64 nets with smooth activations (tanh, sigmoid, linear) and random
biases; ``chain`` below is the tests' own, independent backward pass with every layer trainable.
Freezing must not change any gradient it still computes: only which ones it computes.
"""

import itertools

import numpy as np
import pytest

from katas.engine.testing import (
    expect_close,
    expect_gradient,
    expect_shape,
    numerical_gradient,
    say,
)

F = {
    None: (lambda z: z, lambda z: np.ones_like(z)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (
        lambda z: 1 / (1 + np.exp(-z)),
        lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    ),
}
# Same float64 products and sums as the reference, maybe in another order: 1e-10 is plenty.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def make(dims, n, seed):
    """weights for widths dims[0] -> dims[1] -> ..., x (n, dims[0]) and dout (n, dims[-1])."""
    rng = np.random.default_rng(seed)
    weights = [
        (rng.standard_normal((a, b)) / np.sqrt(a), 0.5 * rng.standard_normal(b))
        for a, b in itertools.pairwise(dims)
    ]
    return weights, rng.standard_normal((n, dims[0])), rng.standard_normal((n, dims[-1]))


def chain(x, weights, acts, dout):
    """The tests' own backward pass, all layers trainable: (dx, [(dW, db), ...])."""
    hs, zs = [x], []
    for (w, b), a in zip(weights, acts, strict=True):
        zs.append(hs[-1] @ w + b)
        hs.append(F[a][0](zs[-1]))
    grads, g = [], dout
    for k in range(len(weights) - 1, -1, -1):
        dz = g * F[acts[k]][1](zs[k])
        grads.insert(0, (hs[k].T @ dz, dz.sum(axis=0)))
        g = dz @ weights[k][0].T
    return g, grads


def forward(x, weights, acts):
    """The tests' own forward pass (for finite differences)."""
    for (w, b), a in zip(weights, acts, strict=True):
        x = F[a][0](x @ w + b)
    return x


def expect_grads(got, expected, trainable, call, values=True):
    """got is a list with (dW, db) where trainable (equal to expected, or of its shapes when not
    ``values``) and None where frozen."""
    what = f"len {len(got)}" if isinstance(got, (list, tuple)) else "?"
    assert isinstance(got, (list, tuple)) and len(got) == len(trainable), say(
        f"{call} returned grads as {type(got).__name__} ({what}); expected a list of "
        f"{len(trainable)} entries, one per layer",
        f"{call} が grads として {type(got).__name__} ({what}) を返しました。層ごとに 1 つ、"
        f"{len(trainable)} 個の要素のリストを返してください",
    )
    for k, (g, e, t) in enumerate(zip(got, expected, trainable, strict=True)):
        if not t:
            assert g is None, say(
                f"{call}: layer {k} is frozen, so its gradients must be None (a frozen layer's "
                f"weights are constants: nothing computes or updates them), got {type(g).__name__}",
                f"{call}: 層 {k} は凍結されているので勾配は None でなければなりません (凍結した層の"
                f"重みは定数で、誰も計算も更新もしません)。{type(g).__name__} が返りました",
            )
            continue
        assert g is not None, say(
            f"{call}: layer {k} is trainable but its grads entry is None",
            f"{call}: 層 {k} は訓練可能なのに grads の要素が None です",
        )
        for j, name in enumerate((f"dW_{k + 1}", f"db_{k + 1}")):
            if values:
                expect_close(g[j], e[j], f"{call}: grads[{k}][{j}] ({name})", **TIGHT)
            else:
                expect_shape(g[j], e[j].shape, f"{call}: grads[{k}][{j}] ({name})")


ACTS = ["tanh", "sigmoid", None]


@pytest.mark.hint(1)
def test_all_trainable_is_plain_backprop(impl):
    """With nothing frozen, dx and every (dW, db) are the ordinary chain rule.
    ja: 何も凍結しなければ、dx とすべての (dW, db) は通常の連鎖律どおりです。"""
    weights, x, dout = make([3, 4, 4, 2], 5, seed=0)
    dx, grads = impl.frozen_stack_backward(x, weights, ACTS, [True] * 3, dout)
    edx, egrads = chain(x, weights, ACTS, dout)
    call = say(
        "frozen_stack_backward(x, 3 layers, trainable [T, T, T], dout)",
        "frozen_stack_backward(x, 3 層, trainable [T, T, T], dout)",
    )
    expect_close(dx, edx, f"{call} -> dx", **TIGHT)
    expect_grads(grads, egrads, [True] * 3, call)


@pytest.mark.hint(1)
@pytest.mark.mistake("gradients computed for frozen layers")
@pytest.mark.parametrize("trainable", [[False, True, True], [True, True, False], [False] * 3])
def test_frozen_layers_have_no_gradients(impl, trainable):
    """A frozen layer's grads entry is None; a trainable layer's has its weights' shapes.
    ja: 凍結した層の grads の要素は None、訓練可能な層の要素は重みと同じ形です。"""
    weights, x, dout = make([3, 4, 4, 2], 5, seed=1)
    _, grads = impl.frozen_stack_backward(x, weights, ACTS, trainable, dout)
    _, egrads = chain(x, weights, ACTS, dout)
    # None and the shapes only: the values are the other tests' (a value wrong for another
    # reason is not this mistake).
    call = f"frozen_stack_backward(..., trainable {trainable})"
    expect_grads(grads, egrads, trainable, call, values=False)


@pytest.mark.hint(2)
@pytest.mark.mistake("a frozen layer stops the chain")
@pytest.mark.parametrize("trainable", [[True, False, False], [True, False, True]])
def test_the_gradient_flows_through_frozen_layers(impl, trainable):
    """A trainable layer below frozen ones gets the same gradients as if nothing were frozen.
    ja: 凍結した層の下にある訓練可能な層は、何も凍結しないときと同じ勾配を受け取ります。"""
    weights, x, dout = make([3, 4, 4, 2], 5, seed=2)
    dx, grads = impl.frozen_stack_backward(x, weights, ACTS, trainable, dout)
    edx, egrads = chain(x, weights, ACTS, dout)
    call = f"frozen_stack_backward(..., trainable {trainable})"
    expect_grads(grads, egrads, trainable, call)
    where = say(
        f"{call} -> dx (freezing changes no gradient that still flows)",
        f"{call} -> dx (凍結しても、流れ続ける勾配は何も変わりません)",
    )
    expect_close(dx, edx, where, **TIGHT)


@pytest.mark.hint(2)
def test_gradient_check_with_a_frozen_middle(impl):
    """Finite differences: dx and the bottom layer's grads through a frozen sigmoid layer.
    ja: 有限差分: 凍結した sigmoid 層を通した dx と一番下の層の勾配を確かめます。"""
    weights, x, dout = make([2, 3, 3, 2], 3, seed=3)
    trainable = [True, False, True]
    dx, grads = impl.frozen_stack_backward(x, weights, ACTS, trainable, dout)
    # Centred differences, h = 1e-5, smooth activations: error ~1e-10, far below CS231n's 1e-7.
    expect_gradient(
        dx, numerical_gradient(lambda v: forward(v, weights, ACTS), x.copy(), dout), "dx"
    )
    for i, name in ((0, "dW_1"), (1, "db_1")):
        param = weights[0][i]  # perturbed in place by numerical_gradient, restored after
        numeric = numerical_gradient(lambda _: forward(x, weights, ACTS), param, dout)
        where = say(f"grads[0] {name} below the frozen layer", f"凍結した層の下の grads[0] {name}")
        expect_gradient(grads[0][i], numeric, where)


@pytest.mark.hint(3)
@pytest.mark.mistake("backprop stopped above the lowest trainable layer")
@pytest.mark.parametrize(
    "trainable", [[True, False, True], [False, True, False], [False, False, True]]
)
def test_without_input_grad_it_stops_at_the_lowest_trainable_layer(impl, trainable):
    """input_grad=False: dx is None, and every trainable layer (the lowest too) has its grads.
    ja: input_grad=False なら dx は None、訓練可能な層 (一番下の層も) はすべて勾配を持ちます。"""
    weights, x, dout = make([3, 4, 4, 2], 5, seed=4)
    dx, grads = impl.frozen_stack_backward(x, weights, ACTS, trainable, dout, input_grad=False)
    call = f"frozen_stack_backward(..., trainable {trainable}, input_grad=False)"
    assert dx is None, say(
        f"{call} returned dx {type(dx).__name__}; expected None (nobody needs it)",
        f"{call} が dx として {type(dx).__name__} を返しました。None を返してください (誰も使いません)",
    )
    expect_grads(grads, chain(x, weights, ACTS, dout)[1], trainable, call)


@pytest.mark.hint(3)
def test_without_input_grad_and_nothing_trainable(impl):
    """input_grad=False on a fully frozen stack: (None, [None, None, None]).
    ja: すべて凍結したスタックで input_grad=False なら (None, [None, None, None]) です。"""
    weights, x, dout = make([3, 4, 4, 2], 5, seed=5)
    out = impl.frozen_stack_backward(x, weights, ACTS, [False] * 3, dout, input_grad=False)
    assert isinstance(out, tuple) and len(out) == 2, say(
        f"frozen_stack_backward(all frozen, input_grad=False) returned {type(out).__name__}; "
        "expected a tuple (dx, grads)",
        f"frozen_stack_backward(すべて凍結, input_grad=False) が {type(out).__name__} を返しました。"
        "タプル (dx, grads) を返してください",
    )
    kinds = [type(g).__name__ for g in out[1]] if isinstance(out[1], (list, tuple)) else "?"
    assert out[0] is None and list(out[1]) == [None] * 3, say(
        f"frozen_stack_backward(all frozen, input_grad=False) returned "
        f"({type(out[0]).__name__}, {kinds}); expected (None, [None, None, None])",
        f"frozen_stack_backward(すべて凍結, input_grad=False) が "
        f"({type(out[0]).__name__}, {kinds}) を返しました。期待値は (None, [None, None, None]) です",
    )


@pytest.mark.hint(1)
def test_leaves_its_arguments_alone(impl):
    """x, dout and every kernel and bias are unchanged after the call.
    ja: 呼び出しの後も x、dout、すべてのカーネルとバイアスは変わりません。"""
    weights, x, dout = make([3, 4, 2], 4, seed=6)
    before = [a.copy() for pair in weights for a in pair] + [x.copy(), dout.copy()]
    impl.frozen_stack_backward(x, weights, ["tanh", None], [True, False], dout)
    after = [a for pair in weights for a in pair] + [x, dout]
    for b, a in zip(before, after, strict=True):
        assert np.array_equal(a, b), say(
            "frozen_stack_backward changed one of its arguments in place (x, dout, a kernel or "
            "a bias): compute into new arrays",
            "frozen_stack_backward が引数 (x、dout、カーネル、バイアスのどれか) をその場で書き換えました。"
            "新しい配列に計算してください",
        )


# ------------------------------------------------------------------------------ batch norm

XB = np.array([[1.0, 2.0], [3.0, 6.0]])  # batch mean [2, 4], biased variance [1, 4]
GAMMA, BETA = np.array([2.0, 1.0]), np.array([0.0, 1.0])
MEAN, VAR = np.array([1.0, 0.0]), np.array([3.0, 15.0])  # + epsilon 1 -> std 2 and 4
BN = {"momentum": 0.75, "epsilon": 1.0}  # 0.5 would hide momentum used the wrong way round


def bn(impl, trainable, training, mean=None, var=None):
    """frozen_batchnorm_forward on the hand-worked batch, with copies of the moving stats."""
    mean = MEAN.copy() if mean is None else mean
    var = VAR.copy() if var is None else var
    return impl.frozen_batchnorm_forward(
        XB.copy(), GAMMA, BETA, mean, var, trainable=trainable, training=training, **BN
    )


@pytest.mark.hint(1)
def test_trainable_bn_in_training_uses_the_batch_and_moves_the_statistics(impl):
    """Trainable, training: batch mean [2, 4], var [1, 4]; moving stats move 1/4 of the way.
    ja: 訓練可能かつ訓練中: バッチ平均 [2, 4]、分散 [1, 4]。移動統計量は 1/4 だけ近づきます。"""
    out, mean, var = bn(impl, trainable=True, training=True)
    # xhat = (x - [2, 4]) / sqrt([1, 4] + 1)
    xhat = (XB - [2.0, 4.0]) / np.sqrt([2.0, 5.0])
    call = "frozen_batchnorm_forward(x, ..., trainable=True, training=True)"
    expect_close(out, GAMMA * xhat + BETA, f"{call} -> out", **TIGHT)
    expect_close(
        mean,
        np.array([1.25, 1.0]),
        say(f"{call} -> new moving mean", f"{call} -> 新しい移動平均"),
        **TIGHT,
    )
    expect_close(
        var,
        np.array([2.5, 12.25]),
        say(f"{call} -> new moving variance", f"{call} -> 新しい移動分散"),
        **TIGHT,
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("momentum the wrong way round")
def test_bn_momentum_keeps_most_of_the_old_statistics(impl):
    """momentum 0.75 keeps 3/4 of the old moving mean: 0.75 * [1, 0] + 0.25 * [2, 4] = [1.25, 1].
    ja: momentum 0.75 は古い移動平均の 3/4 を残します: 0.75 * [1, 0] + 0.25 * [2, 4] = [1.25, 1]。"""
    _, mean, _ = bn(impl, trainable=True, training=True)
    mean = expect_shape(
        mean,
        (2,),
        say(
            "frozen_batchnorm_forward(...) -> new moving mean",
            "frozen_batchnorm_forward(...) -> 新しい移動平均",
        ),
    )
    swapped = 0.25 * MEAN + 0.75 * np.array([2.0, 4.0])
    # Values are exact in binary (quarters), so the swapped formula is recognised exactly.
    assert not np.allclose(mean, swapped, rtol=1e-12, atol=0), say(
        f"frozen_batchnorm_forward(momentum=0.75) moved the moving mean to "
        f"[{mean[0]:.6g}, {mean[1]:.6g}] = 0.25 * old + 0.75 * batch, expected [1.25, 1] = "
        "0.75 * old + 0.25 * batch: momentum the wrong way round (momentum weighs the OLD value)",
        f"frozen_batchnorm_forward(momentum=0.75) が移動平均を [{mean[0]:.6g}, {mean[1]:.6g}] = "
        "0.25 * 古い値 + 0.75 * バッチ にしました。期待値は [1.25, 1] = 0.75 * 古い値 + 0.25 * バッチ です: "
        "momentum が逆です (momentum は古い値にかけます)",
    )
    expect_close(
        mean, np.array([1.25, 1.0]), "frozen_batchnorm_forward(momentum=0.75) -> mean", **TIGHT
    )


@pytest.mark.hint(2)
@pytest.mark.mistake("a frozen batch norm uses (or updates) the batch statistics")
@pytest.mark.parametrize(("trainable", "training"), [(False, True), (False, False), (True, False)])
def test_frozen_or_inference_bn_uses_the_moving_statistics(impl, trainable, training):
    """Frozen (even in training) or inference: normalize with the moving stats, keep them.
    ja: 凍結時 (訓練中でも) と推論時は移動統計量で正規化し、移動統計量はそのまま保ちます。"""
    out, mean, var = bn(impl, trainable=trainable, training=training)
    expected = GAMMA * (XB - MEAN) / np.array([2.0, 4.0]) + BETA
    call = f"frozen_batchnorm_forward(x, ..., trainable={trainable}, training={training})"
    expect_close(out, expected, f"{call} -> out", **TIGHT)
    where = say(
        f"{call} -> new moving mean (must stay)", f"{call} -> 新しい移動平均 (変わらないはず)"
    )
    expect_close(mean, MEAN, where, rtol=0, atol=0)
    where = say(
        f"{call} -> new moving variance (must stay)", f"{call} -> 新しい移動分散 (変わらないはず)"
    )
    expect_close(var, VAR, where, rtol=0, atol=0)


@pytest.mark.hint(2)
@pytest.mark.mistake("moving statistics updated in place")
@pytest.mark.parametrize("trainable", [True, False])
def test_bn_never_writes_into_the_callers_statistics(impl, trainable):
    """The caller's moving_mean and moving_variance are unchanged: the new ones are new arrays.
    ja: 呼び出し側の moving_mean と moving_variance は変わらず、新しい統計量は新しい配列です。"""
    mean, var = MEAN.copy(), VAR.copy()
    _, new_mean, new_var = bn(impl, trainable=trainable, training=True, mean=mean, var=var)
    assert np.array_equal(mean, MEAN) and np.array_equal(var, VAR), say(
        f"frozen_batchnorm_forward(trainable={trainable}, training=True) changed the caller's "
        "moving statistics in place; return new arrays instead",
        f"frozen_batchnorm_forward(trainable={trainable}, training=True) が呼び出し側の移動統計量を"
        "その場で書き換えました。代わりに新しい配列を返してください",
    )
    expect_shape(
        new_mean,
        (2,),
        say(
            "frozen_batchnorm_forward(...) -> new moving mean",
            "frozen_batchnorm_forward(...) -> 新しい移動平均",
        ),
    )
    assert new_mean is not mean and new_var is not var, say(
        "frozen_batchnorm_forward returned the caller's own moving-statistics arrays; "
        "return new ones (np.copy) so later updates cannot reach the caller",
        "frozen_batchnorm_forward が呼び出し側の移動統計量の配列そのものを返しました。"
        "後の更新が呼び出し側に届かないよう、新しい配列 (np.copy) を返してください",
    )
