"""Ignores min_delta: any decrease, however tiny, counts as an improvement."""

from scratch.training import EarlyStopping as _Reference
from scratch.training import minibatches  # noqa: F401


class EarlyStopping(_Reference):
    def update(self, epoch, value, get_weights):
        if value < self.best:
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            if self.restore_best_weights:
                self.best_weights = get_weights()
            return False
        self.wait += 1
        return self.wait > self.patience
