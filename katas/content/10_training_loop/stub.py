"""Kata 10: the training loop's plumbing. Run `katas check training_loop` after each change."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np


def minibatches(
    n: int, batch_size: int, rng: np.random.Generator | None = None, shuffle: bool = True
) -> Iterator[np.ndarray]:
    """The index arrays of one epoch over n rows, in batches of ``batch_size``.

    shuffle=True: one fresh ``rng.permutation(n)`` per call (rng None: a new, unseeded
    default_rng()); shuffle=False: 0, 1, ..., n - 1 in order, even when an rng is given.
    Cut it into consecutive pieces of ``batch_size``; the last piece may be smaller (it is
    kept, as in Keras).
    n and batch_size must be positive integers (NumPy integers too, bools not): ValueError
    naming the argument otherwise (TypeError for a non-integer is fine).
    A generator (``yield``) is the natural way to write it; any iterable of arrays will do.
    """
    raise NotImplementedError("write minibatches")


@dataclass
class EarlyStopping:
    """Stop when the monitored value (lower is better) has not improved by more than
    ``min_delta`` for more than ``patience`` epochs; remember the best epoch's weights.

    State (not constructor arguments): ``best`` (the best value so far, starts at +inf),
    ``best_epoch`` (-1 until the first update), ``best_weights`` (None until the first
    improvement; only kept when ``restore_best_weights``), ``wait`` (epochs since the best).
    """

    patience: int = 20
    min_delta: float = 0.0
    restore_best_weights: bool = True
    monitor: str = "val_loss"
    best: float = field(default=np.inf, init=False)
    best_epoch: int = field(default=-1, init=False)
    best_weights: list[np.ndarray] | None = field(default=None, init=False)
    wait: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        """Reject patience < 0 and min_delta < 0 with a ValueError naming the argument."""
        raise NotImplementedError("write EarlyStopping.__post_init__")

    def update(self, epoch: int, value: float, get_weights: Callable[[], list[np.ndarray]]) -> bool:
        """Record this epoch's value; return True when training should stop.

        An improvement is value < best - min_delta (an absolute amount, not a fraction): then
        remember value, epoch and (if restore_best_weights) get_weights(), and reset wait.
        Otherwise wait += 1, and stop once wait exceeds patience.
        """
        raise NotImplementedError("write EarlyStopping.update")
