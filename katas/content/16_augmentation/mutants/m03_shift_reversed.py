"""Reads in[r + dy, c + dx]: the images move left and up instead of right and down (the forward
offset put into the inverse mapping)."""

import numpy as np

from scratch.augment import augment, check_images, per_image_ints, rotate_images  # noqa: F401


def shift_images(images, dx, dy):
    cube, shape = check_images(images)
    n, h, w = cube.shape
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    rows = np.arange(h)[None, :, None] + dy[:, None, None]
    cols = np.arange(w)[None, None, :] + dx[:, None, None]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    out = cube[np.arange(n)[:, None, None], np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    return out.reshape(shape)
