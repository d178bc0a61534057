"""Towers (two image inputs side by side, exercise 10), both backends: float64 finite-difference
gradients with a random upstream gradient (separate and shared weights), shared weights
collecting the sum of both uses, scratch vs tf_ref (forward, backward, a whole fit), configs,
save/load, clone, the keys and flags of the inner layers, and bad input refused by name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratch import layers as sl
from scratch import models as sm
from scratch import training as st
from scratch.checks import OrderError
from scratch.regularizers import L2
from scratch.towers import Towers

D = 4  # one image's width: the inputs are (N, 2 D)


def tower(layers=sl, widths=(3, 2), prefix="h", **kwargs):
    """A small tower: Dense layers with a curved activation each (so the checks see f')."""
    acts = ["elu", "tanh", "sigmoid"]
    return [
        layers.Dense(w, acts[i % 3], name=f"{prefix}{i + 1}", **kwargs)
        for i, w in enumerate(widths)
    ]


def model(shared: bool, layers=sl, models=sm, seed=0, dtype="float64", **kwargs):
    """[A | B] (N, 8) -> Towers -> Dense(3, elu) -> Dense(2) logits, in the backend of
    ``layers``/``models``."""
    cls = Towers if layers is sl else __import__("tf_ref.towers", fromlist=["Towers"]).Towers
    t = cls(tower(layers, **kwargs), None if shared else tower(layers, widths=(2, 3)))
    top = [layers.Dense(3, "elu", name="top"), layers.Dense(2, name="out")]
    return models.Sequential([t, *top], 2 * D, rng=seed, dtype=dtype)


def data(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2 * D)), rng.standard_normal((n, 2))


def objective(m, x, up):
    """<forward(x), up>: its gradient w.r.t. anything is what backward(up) gives."""
    return float((m.forward(x, training=True) * up).sum())


@pytest.mark.parametrize("shared", [False, True], ids=["separate", "shared"])
def test_gradients_match_finite_differences(shared: bool) -> None:
    """float64 central differences of <f(x), up> for every parameter entry and every input."""
    m = model(shared)
    x, up = data()
    m.forward(x, training=True)
    dx = m.backward(up)
    eps = 1e-6
    # central differences of a smooth float64 function: error O(eps^2) ~ 1e-12 plus rounding
    # ~ 1e-16 / eps = 1e-10; 1e-7 absolute leaves a wide margin, a wrong term is O(0.1).
    for layer in m.layers:
        for key, p in layer.params.items():
            num = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + eps
                f1 = objective(m, x, up)
                p[i] = old - eps
                f2 = objective(m, x, up)
                p[i] = old
                num[i] = (f1 - f2) / (2 * eps)
            np.testing.assert_allclose(
                layer.grads[key], num, atol=1e-7, err_msg=f"{layer.name}/{key}"
            )
    num_dx = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        num_dx[i] = (objective(m, xp, up) - objective(m, xm, up)) / (2 * eps)
    np.testing.assert_allclose(dx, num_dx, atol=1e-7)


def test_shared_weights_collect_both_uses() -> None:
    """With one tower on both halves, its gradient is the sum of the gradient through image A
    alone (upstream zero on B's half) and through image B alone."""
    t = Towers(tower())
    t.build(2 * D, rng=0, dtype="float64")
    x = np.random.default_rng(2).standard_normal((6, 2 * D))
    up = np.random.default_rng(3).standard_normal((6, 4))
    left, right = up.copy(), up.copy()
    left[:, 2:] = 0
    right[:, :2] = 0
    got = {}
    for name, u in (("both", up), ("left", left), ("right", right)):
        t.forward(x, training=True)
        t.backward(u)
        got[name] = {k: g.copy() for k, g in t.grads.items()}
    assert set(got["both"]) == {"a/h1/kernel", "a/h1/bias", "a/h2/kernel", "a/h2/bias"}
    for key, g in got["both"].items():
        # three float64 passes over the same numbers: rounding only
        np.testing.assert_allclose(g, got["left"][key] + got["right"][key], rtol=1e-12, atol=1e-14)
        assert np.abs(got["left"][key]).sum() > 0 and np.abs(got["right"][key]).sum() > 0


def test_separate_towers_see_only_their_half() -> None:
    """Changing image B never moves tower A's output, and A's gradient ignores B's upstream."""
    t = Towers(tower(), tower(widths=(5,), prefix="g"))
    t.build(2 * D, rng=0, dtype="float64")
    x = np.random.default_rng(4).standard_normal((3, 2 * D))
    y = x.copy()
    y[:, D:] += 1.0
    a, b = t.forward(x), t.forward(y)
    assert a.shape == (3, 2 + 5)
    np.testing.assert_array_equal(a[:, :2], b[:, :2])
    assert not np.allclose(a[:, 2:], b[:, 2:])


def test_keys_flags_and_shared_layer_objects() -> None:
    """params/weights keyed "a/<layer>/<key>"; a frozen inner layer leaves params (and the
    optimizer) but stays in weights; the inner layers are real, reusable layers."""
    m = model(shared=False)
    t = m.layers[0]
    assert list(m.named_weights())[:2] == ["towers/a/h1/kernel", "towers/a/h1/bias"]
    assert any(k.startswith("b/") for k in t.params)
    t.tower_a[0].trainable = False
    assert "a/h1/kernel" not in t.params and "a/h1/kernel" in t.weights
    assert t.trainable  # while any inner layer is
    n_weights = len(m.get_weights())
    m.set_weights(m.get_weights())
    assert len(m.get_weights()) == n_weights
    t.trainable = False
    assert not any(x.trainable for x in t.tower_a + t.tower_b) and not m.layers[0].params
    t.trainable = True
    assert all(x.trainable for x in t.tower_a + t.tower_b)
    reuse = sm.Sequential([*t.tower_a, sl.Dense(3)], D, rng=1, dtype="float64")
    assert reuse.layers[0].params["kernel"] is t.tower_a[0].params["kernel"]  # shared arrays


def test_regularizers_count_once_with_shared_weights() -> None:
    """An l2 kernel penalty of the shared tower is in the loss once, not once per image."""
    m = model(shared=True, kernel_regularizer=L2(0.1))
    kernels = [x.params["kernel"] for x in m.layers[0].tower_a]
    want = sum(0.1 * float((k**2).sum()) for k in kernels)
    assert m.regularization_loss() == pytest.approx(want, rel=1e-12)


def test_configs_save_load_clone(tmp_path) -> None:
    """get_config is plain JSON and rebuilds the same structure; save/load and clone_model
    give the same outputs with their own arrays, partly frozen towers stay partly frozen."""
    for shared in (False, True):
        m = model(shared)
        m.layers[0].tower_a[1].trainable = False
        config = json.loads(json.dumps(m.get_config()))
        again = sm.Sequential.from_config(config, rng=5)
        assert again.get_config() == config
        x, _ = data()
        path = sm.save_model(m, tmp_path / f"m{shared}.npz")
        loaded = sm.load_model(path)
        clone = sm.clone_model(m)
        for other in (loaded, clone):
            np.testing.assert_array_equal(other.forward(x), m.forward(x))
            t = other.layers[0]
            assert [x.trainable for x in t.tower_a] == [True, False]
            assert t.tower_a[0].params["kernel"] is not m.layers[0].tower_a[0].params["kernel"]
        assert (loaded.layers[0].tower_b is None) == shared


def test_cache_frozen_refuses_a_frozen_towers_that_draws_noise() -> None:
    """A frozen Towers holding Dropout cannot be cached (its training output differs)."""
    t = Towers([sl.Dense(3, name="h1"), sl.Dropout(0.5, name="drop")])
    t.trainable = False
    m = sm.Sequential([t, sl.Dense(2)], 2 * D, rng=0)
    with pytest.raises(ValueError, match="draws random numbers"):
        st.frozen_prefix(m)


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: Towers(sl.Dense(3)), TypeError, "tower_a: expected a list of scratch layers"),
        (lambda: Towers([]), ValueError, "tower_a: expected at least one layer"),
        (lambda: Towers([sl.Dense(3), "relu"]), TypeError, r"tower_a\[1\]: expected a scratch"),
        (lambda: Towers([sl.Dense(3)], 5), TypeError, "tower_b: expected a list"),
        (lambda: (lambda d: Towers([d, d]))(sl.Dense(3)), ValueError, "same layer object"),
        (lambda: (lambda d: Towers([d], [d]))(sl.Dense(3)), ValueError, "also in tower_a"),
        (
            lambda: sm.Sequential([Towers([sl.Dense(3)]), sl.Dense(1)], 7),
            ValueError,
            "even width",
        ),
        (
            lambda: (lambda d: Towers([d, sl.DenseTranspose(d)]))(sl.Dense(3)),
            ValueError,
            r"tower_a\[1\]: .* is a DenseTranspose, which a tower cannot hold",
        ),
        (
            lambda: Towers([sl.Dense(3)], [Towers([sl.Dense(2)])]),
            ValueError,
            r"tower_b\[0\]: .* is a Towers",
        ),
        (
            lambda: Towers.from_config({"tower_a": "dense", "tower_b": None, "name": None}),
            TypeError,
            "Towers config",
        ),
        (
            lambda: Towers.from_config({"tower_a": [], "tower_c": None}),
            ValueError,
            "tower_c",
        ),
    ],
)
def test_bad_towers_are_refused(build, error, words) -> None:
    """Not lists, empty, not layers, one object twice or in both, a tied decoder or nested
    towers (a tie is resolved by a Sequential), odd widths, bad configs."""
    with pytest.raises(error, match=words):
        build()


def test_bad_batches_and_weights_are_refused() -> None:
    """A batch of the wrong width, backward before forward, weights of the wrong shape."""
    m = model(shared=False)
    t = m.layers[0]
    with pytest.raises(ValueError, match=r"x: expected last dimension 8, got shape \(2, 7\)"):
        t.forward(np.zeros((2, 7)))
    fresh = Towers(tower())
    fresh.build(2 * D, rng=0)
    with pytest.raises(OrderError, match="before forward"):
        fresh.backward(np.zeros((2, 2)))
    w = m.get_weights()
    w[0] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"towers\.a/h1/kernel"):
        m.set_weights(w)
    built = tower()
    sm.Sequential(built, 3, rng=0)  # built for inputs of width 3, not D
    with pytest.raises(ValueError, match="built for inputs of width 3"):
        sm.Sequential([Towers(built), sl.Dense(1)], 2 * D, rng=0)
    assert built[0].input_dim == 3  # the refused build left the layers as they were


# ---------------------------------------------------------------------------- tf_ref


@pytest.mark.tf
@pytest.mark.parametrize("shared", [False, True], ids=["separate", "shared"])
def test_tf_ref_agrees_with_scratch(shared: bool) -> None:
    """The same config and weights: forward, dL/dx and every gradient agree (float64), and so
    do a whole fit's weights (same batches), the penalty counted once."""
    from tf_ref import models as tm

    s = model(shared, kernel_regularizer=L2(0.01))
    t = tm.Sequential.from_config(s.get_config())
    t.set_weights(s.get_weights())
    x, up = data(n=7)
    # float64, a few layers: both compute the same sums in different orders; 1e-12 is rounding
    np.testing.assert_allclose(t.forward(x, True), s.forward(x, True), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.backward(up), s.backward(up), rtol=1e-10, atol=1e-12)
    for a, b in zip(t.trainable_grads(), s.trainable_grads(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # Keras holds the l2 factor as float32 (0.01 -> 0.0099999998): 2e-8 relative; a penalty
    # counted twice would be off by 100%
    assert t.regularization_loss() == pytest.approx(s.regularization_loss(), rel=1e-6)
    assert len(t.keras_model.trainable_variables) == len(s.trainable_params())
    from scratch import optimizers as so
    from tf_ref import optimizers as to
    from tf_ref import training as tt

    # a whole fit (Keras' compiled epoch) without the penalty, at a learning rate and momentum
    # that float32 holds exactly (Keras keeps both as float32), on the same batches
    s = model(shared)
    t = tm.Sequential.from_config(s.get_config())
    t.set_weights(s.get_weights())
    rng = np.random.default_rng(9)
    xs, ys = rng.standard_normal((40, 2 * D)), rng.integers(0, 2, 40)
    st.fit(s, xs, ys, optimizer=so.SGD(0.125, 0.5), epochs=2, batch_size=8, rng=3, verbose=False)
    tt.fit(t, xs, ys, optimizer=to.SGD(0.125, 0.5), epochs=2, batch_size=8, rng=3, verbose=False)
    for a, b in zip(t.get_weights(), s.get_weights(), strict=True):
        # 10 float64 steps: rounding only; a wrong gradient would move O(0.01) per step
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.tf
def test_tf_ref_frozen_inner_layers_and_configs(tmp_path) -> None:
    """tf_ref: a frozen inner layer leaves the trainable variables; clone, save/load and the
    other backend's load keep the flags and the outputs."""
    from tf_ref import layers as tl
    from tf_ref import models as tm
    from tf_ref.towers import Towers as TfTowers

    m = model(False, layers=tl, models=tm)
    t = m.layers[0]
    assert isinstance(t, TfTowers)
    t.tower_a[0].trainable = False
    assert len(m.trainable_variables) == len(m.keras_model.trainable_variables) == 10
    x, _ = data()
    for other in (
        tm.clone_model(m),
        tm.load_model(tm.save_model(m, tmp_path / "t.npz")),
        sm.load_model(tmp_path / "t.npz"),
    ):
        np.testing.assert_allclose(other.forward(x), m.forward(x), rtol=1e-12, atol=1e-13)
        assert [x.trainable for x in other.layers[0].tower_a] == [False, True]
    with pytest.raises(TypeError, match=r"tower_a\[0\]: expected a tf_ref Layer"):
        TfTowers([sl.Dense(3)])


@pytest.mark.tf
def test_both_backends_share_the_towers_plumbing() -> None:
    """The checks, the trainable rule, the non-negative keys and the repr are written once
    (scratch.towers.TowersPlumbing), and tf_ref's Towers answers them as scratch's does."""
    from tf_ref import layers as tl
    from tf_ref import towers as tt

    for cls in (Towers, tt.Towers):
        for member in ("_set_towers", "trainable", "nonnegative_weights", "__repr__"):
            assert member not in vars(cls), f"{cls.__module__}.Towers.{member} is a copy"
    both = [Towers([sl.Dense(2, name="x")], name="t"), tt.Towers([tl.Dense(2, name="x")], name="t")]
    for t in both:
        assert repr(t) == "Towers(name='t', tower_a=1 layers, tower_b=shared)"
        t.trainable = False
        assert not t.trainable and not t.tower_a[0].trainable
