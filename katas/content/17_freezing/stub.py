"""Kata 17: freezing layers. Run `katas check freezing` after each change."""


def frozen_stack_backward(x, weights, activations, trainable, dout, input_grad=True):
    """Forward then backward through a dense stack whose layers may be frozen.

    weights [(W_1, b_1), ..., (W_L, b_L)] with W_k (D_{k-1}, D_k), b_k (D_k,); activations a
    list of L names ("tanh", "sigmoid", "relu", "elu", None = linear); trainable a list of L bools.

    forward:   h_0 = x;  z_k = h_{k-1} @ W_k + b_k;  h_k = f_k(z_k)
    backward:  g_L = dout;  dz_k = g_k * f_k'(z_k);
               grads[k] = (h_{k-1}.T @ dz_k, dz_k.sum(axis=0)) if trainable[k] else None
               g_{k-1} = dz_k @ W_k.T        (frozen layers pass the gradient down too)

    Returns (dx, grads): dx = g_0 (N, D), grads a list of L entries ((dW_k, db_k) or None).
    With input_grad=False: stop as soon as the lowest trainable layer has its gradients and
    return (None, grads); if no layer is trainable, (None, [None] * L).
    Leave every argument unchanged. ``scratch.activations.get(name)`` gives f and f.grad.
    """
    raise NotImplementedError("write frozen_stack_backward")


def frozen_batchnorm_forward(
    x,
    gamma,
    beta,
    moving_mean,
    moving_variance,
    *,
    trainable,
    training,
    momentum=0.99,
    epsilon=1e-3,
):
    """Batch normalization that may be frozen (Keras 3 semantics).

    If training and trainable: mu, var = x.mean(axis=0), x.var(axis=0) (1/N), and
        new_mean = momentum * moving_mean + (1 - momentum) * mu   (the same for the variance);
    otherwise (inference, or frozen even when training=True): mu, var = the moving statistics,
        which stay unchanged.
    out = gamma * (x - mu) / np.sqrt(var + epsilon) + beta.

    x (N, D); the others (D,). Returns (out (N, D), new_mean (D,), new_variance (D,)) as NEW
    arrays: never modify moving_mean or moving_variance in place.
    """
    raise NotImplementedError("write frozen_batchnorm_forward")
