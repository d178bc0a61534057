"""Labels repeated element by element (np.repeat: y0 y0 y1 y1 ...) instead of the whole y once
per block (np.tile): image k no longer has its label."""

import numpy as np

from scratch.augment import check_images, draw_degrees, draw_shifts, rotate_images, shift_images


def augment(x, y, rng, copies=1, max_shift=2, max_degrees=0):
    n = check_images(x)[0].shape[0]
    parts = [x]
    for _ in range(copies):
        part = x
        if max_degrees > 0:
            part = rotate_images(part, draw_degrees(rng, n, max_degrees))
        dx, dy = draw_shifts(rng, n, max_shift)
        parts.append(shift_images(part, dx, dy))
    return np.concatenate(parts), np.repeat(np.asarray(y), copies + 1)
