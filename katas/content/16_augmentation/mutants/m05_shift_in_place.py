"""Writes the shifted pixels into the caller's array and returns it: the input is changed in
place (and augment's originals are overwritten by their shifted copies)."""

import numpy as np

from scratch.augment import augment, check_images, per_image_ints, rotate_images  # noqa: F401


def shift_images(images, dx, dy):
    cube, _ = check_images(images)
    n, h, w = cube.shape
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    rows = np.arange(h)[None, :, None] - dy[:, None, None]
    cols = np.arange(w)[None, None, :] - dx[:, None, None]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    out = cube[np.arange(n)[:, None, None], np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    cube[...] = out
    return images
