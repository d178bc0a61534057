"""Inputs for `katas compare adam`: 30 steps from one random start, float32 and float64."""

import numpy as np


def cases(rng):
    start = rng.standard_normal((8, 5))
    grads = rng.standard_normal((30, 8, 5))

    def adam(dtype, amsgrad):
        def run(mod):
            param = start.astype(dtype)
            m, v = np.zeros_like(param), np.zeros_like(param)
            v_hat = np.zeros_like(param) if amsgrad else None
            for t, g in enumerate(grads.astype(dtype), start=1):
                mod.adam_update(param, g, m, v, 0.001, t, v_hat=v_hat)
            out = {"param": param, "m": m, "v": v}
            if v_hat is not None:
                out["v_hat"] = v_hat
            return out

        return run

    return [
        ("adam 30 steps float32", adam(np.float32, False)),
        ("adam 30 steps float64", adam(np.float64, False)),
        ("amsgrad 30 steps float32", adam(np.float32, True)),
    ]
