"""Inputs for `katas compare initializers`.

TensorFlow draws with its own generators, so the weights themselves never match between
backends. Each case therefore compares statistics of 235,200 draws: the variance divided by
the one asked for (1 when right) and the largest |w| divided by the cut (at most 1). Between two
correct backends they differ by a few tenths of a percent: the sampling noise,
sqrt(2 / 235200) = 0.3 %.
"""

import numpy as np

TRUNCATED_NORMAL_STD = 0.87962566103423978
SHAPE = (784, 300)  # MNIST's first hidden layer in the book
FANS = {"fan_in": 784.0, "fan_out": 300.0, "fan_avg": 542.0}


def cases(rng):
    seed = int(rng.integers(2**31 - 1))

    def fans(m):
        return {
            "dense": np.array(m.compute_fans(SHAPE)),
            "conv": np.array(m.compute_fans((3, 3, 16, 32))),
        }

    def truncated(m):
        w = m.truncated_normal(SHAPE, 0.5, np.random.default_rng(seed)).astype(np.float64)
        return {
            "var ratio": np.array(np.mean(w**2) / (TRUNCATED_NORMAL_STD * 0.5) ** 2),
            "max/cut": np.array(np.abs(w).max() / (2 * 0.5)),
        }

    def scaled(scale, mode, distribution):
        def run(m):
            w = m.variance_scaling(SHAPE, scale, mode, distribution, np.random.default_rng(seed))
            w = w.astype(np.float64)
            variance = scale / FANS[mode]
            if distribution == "uniform":
                cut = np.sqrt(3 * variance)
            else:
                cut = 2 * np.sqrt(variance) / TRUNCATED_NORMAL_STD
            return {
                "var ratio": np.array(np.mean(w**2) / variance),
                "max/cut": np.array(np.abs(w).max() / cut),
            }

        return run

    return [
        ("compute_fans", fans),
        ("truncated_normal sd 0.5", truncated),
        ("he_normal 784x300", scaled(2.0, "fan_in", "truncated_normal")),
        ("glorot_uniform 784x300", scaled(1.0, "fan_avg", "uniform")),
        ("lecun_normal 784x300", scaled(1.0, "fan_in", "truncated_normal")),
    ]
