"""The floor of a workload: the time its matrix products alone would take at the machine's
SGEMM rate, measured in the same ``katas bench`` run.

A contender's ``over_floor`` is its epoch's seconds over that floor: 1.0 would mean nothing but
matrix products, each at the best rate BLAS reaches on large square float32 matrices. The rest
(elementwise work, memory traffic, per-step overhead, small-matrix inefficiency) is what the
figure above 1 measures. Only matrix products are counted: activations, batch norm, the loss,
optimizer updates and Bernoulli sampling are O(rows x units), not O(rows x units x units).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

#: Side of the square float32 matrices the SGEMM rate is measured on: large enough for BLAS'
#: best blocking (2 x 1024^3 = 2.1 GFLOP a product, tens of milliseconds on one core).
SGEMM_SIZE = 1024


def dense_flops(widths: Sequence[int], rows: int) -> int:
    """FLOPs of the matrix products of one epoch of a dense net with layer ``widths``
    (input width first, e.g. 784, 100, 100, 100, 100, 100, 5) over ``rows`` samples.

    For each layer l (n_in -> n_out), with N = rows and a multiply-add counted as 2 FLOPs:

        forward  z = x @ W               2 N n_in n_out
        dW       x.T @ dz                2 N n_in n_out
        dx       dz @ W.T                2 N n_in n_out   (every layer but the first: the
                                                           input's gradient is never needed)

    total = 3 * 2N * sum_l n_in(l) n_out(l) - 2N * n_in(1) n_out(1). The batch size does not
    appear: the products of all batches add up to the same count.
    """
    pairs = list(itertools.pairwise(widths))
    if not pairs or rows < 1:
        raise ValueError(f"dense_flops: expected >= 2 widths and rows >= 1, got {widths}, {rows}")
    per_row = 3 * 2 * sum(a * b for a, b in pairs) - 2 * pairs[0][0] * pairs[0][1]
    return rows * per_row


def rbm_flops(visible: int, hidden: int, rows: int) -> int:
    """FLOPs of the matrix products of one CD-1 or PCD-1 epoch of a ``visible`` x ``hidden`` RBM
    over ``rows`` images. Per batch of n rows (D visible, H hidden units), five products of
    2 n D H FLOPs each:

        positive hiddens   v0 @ W.T          (n, D) x (D, H)
        chain's visibles   h @ W             (n, H) x (H, D)   (CD: h0; PCD: the chain's h)
        negative hiddens   v1 @ W.T
        statistics         h0.T @ v0, h1.T @ v1

    total = 10 N D H (scikit-learn's ``_fit`` makes the same five products).
    """
    if min(visible, hidden, rows) < 1:
        raise ValueError(f"rbm_flops: expected positive sizes, got {visible}, {hidden}, {rows}")
    return 10 * rows * visible * hidden


def sgemm_rate(threads: int, repeats: int = 5, size: int = SGEMM_SIZE) -> float:
    """FLOP/s of a (size, size) @ (size, size) float32 product with BLAS limited to
    ``threads`` threads (threadpoolctl): the best of ``repeats`` timed products after one
    warm-up (the least disturbed one: a floor is the machine's limit, not its average)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty((size, size), np.float32)
    best = float("inf")
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(a, b, out=out)
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best


def floor_seconds(flops: int, rate: float) -> float:
    """Seconds of ``flops`` at ``rate`` FLOP/s."""
    return flops / rate
