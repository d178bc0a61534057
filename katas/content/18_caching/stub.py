"""Kata 18: caching the frozen layers. Run `katas check caching` after each change."""


def cache_frozen_outputs(bottom, x, chunk_size=1024):
    """The frozen bottom's outputs for every row of x, computed once, in inference mode.

    bottom is a list of layer specs (dicts), applied in order:
      {"kind": "dense", "kernel": W (D, M), "bias": b (M,) or None, "activation": name or None}
          -> f(h @ W + b)        (``scratch.activations.get(name)`` gives f; None = linear)
      {"kind": "batch_norm", "gamma", "beta", "moving_mean", "moving_variance": (D,) arrays,
       "epsilon": float (optional, default 1e-3)}
          -> gamma * (h - moving_mean) / sqrt(moving_variance + epsilon) + beta
      {"kind": "activation", "activation": name} -> f(h)
      {"kind": "dropout", "rate": r} -> h if r == 0; r > 0: raise ValueError (not cacheable)
    An empty bottom is a ValueError too (nothing to cache).

    Process x (N, D) in chunks of chunk_size rows (the last chunk may be smaller) and return
    the chunks' outputs concatenated in order: features (N, D_out).
    """
    raise NotImplementedError("write cache_frozen_outputs")


def cached_batches(features, y, batch_size, rng):
    """One epoch of training batches from the cache: [(xb, yb), ...].

    order = rng.permutation(N), drawn once; batch b takes the rows
    order[b * batch_size : (b + 1) * batch_size] of BOTH features (N, D) and y (N,); the last
    batch may be smaller. rng is a numpy Generator.
    """
    raise NotImplementedError("write cached_batches")
