"""With input_grad=False, stops one layer too high (range(L - 1, stop, -1)): the lowest
trainable layer itself is skipped."""

from scratch.activations import get
from scratch.transfer import frozen_batchnorm_forward  # noqa: F401


def frozen_stack_backward(x, weights, activations, trainable, dout, input_grad=True):
    funcs = [get(a) for a in activations]
    hs, zs = [x], []
    for (w, b), f in zip(weights, funcs, strict=True):
        zs.append(hs[-1] @ w + b)
        hs.append(f(zs[-1]))
    stop = 0
    if not input_grad:
        if not any(trainable):
            return None, [None] * len(weights)
        stop = list(trainable).index(True)
    grads, g = [None] * len(weights), dout
    for k in range(len(weights) - 1, stop, -1):
        dz = g * funcs[k].grad(zs[k])
        if trainable[k]:
            grads[k] = (hs[k].T @ dz, dz.sum(axis=0))
        g = dz @ weights[k][0].T
    if stop == 0 and input_grad:
        dz = g * funcs[0].grad(zs[0])
        if trainable[0]:
            grads[0] = (hs[0].T @ dz, dz.sum(axis=0))
        g = dz @ weights[0][0].T
    return (g if input_grad else None), grads
