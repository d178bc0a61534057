"""Inputs for `katas compare augmentation`: 32 MNIST-sized random images in each dtype, flat
(n, 784) and not; per-image shifts of up to 30 px (some push the whole image out) and angles of
up to 30 degrees; and the whole recipe from one seed, the same for every module."""

import numpy as np


def cases(rng):
    n = 32
    pixels = rng.random((n, 28, 28))
    dx, dy = rng.integers(-30, 31, size=n), rng.integers(-5, 6, size=n)
    degrees = rng.uniform(-30, 30, size=n)
    labels = rng.integers(0, 10, size=n)
    seed = int(rng.integers(2**32))

    def images(dtype, flat):
        x = (pixels * 255).astype(np.uint8) if dtype == np.uint8 else pixels.astype(dtype)
        return x.reshape(n, 784) if flat else x

    def transforms(dtype, flat):
        def run(mod):
            x = images(dtype, flat)
            return {"shift": mod.shift_images(x, dx, dy), "rotate": mod.rotate_images(x, degrees)}

        return run

    def recipe(dtype):
        def run(mod):
            x_aug, y_aug = mod.augment(
                images(dtype, True), labels, np.random.default_rng(seed), 2, 2, 15.0
            )
            return {"x_aug": x_aug, "y_aug": y_aug}

        return run

    out = [
        (f"{np.dtype(dtype).name}{' flat' if flat else ''}", transforms(dtype, flat))
        for dtype in (np.uint8, np.float32, np.float64)
        for flat in (False, True)
    ]
    return [*out, *((f"augment {np.dtype(d).name}", recipe(d)) for d in (np.uint8, np.float32))]
