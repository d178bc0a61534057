"""Kata 16: data augmentation. Run `katas check augmentation` after each change.

Images are (n, h, w), or flat (n, 784) read as (n, 28, 28); dtype uint8, float32 or float64.
Every function returns new arrays of the input's shape and dtype and leaves its inputs untouched.
"""

import numpy as np

# Given (plumbing, no maths): input checks and the random draws of scratch/augment.py.
#   check_images(images) -> (cube (n, h, w) view, original shape)
#   per_image_ints(value, name, n) / per_image_floats(value, name, n) -> an array of shape (n,)
#   draw_shifts(rng, n, max_shift) -> (dx, dy)        draw_degrees(rng, n, max_degrees) -> (n,)
#   check_rng(rng) -> rng
from scratch.augment import (  # noqa: F401
    check_images,
    check_rng,
    draw_degrees,
    draw_shifts,
    per_image_floats,
    per_image_ints,
)


def shift_images(images: np.ndarray, dx, dy) -> np.ndarray:
    """Move image i dx[i] pixels right and dy[i] pixels down; vacated pixels become 0:

        out[i, r, c] = in[i, r - dy[i], c - dx[i]]   if that pixel is inside the image, else 0

    Pixels pushed past the border are lost (no wrap-around). dx, dy: integers, or integer
    arrays of shape (n,). Output: images' shape and dtype.
    """
    raise NotImplementedError("write shift_images")


def rotate_images(images: np.ndarray, degrees) -> np.ndarray:
    """Turn image i counter-clockwise (as displayed) by degrees[i] about its centre.

    Inverse mapping, with t = degrees[i] in radians and (cy, cx) = ((h - 1) / 2, (w - 1) / 2):
    output pixel (r, c) reads the input at

        x_in = cos(t) * (c - cx) - sin(t) * (r - cy) + cx       (a column)
        y_in = sin(t) * (c - cx) + cos(t) * (r - cy) + cy       (a row)

    bilinearly from its 4 neighbouring pixels, a neighbour outside the image counting as 0
    (Keras RandomRotation(fill_mode="constant", interpolation="bilinear")). uint8 images are
    rounded to the nearest integer. degrees: a number or an array of shape (n,). Output:
    images' shape and dtype.
    """
    raise NotImplementedError("write rotate_images")


def augment(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    copies: int = 1,
    max_shift: int = 2,
    max_degrees: float = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The training set grown (copies + 1)-fold: x first, then ``copies`` transformed versions.

    For each copy in turn: if max_degrees > 0, rotate x by draw_degrees(rng, n, max_degrees);
    then shift the result by (dx, dy) = draw_shifts(rng, n, max_shift). Labels: y repeated as a
    whole, once per block. x (n, 784) or (n, h, w), y (n,) -> (x_aug ((copies + 1) * n, ...),
    y_aug ((copies + 1) * n,)).
    """
    raise NotImplementedError("write augment")
