"""Mixes float32 x with float64 draws: x + stddev * normals becomes float64, and a float32 model
fed these inputs would silently compute in double precision."""

import numpy as np


def gaussian_noise(x, stddev, normals):
    return x + stddev * np.asarray(normals, np.float64)


def masking_noise(x, rate, uniforms):
    return x * (np.asarray(uniforms, np.float64) >= rate).astype(np.float64)


def denoising_batch(x, kind, level, draw):
    if kind == "gaussian":
        return gaussian_noise(x, level, draw), x
    return masking_noise(x, level, draw), x
