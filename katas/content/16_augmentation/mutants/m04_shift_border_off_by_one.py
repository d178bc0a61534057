"""Off by one at the far border: a source index equal to h (or w) counts as inside, so the last
row (or column) is read again where a 0 should come in."""

import numpy as np

from scratch.augment import augment, check_images, per_image_ints, rotate_images  # noqa: F401


def shift_images(images, dx, dy):
    cube, shape = check_images(images)
    n, h, w = cube.shape
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    rows = np.arange(h)[None, :, None] - dy[:, None, None]
    cols = np.arange(w)[None, None, :] - dx[:, None, None]
    inside = (rows >= 0) & (rows <= h) & (cols >= 0) & (cols <= w)
    out = cube[np.arange(n)[:, None, None], np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    return out.reshape(shape)
