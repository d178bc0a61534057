"""Divides the kept entries by 1 - rate, as dropout does: the corrupted image is brighter than
the clean one (masking noise only sets entries to 0)."""

from scratch.noise import gaussian_noise


def masking_noise(x, rate, uniforms):
    return x * (uniforms >= rate) / (1 - rate)


def denoising_batch(x, kind, level, draw):
    if kind == "gaussian":
        return gaussian_noise(x, level, draw), x
    return masking_noise(x, level, draw), x
