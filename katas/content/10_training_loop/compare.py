"""Inputs for `katas compare training_loop`: three epochs of batches, and early stopping on a
noisy validation curve."""

import numpy as np


def cases(rng):
    seed = int(rng.integers(2**31))
    # A validation loss that falls, then creeps up with noise: the classic early-stopping shape.
    t = np.arange(60)
    curve = 1 / (1 + 0.2 * t) + 0.004 * t + 0.02 * rng.standard_normal(60)

    def batches(mod):
        gen = np.random.default_rng(seed)
        out = {}
        for e in range(3):
            got = [np.asarray(b) for b in mod.minibatches(103, 32, gen)]
            out[f"epoch{e}"] = np.concatenate(got)
        out["sizes"] = np.array([len(b) for b in got])
        return out

    def early_stopping(mod):
        es = mod.EarlyStopping(patience=5, min_delta=0.001)
        stopped = len(curve)
        for e, v in enumerate(curve):
            if es.update(e, float(v), lambda e=e: [np.array([float(e)])]):
                stopped = e
                break
        return {
            "stopped": np.array(stopped),
            "best_ep": np.array(es.best_epoch),
            "best": np.array(es.best),
            "weights": es.best_weights[0],
        }

    return [("batches 103 by 32, 3 epochs", batches), ("early stopping", early_stopping)]
