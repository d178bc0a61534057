"""Multiplies the new step by the momentum instead of the old velocity."""

from scratch.rbm import cd_step  # noqa: F401


def momentum_update(params, grads, velocities, learning_rate, momentum, weight_decay):
    (W, b, c), (dW, db, dc), (vW, vb, vc) = params, grads, velocities
    vW = vW + momentum * learning_rate * (dW - weight_decay * W)
    vb = vb + momentum * learning_rate * db
    vc = vc + momentum * learning_rate * dc
    return (W + vW, b + vb, c + vc), (vW, vb, vc)
