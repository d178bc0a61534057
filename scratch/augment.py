"""Data augmentation for MNIST-shaped images (book: "little training data -> data augmentation").

When labelled data is scarce, make more of it: a digit moved by a pixel or two, or turned by a
few degrees, is still the same digit. Both transforms here use the *inverse mapping*: for every
output pixel (r, c) ask where it came from in the input, and read the input there (0 outside):

    shift by (dx, dy):      out[r, c] = in[r - dy, c - dx]                   (exact, integers)
    rotate by theta (CCW):  (r_in, c_in) = R(theta) applied around the centre, read bilinearly

Images are (n, h, w) or flat (n, 784) = (n, 28 * 28), uint8 or float; the output has the same
shape and dtype. Randomness comes only from the NumPy Generator ``rng`` passed in, and the draws
(``draw_shifts`` / ``draw_degrees``) are plumbing shared with ``tf_ref.augment``, so the same
seed gives the same shifts and angles in both backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratch.checks import check_positive, check_rng

MNIST_SIDE = 28


# --- plumbing shared with tf_ref.augment (checks and random draws, no image maths) ---


def check_images(images: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """Return ``images`` as an (n, h, w) view plus the original shape, or raise a clear error.

    Accepted: (n, h, w), or (n, 784) read as (n, 28, 28); dtype uint8, float32 or float64;
    finite values.
    """
    if not isinstance(images, np.ndarray):
        raise TypeError(f"images: expected a NumPy array, got {type(images).__name__}")
    if images.dtype not in (np.uint8, np.float32, np.float64):
        raise TypeError(
            f"images: expected dtype uint8, float32 or float64, got dtype {images.dtype}"
        )
    if images.ndim == 2 and images.shape[1] == MNIST_SIDE * MNIST_SIDE:
        cube = images.reshape(images.shape[0], MNIST_SIDE, MNIST_SIDE)
    elif images.ndim == 3:
        cube = images
    else:
        raise ValueError(
            f"images: expected shape (n, {MNIST_SIDE * MNIST_SIDE}) or (n, h, w), "
            f"got shape {images.shape}"
        )
    if cube.size == 0:
        raise ValueError(f"images: expected a non-empty array, got shape {images.shape}")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        bad = int(images.size - np.count_nonzero(np.isfinite(images)))
        raise ValueError(f"images: expected finite values, got {bad} NaN or infinite entries")
    return cube, images.shape


def per_image_ints(value: Any, name: str, n: int) -> np.ndarray:
    """An integer scalar or a length-n integer array, as an int64 array of shape (n,)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu" or isinstance(value, bool):
        raise TypeError(f"{name}: expected an integer or an integer array, got {value!r}")
    if arr.ndim == 0:
        return np.full(n, int(arr), dtype=np.int64)
    if arr.shape != (n,):
        raise ValueError(
            f"{name}: expected a scalar or shape ({n},) (one per image), got {arr.shape}"
        )
    return arr.astype(np.int64)


def per_image_floats(value: Any, name: str, n: int) -> np.ndarray:
    """A finite real scalar or a length-n array of them, as float64 of shape (n,)."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or isinstance(value, bool):
        raise TypeError(f"{name}: expected a number or an array of numbers, got {value!r}")
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.shape != (n,):
        raise ValueError(
            f"{name}: expected a scalar or shape ({n},) (one per image), got {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got {value!r}")
    return arr.astype(np.float64)


def draw_shifts(rng: np.random.Generator, n: int, max_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy), each n integers uniform on {-max_shift, ..., max_shift}: dx first, then dy.

    ``rng``: a Generator, or an int seed / None (``scratch.checks.check_rng``)."""
    rng = check_rng(rng)
    check_positive(n, "n", integer=True, zero=True)
    check_positive(max_shift, "max_shift", integer=True, zero=True)
    dx = rng.integers(-max_shift, max_shift, size=n, endpoint=True)
    dy = rng.integers(-max_shift, max_shift, size=n, endpoint=True)
    return dx, dy


def draw_degrees(rng: np.random.Generator, n: int, max_degrees: float) -> np.ndarray:
    """n angles uniform on [-max_degrees, max_degrees)."""
    rng = check_rng(rng)
    check_positive(n, "n", integer=True, zero=True)
    check_positive(max_degrees, "max_degrees", zero=True)
    return rng.uniform(-max_degrees, max_degrees, size=n)


def augment_with(
    x: Any,
    y: Any,
    rng: np.random.Generator,
    copies: int,
    max_shift: int,
    max_degrees: float,
    random_shifts: Callable[..., np.ndarray],
    random_rotations: Callable[..., np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """``augment`` with the backend's transforms passed in (one recipe, one draw order)."""
    cube, _ = check_images(x)
    n = cube.shape[0]
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y: expected shape ({n},) (one label per row of x), got {y.shape}")
    check_positive(copies, "copies", integer=True, zero=True)
    rng = check_rng(rng)  # one Generator for every draw (an int seed is turned into one here)
    check_positive(max_shift, "max_shift", integer=True, zero=True)
    check_positive(max_degrees, "max_degrees", zero=True)
    parts = [x]
    for _ in range(copies):
        part = x
        if max_degrees > 0:  # rotate first: about the frame centre, where MNIST centres digits
            part = random_rotations(part, rng, max_degrees)
        parts.append(random_shifts(part, rng, max_shift))
    return np.concatenate(parts), np.tile(y, copies + 1)


# --- the transforms ---


def shift_images(images: np.ndarray, dx: Any, dy: Any) -> np.ndarray:
    """Move each image dx pixels right and dy pixels down; vacated pixels become 0.

    out[i, r, c] = in[i, r - dy[i], c - dx[i]] where that index is inside the image, else 0:
    pixels shifted past the border are lost (no wrap-around, unlike ``np.roll``).
    images (n, h, w) or (n, 784); dx, dy integers or int arrays (n,). Output: same shape, dtype.
    """
    cube, shape = check_images(images)
    n, h, w = cube.shape
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    rows = np.arange(h)[None, :, None] - dy[:, None, None]  # (n, h, 1): source row of each row
    cols = np.arange(w)[None, None, :] - dx[:, None, None]  # (n, 1, w)
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)  # (n, h, w)
    out = cube[np.arange(n)[:, None, None], np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    return out.reshape(shape)


def random_shifts(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """``shift_images`` with dx, dy drawn per image uniformly from {-max_shift..max_shift}."""
    cube, _ = check_images(images)
    dx, dy = draw_shifts(rng, cube.shape[0], max_shift)
    return shift_images(images, dx, dy)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    # uint8 pixels are interpolated in float32 and rounded back; floats keep their precision.
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def _to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return values.astype(dtype, copy=False)


def rotate_images(images: np.ndarray, degrees: Any) -> np.ndarray:
    """Rotate each image counter-clockwise (as displayed) by ``degrees`` about its centre.

    Inverse mapping: the centre is (cy, cx) = ((h - 1) / 2, (w - 1) / 2); output pixel (r, c)
    reads the input at

        x_in = cos(t) * (c - cx) - sin(t) * (r - cy) + cx
        y_in = sin(t) * (c - cx) + cos(t) * (r - cy) + cy

    with bilinear interpolation between the 4 neighbouring pixels, a neighbour outside the image
    counting as 0 (Keras ``RandomRotation(fill_mode="constant", interpolation="bilinear")``).
    uint8 images are interpolated in float32 and rounded half to even.
    images (n, h, w) or (n, 784); degrees a number or (n,) numbers. Output: same shape, dtype.
    """
    cube, shape = check_images(images)
    n, h, w = cube.shape
    theta = np.deg2rad(per_image_floats(degrees, "degrees", n))
    work = _work_dtype(cube.dtype)
    cos = np.cos(theta).astype(work)[:, None, None]
    sin = np.sin(theta).astype(work)[:, None, None]
    cy, cx = work.type((h - 1) / 2), work.type((w - 1) / 2)
    r = np.arange(h, dtype=work)[None, :, None] - cy
    c = np.arange(w, dtype=work)[None, None, :] - cx
    x_in = cos * c - sin * r + cx  # (n, h, w)
    y_in = sin * c + cos * r + cy
    x0, y0 = np.floor(x_in), np.floor(y_in)
    wx, wy = x_in - x0, y_in - y0  # weight of the right / lower neighbour
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    src = cube.astype(work, copy=False)
    batch = np.arange(n)[:, None, None]

    def read(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        vals = src[batch, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return np.where(inside, vals, work.type(0))

    top = (1 - wx) * read(y0, x0) + wx * read(y0, x0 + 1)
    bottom = (1 - wx) * read(y0 + 1, x0) + wx * read(y0 + 1, x0 + 1)
    return _to_dtype((1 - wy) * top + wy * bottom, cube.dtype).reshape(shape)


def random_rotations(
    images: np.ndarray, rng: np.random.Generator, max_degrees: float = 10
) -> np.ndarray:
    """``rotate_images``, one angle per image drawn uniformly from [-max_degrees, max_degrees)."""
    cube, _ = check_images(images)
    return rotate_images(images, draw_degrees(rng, cube.shape[0], max_degrees))


def augment(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    copies: int = 1,
    max_shift: int = 2,
    max_degrees: float = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The training set grown (copies + 1)-fold: x followed by ``copies`` transformed versions.

    x_aug = [x; T_1(x); ...; T_copies(x)] with T_k a random rotation in [-max_degrees,
    max_degrees) (skipped when max_degrees = 0) then a random shift in [-max_shift, max_shift]
    pixels, drawn per image; y_aug = [y; y; ...]. Shapes: x (n, 784) or (n, h, w), y (n,) ->
    x_aug ((copies + 1) * n, ...), y_aug ((copies + 1) * n,).
    """
    return augment_with(x, y, rng, copies, max_shift, max_degrees, random_shifts, random_rotations)
