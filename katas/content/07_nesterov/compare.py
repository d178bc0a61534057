"""Inputs for `katas compare nesterov` (float32, as in training)."""

import numpy as np


def cases(rng):
    theta = rng.standard_normal(10).astype(np.float32)
    v = (0.1 * rng.standard_normal(10)).astype(np.float32)
    a = (rng.standard_normal((10, 10)) / 10).astype(np.float32)
    curvature = a @ a.T + np.eye(10, dtype=np.float32)
    grad_fn = lambda x: curvature @ x  # noqa: E731  (gradient of x^T A x / 2)
    lr, mu = 0.05, 0.9

    def sutskever(m):
        t, vel = theta, v
        for _ in range(20):
            t, vel = m.nesterov_sutskever_step(t, vel, grad_fn, lr, mu)
        return {"theta": t, "v": vel}

    def tf1(m):
        w, acc = theta + mu * v, -v / lr
        for _ in range(20):
            w, acc = m.nesterov_tf1_step(w, acc, grad_fn(w), lr, mu)
        return {"w": w, "a": acc}

    def keras(m):
        w, mom = theta + mu * v, v.copy()
        for _ in range(20):
            m.sgd_update(w, grad_fn(w), mom, lr, mu, nesterov=True)
        return {"param": w, "m": mom}

    return [
        ("Sutskever, 20 steps", sutskever),
        ("TF1, 20 steps", tf1),
        ("Keras nesterov, 20 steps", keras),
    ]
