"""Computes (and so lets the optimizer update) the gradients of frozen layers too."""

from scratch.activations import get
from scratch.transfer import frozen_batchnorm_forward  # noqa: F401


def frozen_stack_backward(x, weights, activations, trainable, dout, input_grad=True):
    funcs = [get(a) for a in activations]
    hs, zs = [x], []
    for (w, b), f in zip(weights, funcs, strict=True):
        zs.append(hs[-1] @ w + b)
        hs.append(f(zs[-1]))
    grads, g = [None] * len(weights), dout
    for k in range(len(weights) - 1, -1, -1):
        dz = g * funcs[k].grad(zs[k])
        grads[k] = (hs[k].T @ dz, dz.sum(axis=0))
        g = dz @ weights[k][0].T
    return (g if input_grad else None), grads
