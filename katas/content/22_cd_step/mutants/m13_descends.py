"""Steps down (param - V) as for a loss: but the CD estimates already point uphill."""

from scratch.rbm import cd_step  # noqa: F401


def momentum_update(params, grads, velocities, learning_rate, momentum, weight_decay):
    (W, b, c), (dW, db, dc), (vW, vb, vc) = params, grads, velocities
    vW = momentum * vW + learning_rate * (dW - weight_decay * W)
    vb = momentum * vb + learning_rate * db
    vc = momentum * vc + learning_rate * dc
    return (W - vW, b - vb, c - vc), (vW, vb, vc)
