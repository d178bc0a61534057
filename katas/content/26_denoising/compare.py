"""Inputs for `katas compare denoising`: float32 pixel-like rows, the same draws for every
module."""

import numpy as np


def cases(rng):
    x = rng.random((16, 20)).astype(np.float32)
    normals = rng.standard_normal(x.shape).astype(np.float32)
    uniforms = rng.random(x.shape)

    def functions(m):
        return {
            "gaussian": m.gaussian_noise(x, 0.5, normals),
            "masking": m.masking_noise(x, 0.3, uniforms),
        }

    def batch(kind, level, draw):
        def run(m):
            inputs, targets = m.denoising_batch(x.copy(), kind, level, draw)
            return {"inputs": inputs, "targets": targets}

        return run

    return [
        ("functions, float32 16x20", functions),
        ("gaussian batch, stddev 0.5", batch("gaussian", 0.5, normals)),
        ("masking batch, rate 0.3", batch("masking", 0.3, uniforms)),
    ]
