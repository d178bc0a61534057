"""Inputs for `katas compare batchnorm`: float32, training and inference, with and without
gamma/beta. Every run gets fresh moving statistics, so the three modules start alike."""

import numpy as np


def cases(rng):
    x = rng.standard_normal((64, 10)) * rng.uniform(0.5, 3.0, 10) + rng.standard_normal(10)
    x = x.astype(np.float32)
    gamma = rng.uniform(0.5, 2.0, 10).astype(np.float32)
    beta = rng.standard_normal(10).astype(np.float32)
    start_mean = rng.standard_normal(10).astype(np.float32)
    start_var = rng.uniform(0.5, 2.0, 10).astype(np.float32)
    dout = rng.standard_normal((64, 10)).astype(np.float32)

    def case(training, scale_and_center=True):
        g, b = (gamma, beta) if scale_and_center else (None, None)

        def run(m):
            mm, mv = start_mean.copy(), start_var.copy()
            out, cache = m.batchnorm_forward(x, g, b, mm, mv, training=training)
            dx, dgamma, dbeta = m.batchnorm_backward(dout, cache)
            return {
                "out": out,
                "mov_mean": mm,
                "mov_var": mv,
                "dx": dx,
                "dgamma": dgamma,
                "dbeta": dbeta,
            }

        return run

    return [
        ("training float32 64x10", case(True)),
        ("inference float32 64x10", case(False)),
        ("training, gamma/beta None", case(True, scale_and_center=False)),
    ]
