"""Inputs for `katas compare freezing`: float32, a 3-layer stack with a frozen middle layer and a
batch norm layer in every (trainable, training) combination."""

import itertools

import numpy as np


def cases(rng):
    dims = [20, 16, 12, 10]
    weights = [
        (
            (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32),
            (0.1 * rng.standard_normal(b)).astype(np.float32),
        )
        for a, b in itertools.pairwise(dims)
    ]
    acts = ["elu", "tanh", None]
    x = rng.standard_normal((32, 20)).astype(np.float32)
    dout = rng.standard_normal((32, 10)).astype(np.float32)
    xb = (2 + 3 * rng.standard_normal((32, 10))).astype(np.float32)
    gamma = (1 + 0.1 * rng.standard_normal(10)).astype(np.float32)
    beta = (0.1 * rng.standard_normal(10)).astype(np.float32)
    mean = rng.standard_normal(10).astype(np.float32)
    var = (1 + rng.random(10)).astype(np.float32)

    def stack(trainable, input_grad):
        def run(m):
            dx, grads = m.frozen_stack_backward(x, weights, acts, trainable, dout, input_grad)
            out = {} if dx is None else {"dx": dx}
            for k, g in enumerate(grads):
                if g is not None:
                    out[f"dkernel{k}"], out[f"dbias{k}"] = g
            return out

        return run

    def bn(trainable, training):
        def run(m):
            out, new_mean, new_var = m.frozen_batchnorm_forward(
                xb, gamma, beta, mean, var, trainable=trainable, training=training
            )
            return {"out": out, "new_mean": new_mean, "new_var": new_var}

        return run

    return [
        ("stack T-F-T float32", stack([True, False, True], True)),
        ("stack F-T-F, input_grad=False", stack([False, True, False], False)),
        ("bn trainable, training", bn(True, True)),
        ("bn frozen, training", bn(False, True)),
        ("bn frozen, inference", bn(False, False)),
    ]
