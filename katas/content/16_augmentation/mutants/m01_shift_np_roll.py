"""Shifts with np.roll: what leaves one side comes back on the other (wrap-around) instead of
being lost, and no 0 comes in."""

import numpy as np

from scratch.augment import augment, check_images, per_image_ints, rotate_images  # noqa: F401


def shift_images(images, dx, dy):
    cube, shape = check_images(images)
    n = cube.shape[0]
    dx = per_image_ints(dx, "dx", n)
    dy = per_image_ints(dy, "dy", n)
    out = np.stack([np.roll(cube[i], (dy[i], dx[i]), axis=(0, 1)) for i in range(n)])
    return out.reshape(shape)
