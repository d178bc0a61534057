"""Planted bugs in scratch, for proving that the property tests catch them.

Loaded as a pytest plugin (``-p tests.mutants``) with ``DNN_KATAS_SCRATCH_MUTANT=<name>``: it
replaces one scratch function before any test module is imported. ``test_mutants_caught.py``
runs the relevant test file once per mutant and requires it to fail.
"""

from __future__ import annotations

import os

import numpy as np


def fan_out_for_fan_in() -> None:
    from scratch import initializers

    original = initializers.compute_fans
    initializers.compute_fans = lambda shape: original(shape)[::-1]


def no_truncation_factor() -> None:
    from scratch import initializers

    initializers.TRUNCATED_NORMAL_STD = 1.0


def elu_grad_one_at_zero() -> None:
    from scratch import activations

    def elu_grad(z, alpha=1.0):
        return np.where(z >= 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))

    activations.elu_grad = elu_grad
    activations._TABLE["elu"] = (activations.elu, elu_grad)


def adam_without_bias_correction() -> None:
    from scratch import optimizers

    def adam_update(
        param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
    ):
        m += (grad - m) * (1 - beta_1)
        v += (grad * grad - v) * (1 - beta_2)
        param -= learning_rate * m / (np.sqrt(v) + epsilon)

    optimizers.adam_update = adam_update


def nesterov_without_lookahead() -> None:
    from scratch import optimizers

    original = optimizers.sgd_update

    def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
        original(param, grad, m, learning_rate, momentum, nesterov=False)

    optimizers.sgd_update = sgd_update


def adagrad_accumulator_from_zero() -> None:
    from scratch import optimizers

    optimizers.Adagrad._initial_slot = lambda self, name, param: np.zeros_like(param)


def softmax_grad_not_divided_by_n() -> None:
    from scratch import losses

    original = losses._sparse_softmax_cross_entropy

    def wrong(logits, labels):
        value, grad = original(logits, labels)
        return value, grad * logits.shape[0]

    losses._sparse_softmax_cross_entropy = wrong
    losses.UNCHECKED["sparse_softmax_cross_entropy"] = wrong


def l2_with_half_factor() -> None:
    from scratch import regularizers

    original_call, original_grad = regularizers.L1L2.__call__, regularizers.L1L2.grad

    def call(self, w):
        return original_call(self, w) - 0.5 * self.l2 * float(np.sum(np.asarray(w) ** 2))

    def grad(self, w):
        return original_grad(self, w) - self.l2 * np.asarray(w)

    regularizers.L1L2.__call__, regularizers.L1L2.grad = call, grad


def l1_grad_sign_zero_is_one() -> None:
    from scratch import regularizers

    original = regularizers.L1L2.grad

    def grad(self, w):
        w = np.asarray(w)
        return original(self, w) + np.where(w == 0, self.l1, 0).astype(w.dtype)

    regularizers.L1L2.grad = grad


def max_norm_wrong_axis() -> None:
    from scratch import constraints

    original = constraints.MaxNorm.__call__

    def call(self, w):
        axis, self.axis = self.axis, (1 if self.axis == 0 else 0)
        try:
            return original(self, w)
        finally:
            self.axis = axis

    constraints.MaxNorm.__call__ = call


def plateau_without_patience() -> None:
    from scratch import schedules

    original = schedules.ReduceLROnPlateau.update

    def update(self, value):
        if not self._is_improvement(float(value)) and self.cooldown_counter == 0:
            self.wait = max(self.wait, self.patience - 1)
        return original(self, value)

    schedules.ReduceLROnPlateau.update = update


def clipnorm_applied_globally() -> None:
    from scratch import optimizers

    # Optimizer's clipnorm looks clip_by_norm up in the module at call time.
    optimizers.clip_by_norm = optimizers.clip_by_global_norm


def bn_unbiased_variance() -> None:
    from scratch import layers

    original = layers._batchnorm_forward

    def forward(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training):
        if not training:
            return original(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, False)
        mu = x.mean(axis=0)
        var = x.var(axis=0, ddof=1) if x.shape[0] > 1 else x.var(axis=0)  # 1/(N-1): the bug
        moving_mean[...] = moving_mean * momentum + mu * (1 - momentum)
        moving_variance[...] = moving_variance * momentum + var * (1 - momentum)
        inv_std = 1 / np.sqrt(var + epsilon)
        xhat = (x - mu) * inv_std
        out = xhat if gamma is None else gamma * xhat
        if beta is not None:
            out = out + beta
        return out, (xhat, gamma, inv_std, training)

    layers._batchnorm_forward = forward


def bn_batch_statistics_at_inference() -> None:
    from scratch import layers

    original = layers._batchnorm_forward

    def forward(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, training):
        if training:
            return original(x, gamma, beta, moving_mean, moving_variance, momentum, epsilon, True)
        scratch_mean, scratch_var = moving_mean.copy(), moving_variance.copy()
        return original(x, gamma, beta, scratch_mean, scratch_var, momentum, epsilon, True)

    layers._batchnorm_forward = forward


def dropout_scaled_at_inference() -> None:
    from scratch import layers

    original = layers._dropout_forward

    def forward(x, rate, mask, training):
        if training:
            return original(x, rate, mask, training)
        return x * (1 - rate), (None, rate, False)

    layers._dropout_forward = forward


def dropout_rate_as_keep_probability() -> None:
    from scratch import layers

    original = layers._dropout_forward

    def forward(x, rate, mask, training):
        if not training:
            return original(x, rate, mask, training)
        keep = mask.astype(x.dtype, copy=False)
        return x * keep / rate, (keep, 1 - rate, True)

    layers._dropout_forward = forward


def penalty_gradient_not_added() -> None:
    from scratch import models

    models.Sequential.add_regularization_grads = lambda self: None


def penalty_on_frozen_layers() -> None:
    from scratch import models

    def regularization_loss(self):
        return float(
            sum(
                reg(layer.params[k])
                for layer in self.layers
                for k, reg in layer.regularizers.items()
            )
        )

    models.Sequential.regularization_loss = regularization_loss


def constraints_never_applied() -> None:
    from scratch import models

    models.Sequential.trainable_constraints = lambda self: None


MUTANTS = {
    f.__name__: f
    for f in (
        fan_out_for_fan_in,
        no_truncation_factor,
        elu_grad_one_at_zero,
        adam_without_bias_correction,
        nesterov_without_lookahead,
        adagrad_accumulator_from_zero,
        softmax_grad_not_divided_by_n,
        l2_with_half_factor,
        l1_grad_sign_zero_is_one,
        max_norm_wrong_axis,
        plateau_without_patience,
        clipnorm_applied_globally,
        bn_unbiased_variance,
        bn_batch_statistics_at_inference,
        dropout_scaled_at_inference,
        dropout_rate_as_keep_probability,
        penalty_gradient_not_added,
        penalty_on_frozen_layers,
        constraints_never_applied,
    )
}


def pytest_configure(config) -> None:
    name = os.environ.get("DNN_KATAS_SCRATCH_MUTANT")
    if name:
        MUTANTS[name]()
