"""Inputs for `katas compare adagrad_rmsprop`: 20 steps from one random start, float32."""

import numpy as np


def cases(rng):
    start = rng.standard_normal((8, 5)).astype(np.float32)
    grads = rng.standard_normal((20, 8, 5)).astype(np.float32)

    def adagrad(m):
        param, acc = start.copy(), np.full_like(start, 0.1)
        for g in grads:
            m.adagrad_update(param, g, acc, 0.01, 1e-7)
        return {"param": param, "acc": acc}

    def rmsprop(momentum, centered):
        def run(m):
            param, v = start.copy(), np.zeros_like(start)
            mom = np.zeros_like(start) if momentum > 0 else None
            a = np.zeros_like(start) if centered else None
            for g in grads:
                m.rmsprop_update(
                    param, g, v, 0.001, 0.9, 1e-7, momentum=momentum, mom=mom, average_grad=a
                )
            out = {"param": param, "v": v}
            if mom is not None:
                out["mom"] = mom
            if a is not None:
                out["avg_grad"] = a
            return out

        return run

    return [
        ("adagrad 20 steps", adagrad),
        ("rmsprop 20 steps", rmsprop(0.0, False)),
        ("rmsprop momentum 0.9", rmsprop(0.9, False)),
        ("rmsprop centered", rmsprop(0.0, True)),
    ]
