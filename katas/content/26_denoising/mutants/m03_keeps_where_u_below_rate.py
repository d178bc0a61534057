"""Keeps an entry where its uniform is < rate: the rate becomes the KEEP fraction, so rate 0.1
wipes out 90% of the image."""

from scratch.noise import gaussian_noise


def masking_noise(x, rate, uniforms):
    return x * (uniforms < rate)


def denoising_batch(x, kind, level, draw):
    if kind == "gaussian":
        return gaussian_noise(x, level, draw), x
    return masking_noise(x, level, draw), x
