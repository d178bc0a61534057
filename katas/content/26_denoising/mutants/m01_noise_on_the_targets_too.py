"""Corrupts the targets too: the autoencoder is then asked to reproduce the noise, not to
remove it (it learns the identity)."""

from scratch.noise import gaussian_noise, masking_noise


def denoising_batch(x, kind, level, draw):
    noisy = gaussian_noise(x, level, draw) if kind == "gaussian" else masking_noise(x, level, draw)
    return noisy, noisy
