"""Inputs for `katas compare pcd`: a float32 batch of 16 MNIST-like rows, a chain of 10
particles, and the same recorded uniforms for every module."""

import numpy as np


def cases(rng):
    D, H, n, m = 20, 12, 16, 10
    v0 = (rng.random((n, D)) < 0.3).astype(np.float32)
    W = (0.1 * rng.standard_normal((H, D))).astype(np.float32)
    b = (0.1 * rng.standard_normal(D)).astype(np.float32)
    c = (0.1 * rng.standard_normal(H)).astype(np.float32)
    chain = (rng.random((m, H)) < 0.5).astype(np.float32)
    seed = int(rng.integers(2**31))

    def case(k):
        def run(module):
            draws = np.random.default_rng(seed)
            dW, db, dc, h = module.pcd_step(v0, W, b, c, chain, k, draws.random)
            return {"dW": dW, "db": db, "dc": dc, "new_chain_h": h}

        return run

    return [("PCD-1 float32, n 16, m 10", case(1)), ("PCD-3 float32", case(3))]
