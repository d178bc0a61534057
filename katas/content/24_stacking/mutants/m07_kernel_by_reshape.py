"""Gets the kernel's shape (D, H) by W.reshape(D, H) instead of W.T: the right shape, the
weights scrambled (and for a square W nothing changes at all)."""

from scratch.pretraining import layer_inputs  # noqa: F401


def stack_weights(params):
    return [(w.reshape(w.shape[1], w.shape[0]).copy(), c.copy()) for w, c in params]
