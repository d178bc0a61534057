"""Inputs for `katas compare softmax_cross_entropy`.

A float32 batch like MNIST's (32 examples, 10 classes), one with logits of +-1000 where only a
max-shifted implementation stays finite, and a float64 batch where scratch and TensorFlow should
agree to about 1e-14 relative.
"""

import numpy as np


def cases(rng):
    z32 = (3 * rng.standard_normal((32, 10))).astype(np.float32)
    y32 = rng.integers(0, 10, size=32)
    huge = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    y_huge = np.array([1, 1, 2])
    z64 = 3 * rng.standard_normal((32, 10))
    y64 = rng.integers(0, 10, size=32)

    def run(z, y):
        def outputs(m):
            return {
                "softmax": m.softmax(z),
                "log_sm": m.log_softmax(z),
                "loss": np.array(m.sparse_softmax_cross_entropy(z, y)),
                "dlogits": m.sparse_softmax_cross_entropy_grad(z, y),
            }

        return outputs

    return [
        ("float32 32x10", run(z32, y32)),
        ("float64 logits +-1000", run(huge, y_huge)),
        ("float64 32x10", run(z64, y64)),
    ]
