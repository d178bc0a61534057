"""Returns new arrays (param = param + m) instead of updating the caller's in place: the
caller's weights never change."""


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param = param - learning_rate * grad
        return param
    m *= momentum
    m -= learning_rate * grad
    param = param + m
    return param
