"""Kata 26: denoising autoencoders' input corruption. Run `katas check denoising` after each
change."""

import numpy as np


def gaussian_noise(x: np.ndarray, stddev: float, normals: np.ndarray) -> np.ndarray:
    """Gaussian noise: x + stddev * normals.

    x (N, D) float; normals (N, D) standard normals N(0, 1), drawn by the caller; stddev >= 0
    is the noise's standard deviation. Returns a NEW array of x's shape and dtype: x is never
    modified.
    """
    raise NotImplementedError("write gaussian_noise")


def masking_noise(x: np.ndarray, rate: float, uniforms: np.ndarray) -> np.ndarray:
    """Masking noise: each entry kept where its uniform is >= rate, set to 0 elsewhere.

    x (N, D) float; uniforms (N, D) in [0, 1), drawn by the caller; rate in [0, 1) is the
    fraction of entries masked. No rescaling of the kept entries. Returns a NEW array of x's
    shape and dtype.
    """
    raise NotImplementedError("write masking_noise")


def denoising_batch(x: np.ndarray, kind: str, level: float, draw: np.ndarray):
    """(inputs, targets) for one training step of a denoising autoencoder.

    kind "gaussian": inputs = gaussian_noise(x, level, draw) (draw = standard normals);
    kind "masking":  inputs = masking_noise(x, level, draw)  (draw = uniforms in [0, 1)).
    targets = the clean x. x (N, D) -> two (N, D) arrays of x's dtype.
    """
    raise NotImplementedError("write denoising_batch")
