"""Inputs for `katas compare regularization`: one Dense kernel (100 inputs, 30 units) whose
columns have very different norms, a few exact zeros and a few tiny columns, in float32 and
float64."""

import numpy as np


def cases(rng):
    kernel = rng.standard_normal((100, 30)) * 10.0 ** rng.uniform(-2, 0.5, size=30)
    kernel[rng.random(kernel.shape) < 0.1] = 0.0  # the kink of |w|
    kernel[:, :2] *= 1e-6  # two tiny columns: Keras' epsilon shows there

    def penalty(dtype):
        def run(mod):
            w = kernel.astype(dtype)
            return {
                "penalty": np.array(mod.l1_l2_penalty(w, l1=0.001, l2=0.01)),
                "grad": mod.l1_l2_penalty_grad(w, l1=0.001, l2=0.01),
            }

        return run

    def max_norms(dtype):
        def run(mod):
            w = kernel.astype(dtype)
            return {"max_norm": mod.max_norm(w, 2.0), "book": mod.book_max_norm(w, 1.0)}

        return run

    def sparsify(dtype):
        return lambda mod: {"sparse": mod.sparsify(kernel.astype(dtype), 0.05)}

    return [
        (f"{label} {np.dtype(dtype).name}", make(dtype))
        for label, make in (("l1_l2", penalty), ("max-norms", max_norms), ("sparsify", sparsify))
        for dtype in (np.float32, np.float64)
    ]
