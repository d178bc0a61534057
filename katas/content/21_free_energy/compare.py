"""Inputs for `katas compare free_energy`: float32 and float64, MNIST-like sizes."""

import numpy as np


def cases(rng):
    v64 = (rng.random((32, 64)) < 0.3).astype(np.float64)
    w64 = 0.1 * rng.standard_normal((16, 64))
    b64, c64 = 0.1 * rng.standard_normal(64), 0.1 * rng.standard_normal(16)
    big = 50.0 * w64  # hidden inputs in the hundreds: where a naive softplus overflows

    def case(dtype, w):
        def run(m):
            args = (a.astype(dtype) for a in (v64, w, b64, c64))
            return {"F": m.free_energy(*args)}

        return run

    return [
        ("float32 32x64, H 16", case(np.float32, w64)),
        ("float64 32x64, H 16", case(np.float64, w64)),
        ("float64, large weights", case(np.float64, big)),
    ]
