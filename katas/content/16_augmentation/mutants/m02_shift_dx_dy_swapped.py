"""dx moves the rows and dy the columns: x and y swapped (an array is indexed [row, column], that
is [y, x])."""

import numpy as np

from scratch.augment import augment, check_images, per_image_ints, rotate_images  # noqa: F401


def shift_images(images, dx, dy):
    cube, shape = check_images(images)
    n, h, w = cube.shape
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    rows = np.arange(h)[None, :, None] - dx[:, None, None]
    cols = np.arange(w)[None, None, :] - dy[:, None, None]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    out = cube[np.arange(n)[:, None, None], np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    return out.reshape(shape)
