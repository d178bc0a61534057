"""Decays the biases as well as the weights (the guide decays W only)."""

from scratch.rbm import cd_step  # noqa: F401


def momentum_update(params, grads, velocities, learning_rate, momentum, weight_decay):
    new_params, new_velocities = [], []
    for p, g, v in zip(params, grads, velocities, strict=True):
        v = momentum * v + learning_rate * (g - weight_decay * p)
        new_params.append(p + v)
        new_velocities.append(v)
    return tuple(new_params), tuple(new_velocities)
