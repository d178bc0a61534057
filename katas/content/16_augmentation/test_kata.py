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

from katas.engine.testing import expect_close, expect_shape, say
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
        raise AssertionError(
            say(
                f"{call} returned dtype {got.dtype}, expected {dtype}",
                f"{call} が dtype {got.dtype} を返しました。期待する dtype は {dtype} です",
            )
        )
    expect_close(got.astype(np.float64), expected.astype(np.float64), call, **tol)


def expect_untouched(array, copy, call):
    """``array`` must still equal ``copy``, taken before the call."""
    assert np.array_equal(array, copy), say(
        f"{call} changed its input in place: return a new array",
        f"{call} が入力をその場で書き換えました。新しい配列を返してください",
    )


# ------------------------------------------------------------------------------ shifts


@pytest.mark.hint(1)
@pytest.mark.mistake("np.roll: pixels wrap round")
def test_shift_by_hand(impl):
    """1..9 in a 3 x 3 image, dx=-1 (left), dy=1 (down): [[0, 0, 0], [2, 3, 0], [5, 6, 0]].
    ja: 3 x 3 の画像 1..9 を dx=-1 (左)、dy=1 (下) にずらすと [[0, 0, 0], [2, 3, 0], [5, 6, 0]] です。"""
    img = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3)
    # np.roll would bring 1, 4, 7 round to the right edge and 7, 8, 9 to the top.
    expected = np.array([[[0, 0, 0], [2, 3, 0], [5, 6, 0]]], dtype=np.uint8)
    expect_images(impl.shift_images(img, -1, 1), expected, "shift_images(1..9, dx=-1, dy=1)")


@pytest.mark.hint(1)
@pytest.mark.mistake("dx and dy swapped or reversed")
def test_single_pixel_moves_dx_right_and_dy_down(impl):
    """A pixel at (row 1, column 2) of a 5 x 6 image, dx=3, dy=2, lands at (row 3, column 5).
    ja: 5 x 6 の画像の (行 1, 列 2) の画素は、dx=3、dy=2 で (行 3, 列 5) に移ります。"""
    img = np.zeros((1, 5, 6))
    img[0, 1, 2] = 1.0
    expected = np.zeros_like(img)
    # dx and dy swapped: (4, 4); moved the other way, out[r, c] = in[r + dy, c + dx]: (-1, -1).
    expected[0, 3, 5] = 1.0
    call = say("shift_images(pixel at (1, 2), 3, 2)", "shift_images((1, 2) の画素, 3, 2)")
    expect_images(impl.shift_images(img, 3, 2), expected, call)


@pytest.mark.hint(1)
@pytest.mark.mistake("np.roll: pixels wrap round")
@pytest.mark.parametrize(("dx", "dy"), [(4, 0), (0, -2), (-3, 0), (0, 4), (100, -100)])
def test_shifted_past_the_border_is_lost(impl, dx, dy):
    """Pixels pushed out of the image disappear: nothing wraps round to the other side.
    ja: 画像の外へ押し出された画素は消えます。反対側へ回り込むものはありません。"""
    img = np.zeros((1, 5, 6))
    img[0, 1, 2] = 1.0
    got = impl.shift_images(img, dx, dy)
    call = say(
        f"shift_images(pixel at (1, 2), {dx}, {dy})", f"shift_images((1, 2) の画素, {dx}, {dy})"
    )
    expect_images(got, np.zeros_like(img), call)


@pytest.mark.hint(1)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flat", [False, True])
def test_shift_keeps_shape_dtype_and_input(impl, dtype, flat):
    """(n, 784) stays (n, 784), (n, 28, 28) stays so, the dtype is kept and the input untouched.
    ja: (n, 784) は (n, 784) のまま、(n, 28, 28) もそのまま、dtype も保ち、入力は書き換えません。"""
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
    """dx, dy as arrays: image i moves by (dx[i], dy[i]), each image its own way.
    ja: dx、dy が配列なら、画像 i は (dx[i], dy[i]) だけ、画像ごとに別々にずれます。"""
    img = np.zeros((3, 4, 4))
    img[:, 1, 1] = 1.0
    expected = np.zeros_like(img)
    expected[0, 1, 2] = expected[1, 3, 0] = expected[2, 0, 1] = 1.0
    got = impl.shift_images(img, np.array([1, -1, 0]), np.array([0, 2, -1]))
    call = say(
        "shift_images(pixels at (1, 1), [1, -1, 0], [0, 2, -1])",
        "shift_images((1, 1) の画素, [1, -1, 0], [0, 2, -1])",
    )
    expect_images(got, expected, call)


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
    """Random sizes and shifts (up to 8 px either way, scalars or per image), exact pixels.
    ja: ランダムな大きさとずらし (どちら向きにも最大 8 px、スカラーか画像ごと) で、画素が正確に一致します。"""
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
    """Turning by 0 degrees reads every pixel at its own place: the images come back exactly.
    ja: 0 度の回転はどの画素も自分の位置から読むので、画像がそのまま戻ります。"""
    x = make_images(2, (3, 28, 28), dtype)
    # cos 0 = 1, sin 0 = 0: x_in = (c - cx) + cx = c exactly, all the weight on one pixel.
    got = impl.rotate_images(x, 0.0)
    expect_images(got, x, f"rotate_images(x {np.dtype(dtype).name}, 0.0)", rtol=0.0, atol=0.0)


@pytest.mark.hint(3)
@pytest.mark.mistake("rotated clockwise")
@pytest.mark.parametrize(("degrees", "lands"), [(90, (0, 2)), (-90, (4, 2)), (180, (2, 0))])
def test_single_pixel_turns_counter_clockwise(impl, degrees, lands):
    """5 x 5, a pixel right of the centre (2, 4): +90 -> top (0, 2), -90 -> bottom, 180 -> left.
    ja: 5 x 5 で中心の右の画素 (2, 4): +90 で上 (0, 2)、-90 で下、180 で左へ移ります。"""
    img = np.zeros((1, 5, 5))
    img[0, 2, 4] = 1.0
    expected = np.zeros_like(img)
    # Clockwise (+90 to the bottom) is the sign of sin flipped, i.e. the forward mapping used
    # as if it were the inverse one.
    expected[(0, *lands)] = 1.0
    got = impl.rotate_images(img, float(degrees))
    call = say(
        f"rotate_images(pixel at (2, 4), {degrees})", f"rotate_images((2, 4) の画素, {degrees})"
    )
    expect_images(got, expected, call, **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("centre at (h/2, w/2) instead of ((h-1)/2, (w-1)/2)")
def test_quarter_and_half_turns(impl):
    """90 degrees is np.rot90 (square images); 180 flips rows and columns, also when h != w.
    ja: 90 度は np.rot90 (正方形の画像)、180 度は h != w でも行と列を反転したものです。"""
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
@pytest.mark.mistake("nearest pixel, or the edge clamped, instead of bilinear with 0 outside")
def test_bilinear_by_hand(impl):
    """[[4, 8]] (1 x 2) turned 90: each pixel samples halfway between 4 and 8, half outside: 3.
    ja: [[4, 8]] (1 x 2) を 90 度回すと、各画素は 4 と 8 の中間、半分は外を読むので 3 になります。"""
    img = np.array([[[4.0, 8.0]]])
    # Centre (0, 0.5). Output (0, 0) reads (row -0.5, col 0.5), output (0, 1) reads (0.5, 0.5):
    # weights 1/4 on 4 and 8, 1/4 on each of two pixels outside (0). Outside clamped to the edge:
    # [[6, 6]]; nearest pixel: [[4, 4]]; int() instead of floor at row -0.5: [[9, 3]].
    expected = np.array([[[3.0, 3.0]]])
    expect_images(impl.rotate_images(img, 90.0), expected, "rotate_images([[4, 8]], 90)", **TIGHT)


@pytest.mark.hint(4)
@pytest.mark.mistake("the edge pixel clamped instead of 0 outside")
def test_neighbours_outside_count_as_zero(impl):
    """An all-ones 6 x 6 image turned 30: inside it stays 1, at the border it darkens.
    ja: すべて 1 の 6 x 6 画像を 30 度回すと、内側は 1 のまま、縁は暗くなります。"""
    ones = np.ones((1, 6, 6))
    got = impl.rotate_images(ones, 30.0)
    # The 4 weights sum to 1, so a sample with all 4 neighbours inside reads exactly 1; a sample
    # with some outside reads the weight left inside. Clamping to the edge pixel keeps all 1.
    call = "rotate_images(np.ones((1, 6, 6)), 30)"
    expect_images(got, loop_rotate(ones, [30.0]), call, **TIGHT)


@pytest.mark.hint(4)
@given(
    seed=SEEDS,
    n=st.integers(1, 3),
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    per_image=st.booleans(),
)
def test_rotate_matches_the_formula(impl, seed, n, h, w, per_image):
    """Random sizes and angles in [-180, 180] (one or one per image), float64, against a loop.
    ja: ランダムな大きさと [-180, 180] の角度 (1 つか画像ごと)、float64 で、ループ版と比べます。"""
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
    """MNIST-sized images, flat or not, any dtype: same shape and dtype, input untouched.
    ja: MNIST の大きさの画像 (フラットでもそうでなくても、どの dtype でも): 形と dtype は同じ、入力は書き換えません。"""
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
@pytest.mark.mistake("uint8 truncated, not rounded")
@given(seed=SEEDS, degrees=st.floats(-45, 45))
def test_uint8_is_rounded_to_the_nearest_integer(impl, seed, degrees):
    """uint8 pixels: the interpolated value rounded to the nearest integer, not truncated.
    ja: uint8 の画素は、補間した値を切り捨てずに最も近い整数へ丸めます。"""
    # [[7, 8]] turned 90 gives (7 + 8) / 4 = 3.75 (see the bilinear example): 4, not 3.
    got = impl.rotate_images(np.array([[[7, 8]]], dtype=np.uint8), 90.0)
    expect_images(got, np.array([[[4, 4]]], dtype=np.uint8), "rotate_images([[7, 8]] uint8, 90)")
    cube = make_images(seed, (2, 8, 8), np.uint8)
    call = f"rotate_images(x (2, 8, 8) uint8, {degrees:.6g})"
    exact = loop_rotate(cube, [degrees, degrees])
    got = impl.rotate_images(cube, degrees)
    expect_images(got, exact, call, dtype=np.uint8, rtol=0.0, atol=UINT8_SLACK)


@pytest.mark.hint(1)
@pytest.mark.mistake("x itself returned when nothing moves")
@pytest.mark.parametrize("flat", [False, True])
def test_transforms_that_change_nothing_still_return_new_arrays(impl, flat):
    """Shifting by (0, 0) or turning by 0 degrees gives equal pixels in a new array, not x.
    ja: (0, 0) のずらしや 0 度の回転でも、x そのものではなく同じ画素の新しい配列を返します。"""
    cube = make_images(9, (2, 28, 28), np.uint8)
    x = cube.reshape(2, 784) if flat else cube
    for call, got in (
        (f"shift_images(x {x.shape}, 0, 0)", impl.shift_images(x, 0, 0)),
        (f"rotate_images(x {x.shape}, 0.0)", impl.rotate_images(x, 0.0)),
    ):
        expect_images(got, x, call, rtol=0.0, atol=0.0)
        # augment stores these as training images: sharing memory with x would let a later
        # in-place change of one show up in the other.
        assert not np.shares_memory(got, x), say(
            f"{call} returned x itself (or a view of it) because nothing moved: return a copy",
            f"{call} は何も動かないので x そのもの (またはそのビュー) を返しました。コピーを返してください",
        )


# ----------------------------------------------------------------------------- augment


@pytest.mark.hint(5)
@pytest.mark.mistake("labels repeated instead of tiled, or the originals not first")
@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_augment_shapes_labels_and_originals_first(impl, flat, dtype):
    """copies=3 on n=4: 16 images of x's shape and dtype, x itself first, labels y y y y.
    ja: n=4 に copies=3: x と同じ形と dtype の画像 16 枚、先頭は x そのもの、ラベルは y y y y です。"""
    cube = make_images(6, (4, 28, 28), dtype)
    x = cube.reshape(4, 784) if flat else cube
    y = np.array([3, 1, 4, 1])
    call = f"augment(x {x.shape} {np.dtype(dtype).name}, y, rng, copies=3, max_degrees=10)"
    got = impl.augment(x, y, np.random.default_rng(0), copies=3, max_degrees=10)
    assert isinstance(got, tuple) and len(got) == 2, say(
        f"{call} returned {type(got).__name__}; it must return a tuple (x_aug, y_aug)",
        f"{call} が {type(got).__name__} を返しました。タプル (x_aug, y_aug) を返してください",
    )
    x_aug, y_aug = got
    x_aug = expect_shape(x_aug, (16, *x.shape[1:]), f"{call}: x_aug")
    assert x_aug.dtype == dtype, say(
        f"{call}: x_aug has dtype {x_aug.dtype}, expected {np.dtype(dtype).name}",
        f"{call}: x_aug の dtype が {x_aug.dtype} です。期待する dtype は {np.dtype(dtype).name} です",
    )
    # y tiled, not repeated ([3, 3, 3, 3, 1, ...]): row k of x_aug is a copy of x[k % n].
    expect_close(y_aug, np.tile(y, 4), f"{call}: y_aug", rtol=0.0, atol=0.0)
    where = say(f"{call}: x_aug[:4] (the originals)", f"{call}: x_aug[:4] (元の画像)")
    expect_images(x_aug[:4], x, where, rtol=0.0, atol=0.0)


@pytest.mark.hint(5)
def test_augment_without_copies_returns_the_data(impl):
    """copies=0: x_aug is x and y_aug is y (as new arrays or not), nothing drawn.
    ja: copies=0 なら x_aug は x、y_aug は y (新しい配列でもそうでなくても) で、何も引きません。"""
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
    """Same rng, same images: per copy, draw angles (if max_degrees > 0), dx, dy; rotate, shift.
    ja: 同じ rng なら同じ画像: コピーごとに角度 (max_degrees > 0 のとき)、dx、dy の順に引き、回してからずらします。"""
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
    """A centred dot in 4000 images x 2 copies lands dx, dy = -2..2 about 1/5 of the time each.
    ja: 4000 枚 x 2 コピーの中央の点は、dx、dy = -2..2 のそれぞれにおよそ 1/5 ずつ移ります。"""
    n, m, copies = 4000, 2, 2
    k = 2 * m + 1
    x = np.zeros((n, 5, 5), dtype=np.float32)
    x[:, 2, 2] = 1.0
    x_aug, _ = impl.augment(x, np.zeros(n, dtype=int), np.random.default_rng(3), copies, m)
    call = say("augment(dots (4000, 5, 5), ...)", "augment(点の画像 (4000, 5, 5), ...)")
    x_aug = expect_shape(x_aug, ((copies + 1) * n, 5, 5), call)
    _, rows, cols = np.nonzero(x_aug[n:])
    assert rows.size == copies * n, say(
        f"augment(..., max_shift=2) gave {int(rows.size)} non-zero pixels in {copies * n} shifted "
        "images, expected one each: a shift of at most 2 px must keep the centre dot inside",
        f"augment(..., max_shift=2) のずらした画像 {copies * n} 枚に 0 でない画素が "
        f"{int(rows.size)} 個ありました。1 枚に 1 個のはずです: 最大 2 px のずらしなら中央の点は内側に残ります",
    )
    # Each count is Binomial(N, 1/k) with N = 8000 shifted images: mean N/k = 1600, standard
    # deviation sqrt(N (1/k)(1 - 1/k)) ~ 36. Within 5 of them, a correct solution fails with
    # probability ~6e-7 per count whatever the seed. A range without its ends (never +-2) leaves
    # those counts 44 sd short; one shift for everything is 180 sd over.
    sd = math.sqrt(copies * n * (1 / k) * (1 - 1 / k))
    for name, drawn in (("dx", cols - 2), ("dy", rows - 2)):
        counts = np.bincount(drawn + m, minlength=k)
        assert np.all(np.abs(counts - copies * n / k) <= 5 * sd), say(
            f"augment(..., max_shift=2): the {name} values -2..2 came {counts.tolist()} times in "
            f"{copies * n} shifted images, expected about {copies * n // k} each (+- {5 * sd:.0f})",
            f"augment(..., max_shift=2): ずらした画像 {copies * n} 枚で {name} の値 -2..2 が "
            f"{counts.tolist()} 回ずつ出ました。それぞれおよそ {copies * n // k} 回 "
            f"(+- {5 * sd:.0f}) のはずです",
        )


@pytest.mark.hint(5)
def test_augment_leaves_x_and_y_alone(impl):
    """augment returns new arrays and never changes x or y in place.
    ja: augment は新しい配列を返し、x や y をその場で書き換えることはありません。"""
    x, y = make_images(8, (4, 28, 28), np.uint8), np.arange(4)
    x0, y0 = x.copy(), y.copy()
    impl.augment(x, y, np.random.default_rng(2), copies=2, max_shift=2, max_degrees=15)
    expect_untouched(x, x0, "augment(x, y, ...)")
    expect_untouched(y, y0, "augment(x, y, ...)")
