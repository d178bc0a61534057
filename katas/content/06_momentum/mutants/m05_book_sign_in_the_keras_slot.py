"""Keeps the book's Eq. 11-4 velocity (m = momentum*m + lr*g; w -= m) in Keras' slot: the
weights move correctly, but the stored m has the opposite sign of Keras' (a checkpoint or a
Keras comparison would then be wrong, and a resumed Keras run would start uphill)."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m += learning_rate * grad
    param -= m
