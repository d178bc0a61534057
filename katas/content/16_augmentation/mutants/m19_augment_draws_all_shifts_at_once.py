"""Draws dx for every copy at once, then dy for every copy (arrays (copies, n)): the same
distribution, but the rng is consumed in another order, so the same seed gives other images."""

import numpy as np

from scratch.augment import check_images, draw_degrees, draw_shifts, rotate_images, shift_images


def augment(x, y, rng, copies=1, max_shift=2, max_degrees=0):
    n = check_images(x)[0].shape[0]
    parts = [x]
    all_dx, all_dy = draw_shifts(rng, copies * n, max_shift)
    for k in range(copies):
        part = x
        if max_degrees > 0:
            part = rotate_images(part, draw_degrees(rng, n, max_degrees))
        dx, dy = all_dx[k * n : (k + 1) * n], all_dy[k * n : (k + 1) * n]
        parts.append(shift_images(part, dx, dy))
    return np.concatenate(parts), np.tile(np.asarray(y), copies + 1)
