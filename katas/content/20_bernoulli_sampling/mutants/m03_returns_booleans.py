"""Returns the comparison itself: booleans instead of 0.0/1.0 of p's dtype."""

from scratch.rbm import hidden_probabilities, visible_probabilities  # noqa: F401


def sample_bernoulli(p, u):
    return u < p
