"""The Numba twins of batch normalization and dropout (``scratch.fast.normalization``) against
their NumPy definitions in ``scratch.layers``: the functions, the layers (the same draws, the
same stream, workspaces reused across batches), and a guidelines-net fit on either path.
TF-free.

Tolerance: none. The twins do the definitions' operations in the same order and the same
dtype (NumPy sums over axis 0 of a C-ordered batch row after row, as they do; where NumPy
sums pairwise, a single column or a batch not in C order, the definition itself runs), so
every comparison here is bit for bit, float32 and float64 alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import fast, networks, training
from scratch import layers as s_layers
from scratch.fast import normalization as f_norm

DTYPES = st.sampled_from(["float32", "float64"])
SEEDS = st.integers(0, 2**32 - 1)
ROWS = st.one_of(st.integers(1, 8), st.integers(9, 80), st.sampled_from([500, 1000]))
WIDTHS = st.integers(1, 40)
MOMENTUM = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]), st.floats(0, 1))
EPSILON = st.one_of(st.sampled_from([1e-3, 1e-5, 0.1]), st.floats(1e-8, 10))
RATES = st.one_of(st.sampled_from([0.0, 0.5]), st.floats(0, 0.95))


def batch(
    rng: np.random.Generator, shape: tuple[int, int], dtype: str, scale: float, offset: float
):
    """Values around ``offset`` spread by ``scale``, with zeros, sign changes and, when the
    batch has columns to spare, a constant column (variance 0) and a column of -0.0 (whose sum
    NumPy makes +0.0)."""
    x = rng.standard_normal(shape) * scale + offset
    x[rng.random(shape) < 0.1] = 0.0
    if shape[1] > 1:
        x[:, -1] = offset
    if shape[1] > 2:
        x[:, 0] = -0.0
    return x.astype(dtype)


def assert_same(ours, theirs, name: str) -> None:
    """Bit for bit (NaN where NaN, the sign of zero too), or both None."""
    if ours is None or theirs is None:
        assert ours is None and theirs is None, name
        return
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, name
    np.testing.assert_array_equal(ours, theirs, err_msg=name, strict=True)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs)), f"{name}: the sign of a zero"


# ------------------------------------------------------------------------- batch norm


@settings(max_examples=200, deadline=None)
@given(
    n=ROWS,
    d=WIDTHS,
    dtype=DTYPES,
    momentum=MOMENTUM,
    epsilon=EPSILON,
    training_mode=st.booleans(),
    scale=st.booleans(),
    center=st.booleans(),
    size=st.sampled_from([1e-3, 1.0, 1e3]),
    offset=st.sampled_from([0.0, -3.0, 1e3]),
    seed=SEEDS,
)
def test_batchnorm_twin_is_the_definition(
    n, d, dtype, momentum, epsilon, training_mode, scale, center, size, offset, seed
) -> None:
    """batchnorm_forward/backward's twins give the definitions' out, cache, moving statistics
    and gradients bit for bit, and either path's backward takes the other's cache."""
    rng = np.random.default_rng(seed)
    x = batch(rng, (n, d), dtype, size, offset)
    gamma = rng.standard_normal(d).astype(dtype) if scale else None
    beta = rng.standard_normal(d).astype(dtype) if center else None
    moving = [rng.standard_normal(d).astype(dtype), rng.random(d).astype(dtype)]
    ours_moving, their_moving = [m.copy() for m in moving], [m.copy() for m in moving]
    args = (gamma, beta)
    out, cache = f_norm.batchnorm_forward(
        x, *args, *ours_moving, momentum, epsilon, training_mode, {}
    )
    ref, ref_cache = s_layers._batchnorm_forward(
        x, *args, *their_moving, momentum, epsilon, training_mode
    )
    assert_same(out, ref, "out")
    for key, a, b in zip(("xhat", "gamma", "inv_std", "training"), cache, ref_cache, strict=True):
        assert_same(a, b, key)
    for key, a, b in zip(
        ("moving_mean", "moving_variance"), ours_moving, their_moving, strict=True
    ):
        assert_same(a, b, key)
    dout = rng.standard_normal((n, d)).astype(dtype)
    expected = s_layers._batchnorm_backward(dout, ref_cache)
    for got in (f_norm.batchnorm_backward(dout, cache), f_norm.batchnorm_backward(dout, ref_cache)):
        for key, a, b in zip(("dx", "dgamma", "dbeta"), got, expected, strict=True):
            assert_same(a, b, key)
    for key, a, b in zip(
        ("dx", "dgamma", "dbeta"), s_layers._batchnorm_backward(dout, cache), expected, strict=True
    ):
        assert_same(a, b, f"{key} (NumPy backward, Numba cache)")


def test_batchnorm_twin_orders_as_numpy() -> None:
    """Where NumPy adds pairwise (one column; a Fortran-ordered batch), the twin runs the
    definition: same bits there too (the kernel's row-by-row sums would differ in the last
    place; seed 0 shows it for both)."""
    rng = np.random.default_rng(0)
    for x in (rng.standard_normal((64, 1)), np.asfortranarray(rng.standard_normal((64, 5)))):
        x = (x * 1e3 + 7).astype(np.float32)
        ones, zeros = np.ones(x.shape[1], np.float32), np.zeros(x.shape[1], np.float32)
        out, _ = f_norm.batchnorm_forward(
            x, ones, zeros, zeros.copy(), ones.copy(), 0.9, 1e-3, True, {}
        )
        ref, _ = s_layers._batchnorm_forward(
            x, ones, zeros, zeros.copy(), ones.copy(), 0.9, 1e-3, True
        )
        assert_same(out, ref, "out")
        assert not f_norm.row_order(x)


def bn_pair(d: int, dtype: str) -> tuple[s_layers.BatchNormalization, s_layers.BatchNormalization]:
    """Two equal built batch-norm layers with non-trivial gamma, beta and moving statistics."""
    rng = np.random.default_rng(1)
    layers = (s_layers.BatchNormalization(momentum=0.9), s_layers.BatchNormalization(momentum=0.9))
    weights = [
        rng.standard_normal(d),
        rng.standard_normal(d),
        rng.standard_normal(d),
        rng.random(d),
    ]
    for layer in layers:
        layer.build(d, 0, dtype)
        layer.set_weights(weights)
    return layers


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batchnorm_layer_same_on_both_paths(dtype) -> None:
    """BatchNormalization on the Numba path keeps the NumPy path's numbers step after step,
    across batch sizes that come back (a reused workspace) and a short last batch, in training,
    inference and frozen; outputs and gradients already returned are never overwritten."""
    ours, theirs = bn_pair(7, dtype)
    rng = np.random.default_rng(2)
    kept = []
    for n, training_mode in [(20, True), (20, True), (3, True), (20, False), (20, True), (1, True)]:
        x = batch(rng, (n, 7), dtype, 2.0, 0.5)
        dout = rng.standard_normal((n, 7)).astype(dtype)
        results = []
        for layer, kernels in ((ours, "numba"), (theirs, "numpy")):
            with fast.use(kernels):
                out = layer.forward(x, training=training_mode)
                dx = layer.backward(dout)
            results.append((out, dx, dict(layer.grads), dict(layer.state)))
        (out, dx, grads, state), (ref, ref_dx, ref_grads, ref_state) = results
        assert_same(out, ref, f"out, batch of {n}")
        assert_same(dx, ref_dx, f"dx, batch of {n}")
        for key in ("gamma", "beta"):
            assert_same(grads[key], ref_grads[key], f"d{key}, batch of {n}")
        for key in state:
            assert_same(state[key], ref_state[key], f"{key}, batch of {n}")
        kept.append((out, out.copy(), dx, dx.copy(), grads["gamma"], grads["gamma"].copy()))
    for got, then, *rest in kept:
        for a, b in zip((got, *rest[::2]), (then, *rest[1::2]), strict=True):
            assert_same(a, b, "a result kept from an earlier call")
    ours.trainable = theirs.trainable = False
    x = batch(rng, (20, 7), dtype, 2.0, 0.5)
    dout = rng.standard_normal((20, 7)).astype(dtype)
    with fast.use("numba"):
        out, dx = ours.forward(x, training=True), ours.backward(dout)
    with fast.use("numpy"):
        assert_same(out, theirs.forward(x, training=True), "frozen out")
        assert_same(dx, theirs.backward(dout), "frozen dx")


def test_workspaces_stay_bounded() -> None:
    """A layer fed many batch sizes keeps at most MAX_WORKSPACES workspaces, and is still right."""
    ours, theirs = bn_pair(3, "float32")
    rng = np.random.default_rng(3)
    for n in range(1, 3 * f_norm.MAX_WORKSPACES):
        x = batch(rng, (n, 3), "float32", 1.0, 0.0)
        with fast.use("numba"):
            out = ours.forward(x, training=True)
        with fast.use("numpy"):
            assert_same(out, theirs.forward(x, training=True), f"batch of {n}")
        assert len(ours._buffers) <= f_norm.MAX_WORKSPACES


# -------------------------------------------------------------------------------- dropout


@settings(max_examples=200, deadline=None)
@given(
    n=ROWS,
    d=WIDTHS,
    dtype=DTYPES,
    rate=RATES,
    kind=st.sampled_from(["unit", "row", "column"]),
    special=st.booleans(),
    seed=SEEDS,
)
def test_dropout_twin_is_the_definition(n, d, dtype, rate, kind, special, seed) -> None:
    """The twin draws the very uniforms rng.random(mask_shape) draws (the stream left where
    NumPy leaves it), keeps u >= rate, and gives _dropout_forward/_backward's out, mask and dx
    bit for bit (inf * 0 = NaN, -x * 0 = -0 included); either backward takes either cache."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(dtype)
    if special:
        x.flat[rng.integers(0, n * d, 3)] = [np.inf, -np.inf, np.nan]
    mask_shape = {"unit": (n, d), "row": (n, 1), "column": (1, d)}[kind]
    ours_rng, their_rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    out, mask, cache = f_norm.dropout_forward(x, rate, ours_rng, mask_shape, {})
    their_mask = their_rng.random(mask_shape) >= rate
    with np.errstate(invalid="ignore"):  # inf * 0 in NumPy's multiply
        ref, ref_cache = s_layers._dropout_forward(x, rate, their_mask, True)
    assert_same(mask, their_mask, "mask")
    assert_same(out, ref, "out")
    assert ours_rng.random() == their_rng.random(), "the stream after the draw"
    dout = rng.standard_normal((n, d)).astype(dtype)
    expected = s_layers._dropout_backward(dout, ref_cache)
    assert_same(f_norm.dropout_backward(dout, cache), expected, "dx")
    assert_same(f_norm.dropout_backward(dout, ref_cache), expected, "dx (NumPy cache)")
    assert_same(s_layers._dropout_backward(dout, cache), expected, "dx (NumPy backward)")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("noise_shape", [None, (None, 1), (1, None)])
def test_dropout_layer_same_on_both_paths(dtype, noise_shape) -> None:
    """Dropout layers built from the same seed draw the same masks on either path (last_mask
    included) batch after batch, short batches too, and give the same outputs and gradients;
    an injected mask and inference take the definition's path on both."""
    layers = [s_layers.Dropout(0.3, noise_shape) for _ in range(2)]
    for layer in layers:
        layer.build(6, 5, dtype)
    rng = np.random.default_rng(4)
    kept = []
    for n, training_mode in [(10, True), (10, True), (4, True), (10, False), (10, True)]:
        x = rng.standard_normal((n, 6)).astype(dtype)
        dout = rng.standard_normal((n, 6)).astype(dtype)
        results = []
        for layer, kernels in zip(layers, ("numba", "numpy"), strict=True):
            with fast.use(kernels):
                results.append((layer.forward(x, training=training_mode), layer.backward(dout)))
                results[-1] += (layer.last_mask,)
        for key, a, b in zip(("out", "dx", "last_mask"), *results, strict=True):
            assert_same(a, b, f"{key}, batch of {n}")
        kept.append([(a, None if a is None else a.copy()) for a in results[0]])
    for pairs in kept:
        for a, then in pairs:
            assert_same(a, then, "a result kept from an earlier call")
    assert layers[0].rng.random() == layers[1].rng.random(), "the streams after the draws"
    mask = rng.random((3, 6)) >= 0.5
    x = rng.standard_normal((3, 6)).astype(dtype)
    with fast.use("numba"):
        out = layers[0].forward(x, training=True, mask=mask)
    assert_same(out, s_layers._dropout_forward(x, 0.3, mask, True)[0], "injected mask")
    assert layers[0].last_mask is mask


# ------------------------------------------------------------------------------ training


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_guidelines_fit_same_on_both_paths(dtype) -> None:
    """The guidelines net (Dense -> BN -> ELU, book dropout, Nesterov) fitted for two epochs
    (40 steps) on either path ends with the same weights (moving statistics included) and the
    same losses, bit for bit: every twin on that path (batch norm, dropout, Dense/ELU, the
    update rule) is exact, so no tolerance."""
    data_rng = np.random.default_rng(5)
    x = data_rng.random((400, 30)).astype(dtype)
    y = (x[:, :5].argmax(axis=1) + (x[:, 5] > 0.5)) % 5
    config = networks.NetworkConfig(hidden_layers=3, units=16)
    fitted = {}
    for kernels in ("numpy", "numba"):
        with fast.use(kernels):
            model = networks.build_network(config, 30, 5, rng=0, dtype=dtype)
            history = training.fit(
                model, x, y, optimizer=networks.build_optimizer(config), epochs=2,
                batch_size=20, rng=1, verbose=False,
            )  # fmt: skip
        fitted[kernels] = (model.get_weights(), history.history["loss"])
    (ours, our_loss), (theirs, their_loss) = fitted["numba"], fitted["numpy"]
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_same(a, b, f"weight array {i}")
    assert our_loss == their_loss
