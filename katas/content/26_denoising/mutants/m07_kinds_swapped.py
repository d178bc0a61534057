"""Reads kind backwards: "gaussian" masks and "masking" adds noise."""

from scratch.noise import gaussian_noise, masking_noise


def denoising_batch(x, kind, level, draw):
    if kind == "masking":
        return gaussian_noise(x, level, draw), x
    return masking_noise(x, level, draw), x
