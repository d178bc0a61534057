"""Inputs for `katas compare bernoulli_sampling`: float32, the same uniforms for every module."""

import numpy as np


def cases(rng):
    v = rng.random((32, 64)).astype(np.float32)
    w = (0.1 * rng.standard_normal((16, 64))).astype(np.float32)
    b = (0.1 * rng.standard_normal(64)).astype(np.float32)
    c = (0.1 * rng.standard_normal(16)).astype(np.float32)
    u_h = rng.random((32, 16)).astype(np.float32)
    u_v = rng.random((32, 64)).astype(np.float32)

    def up_and_down(m):
        ph = m.hidden_probabilities(v, w, c)
        h = m.sample_bernoulli(ph, u_h)
        pv = m.visible_probabilities(h, w, b)
        return {"P(h|v)": ph, "h": h, "P(v|h)": pv, "v sample": m.sample_bernoulli(pv, u_v)}

    return [("float32 32x64, H 16", up_and_down)]
