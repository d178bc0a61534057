"""Adds the noise to x in place (x += ...) to save a copy: the caller's batch, which is also the
targets, becomes noisy."""

from scratch.noise import masking_noise  # noqa: F401


def gaussian_noise(x, stddev, normals):
    x += stddev * normals
    return x


def denoising_batch(x, kind, level, draw):
    if kind == "gaussian":
        return gaussian_noise(x, level, draw), x
    x *= draw >= level
    return x, x
