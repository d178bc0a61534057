"""Reads min_delta as a fraction of best (value < best * (1 - min_delta)) instead of an absolute
amount (value < best - min_delta, as Keras)."""

from dataclasses import dataclass

from scratch.training import EarlyStopping as _Reference
from scratch.training import minibatches  # noqa: F401


@dataclass
class EarlyStopping(_Reference):
    def update(self, epoch, value, get_weights):
        if value < self.best * (1 - self.min_delta):
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            if self.restore_best_weights:
                self.best_weights = get_weights()
            return False
        self.wait += 1
        return self.wait > self.patience
