"""Inputs for `katas compare cd_step`: float64 (the 1e-12 agreement issue 10 asks of scratch and
tf_ref) and float32, the same recorded uniforms handed to every module."""

import numpy as np


def cases(rng):
    n, d, h = 20, 30, 12
    v0 = (rng.random((n, d)) < 0.3).astype(np.float64)
    w = 0.3 * rng.standard_normal((h, d))
    b, c = 0.1 * rng.standard_normal(d), 0.1 * rng.standard_normal(h)
    us = [rng.random((n, h)) for _ in range(3)]
    grads = tuple(0.1 * rng.standard_normal(p.shape) for p in (w, b, c))
    velocities = tuple(0.01 * rng.standard_normal(p.shape) for p in (w, b, c))

    def step(k, dtype):
        def run(m):
            given = iter(us[:k])
            args = (a.astype(dtype) for a in (v0, w, b, c))
            dw, db, dc, v_neg, ph_neg = m.cd_step(*args, k, lambda shape: next(given))
            return {"dW": dw, "db": db, "dc": dc, "v_neg": v_neg, "ph_neg": ph_neg}

        return run

    def update(m):
        (nw, nb, nc), (vw, vb, vc) = m.momentum_update((w, b, c), grads, velocities, 0.1, 0.5, 1e-3)
        return {"W": nw, "b": nb, "c": nc, "V_W": vw, "V_b": vb, "V_c": vc}

    return [
        ("CD-1 float64 20x30, H 12", step(1, np.float64)),
        ("CD-3 float64", step(3, np.float64)),
        ("CD-1 float32", step(1, np.float32)),
        ("momentum_update float64", update),
    ]
