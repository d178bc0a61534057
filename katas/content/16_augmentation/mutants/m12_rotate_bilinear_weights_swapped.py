"""Bilinear weights swapped: the fraction wx weighs the left neighbour and 1 - wx the right one
(and likewise for rows), so a sample near one pixel reads mostly the other."""

import numpy as np

from scratch.augment import augment, check_images, per_image_floats, shift_images  # noqa: F401


def rotate_images(images, degrees):
    cube, shape = check_images(images)
    n, h, w = cube.shape
    theta = np.deg2rad(per_image_floats(degrees, "degrees", n))
    work = np.float64 if cube.dtype == np.float64 else np.float32
    cos = np.cos(theta).astype(work)[:, None, None]
    sin = np.sin(theta).astype(work)[:, None, None]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    r = np.arange(h, dtype=work)[None, :, None] - cy
    c = np.arange(w, dtype=work)[None, None, :] - cx
    x_in = cos * c - sin * r + cx
    y_in = sin * c + cos * r + cy
    x0, y0 = np.floor(x_in), np.floor(y_in)
    wx, wy = x_in - x0, y_in - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    src = cube.astype(work)
    batch = np.arange(n)[:, None, None]

    def read(yy, xx):
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        return np.where(inside, src[batch, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)], 0)

    top = wx * read(y0, x0) + (1 - wx) * read(y0, x0 + 1)
    bottom = wx * read(y0 + 1, x0) + (1 - wx) * read(y0 + 1, x0 + 1)
    out = wy * top + (1 - wy) * bottom
    if cube.dtype == np.uint8:
        out = np.clip(np.rint(out), 0, 255)
    return out.astype(cube.dtype).reshape(shape)
