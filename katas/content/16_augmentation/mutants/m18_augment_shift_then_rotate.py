"""Shifts first and rotates the shifted image (and draws dx, dy before the angles): a different
transform from different draws."""

import numpy as np

from scratch.augment import check_images, draw_degrees, draw_shifts, rotate_images, shift_images


def augment(x, y, rng, copies=1, max_shift=2, max_degrees=0):
    n = check_images(x)[0].shape[0]
    parts = [x]
    for _ in range(copies):
        dx, dy = draw_shifts(rng, n, max_shift)
        part = shift_images(x, dx, dy)
        if max_degrees > 0:
            part = rotate_images(part, draw_degrees(rng, n, max_degrees))
        parts.append(part)
    return np.concatenate(parts), np.tile(np.asarray(y), copies + 1)
