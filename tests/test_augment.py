"""Data augmentation: shifts by hand, identities, scratch against TensorFlow, seeds, shapes and
dtypes, bad input, and the uniformity of the drawn shifts.

Shifts must agree exactly (integer moves copy pixels). Rotations agree to ROT_ATOL = 1e-5 on
pixels in [0, 1]: TensorFlow's kernel computes the sample coordinates and bilinear weights in
float32 (even for float64 images, whose pixels it also sums in float32) from a pre-multiplied
float32 transform, while scratch rotates (c - cx, r - cy) directly, so coordinates differ by
~1e-6 px and values by at most that times the largest pixel step (<= 1); measured ~3e-6.
uint8 rotations may differ by 1 where a value sits at .5 before rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch import augment as s_aug
from tests.helpers import backends, lazy_module

t_aug = lazy_module("tf_ref.augment")

BACKENDS = backends(s_aug, "tf_ref.augment", "mod")
ROT_ATOL = 1e-5


def mnist_like(n: int, seed: int = 0, dtype: str = "float32", flat: bool = False) -> np.ndarray:
    x = np.random.default_rng(seed).random((n, 28, 28))
    x = (x * 255).astype(np.uint8) if dtype == "uint8" else x.astype(dtype)
    return x.reshape(n, 784) if flat else x


@BACKENDS
def test_single_pixel_moves_exactly(mod) -> None:
    img = np.zeros((1, 5, 6), dtype=np.float32)
    img[0, 1, 2] = 1.0
    out = mod.shift_images(img, 3, 2)  # 3 right, 2 down
    expected = np.zeros_like(img)
    expected[0, 3, 5] = 1.0
    np.testing.assert_array_equal(out, expected)
    # moved past the right border: gone, not wrapped around
    assert not mod.shift_images(img, 4, 0).any()
    assert not mod.shift_images(img, 0, -2).any()


@BACKENDS
def test_shift_drops_border_and_fills_zero(mod) -> None:
    img = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3)
    out = mod.shift_images(img, -1, 1)  # 1 left, 1 down
    np.testing.assert_array_equal(out[0], [[0, 0, 0], [2, 3, 0], [5, 6, 0]])
    assert out.dtype == np.uint8


@BACKENDS
def test_per_image_shifts(mod) -> None:
    img = np.zeros((2, 4, 4))
    img[:, 1, 1] = 1.0
    out = mod.shift_images(img, np.array([1, -1]), np.array([0, 2]))
    assert out[0, 1, 2] == 1.0 and out[1, 3, 0] == 1.0 and out.sum() == 2.0


@BACKENDS
@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
def test_zero_shift_and_zero_rotation_are_identity(mod, dtype) -> None:
    x = mnist_like(4, dtype=dtype)
    np.testing.assert_array_equal(mod.shift_images(x, 0, 0), x)
    if mod is t_aug and dtype == "float64":
        # TF's bilinear kernel sums in float32 even for float64 pixels: identity to float32 only
        np.testing.assert_allclose(mod.rotate_images(x, 0.0), x, rtol=1e-7, atol=0)
    else:
        np.testing.assert_array_equal(mod.rotate_images(x, 0.0), x)


@BACKENDS
def test_quarter_turn_is_counter_clockwise(mod) -> None:
    x = mnist_like(2, dtype="float64")
    np.testing.assert_allclose(mod.rotate_images(x, 90), np.rot90(x, 1, axes=(1, 2)), atol=1e-5)


@pytest.mark.tf
@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
@pytest.mark.parametrize("flat", [False, True])
def test_scratch_matches_tf(dtype, flat) -> None:
    x = mnist_like(40, seed=1, dtype=dtype, flat=flat)
    rng = np.random.default_rng(2)
    dx, dy = rng.integers(-30, 31, 40), rng.integers(-5, 6, 40)
    np.testing.assert_array_equal(s_aug.shift_images(x, dx, dy), t_aug.shift_images(x, dx, dy))
    degrees = rng.uniform(-30, 30, 40)
    ours, theirs = s_aug.rotate_images(x, degrees), t_aug.rotate_images(x, degrees)
    assert ours.dtype == theirs.dtype == x.dtype and ours.shape == theirs.shape == x.shape
    atol = 1 if dtype == "uint8" else ROT_ATOL
    np.testing.assert_allclose(ours.astype(float), theirs.astype(float), rtol=0, atol=atol)
    a_s, y_s = s_aug.augment(x, np.arange(40), np.random.default_rng(3), 2, 2, 10)
    a_t, y_t = t_aug.augment(x, np.arange(40), np.random.default_rng(3), 2, 2, 10)
    np.testing.assert_allclose(a_s.astype(float), a_t.astype(float), rtol=0, atol=atol)
    np.testing.assert_array_equal(y_s, y_t)


def random_images(seed: int, n: int, h: int, w: int, dtype: str, flat: bool) -> np.ndarray:
    """(n, h, w) random pixels, or (n, 784) when ``flat`` (then h = w = 28 whatever was drawn)."""
    if flat:
        h = w = 28
    x = np.random.default_rng(seed).random((n, h, w))
    x = (x * 255).astype(np.uint8) if dtype == "uint8" else x.astype(dtype)
    return x.reshape(n, h * w) if flat else x


SHAPES = {
    "n": st.integers(1, 5),
    "h": st.integers(1, 30),
    "w": st.integers(1, 30),
    "dtype": st.sampled_from(["uint8", "float32", "float64"]),
    "flat": st.booleans(),
    "seed": st.integers(0, 2**32 - 1),
}


@pytest.mark.tf
@settings(deadline=None, max_examples=25)
@given(**SHAPES, max_shift=st.integers(0, 40), per_image=st.booleans())
def test_shift_matches_tf_on_random_shapes(n, h, w, dtype, flat, seed, max_shift, per_image):
    """Any size from 1 x 1 up, any dtype, shifts up to 40 px (past the border too), one for all
    images or one per image: the same pixels bit for bit, in the input's shape and dtype."""
    x = random_images(seed, n, h, w, dtype, flat)
    rng = np.random.default_rng(seed + 1)
    dx, dy = rng.integers(-max_shift, max_shift, size=(2, n), endpoint=True)
    args = (dx, dy) if per_image else (int(dx[0]), int(dy[0]))
    ours, theirs = s_aug.shift_images(x, *args), t_aug.shift_images(x, *args)
    assert ours.shape == theirs.shape == x.shape and ours.dtype == theirs.dtype == x.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.tf
@settings(deadline=None, max_examples=25)
@given(**SHAPES, max_degrees=st.sampled_from([1.0, 30.0, 180.0, 360.0]), per_image=st.booleans())
def test_rotate_matches_tf_on_random_shapes(n, h, w, dtype, flat, seed, max_degrees, per_image):
    """Any size, any dtype, angles up to a full turn either way: within ROT_ATOL on pixels in
    [0, 1) (float32 coordinates in TF, see the top of the file; measured up to 3.9e-6 over 600
    such cases with sides up to 30 px), within 1 for uint8 (a value at .5 may round either way)."""
    x = random_images(seed, n, h, w, dtype, flat)
    degrees = np.random.default_rng(seed + 1).uniform(-max_degrees, max_degrees, size=n)
    arg = degrees if per_image else float(degrees[0])
    ours, theirs = s_aug.rotate_images(x, arg), t_aug.rotate_images(x, arg)
    assert ours.shape == theirs.shape == x.shape and ours.dtype == theirs.dtype == x.dtype
    atol = 1 if dtype == "uint8" else ROT_ATOL
    np.testing.assert_allclose(ours.astype(float), theirs.astype(float), rtol=0, atol=atol)


@pytest.mark.tf
@BACKENDS
def test_seeds(mod) -> None:
    x = mnist_like(20)
    for fn in (mod.random_shifts, mod.random_rotations):
        a = fn(x, np.random.default_rng(7))
        np.testing.assert_array_equal(a, fn(x, np.random.default_rng(7)))
        assert not np.array_equal(a, fn(x, np.random.default_rng(8)))
    np.testing.assert_array_equal(
        s_aug.random_shifts(x, np.random.default_rng(5)),
        t_aug.random_shifts(x, np.random.default_rng(5)),
    )


@BACKENDS
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("flat", [False, True])
def test_shapes_and_dtypes_kept(mod, dtype, flat) -> None:
    x = mnist_like(6, dtype=dtype, flat=flat)
    rng = np.random.default_rng(0)
    for out in (
        mod.shift_images(x, 1, -2),
        mod.random_shifts(x, rng),
        mod.rotate_images(x, 5.0),
        mod.random_rotations(x, rng),
    ):
        assert out.shape == x.shape and out.dtype == x.dtype
    y = np.arange(6)
    x_aug, y_aug = mod.augment(x, y, rng, copies=3, max_degrees=5)
    assert x_aug.shape == (24, *x.shape[1:]) and x_aug.dtype == x.dtype
    np.testing.assert_array_equal(x_aug[:6], x)  # originals first
    np.testing.assert_array_equal(y_aug, np.tile(y, 4))


@BACKENDS
def test_bad_input_names_the_argument(mod) -> None:
    x = mnist_like(3)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="images"):
        mod.shift_images(np.zeros((3, 100), np.float32), 1, 1)
    with pytest.raises(ValueError, match="images"):
        mod.rotate_images(np.zeros(784, np.float32), 1.0)
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="images: expected finite"):
        mod.shift_images(bad, 1, 1)
    with pytest.raises(TypeError, match="images"):
        mod.shift_images(x.astype(np.int32), 1, 1)
    with pytest.raises(ValueError, match="max_shift"):
        mod.random_shifts(x, rng, max_shift=-1)
    with pytest.raises(ValueError, match="max_degrees"):
        mod.random_rotations(x, rng, max_degrees=-5)
    with pytest.raises(TypeError, match="dx"):
        mod.shift_images(x, 1.5, 0)
    with pytest.raises(ValueError, match="dy"):
        mod.shift_images(x, 0, np.array([1, 2]))
    with pytest.raises(ValueError, match="degrees"):
        mod.rotate_images(x, np.nan)
    with pytest.raises(TypeError, match="rng"):  # an int seed is fine, a RandomState is not
        mod.random_shifts(x, np.random.RandomState(42))
    with pytest.raises(ValueError, match="y"):
        mod.augment(x, np.arange(4), rng)
    with pytest.raises(ValueError, match="copies"):
        mod.augment(x, np.arange(3), rng, copies=-1)


def test_drawn_shifts_are_uniform() -> None:
    """Each of the k = 2m + 1 values appears n/k times, give or take 5 binomial sd."""
    n, m = 20_000, 2
    k = 2 * m + 1
    img = np.zeros((n, 5, 5), dtype=np.float32)
    img[:, 2, 2] = 1.0  # the centre pixel: where it lands reads off (dx, dy)
    out = s_aug.random_shifts(img, np.random.default_rng(11), max_shift=m)
    _, rows, cols = np.nonzero(out)
    assert rows.size == n  # a shift of at most 2 keeps the centre pixel inside
    sd = np.sqrt(n * (1 / k) * (1 - 1 / k))
    for drawn in (cols - 2, rows - 2):
        counts = np.bincount(drawn + m, minlength=k)
        assert counts.size == k
        assert np.all(np.abs(counts - n / k) < 5 * sd), counts
