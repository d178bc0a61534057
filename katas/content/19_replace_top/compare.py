"""Inputs for `katas compare replace_top`: a float32 784-300-100-10 net whose top is replaced.

The backends draw new kernels from different generators (tf_ref seeds a Keras initializer from
the rng), so the new kernels are compared by their shape and spread, the reused layers and the
new biases value by value."""

import itertools

import numpy as np


def cases(rng):
    dims = (784, 300, 100, 10)
    weights = [
        (
            (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32),
            (0.1 * rng.standard_normal(b)).astype(np.float32),
        )
        for a, b in itertools.pairwise(dims)
    ]

    def case(n_reuse, new_units):
        def run(m):
            net = m.replace_top(weights, n_reuse, new_units, np.random.default_rng(0))
            out = {}
            for k, (kernel, bias) in enumerate(net):
                if k < n_reuse:
                    out[f"kernel{k}"] = kernel
                else:
                    out[f"shape{k}"] = np.array(kernel.shape)
                    # Glorot uniform: variance * fan_avg is 1 up to sampling noise (~1%)
                    fan_avg = (kernel.shape[0] + kernel.shape[1]) / 2
                    out[f"spread{k}"] = np.var(kernel) * fan_avg
                out[f"bias{k}"] = bias
            return out

        return run

    return [
        ("reuse 2 hidden, new output 5", case(2, 5)),
        ("reuse 1, new [50, 5]", case(1, [50, 5])),
    ]
