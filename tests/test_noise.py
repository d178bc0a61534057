"""Input noise for denoising autoencoders: the pure functions (scratch.noise and the tf_ref
oracle), the GaussianNoise and MaskingNoise layers of both backends (noise in training mode only,
injected draws in lockstep, the statistics of their own draws), fit(cache_frozen=True) refusing
them, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import layers as s_layers
from scratch import models as s_models
from scratch import noise as s_noise
from scratch import training
from tests.helpers import backends, lazy_module

t_noise = lazy_module("tf_ref.noise")
LAYERS = backends(s_layers, "tf_ref.layers", "layers")
NOISE = backends(s_noise, "tf_ref.noise", "noise")

ROWS, WIDTH = 400, 250  # 100,000 draws per statistic


def batch(rng, dtype="float64"):
    return (0.5 + rng.random((ROWS, WIDTH))).astype(dtype)  # > 0: a masked entry is exactly 0


# ------------------------------------------------------------------------ functions


@NOISE
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_functions_formulas_and_x_untouched(noise, dtype) -> None:
    """x + stddev * n and x * (u >= rate) (no rescaling), new arrays, x never modified; the
    denoising batch's targets are the clean x itself."""
    rng = np.random.default_rng(0)
    x = batch(rng, dtype)[:20, :30]
    keep_x = x.copy()
    n, u = rng.standard_normal(x.shape), rng.random(x.shape)
    g = noise.gaussian_noise(x, 0.3, n)
    m = noise.masking_noise(x, 0.4, u)
    assert g.dtype == m.dtype == np.dtype(dtype)
    # one multiply and one add, rounded to the dtype: 2 ulps
    np.testing.assert_allclose(
        g, x + np.asarray(0.3, dtype) * n.astype(dtype), rtol=2 * np.finfo(dtype).eps
    )
    np.testing.assert_array_equal(m, np.where(u >= 0.4, x, 0))
    for kind, level, draw, want in (("gaussian", 0.3, n, g), ("masking", 0.4, u, m)):
        inputs, targets = noise.denoising_batch(x, kind, level, draw)
        np.testing.assert_array_equal(inputs, want)
        np.testing.assert_array_equal(targets, keep_x)
    np.testing.assert_array_equal(x, keep_x)


@pytest.mark.tf
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_functions_match_tf_bit_for_bit(dtype) -> None:
    """The same ops on the same draws: scratch and tf_ref agree exactly."""
    rng = np.random.default_rng(1)
    x = batch(rng, dtype)[:30]
    n, u = rng.standard_normal(x.shape), rng.random(x.shape)
    np.testing.assert_array_equal(
        s_noise.gaussian_noise(x, 0.7, n), t_noise.gaussian_noise(x, 0.7, n)
    )
    np.testing.assert_array_equal(
        s_noise.masking_noise(x, 0.25, u), t_noise.masking_noise(x, 0.25, u)
    )
    for kind, level, draw in (("gaussian", 2.0, n), ("masking", 0.5, u)):
        a, b = (
            s_noise.denoising_batch(x, kind, level, draw),
            t_noise.denoising_batch(x, kind, level, draw),
        )
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


@NOISE
def test_functions_refuse_bad_input(noise) -> None:
    """Wrong draw shape, uniforms outside [0, 1), NaN, negative stddev, rate 1, unknown kind,
    integer x: each names the argument."""
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"normals: expected shape \(3, 4\)"):
        noise.gaussian_noise(x, 0.1, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"uniforms: expected uniform numbers in \[0, 1\)"):
        noise.masking_noise(x, 0.1, np.full((3, 4), 1.0))
    with pytest.raises(ValueError, match="normals"):
        noise.gaussian_noise(x, 0.1, np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match="stddev: expected a finite value >= 0"):
        noise.gaussian_noise(x, -0.1, np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"rate: expected a number in \[0, 1\)"):
        noise.masking_noise(x, 1.0, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="kind: unknown name 'salt'"):
        noise.denoising_batch(x, "salt", 0.1, np.zeros((3, 4)))
    with pytest.raises(TypeError, match="x: expected a floating-point array"):
        noise.denoising_batch(np.ones((3, 4), int), "gaussian", 0.1, np.zeros((3, 4)))


# ------------------------------------------------------------------------ layers


@LAYERS
def test_layers_noise_only_in_training_mode(layers) -> None:
    """Inference returns x itself (values), training corrupts it; backward is dout (Gaussian)
    or dout * keep (masking) in training, dout at inference."""
    rng = np.random.default_rng(2)
    x = batch(rng)[:8, :6]
    for layer in (layers.GaussianNoise(0.5), layers.MaskingNoise(0.5)):
        layer.build(6, 3, "float64")
        np.testing.assert_array_equal(layer.forward(x, training=False), x)
        np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.ones_like(x))
        assert not np.array_equal(layer.forward(x, training=True), x)
    gauss, mask = layers.GaussianNoise(0.5), layers.MaskingNoise(0.5)
    for layer in (gauss, mask):
        layer.build(6, 3, "float64")
    keep = rng.random(x.shape) >= 0.5
    mask.set_mask(keep)
    np.testing.assert_array_equal(mask.forward(x, training=True), np.where(keep, x, 0))
    np.testing.assert_array_equal(mask.backward(np.ones_like(x)), keep.astype(float))
    n = rng.standard_normal(x.shape)
    gauss.set_noise(n)
    np.testing.assert_allclose(gauss.forward(x, training=True), x + 0.5 * n, rtol=1e-15)
    np.testing.assert_array_equal(gauss.backward(np.ones_like(x)), np.ones_like(x))


@pytest.mark.tf
def test_layers_lockstep_with_the_scratch_draws() -> None:
    """scratch's own draws (last_noise, last_mask) handed to tf_ref give the same outputs."""
    from tf_ref import layers as t_layers

    rng = np.random.default_rng(4)
    x = batch(rng)[:16, :10]
    for cls, inject, last in (
        ("GaussianNoise", "set_noise", "last_noise"),
        ("MaskingNoise", "set_mask", "last_mask"),
    ):
        s = getattr(s_layers, cls)(0.4)
        t = getattr(t_layers, cls)(0.4)
        s.build(10, 0, "float64")
        t.build(10, 0, "float64")
        out = s.forward(x, training=True)
        getattr(t, inject)(getattr(s, last))
        np.testing.assert_array_equal(t.forward(x, training=True), out)


@LAYERS
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_draw_statistics(layers, dtype) -> None:
    """Each backend's own draws: the Gaussian noise (out - x) has mean 0 and std stddev, the
    masking keeps a fraction 1 - rate and leaves kept entries unscaled; bounds from the sample
    size M = 100,000 (5 standard errors: a false alarm about once in 3.5 million runs)."""
    rng = np.random.default_rng(5)
    x = batch(rng, dtype)
    m = x.size
    gauss = layers.GaussianNoise(0.3)
    gauss.build(WIDTH, 11, dtype)
    e = (gauss.forward(x, training=True) - x).astype(np.float64)
    assert abs(e.mean()) < 5 * 0.3 / np.sqrt(m)
    # std of a sample std of normals: sigma / sqrt(2 M); float32 rounding of x + e adds ~1e-7
    assert abs(e.std() - 0.3) < 5 * 0.3 / np.sqrt(2 * m) + 1e-6
    mask = layers.MaskingNoise(0.3)
    mask.build(WIDTH, 12, dtype)
    out = mask.forward(x, training=True)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 5 * np.sqrt(0.7 * 0.3 / m)
    np.testing.assert_array_equal(out[kept], x[kept])  # no 1 / (1 - rate)


@LAYERS
def test_layers_config_and_bad_input(layers) -> None:
    """Configs round-trip; bad stddev/rate, injected draws of the wrong shape, and NaN noise
    are refused by name."""
    g, m = layers.GaussianNoise(0.2, name="noise"), layers.MaskingNoise(0.1, name="mask")
    assert layers.deserialize(layers.serialize(g)).get_config() == {"stddev": 0.2, "name": "noise"}
    assert layers.deserialize(layers.serialize(m)).get_config() == {"rate": 0.1, "name": "mask"}
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(-1)
    with pytest.raises(TypeError, match="stddev"):
        layers.GaussianNoise("0.1")
    with pytest.raises(ValueError, match="rate"):
        layers.MaskingNoise(1.0)
    g.build(4, 0, "float64")
    m.build(4, 0, "float64")
    with pytest.raises(ValueError, match="noise: expected last dimension 4"):
        g.set_noise(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="noise"):
        g.set_noise(np.full((2, 4), np.nan))
    g.set_noise(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"noise: the injected draw has shape \(2, 4\)"):
        g.forward(np.ones((3, 4)), training=True)
    np.testing.assert_array_equal(g.forward(np.ones((3, 4))), np.ones((3, 4)))  # inference
    with pytest.raises(ValueError, match="mask: expected only 0"):
        m.set_mask(np.full((2, 4), 0.5))
    m.set_mask(np.ones((2, 4)))
    with pytest.raises(ValueError, match="mask: the injected draw"):
        m.forward(np.ones((3, 4)), training=True)


def test_cache_frozen_refuses_a_noise_layer_in_the_frozen_prefix() -> None:
    """A noise layer under the lowest trainable layer would be cached with one draw: refused;
    at stddev 0 (no noise) it is not, and an injected mask is refused even at rate 0."""
    for noise_layer, refused in (
        (s_layers.GaussianNoise(0.1), True),
        (s_layers.MaskingNoise(0.2), True),
        (s_layers.GaussianNoise(0.0), False),
    ):
        frozen = s_layers.Dense(3, trainable=False)
        model = s_models.Sequential([noise_layer, frozen, s_layers.Dense(2)], input_dim=4, rng=0)
        if refused:
            with pytest.raises(ValueError, match=r"cache_frozen: layer .* draws random numbers"):
                training.frozen_prefix(model)
        else:
            assert training.frozen_prefix(model) == 2
    mask = s_layers.MaskingNoise(0.0)
    model = s_models.Sequential(
        [mask, s_layers.Dense(3, trainable=False), s_layers.Dense(2)], input_dim=4, rng=0
    )
    mask.set_mask(np.ones((1, 4)))
    with pytest.raises(ValueError, match="injected keep mask"):
        training.frozen_prefix(model)


INJECT = [
    ("GaussianNoise", 0.3, "set_noise", "noise", lambda shape: np.ones(shape)),
    ("MaskingNoise", 0.3, "set_mask", "mask", lambda shape: np.ones(shape, bool)),
    ("Dropout", 0.3, "set_mask", "mask", lambda shape: np.ones(shape, bool)),
]


@LAYERS
@pytest.mark.parametrize(("cls", "level", "setter", "what", "draw"), INJECT)
def test_an_injected_draw_that_misfits_a_batch_is_refused_before_training(
    layers, cls, level, setter, what, draw
) -> None:
    """fit with a draw of 8 rows on 20 rows in batches of 8 (the last batch has 4): a ValueError
    naming the draw before any step (scratch would stop half-way, tf_ref raised TF's
    InvalidArgumentError); 16 rows in batches of 8 train; so does a model-level forward."""
    fit = lazy_training(layers)
    models = lazy_models(layers)
    layer = getattr(layers, cls)(level)
    model = models.Sequential([layer, layers.Dense(4)], input_dim=4, rng=0, dtype="float64")
    getattr(layer, setter)(draw((8, 4)))
    x = np.random.default_rng(0).random((20, 4))
    before = [w.copy() for w in model.get_weights()]
    for call in (
        lambda: fit(model, x, x, loss="mean_squared_error", batch_size=8, verbose=False),
        lambda: model.forward(x, training=True),
    ):
        with pytest.raises(ValueError, match=rf"^{what}: .*\b8\b"):  # names it, its 8 rows
            call()
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # nothing trained
    history = fit(model, x[:16], x[:16], loss="mean_squared_error", batch_size=8, verbose=False)
    assert np.isfinite(history.history["loss"]).all()


def lazy_training(layers):
    """The fit of the backend ``layers`` belongs to."""
    import importlib

    return importlib.import_module(layers.__name__.replace("layers", "training")).fit


def lazy_models(layers):
    import importlib

    return importlib.import_module(layers.__name__.replace("layers", "models"))
