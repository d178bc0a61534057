"""Early stopping stores get_weights() every epoch: it restores the last weights, not the best."""

from scratch.training import EarlyStopping as _Reference
from scratch.training import minibatches  # noqa: F401


class EarlyStopping(_Reference):
    def update(self, epoch, value, get_weights):
        if self.restore_best_weights:
            self.best_weights = get_weights()
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            return False
        self.wait += 1
        return self.wait > self.patience
