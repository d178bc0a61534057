"""Sign error on the velocity: m = momentum * m + lr * g, then w += m (it climbs the slope)."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m += learning_rate * grad
    param += m
