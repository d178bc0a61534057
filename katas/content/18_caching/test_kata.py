"""Tests for kata 18 (caching the frozen layers). ``impl`` is the module under test.

The bottoms are tiny float64 stacks written as layer specs; ``run_bottom`` below is the tests'
own inference pass over the whole of x at once. The batch norm's moving statistics are chosen
far from any chunk's own mean and variance, so normalizing with the batch shows at once.
"""

import numpy as np
import pytest

from katas.engine.testing import expect_close, expect_shape
from scratch.training import minibatches

# Same float64 products and sums, possibly grouped differently: 1e-10 is plenty.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def dense(rng, d, m, activation):
    """A dense spec with random weights and a clearly non-zero bias."""
    kernel = rng.standard_normal((d, m)) / np.sqrt(d)
    return {
        "kind": "dense",
        "kernel": kernel,
        "bias": rng.standard_normal(m),
        "activation": activation,
    }


def batch_norm(d):
    """A batch norm spec whose moving statistics are nothing like the data's."""
    return {
        "kind": "batch_norm",
        "gamma": np.linspace(0.5, 2.0, d),
        "beta": np.linspace(-1.0, 1.0, d),
        "moving_mean": np.full(d, 3.0),
        "moving_variance": np.full(d, 0.25),
        "epsilon": 1e-3,
    }


def run_bottom(bottom, x):
    """The tests' own inference pass over all of x at once."""
    for spec in bottom:
        if spec["kind"] == "dense":
            z = x @ spec["kernel"] + spec["bias"]
            x = {"relu": np.maximum(z, 0), "tanh": np.tanh(z), None: z}[spec["activation"]]
        elif spec["kind"] == "batch_norm":
            std = np.sqrt(spec["moving_variance"] + spec["epsilon"])
            x = spec["gamma"] * (x - spec["moving_mean"]) / std + spec["beta"]
        elif spec["kind"] == "activation":
            x = np.tanh(x) if spec["activation"] == "tanh" else np.maximum(x, 0)
    return x


def setup(seed, n=10):
    """A dense(relu) -> batch norm -> activation(tanh) -> dense(tanh) bottom and x (n, 4)."""
    rng = np.random.default_rng(seed)
    bottom = [
        dense(rng, 4, 5, "relu"),
        batch_norm(5),
        {"kind": "activation", "activation": "tanh"},
        dense(rng, 5, 3, "tanh"),
    ]
    return bottom, rng.standard_normal((n, 4))


@pytest.mark.hint(1)
def test_a_dense_bottom_caches_the_activated_outputs(impl):
    """Two dense layers (relu, then tanh): features = tanh(relu(x W1 + b1) W2 + b2)."""
    rng = np.random.default_rng(0)
    bottom = [dense(rng, 4, 6, "relu"), dense(rng, 6, 3, "tanh")]
    x = rng.standard_normal((7, 4))
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=100)
    expect_close(
        got, run_bottom(bottom, x), "cache_frozen_outputs(dense relu, dense tanh)", **TIGHT
    )


@pytest.mark.hint(1)
def test_the_last_layer_s_activation_is_part_of_the_cache(impl):
    """A single dense(relu) layer: the cache holds relu(z), never the pre-activation z."""
    bottom = [{"kind": "dense", "kernel": np.eye(2), "bias": None, "activation": "relu"}]
    x = np.array([[1.0, -2.0], [-3.0, 4.0]])
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=8)
    expect_close(got, np.array([[1.0, 0.0], [0.0, 4.0]]), "cache_frozen_outputs(relu)", **TIGHT)


@pytest.mark.hint(2)
def test_batch_norm_uses_its_moving_statistics(impl):
    """A frozen batch norm in the cache normalizes with moving_mean/variance, not the chunk's."""
    bottom = [batch_norm(3)]
    x = np.random.default_rng(1).standard_normal((6, 3))
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=6)
    expect_close(got, run_bottom(bottom, x), "cache_frozen_outputs([batch_norm], x)", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.parametrize("chunk_size", [1, 3, 4, 10, 64])
def test_every_chunk_size_gives_the_same_cache(impl, chunk_size):
    """N = 10 rows in chunks of 1, 3, 4, 10, 64: all rows, in order, the same values."""
    bottom, x = setup(seed=2)
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=chunk_size)
    call = f"cache_frozen_outputs(4 layers, x (10, 4), chunk_size={chunk_size})"
    expect_shape(got, (10, 3), call)
    expect_close(got, run_bottom(bottom, x), call, **TIGHT)


@pytest.mark.hint(2)
def test_dropout_with_rate_zero_is_the_identity(impl):
    """A dropout spec with rate 0 draws nothing, so it may be cached: it passes x through."""
    bottom, x = setup(seed=3)
    with_dropout = [*bottom[:3], {"kind": "dropout", "rate": 0.0}, bottom[3]]
    got = impl.cache_frozen_outputs(with_dropout, x, chunk_size=4)
    expect_close(got, run_bottom(bottom, x), "cache_frozen_outputs(... dropout(0) ...)", **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.parametrize("where", [0, 2, 4])
def test_dropout_in_the_bottom_is_refused(impl, where):
    """A dropout with rate > 0 anywhere in the bottom raises ValueError: it cannot be cached."""
    bottom, x = setup(seed=4)
    bottom.insert(where, {"kind": "dropout", "rate": 0.2})
    with pytest.raises(ValueError):
        impl.cache_frozen_outputs(bottom, x, chunk_size=4)


@pytest.mark.hint(3)
def test_an_empty_bottom_is_refused(impl):
    """No frozen layer at all: ValueError (there is nothing to cache)."""
    with pytest.raises(ValueError):
        impl.cache_frozen_outputs([], np.ones((3, 2)), chunk_size=2)


# --------------------------------------------------------------------------- batches


def labelled(n, d=2):
    """features whose every entry in row i equals i + 0.5, and labels y[i] = i: a mix-up shows."""
    return np.repeat(np.arange(n, dtype=float)[:, None] + 0.5, d, axis=1), np.arange(n)


@pytest.mark.hint(1)
@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (9, 3), (5, 8)])
def test_every_row_keeps_its_label(impl, n, batch_size):
    """In every batch, row j of xb is the features of the example whose label is yb[j]."""
    features, y = labelled(n)
    batches = impl.cached_batches(features, y, batch_size, np.random.default_rng(5))
    for b, (xb, yb) in enumerate(batches):
        assert np.array_equal(xb[:, 0] - 0.5, yb), (
            f"cached_batches(n={n}, batch_size={batch_size}): batch {b} pairs feature rows "
            f"{(xb[:, 0] - 0.5).astype(int).tolist()} with labels {np.asarray(yb).tolist()}; "
            "shuffle both with ONE permutation"
        )


@pytest.mark.hint(2)
@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (9, 3), (5, 8)])
def test_one_epoch_covers_every_row_once(impl, n, batch_size):
    """The batches have sizes batch_size, ..., remainder, and hold every label exactly once."""
    features, y = labelled(n)
    batches = impl.cached_batches(features, y, batch_size, np.random.default_rng(6))
    sizes = [len(yb) for _, yb in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected, (
        f"cached_batches(n={n}, batch_size={batch_size}) gave batch sizes {sizes}, expected "
        f"{expected} (keep the last, smaller batch)"
    )
    seen = sorted(int(v) for _, yb in batches for v in yb)
    assert seen == list(range(n)), (
        f"the batches hold labels {seen}, expected each of 0..{n - 1} once"
    )


@pytest.mark.hint(3)
def test_the_batches_are_the_uncached_training_s_batches(impl):
    """Same rng, same order as uncached training: order = rng.permutation(N), cut in pieces."""
    features, y = labelled(11)
    batches = impl.cached_batches(features, y, 4, np.random.default_rng(7))
    expected = [y[idx] for idx in minibatches(11, 4, np.random.default_rng(7))]
    got = [np.asarray(yb).tolist() for _, yb in batches]
    assert got == [e.tolist() for e in expected], (
        f"cached_batches(n=11, batch_size=4, rng seed 7) gave label batches {got}, expected "
        f"{[e.tolist() for e in expected]} (one rng.permutation(11), sliced in order)"
    )
