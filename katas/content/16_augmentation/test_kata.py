"""Tests for kata 16 (data augmentation). ``impl`` is the module under test.

The hand-worked examples are tiny images (3 x 3, 5 x 6, 1 x 2, 5 x 5) whose output can be worked
out on paper. The property tests compare with ``loop_shift`` and ``loop_rotate`` below: the
statement's formulas one pixel at a time, in float64, with nothing vectorised to get wrong.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from katas.engine.testing import expect_close, expect_shape
from scratch.augment import draw_degrees, draw_shifts

SEEDS = st.integers(0, 2**32 - 1)
DTYPES = [np.uint8, np.float32, np.float64]
# float64 rotations: the loop below and a vectorised solution compute the same coordinates with
# a handful of roundings (~1e-15 px), and bilinear reading with 0 outside is continuous in the
# coordinates, so values in [0, 1) differ by ~1e-15. 1e-12 is a wide margin; every mistake in the
# bug zoo moves some pixel by 0.05 or more.
TIGHT = {"rtol": 0.0, "atol": 1e-12}
# float32 arithmetic (a correct solution may work in float32): coordinates off by ~28 * 6e-8 px,
# so values in [0, 1) by ~2e-6 at most. 1e-5 leaves room.
FLOAT32 = {"rtol": 0.0, "atol": 1e-5}
# uint8: the float result rounded to the nearest integer, so at most 0.5 away from the float64
# value, plus float32 slack (255 * 1e-5) for a solution that interpolates in float32 first.
# Truncation is up to 1 away.
UINT8_SLACK = 0.5 + 255 * 1e-5


def make_images(seed, shape, dtype=np.float64):
    """Random pixels: uint8 in 0..255, or floats in [0, 1)."""
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    return rng.random(shape).astype(dtype)


def loop_shift(cube, dx, dy):
    """out[i, r, c] = cube[i, r - dy[i], c - dx[i]] where inside, else 0, pixel by pixel."""
    n, h, w = cube.shape
    out = np.zeros_like(cube)
    for i in range(n):
        for r in range(h):
            for c in range(w):
                rr, cc = r - dy[i], c - dx[i]
                if 0 <= rr < h and 0 <= cc < w:
                    out[i, r, c] = cube[i, rr, cc]
    return out


def loop_rotate(cube, degrees):
    """Inverse mapping about ((h-1)/2, (w-1)/2), bilinear, 0 outside; float64, pixel by pixel."""
    n, h, w = cube.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    out = np.zeros(cube.shape)

    def pixel(i, r, c):
        return float(cube[i, r, c]) if 0 <= r < h and 0 <= c < w else 0.0

    for i in range(n):
        cos, sin = math.cos(math.radians(degrees[i])), math.sin(math.radians(degrees[i]))
        for r in range(h):
            for c in range(w):
                x = cos * (c - cx) - sin * (r - cy) + cx
                y = sin * (c - cx) + cos * (r - cy) + cy
                x0, y0 = math.floor(x), math.floor(y)
                fx, fy = x - x0, y - y0
                top = (1 - fx) * pixel(i, y0, x0) + fx * pixel(i, y0, x0 + 1)
                bottom = (1 - fx) * pixel(i, y0 + 1, x0) + fx * pixel(i, y0 + 1, x0 + 1)
                out[i, r, c] = (1 - fy) * top + fy * bottom
    return out


def expect_images(got, expected, call, dtype=None, **tol):
    """``got`` must be an array of ``expected``'s shape, of ``dtype`` (default: expected's), within
    ``tol`` (compared as float64: uint8 differences would wrap around)."""
    got = expect_shape(got, expected.shape, call)
    dtype = np.dtype(dtype or expected.dtype)
    if got.dtype != dtype:
        raise AssertionError(f"{call} returned dtype {got.dtype}, expected {dtype}")
    expect_close(got.astype(np.float64), expected.astype(np.float64), call, **tol)


def expect_untouched(array, copy, call):
    assert np.array_equal(array, copy), f"{call} changed its input in place: return a new array"


# ------------------------------------------------------------------------------ shifts


@pytest.mark.hint(1)
def test_shift_by_hand(impl):
    """1..9 in a 3 x 3 image, dx=-1 (left), dy=1 (down): [[0, 0, 0], [2, 3, 0], [5, 6, 0]]."""
    img = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3)
    # np.roll would bring 1, 4, 7 round to the right edge and 7, 8, 9 to the top.
    expected = np.array([[[0, 0, 0], [2, 3, 0], [5, 6, 0]]], dtype=np.uint8)
    expect_images(impl.shift_images(img, -1, 1), expected, "shift_images(1..9, dx=-1, dy=1)")


@pytest.mark.hint(1)
def test_single_pixel_moves_dx_right_and_dy_down(impl):
    """A pixel at (row 1, column 2) of a 5 x 6 image, dx=3, dy=2, lands at (row 3, column 5)."""
    img = np.zeros((1, 5, 6))
    img[0, 1, 2] = 1.0
    expected = np.zeros_like(img)
    # dx and dy swapped: (4, 4); moved the other way, out[r, c] = in[r + dy, c + dx]: (-1, -1).
    expected[0, 3, 5] = 1.0
    expect_images(impl.shift_images(img, 3, 2), expected, "shift_images(pixel at (1, 2), 3, 2)")


@pytest.mark.hint(1)
@pytest.mark.parametrize(("dx", "dy"), [(4, 0), (0, -2), (-3, 0), (0, 4), (100, -100)])
def test_shifted_past_the_border_is_lost(impl, dx, dy):
    """Pixels pushed out of the image disappear: nothing wraps round to the other side."""
    img = np.zeros((1, 5, 6))
    img[0, 1, 2] = 1.0
    got = impl.shift_images(img, dx, dy)
    expect_images(got, np.zeros_like(img), f"shift_images(pixel at (1, 2), {dx}, {dy})")


@pytest.mark.hint(1)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flat", [False, True])
def test_shift_keeps_shape_dtype_and_input(impl, dtype, flat):
    """(n, 784) stays (n, 784), (n, 28, 28) stays so, the dtype is kept and the input untouched."""
    cube = make_images(1, (3, 28, 28), dtype)
    x = cube.reshape(3, 784) if flat else cube
    before = x.copy()
    dx, dy = np.array([1, -2, 0]), np.array([0, 3, -1])
    call = f"shift_images(x {x.shape} {np.dtype(dtype).name}, [1, -2, 0], [0, 3, -1])"
    got = impl.shift_images(x, dx, dy)
    expect_untouched(x, before, call)
    expect_images(got, loop_shift(cube, dx, dy).reshape(x.shape), call, rtol=0.0, atol=0.0)


@pytest.mark.hint(2)
def test_shift_per_image(impl):
    """dx, dy as arrays: image i moves by (dx[i], dy[i]), each image its own way."""
    img = np.zeros((3, 4, 4))
    img[:, 1, 1] = 1.0
    expected = np.zeros_like(img)
    expected[0, 1, 2] = expected[1, 3, 0] = expected[2, 0, 1] = 1.0
    got = impl.shift_images(img, np.array([1, -1, 0]), np.array([0, 2, -1]))
    expect_images(got, expected, "shift_images(pixels at (1, 1), [1, -1, 0], [0, 2, -1])")


@pytest.mark.hint(2)
@given(
    seed=SEEDS,
    n=st.integers(1, 4),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    per_image=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_shift_matches_the_definition(impl, seed, n, h, w, per_image, dtype):
    """Random sizes and shifts (up to 8 px either way, scalars or per image), exact pixels."""
    rng = np.random.default_rng(seed)
    cube = make_images(seed, (n, h, w), dtype)
    dx, dy = rng.integers(-8, 9, size=n), rng.integers(-8, 9, size=n)
    if not per_image:
        dx, dy = np.full(n, dx[0]), np.full(n, dy[0])
        args = (int(dx[0]), int(dy[0]))
    else:
        args = (dx, dy)
    call = f"shift_images(x {cube.shape} {np.dtype(dtype).name}, dx={args[0]}, dy={args[1]})"
    got = impl.shift_images(cube, *args)
    expect_images(got, loop_shift(cube, dx, dy), call, rtol=0.0, atol=0.0)


# ------------------------------------------------------------------- rotation: geometry


@pytest.mark.hint(3)
@pytest.mark.parametrize("dtype", DTYPES)
def test_rotation_by_zero_is_the_identity(impl, dtype):
    """Turning by 0 degrees reads every pixel at its own place: the images come back exactly."""
    x = make_images(2, (3, 28, 28), dtype)
    # cos 0 = 1, sin 0 = 0: x_in = (c - cx) + cx = c exactly, all the weight on one pixel.
    got = impl.rotate_images(x, 0.0)
    expect_images(got, x, f"rotate_images(x {np.dtype(dtype).name}, 0.0)", rtol=0.0, atol=0.0)


@pytest.mark.hint(3)
@pytest.mark.parametrize(("degrees", "lands"), [(90, (0, 2)), (-90, (4, 2)), (180, (2, 0))])
def test_single_pixel_turns_counter_clockwise(impl, degrees, lands):
    """5 x 5, a pixel right of the centre (2, 4): +90 -> top (0, 2), -90 -> bottom, 180 -> left."""
    img = np.zeros((1, 5, 5))
    img[0, 2, 4] = 1.0
    expected = np.zeros_like(img)
    # Clockwise (+90 to the bottom) is the sign of sin flipped, i.e. the forward mapping used
    # as if it were the inverse one.
    expected[(0, *lands)] = 1.0
    got = impl.rotate_images(img, float(degrees))
    expect_images(got, expected, f"rotate_images(pixel at (2, 4), {degrees})", **TIGHT)


@pytest.mark.hint(3)
def test_quarter_and_half_turns(impl):
    """90 degrees is np.rot90 (square images); 180 flips rows and columns, also when h != w."""
    square = make_images(3, (2, 6, 6))
    expected = np.rot90(square, 1, axes=(1, 2))
    expect_images(impl.rotate_images(square, 90.0), expected, "rotate(6 x 6, 90)", **TIGHT)
    # The centre is ((h - 1) / 2, (w - 1) / 2) = (1.5, 3): about (h / 2, w / 2) = (2, 3.5) the
    # half turn would also move the image by one pixel down and one right.
    wide = make_images(4, (2, 4, 7))
    expected = wide[:, ::-1, ::-1]
    expect_images(impl.rotate_images(wide, 180.0), expected, "rotate(4 x 7, 180)", **TIGHT)


# ------------------------------------------------------------- rotation: bilinear reading


@pytest.mark.hint(4)
def test_bilinear_by_hand(impl):
    """[[4, 8]] (1 x 2) turned 90: each pixel samples halfway between 4 and 8, half outside: 3."""
    img = np.array([[[4.0, 8.0]]])
    # Centre (0, 0.5). Output (0, 0) reads (row -0.5, col 0.5), output (0, 1) reads (0.5, 0.5):
    # weights 1/4 on 4 and 8, 1/4 on each of two pixels outside (0). Outside clamped to the edge:
    # [[6, 6]]; nearest pixel: [[4, 4]]; int() instead of floor at row -0.5: [[9, 3]].
    expected = np.array([[[3.0, 3.0]]])
    expect_images(impl.rotate_images(img, 90.0), expected, "rotate_images([[4, 8]], 90)", **TIGHT)


@pytest.mark.hint(4)
def test_neighbours_outside_count_as_zero(impl):
    """An all-ones 6 x 6 image turned 30: inside it stays 1, at the border it darkens."""
    ones = np.ones((1, 6, 6))
    got = impl.rotate_images(ones, 30.0)
    # The 4 weights sum to 1, so a sample with all 4 neighbours inside reads exactly 1; a sample
    # with some outside reads the weight left inside. Clamping to the edge pixel keeps all 1.
    expect_images(got, loop_rotate(ones, [30.0]), "rotate_images(ones (1, 6, 6), 30)", **TIGHT)


@pytest.mark.hint(4)
@given(
    seed=SEEDS,
    n=st.integers(1, 3),
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    per_image=st.booleans(),
)
def test_rotate_matches_the_formula(impl, seed, n, h, w, per_image):
    """Random sizes and angles in [-180, 180] (one or one per image), float64, against a loop."""
    rng = np.random.default_rng(seed)
    cube = make_images(seed, (n, h, w))
    degrees = rng.uniform(-180, 180, size=n)
    if not per_image:
        degrees = np.full(n, degrees[0])
    arg = degrees if per_image else float(degrees[0])
    call = f"rotate_images(x {cube.shape}, degrees={np.round(arg, 3)})"
    expect_images(impl.rotate_images(cube, arg), loop_rotate(cube, degrees), call, **TIGHT)


@pytest.mark.hint(4)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flat", [False, True])
def test_rotate_keeps_shape_dtype_and_input(impl, dtype, flat):
    """MNIST-sized images, flat or not, any dtype: same shape and dtype, input untouched."""
    cube = make_images(5, (2, 28, 28), dtype)
    x = cube.reshape(2, 784) if flat else cube
    before = x.copy()
    degrees = np.array([12.5, -20.0])
    call = f"rotate_images(x {x.shape} {np.dtype(dtype).name}, [12.5, -20])"
    got = impl.rotate_images(x, degrees)
    expect_untouched(x, before, call)
    expected = loop_rotate(cube, degrees).reshape(x.shape)
    if dtype == np.uint8:
        tol = {"rtol": 0.0, "atol": UINT8_SLACK}
    else:
        tol = FLOAT32 if dtype == np.float32 else TIGHT
    expect_images(got, expected, call, dtype=dtype, **tol)


@pytest.mark.hint(4)
@given(seed=SEEDS, degrees=st.floats(-45, 45))
def test_uint8_is_rounded_to_the_nearest_integer(impl, seed, degrees):
    """uint8 pixels: the interpolated value rounded to the nearest integer, not truncated."""
    # [[7, 8]] turned 90 gives (7 + 8) / 4 = 3.75 (see the bilinear example): 4, not 3.
    got = impl.rotate_images(np.array([[[7, 8]]], dtype=np.uint8), 90.0)
    expect_images(got, np.array([[[4, 4]]], dtype=np.uint8), "rotate_images([[7, 8]] uint8, 90)")
    cube = make_images(seed, (2, 8, 8), np.uint8)
    call = f"rotate_images(x (2, 8, 8) uint8, {degrees!r})"
    exact = loop_rotate(cube, [degrees, degrees])
    got = impl.rotate_images(cube, degrees)
    expect_images(got, exact, call, dtype=np.uint8, rtol=0.0, atol=UINT8_SLACK)


@pytest.mark.hint(1)
@pytest.mark.parametrize("flat", [False, True])
def test_transforms_that_change_nothing_still_return_new_arrays(impl, flat):
    """Shifting by (0, 0) or turning by 0 degrees gives equal pixels in a new array, not x."""
    cube = make_images(9, (2, 28, 28), np.uint8)
    x = cube.reshape(2, 784) if flat else cube
    for call, got in (
        (f"shift_images(x {x.shape}, 0, 0)", impl.shift_images(x, 0, 0)),
        (f"rotate_images(x {x.shape}, 0.0)", impl.rotate_images(x, 0.0)),
    ):
        expect_images(got, x, call, rtol=0.0, atol=0.0)
        # augment stores these as training images: sharing memory with x would let a later
        # in-place change of one show up in the other.
        assert not np.shares_memory(got, x), (
            f"{call} returned x itself (or a view of it) because nothing moved: return a copy"
        )


# ----------------------------------------------------------------------------- augment


@pytest.mark.hint(5)
@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_augment_shapes_labels_and_originals_first(impl, flat, dtype):
    """copies=3 on n=4: 16 images of x's shape and dtype, x itself first, labels y y y y."""
    cube = make_images(6, (4, 28, 28), dtype)
    x = cube.reshape(4, 784) if flat else cube
    y = np.array([3, 1, 4, 1])
    call = f"augment(x {x.shape} {np.dtype(dtype).name}, y, rng, copies=3, max_degrees=10)"
    got = impl.augment(x, y, np.random.default_rng(0), copies=3, max_degrees=10)
    assert isinstance(got, tuple) and len(got) == 2, f"{call} must return (x_aug, y_aug)"
    x_aug, y_aug = got
    x_aug = expect_shape(x_aug, (16, *x.shape[1:]), f"{call}: x_aug")
    assert x_aug.dtype == dtype, f"{call}: x_aug has dtype {x_aug.dtype}, expected {dtype}"
    # y tiled, not repeated ([3, 3, 3, 3, 1, ...]): row k of x_aug is a copy of x[k % n].
    expect_close(y_aug, np.tile(y, 4), f"{call}: y_aug", rtol=0.0, atol=0.0)
    expect_images(x_aug[:4], x, f"{call}: x_aug[:4] (the originals)", rtol=0.0, atol=0.0)


@pytest.mark.hint(5)
def test_augment_without_copies_returns_the_data(impl):
    """copies=0: x_aug is x and y_aug is y (as new arrays or not), nothing drawn."""
    x, y = make_images(7, (5, 6, 6)), np.arange(5)
    x_aug, y_aug = impl.augment(x, y, np.random.default_rng(1), copies=0, max_degrees=10)
    expect_images(x_aug, x, "augment(x, y, rng, copies=0): x_aug", rtol=0.0, atol=0.0)
    expect_close(y_aug, y, "augment(x, y, rng, copies=0): y_aug", rtol=0.0, atol=0.0)


@pytest.mark.hint(5)
@given(
    seed=SEEDS,
    copies=st.integers(1, 3),
    max_shift=st.integers(0, 3),
    max_degrees=st.sampled_from([0, 5.0, 20.0]),
    flat=st.booleans(),
)
# Two copies with and without rotation: the draw order shows only with copies > 1 or angles.
@example(seed=0, copies=2, max_shift=2, max_degrees=0, flat=False)
@example(seed=1, copies=2, max_shift=2, max_degrees=15.0, flat=True)
def test_augment_draw_order(impl, seed, copies, max_shift, max_degrees, flat):
    """Same rng, same images: per copy, draw angles (if max_degrees > 0), dx, dy; rotate, shift."""
    x = make_images(seed, (3, 28, 28))
    if flat:
        x = x.reshape(3, 784)
    y = np.arange(3)
    x_aug, _ = impl.augment(x, y, np.random.default_rng(seed), copies, max_shift, max_degrees)
    # The expected images, built from your own shift_images and rotate_images with the draws
    # in the statement's order.
    rng = np.random.default_rng(seed)
    parts = [x]
    for _ in range(copies):
        part = x
        if max_degrees > 0:
            part = impl.rotate_images(part, draw_degrees(rng, 3, max_degrees))
        dx, dy = draw_shifts(rng, 3, max_shift)
        parts.append(impl.shift_images(part, dx, dy))
    call = f"augment(x {x.shape}, y, default_rng({seed}), {copies}, {max_shift}, {max_degrees})"
    expect_images(x_aug, np.concatenate(parts), call, **TIGHT)


@pytest.mark.hint(5)
def test_augment_shifts_are_uniform(impl):
    """A centred dot in 4000 images x 2 copies lands dx, dy = -2..2 about 1/5 of the time each."""
    n, m, copies = 4000, 2, 2
    k = 2 * m + 1
    x = np.zeros((n, 5, 5), dtype=np.float32)
    x[:, 2, 2] = 1.0
    x_aug, _ = impl.augment(x, np.zeros(n, dtype=int), np.random.default_rng(3), copies, m)
    x_aug = expect_shape(x_aug, ((copies + 1) * n, 5, 5), "augment(dots (4000, 5, 5), ...)")
    _, rows, cols = np.nonzero(x_aug[n:])
    assert rows.size == copies * n, "a shift of at most 2 px must keep the centre dot inside"
    # Each count is Binomial(N, 1/k) with N = 8000 shifted images: mean N/k = 1600, standard
    # deviation sqrt(N (1/k)(1 - 1/k)) ~ 36. Within 5 of them, a correct solution fails with
    # probability ~6e-7 per count whatever the seed. A range without its ends (never +-2) leaves
    # those counts 44 sd short; one shift for everything is 180 sd over.
    sd = math.sqrt(copies * n * (1 / k) * (1 - 1 / k))
    for name, drawn in (("dx", cols - 2), ("dy", rows - 2)):
        counts = np.bincount(drawn + m, minlength=k)
        assert np.all(np.abs(counts - copies * n / k) <= 5 * sd), (
            f"augment(..., max_shift=2): the {name} values -2..2 came {counts.tolist()} times in "
            f"{copies * n} shifted images, expected about {copies * n // k} each (+- {5 * sd:.0f})"
        )


@pytest.mark.hint(5)
def test_augment_leaves_x_and_y_alone(impl):
    """augment returns new arrays and never changes x or y in place."""
    x, y = make_images(8, (4, 28, 28), np.uint8), np.arange(4)
    x0, y0 = x.copy(), y.copy()
    impl.augment(x, y, np.random.default_rng(2), copies=2, max_shift=2, max_degrees=15)
    expect_untouched(x, x0, "augment(x, y, ...)")
    expect_untouched(y, y0, "augment(x, y, ...)")
