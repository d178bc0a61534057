"""Inputs for `katas compare gradient_clipping`: the gradients of a small MLP (a kernel and a
bias per layer, of very different scales), float32 and float64, each clipped three ways."""

import numpy as np


def cases(rng):
    shapes = [(20, 10), (10,), (10, 3), (3,)]
    scales = [5.0, 0.1, 2.0, 0.01]
    grads = [rng.standard_normal(s) * k for s, k in zip(shapes, scales, strict=True)]

    def clip(name, c, dtype):
        def run(mod):
            out = getattr(mod, name)([g.astype(dtype) for g in grads], c)
            return {f"g{i}": o for i, o in enumerate(out)}

        return run

    # Labels fit the table's 28-character column: "global_norm 5.0 float32".
    return [
        (f"{name[len('clip_by_') :]} {c} {np.dtype(dtype).name}", clip(name, c, dtype))
        for name, c in (
            ("clip_by_value", 1.0),
            ("clip_by_norm", 1.0),
            ("clip_by_global_norm", 5.0),
        )
        for dtype in (np.float32, np.float64)
    ]
