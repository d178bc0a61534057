"""Returns W.T and c themselves: W.T is a view of W, so an optimizer that updates the kernel in
place while fine-tuning silently rewrites the pretrained RBM too."""

from scratch.pretraining import layer_inputs  # noqa: F401


def stack_weights(params):
    return [(w.T, c) for w, c in params]
