"""Planted bugs in scratch, for proving that the property tests catch them.

Loaded as a pytest plugin (``-p tests.mutants``) with ``DNN_KATAS_SCRATCH_MUTANT=<name>``: it
replaces one scratch function before any test module is imported. ``test_mutants_caught.py``
runs the relevant test file once per mutant and requires it to fail.

A bug inside a long function (``fit``, ``save_checkpoint``, ...) is planted with ``_rewrite``:
the function's own source with a few exact edits, swapped in as its code object, so that every
module holding the function (``tf_ref.training`` imports scratch's plumbing by name) runs the
planted bug. An edit that no longer matches the source fails loudly instead of planting nothing.
"""

from __future__ import annotations

import inspect
import os
import textwrap
from typing import Any

import numpy as np


def _rewrite(owner: Any, name: str, *edits: tuple[str, str]) -> None:
    """Give ``owner.name`` (a module's function or a class's method) the code of its own source
    with each ``(old, new)`` edit made; ``old`` must occur exactly once (in the dedented source,
    so a method's body is indented by 4)."""
    function = inspect.unwrap(vars(owner)[name])
    source = textwrap.dedent(inspect.getsource(function))
    for old, new in edits:
        if source.count(old) != 1:
            raise RuntimeError(
                f"mutant: {old!r} occurs {source.count(old)} times in {name}; update the mutant"
            )
        source = source.replace(old, new)
    # compile() inherits this module's `from __future__ import annotations`, as the source had
    code = compile(source, inspect.getsourcefile(function), "exec")
    namespace: dict[str, Any] = {}
    exec(code, function.__globals__, namespace)
    function.__code__ = inspect.unwrap(namespace[name]).__code__  # decorators run again


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

    # the unchecked maths, which adam_update and Adam.update_step both run
    def _adam_update(param, grad, m, v, learning_rate, t, beta_1, beta_2, epsilon, v_hat):
        m += (grad - m) * (1 - beta_1)
        v += (grad * grad - v) * (1 - beta_2)
        param -= learning_rate * m / (np.sqrt(v) + epsilon)

    optimizers._adam_update = _adam_update


def nesterov_without_lookahead() -> None:
    from scratch import optimizers

    original = optimizers._sgd_update  # sgd_update's maths, also SGD.update_step's

    def _sgd_update(param, grad, m, learning_rate, momentum, nesterov):
        original(param, grad, m, learning_rate, momentum, False)

    optimizers._sgd_update = _sgd_update


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


# --------------------------------------------------- fit's checkpoint (tests/test_training.py)


# The end of an epoch is scratch.training.EpochEnd, which both fits run: these plant the bug in
# both backends at once.


def checkpoint_of_the_last_epoch() -> None:
    from scratch import training

    _rewrite(
        training.EpochEnd,
        "end",
        ("        if self.checkpoint_path is not None:\n", "        if False:\n"),
        (
            "    if self.early_stopping is not None and self.early_stopping.update(\n",
            "    if self.checkpoint_path is not None:\n"
            "        save_checkpoint(self.checkpoint_path, self.model, self.optimizer, "
            '{"epoch": epoch, **record})\n'
            "    if self.early_stopping is not None and self.early_stopping.update(\n",
        ),
    )


def checkpoint_epoch_counted_from_one() -> None:
    from scratch import training

    _rewrite(
        training.EpochEnd,
        "end",
        ('{"epoch": epoch, **record}', '{"epoch": epoch + 1, **record}'),
    )


def checkpoint_before_the_epochs_updates() -> None:
    from scratch import training

    def save_weights_of_the_epochs_start(before, path, model, optimizer, meta):
        after = model.get_weights()
        model.set_weights(before)
        training.save_checkpoint(path, model, optimizer, meta)
        model.set_weights(after)

    training._planted_save = save_weights_of_the_epochs_start
    _rewrite(
        training.EpochEnd,
        "begin",
        (
            "    self.start = time.perf_counter()\n",
            "    self.start = time.perf_counter()\n    self.before = self.model.get_weights()\n",
        ),
    )
    _rewrite(training.EpochEnd, "end", ("save_checkpoint(", "_planted_save(self.before, "))


def checkpoint_without_optimizer_state() -> None:
    from scratch import training

    _rewrite(
        training.EpochEnd,
        "end",
        ("self.model, self.optimizer, {", "self.model, None, {"),
    )


def best_epoch_ignores_min_delta() -> None:
    from scratch import training

    _rewrite(
        training,
        "is_new_best",
        ("0.0 if early_stopping is None else early_stopping.min_delta", "0.0"),
    )


# --------------------------------------------------------- data dtype (prepare_fit's casts)


def fit_data_not_cast() -> None:
    from scratch import training

    _rewrite(
        training,
        "prepare_fit",
        ('x, "x", ndim=2, width=width, dtype=model.dtype)', 'x, "x", ndim=2, width=width)'),
    )


def validation_data_not_cast() -> None:
    from scratch import training

    _rewrite(
        training,
        "prepare_fit",
        ("width=x.shape[1], dtype=model.dtype", "width=x.shape[1]"),
    )


def fit_data_cast_to_float32() -> None:
    from scratch import training

    _rewrite(
        training,
        "prepare_fit",
        ("width=width, dtype=model.dtype)", "width=width, dtype=np.dtype(np.float32))"),
    )


# --------------------------------------------------- optimizer state (tests/test_optimizers.py)


def slots_in_float64() -> None:
    from scratch import optimizers

    optimizers.Optimizer._initial_slot = lambda self, name, param: np.zeros(param.shape)


def adagrad_accumulator_in_float64() -> None:
    from scratch import optimizers

    optimizers.Adagrad._initial_slot = lambda self, name, param: np.full(
        param.shape, self.initial_accumulator_value
    )


def set_variables_adopts_the_given_arrays() -> None:
    from scratch import optimizers

    # the state is checked (and copied into the param's dtype) by check_optimizer_state first
    _rewrite(
        optimizers,
        "check_optimizer_state",
        ("slots[key] = check_weight(", "slots[key] = variables[key]; check_weight("),
    )
    _rewrite(optimizers.Optimizer, "set_variables", ("a[...] = src", "arrays[i] = src"))


def momentum_slot_promoted_by_a_numpy_hyperparameter() -> None:
    from scratch import optimizers

    def update_step(self, i, param, grad, lr):
        if self.momentum == 0:
            optimizers.sgd_update(param, grad, None, lr)
            return
        # Keras' maths, but the new slot is a fresh float64 array (np.float64 * float32 array)
        m = np.float64(self.momentum) * self.slots["momentum"][i] - lr * grad
        self.slots["momentum"][i] = m
        param += self.momentum * m - lr * grad if self.nesterov else m

    optimizers.SGD.update_step = update_step


# ------------------------------------------------------ restore_best_weights (test_training)


def early_stopping_keeps_weights_without_restore() -> None:
    from scratch import training

    _rewrite(training.EarlyStopping, "update", ("if self.restore_best_weights:", "if True:"))


def get_weights_returns_the_live_arrays() -> None:
    from scratch import layers

    layers.Layer.get_weights = lambda self: list(self.weights.values())


# ------------------------------------------------------ shared plumbing (tests/test_plumbing.py)


def minibatches_drop_the_last_partial_batch() -> None:
    from scratch import training

    _rewrite(
        training,
        "minibatches",
        ("range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)"),
    )


def minibatches_shuffle_anyway() -> None:
    from scratch import training

    _rewrite(training, "minibatches", ("    if shuffle:\n", "    if True:\n"))


def minibatches_ignore_the_rng() -> None:
    from scratch import training

    _rewrite(
        training,
        "minibatches",
        ("rng = check_rng(rng)", "rng = np.random.default_rng()"),
    )


def minibatches_draw_with_replacement() -> None:
    from scratch import training

    _rewrite(training, "minibatches", (".permutation(n)", ".integers(0, n, n)"))


def early_stopping_patience_off_by_one() -> None:
    from scratch import training

    _rewrite(
        training.EarlyStopping,
        "update",
        ("self.wait > self.patience", "self.wait >= self.patience"),
    )


def early_stopping_ignores_min_delta() -> None:
    from scratch import training

    _rewrite(
        training.EarlyStopping,
        "update",
        ("value < self.best - self.min_delta", "value < self.best"),
    )


def early_stopping_tie_is_a_record() -> None:
    from scratch import training

    _rewrite(
        training.EarlyStopping,
        "update",
        ("value < self.best - self.min_delta", "value <= self.best - self.min_delta"),
    )


def early_stopping_wait_not_reset() -> None:
    from scratch import training

    _rewrite(
        training.EarlyStopping,
        "update",
        (
            "self.best, self.best_epoch, self.wait = float(value), epoch, 0",
            "self.best, self.best_epoch = float(value), epoch",
        ),
    )


def early_stopping_reset_keeps_the_best() -> None:
    from scratch import training

    _rewrite(
        training.EarlyStopping,
        "reset",
        (
            "self.best, self.best_epoch, self.best_weights, self.wait = np.inf, -1, None, 0",
            "self.wait = 0",
        ),
    )


def history_epochs_counts_keys() -> None:
    from scratch import training

    training.History.epochs = property(lambda self: len(self.history))


def history_keeps_numpy_scalars() -> None:
    from scratch import training

    _rewrite(training.History, "append", (".append(float(value))", ".append(value)"))


def progress_bar_draws_off_a_terminal() -> None:
    from scratch import training

    _rewrite(training.ProgressBar, "update", ("if not self.tty or (", "if ("))


def learning_rate_printed_to_four_decimals() -> None:
    from scratch import training

    _rewrite(training, "_number", ('if key == "learning_rate"', "if False"))


def prepare_fit_ignores_the_rng() -> None:
    from scratch import training

    _rewrite(
        training,
        "prepare_fit",
        ("rng = check_rng(rng)", "rng = np.random.default_rng()"),
    )


def performance_schedule_never_found() -> None:
    from scratch import training

    _rewrite(training, "performance_schedule", ("if not callable(", "if True or not callable("))


def checkpoint_written_in_place() -> None:
    from scratch import training

    _rewrite(training, "save_checkpoint", ('path.with_name(path.name + ".tmp")', "path"))


def checkpoint_weights_in_float32() -> None:
    from scratch import training

    _rewrite(
        training,
        "save_checkpoint",
        ('f"weights/{k}": np.asarray(v)', 'f"weights/{k}": np.asarray(v, dtype=np.float32)'),
    )


def checkpoint_drops_the_callers_meta() -> None:
    from scratch import training

    _rewrite(training, "save_checkpoint", ("json.dumps({**info, **meta}", "json.dumps(info"))


def checkpoint_optimizer_state_not_loaded() -> None:
    from scratch import training

    _rewrite(
        training,
        "load_checkpoint",
        ("        optimizer.set_variables(state, model.trainable_params())\n", "        pass\n"),
    )


def checkpoint_takes_another_optimizers_state() -> None:
    from scratch import training

    _rewrite(
        training,
        "_check_optimizer_state",
        ('if meta.get("optimizer", kind) != kind:', "if False:"),
    )


def layer_names_one_counter_for_all_kinds() -> None:
    from scratch import models

    _rewrite(
        models,
        "name_layers",
        ("n = counts.get(layer.kind, 0)", 'n = counts.get("", 0)'),
        ("counts[layer.kind] = n + 1", 'counts[""] = n + 1'),
    )


def duplicate_layer_names_allowed() -> None:
    from scratch import models

    _rewrite(models, "name_layers", ("if len(set(names)) != len(names):", "if False:"))


def summary_counts_params_only() -> None:
    from scratch import models

    _rewrite(
        models,
        "summary_table",
        (
            "n = sum(p.size for p in layer.weights.values())",
            "n = sum(p.size for p in layer.params.values())",
        ),
    )


def dropout_after_the_logits() -> None:
    from scratch import networks

    _rewrite(
        networks,
        "assemble_layers",
        (
            "    return out\n",
            '    if drop and config.dropout_placement == "hidden":\n'
            '        out.append(layers.Dropout(config.dropout_rate, name="logits_dropout"))\n'
            "    return out\n",
        ),
    )


def book_dropout_skips_the_pixels() -> None:
    from scratch import networks

    _rewrite(
        networks,
        "assemble_layers",
        ('config.dropout_placement == "book":', 'config.dropout_placement == "book" and i > 1:'),
    )


def batch_norm_after_the_activation() -> None:
    from scratch import networks

    _rewrite(
        networks,
        "assemble_layers",
        (
            '            out.append(layers.Activation(act, name=f"hidden{i}_out"))\n',
            '            out.insert(-1, layers.Activation(act, name=f"hidden{i}_out"))\n',
        ),
    )


def dense_keeps_its_bias_before_batch_norm() -> None:
    from scratch import networks

    _rewrite(networks, "assemble_layers", ("use_bias=False,", "use_bias=True,"))


def max_norm_on_the_logits() -> None:
    from scratch import networks

    _rewrite(
        networks, "assemble_layers", ("kernel_extras(hidden=False)", "kernel_extras(hidden=True)")
    )


def labels_upper_bound_inclusive() -> None:
    from scratch import checks

    _rewrite(checks, "check_labels", ("hi >= n_classes", "hi > n_classes"))


def check_positive_allows_zero() -> None:
    from scratch import checks

    _rewrite(checks, "check_positive", (" or (number == 0 and not zero)", ""))


def check_positive_accepts_bools() -> None:
    from scratch import checks

    # check_positive's type check is check_number's (and is_real_number's, for floats)
    _rewrite(checks, "is_real_number", (" and not isinstance(value, (bool, np.bool_))", ""))
    _rewrite(
        checks,
        "check_number",
        ("isinstance(value, (bool, np.bool_)) or not isinstance(", "not isinstance("),
    )


def float_arrays_skip_the_finite_check() -> None:
    from scratch import checks

    _rewrite(checks, "check_float_array", ("if finite and not np.isfinite(x).all():", "if False:"))


def float_arrays_let_integers_through() -> None:
    from scratch import checks

    _rewrite(
        checks, "check_float_array", ('if x.dtype.kind != "f":', 'if x.dtype.kind not in "fiu":')
    )


def as_dtype_accepts_float16() -> None:
    from scratch import checks

    checks.FLOAT_DTYPES = (*checks.FLOAT_DTYPES, np.dtype("float16"))


def rebuild_redraws_the_weights() -> None:
    # the bug of issue 9: a layer placed in a second model is built again, drawing new weights
    from scratch import layers

    _rewrite(
        layers.Layer,
        "build",
        (
            "    if self.built:\n"
            "        check_rebuild(self, int(input_dim), dtype)\n"
            "        return self.output_dim\n",
            "",
        ),
    )


def clone_model_shares_the_arrays() -> None:
    from scratch import models

    _rewrite(
        models,
        "clone_model",
        (
            "        clone.set_weights(model.get_weights())",
            "        for new, old in zip(clone.layers, model.layers, strict=True):\n"
            "            new.params, new.state = old.params, old.state",
        ),
    )


def model_file_checksum_not_checked() -> None:
    from scratch import models

    _rewrite(
        models,
        "read_model_file",
        ("    if stored != _digest(", "    if False and stored != _digest("),
    )


def frozen_prefix_keeps_a_random_layer() -> None:
    from scratch import training

    _rewrite(
        training,
        "frozen_prefix",
        ("reason = _training_mode_differs(layer)", "reason = None"),
    )


def frozen_prefix_stops_at_parameter_free_layers() -> None:
    from scratch import training

    _rewrite(
        training,
        "frozen_prefix",
        ("(not layers[k].trainable or not layers[k].params)", "(not layers[k].trainable)"),
    )


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
        checkpoint_of_the_last_epoch,
        checkpoint_epoch_counted_from_one,
        checkpoint_before_the_epochs_updates,
        checkpoint_without_optimizer_state,
        best_epoch_ignores_min_delta,
        fit_data_not_cast,
        validation_data_not_cast,
        fit_data_cast_to_float32,
        slots_in_float64,
        adagrad_accumulator_in_float64,
        set_variables_adopts_the_given_arrays,
        momentum_slot_promoted_by_a_numpy_hyperparameter,
        early_stopping_keeps_weights_without_restore,
        get_weights_returns_the_live_arrays,
        minibatches_drop_the_last_partial_batch,
        minibatches_shuffle_anyway,
        minibatches_ignore_the_rng,
        minibatches_draw_with_replacement,
        early_stopping_patience_off_by_one,
        early_stopping_ignores_min_delta,
        early_stopping_tie_is_a_record,
        early_stopping_wait_not_reset,
        early_stopping_reset_keeps_the_best,
        history_epochs_counts_keys,
        history_keeps_numpy_scalars,
        progress_bar_draws_off_a_terminal,
        learning_rate_printed_to_four_decimals,
        prepare_fit_ignores_the_rng,
        performance_schedule_never_found,
        checkpoint_written_in_place,
        checkpoint_weights_in_float32,
        checkpoint_drops_the_callers_meta,
        checkpoint_optimizer_state_not_loaded,
        checkpoint_takes_another_optimizers_state,
        layer_names_one_counter_for_all_kinds,
        duplicate_layer_names_allowed,
        summary_counts_params_only,
        dropout_after_the_logits,
        book_dropout_skips_the_pixels,
        batch_norm_after_the_activation,
        dense_keeps_its_bias_before_batch_norm,
        max_norm_on_the_logits,
        labels_upper_bound_inclusive,
        check_positive_allows_zero,
        check_positive_accepts_bools,
        float_arrays_skip_the_finite_check,
        float_arrays_let_integers_through,
        as_dtype_accepts_float16,
        rebuild_redraws_the_weights,
        clone_model_shares_the_arrays,
        model_file_checksum_not_checked,
        frozen_prefix_keeps_a_random_layer,
        frozen_prefix_stops_at_parameter_free_layers,
    )
}


def pytest_configure(config) -> None:
    name = os.environ.get("DNN_KATAS_SCRATCH_MUTANT")
    if name:
        MUTANTS[name]()
