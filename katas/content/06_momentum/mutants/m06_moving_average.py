"""Uses an exponential moving average of the gradients (m = momentum*m + (1 - momentum)*g;
w -= lr*m, Adam's first moment) instead of momentum: the terminal step is lr*g, not
lr*g/(1 - momentum), so the 10x speed-up at momentum 0.9 is gone."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m += (1 - momentum) * grad
    param -= learning_rate * m
