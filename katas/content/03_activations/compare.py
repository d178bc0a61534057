"""Inputs for `katas compare activations`.

A float32 batch with some entries exactly 0 (where the derivatives follow TensorFlow's kernels)
and a float64 batch with the book's leaky slope 0.01. Expected differences from TensorFlow:
about one ulp of 1 in absolute terms for ELU and SELU (TF computes exp(z) - 1 where scratch
uses expm1, and derives the gradient from the output, y + 1), so more in relative terms where
the values are small; 2e-8 relative for the float64 leaky ReLU (TF's slope is a float32
attribute of the op).
"""

import numpy as np


def cases(rng):
    z32 = (3 * rng.standard_normal((32, 10))).astype(np.float32)
    z32[0, :5] = 0.0  # the kinks
    z64 = 3 * rng.standard_normal((32, 10))

    def forward(z, **slopes):
        def run(m):
            return {
                "relu": m.relu(z),
                "leaky": m.leaky_relu(z, **slopes),
                "elu": m.elu(z),
                "elu .5": m.elu(z, alpha=0.5),
                "selu": m.selu(z),
            }

        return run

    def backward(z, **slopes):
        def run(m):
            return {
                "relu'": m.relu_grad(z),
                "leaky'": m.leaky_relu_grad(z, **slopes),
                "elu'": m.elu_grad(z),
                "elu' .5": m.elu_grad(z, alpha=0.5),
                "selu'": m.selu_grad(z),
            }

        return run

    return [
        ("values float32", forward(z32)),
        ("derivatives float32", backward(z32)),
        ("values float64, slope 0.01", forward(z64, negative_slope=0.01)),
        ("derivatives float64", backward(z64, negative_slope=0.01)),
    ]
