"""Uses W (H, D) itself as the Dense kernel instead of W.T (D, H): with H == D no shape error
warns, and the layer computes sigmoid(x @ W + c), another RBM's features."""

from scratch.pretraining import layer_inputs  # noqa: F401


def stack_weights(params):
    return [(w.copy(), c.copy()) for w, c in params]
