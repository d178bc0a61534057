"""Order: moves w with the old velocity before updating m (w += m; then m = momentum*m - lr*g),
so every step lags one gradient behind and the first step does not move at all."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    param += m
    m *= momentum
    m -= learning_rate * grad
