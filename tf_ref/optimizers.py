"""Optimizers in TensorFlow: Keras 3's own optimizers behind scratch's interface.

``opt.apply(params, grads)`` updates NumPy arrays in place, as scratch does: the values go into
one Keras variable per position (created on the first call), the wrapped ``keras_optimizer``
applies the gradients, and the new values are copied back. The state (``iterations`` and the
slot variables, read from the Keras optimizer itself) comes out under scratch's names
("momentum/0", "velocity/1", ...), so the two backends can be compared slot by slot and a
checkpoint moves between them.

Keras keeps the learning rate in a float32 variable and rounds SGD's momentum (and Adam's betas
in the bias correction) through float32 even for float64 variables: see docs/FACTS.md, "Keras
rounds some hyperparameters through float32".

``learning_rate`` may be a ``tf_ref.schedules`` object (its Keras schedule is handed to Keras).
``clipvalue`` / ``clipnorm`` / ``global_clipnorm`` are Keras' own optimizer arguments; the
functions ``clip_by_value``, ``clip_by_norm`` and ``clip_by_global_norm`` run TensorFlow's ops of
those names. ``apply(..., constraints=...)`` sets each Keras variable's ``constraint``, which Keras
applies after the update.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import keras
import numpy as np
import tensorflow as tf
from keras.src.utils.tracking import no_automatic_dependency_tracking

from scratch.checks import (
    check_bool,
    check_choice,
    check_float_array,
    check_positive,
    check_range,
    deserialize_object,
    serialize_object,
)
from scratch.optimizers import (
    check_adam_args,
    check_clip_options,
    check_constraints,
    check_grads,
    check_optimizer_state,
    check_params_grads,
    check_rmsprop_args,
    check_step_args,
    check_update_args,
    optimizer_config,
    optimizer_from_config,
)
from tf_ref import schedules as schedules_mod

# ---------------------------------------------------------------------- gradient clipping


def clip_by_value(grads: Sequence[np.ndarray], clipvalue: float) -> list[np.ndarray]:
    """``tf.clip_by_value(g, -clipvalue, clipvalue)`` for every gradient (Keras ``clipvalue``)."""
    check_positive(clipvalue, "clipvalue")
    # np.asarray: .numpy() of a 0-d tensor is a scalar, not a 0-d array
    return [np.asarray(tf.clip_by_value(g, -clipvalue, clipvalue)) for g in check_grads(grads)]


def clip_by_norm(grads: Sequence[np.ndarray], clipnorm: float) -> list[np.ndarray]:
    """``tf.clip_by_norm(g, clipnorm)`` for every gradient on its own (Keras ``clipnorm``):
    g * clipnorm / max(||g||, clipnorm)."""
    check_positive(clipnorm, "clipnorm")
    return [np.asarray(tf.clip_by_norm(g, clipnorm)) for g in check_grads(grads)]


def clip_by_global_norm(grads: Sequence[np.ndarray], global_clipnorm: float) -> list[np.ndarray]:
    """``tf.clip_by_global_norm(grads, global_clipnorm)`` (Keras ``global_clipnorm``): all
    gradients scaled by global_clipnorm / max(N, global_clipnorm), N their joint L2 norm."""
    check_positive(global_clipnorm, "global_clipnorm")
    clipped, _ = tf.clip_by_global_norm(
        [tf.convert_to_tensor(g) for g in check_grads(grads)], global_clipnorm
    )
    return [np.asarray(c) for c in clipped]


# ---------------------------------------------------------------- Keras optimizer classes


class _Rebindable:
    """Mixin for a Keras optimizer that may move its state to another list of variables.

    A Keras optimizer is tied to the variables it was built with. Here the state belongs to the
    *positions* of a parameter list (as in scratch): the optimizer may be built on its own
    variables (``apply`` with NumPy arrays, or ``set_variables`` from a checkpoint) and later be
    handed a model's variables of the same shapes (``tf_ref.training`` calls ``build`` with them).
    Building again with same-shaped variables rebinds position i to the new variable i and keeps
    every slot; other shapes are refused.
    """

    @no_automatic_dependency_tracking  # as Keras' own build: the model's variables stay the model's
    def build(self, variables: Sequence[Any]) -> None:
        variables = list(variables)
        if not self.built:
            super().build(variables)
            return
        bound = self._trainable_variables
        new_shapes, old_shapes = _shapes(variables), _shapes(bound)
        new_dtypes, old_dtypes = _dtypes(variables), _dtypes(bound)
        if new_shapes != old_shapes:
            raise ValueError(
                f"params: this optimizer was built for shapes {old_shapes}, got {new_shapes} "
                "(use a new optimizer per model, and after freeze/unfreeze changed which "
                "layers train)"
            )
        if new_dtypes != old_dtypes:
            raise ValueError(
                f"params: this optimizer was built for dtypes {old_dtypes}, got {new_dtypes} "
                "(use a new optimizer per model, and after freeze/unfreeze changed which "
                "layers train)"
            )
        keys = [self._var_key(v) for v in variables]
        if keys == [self._var_key(v) for v in bound]:
            return
        self._trainable_variables = variables[:]
        self._trainable_variables_indices = {key: i for i, key in enumerate(keys)}


def _shapes(arrays: Sequence[Any]) -> list[tuple[int, ...]]:
    return [tuple(np.shape(a)) for a in arrays]


def _dtypes(arrays: Sequence[Any]) -> list[str]:
    return [np.dtype(a.dtype).name for a in arrays]


class _KerasSGD(_Rebindable, keras.optimizers.SGD):
    pass


class _KerasAdagrad(_Rebindable, keras.optimizers.Adagrad):
    pass


class _KerasRMSprop(_Rebindable, keras.optimizers.RMSprop):
    pass


class _KerasAdam(_Rebindable, keras.optimizers.Adam):
    pass


# --------------------------------------------------------------------------- Optimizer


class Optimizer(ABC):
    """Base class: the wrapped ``keras_optimizer``, NumPy ``apply``, state under scratch's names.

    Subclasses say which Keras attribute holds each slot (``_slot_attributes``).
    """

    slot_names: tuple[str, ...] = ()
    _slot_attributes: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        learning_rate: float | schedules_mod.Schedule,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        if isinstance(learning_rate, schedules_mod.Schedule):
            self.learning_rate: float | schedules_mod.Schedule = learning_rate
        elif callable(learning_rate):
            raise TypeError(
                "learning_rate: expected a number; schedules (callables) other than "
                f"tf_ref.schedules objects are not supported by tf_ref optimizers, got "
                f"{learning_rate!r}"
            )
        else:
            check_positive(learning_rate, "learning_rate")
            self.learning_rate = float(learning_rate)
        self._clipping = check_clip_options(clipvalue, clipnorm, global_clipnorm)
        self.clipvalue, self.clipnorm, self.global_clipnorm = clipvalue, clipnorm, global_clipnorm
        self._params: list[keras.Variable] | None = None  # apply()'s own variables, per position

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments: learning_rate (a number, or a serialized schedule), the
        rule's hyperparameters, clipvalue/clipnorm/global_clipnorm. Not the slots or the step
        count (the training state, which checkpoints carry)."""
        return optimizer_config(self, schedules_mod)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """A new optimizer (no slots yet) from ``get_config()``'s dict (``check_config``)."""
        return optimizer_from_config(cls, config, schedules_mod)

    def _keras_kwargs(self) -> dict[str, Any]:
        """The learning rate (a float or a Keras schedule) and the clipping option for Keras."""
        lr = self.learning_rate
        kwargs: dict[str, Any] = {
            "learning_rate": lr.keras_schedule if isinstance(lr, schedules_mod.Schedule) else lr
        }
        if self._clipping is not None:
            name, value = self._clipping
            kwargs[name] = value
        return kwargs

    @abstractmethod
    def _make_keras_optimizer(self) -> keras.optimizers.Optimizer:
        """Defined by every subclass."""

    @property
    def iterations(self) -> int:
        """Steps taken so far (Keras' ``iterations`` counter)."""
        return int(self.keras_optimizer.iterations.numpy())

    def current_learning_rate(self) -> float:
        """The learning rate Keras uses for the next step (stored as float32 by Keras)."""
        return float(np.asarray(self.keras_optimizer.learning_rate))

    @property
    def _built_shapes(self) -> list[tuple[int, ...]] | None:
        opt = self.keras_optimizer
        return _shapes(opt._trainable_variables) if opt.built else None

    def _own_variables(self, params: Sequence[np.ndarray]) -> list[keras.Variable]:
        """The Keras variables that stand for ``params`` (created once, reused every step)."""
        arrays = [np.asarray(p) for p in params]
        variables = self._params
        if variables is None or (_shapes(variables), _dtypes(variables)) != (
            _shapes(arrays),
            _dtypes(arrays),
        ):
            variables = [
                keras.Variable(a, dtype=a.dtype.name, name=f"param_{i}")
                for i, a in enumerate(arrays)
            ]
        # Builds the Keras optimizer once; later calls rebind it, refusing other shapes/dtypes.
        self.keras_optimizer.build(variables)
        self._params = variables
        return variables

    def apply(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        constraints: Sequence[Any] | None = None,
    ) -> None:
        """One step: update every ``params[i]`` in place from ``grads[i]`` (Keras' maths: clip,
        update, then ``constraints[i]``, a ``tf_ref.constraints`` object or a callable on
        tensors, set as the Keras variable's ``constraint``)."""
        params, grads = check_params_grads(params, grads)
        constraints = check_constraints(constraints, len(params))
        variables = self._own_variables(params)
        for v, p, c in zip(variables, params, constraints, strict=True):
            v.assign(p)
            v.constraint = getattr(c, "keras_constraint", c)
        grad_tensors = [
            tf.convert_to_tensor(g.astype(np.dtype(v.dtype), copy=False))
            for g, v in zip(grads, variables, strict=True)
        ]
        self.keras_optimizer.apply_gradients(zip(grad_tensors, variables, strict=True))
        for p, v in zip(params, variables, strict=True):
            p[...] = v.numpy()

    def _slots(self) -> dict[str, list[keras.Variable]]:
        """{slot name: Keras slot variables by position}, read from the Keras optimizer."""
        opt = self.keras_optimizer
        if not opt.built:
            return {}
        out = {}
        for name in self.slot_names:
            attribute = self._slot_attributes[name]
            slots = getattr(opt, attribute, None)
            if slots is None or len(slots) != len(opt._trainable_variables):
                raise RuntimeError(
                    f"{type(opt).__name__}: expected slot variables in .{attribute} (Keras 3.15 "
                    "layout); this Keras version stores them differently"
                )
            out[name] = list(slots)
        return out

    def variables(self) -> dict[str, np.ndarray]:
        """The whole state as NumPy copies, scratch's keys: {"iterations": .., "<slot>/<i>": ..}."""
        out = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for name, slots in self._slots().items():
            for i, v in enumerate(slots):
                out[f"{name}/{i}"] = np.array(v.numpy())
        return out

    def check_variables(
        self, variables: dict[str, np.ndarray], params: Sequence[np.ndarray]
    ) -> tuple[int, dict[str, np.ndarray]]:
        """Check a state saved by ``variables()`` for these ``params`` without restoring it
        (``check_optimizer_state``, shared with scratch); returns (iterations, slot arrays)."""
        return check_optimizer_state(variables, self.slot_names, params, type(self).__name__)

    def set_variables(self, variables: dict[str, np.ndarray], params: Sequence[np.ndarray]) -> None:
        """Restore a state saved by ``variables()`` (either backend's) for these ``params``.

        Everything is checked first (``check_variables``): a refused state changes nothing.
        Like scratch, this (re)builds the optimizer for ``params``' shapes: the same shapes keep
        the Keras slot variables (and whatever they are bound to) and overwrite their values,
        other shapes start a fresh Keras optimizer.
        """
        iterations, checked = self.check_variables(variables, params)
        if self._built_shapes is not None and _shapes(params) != self._built_shapes:
            self.keras_optimizer = self._make_keras_optimizer()
            self._params = None
        if not self.keras_optimizer.built:
            self._own_variables(params)
        for name, slot_vars in self._slots().items():
            for i, v in enumerate(slot_vars):
                v.assign(checked[f"{name}/{i}"].astype(np.dtype(v.dtype), copy=False))
        self.keras_optimizer.iterations.assign(iterations)


class SGD(Optimizer):
    """``keras.optimizers.SGD``: gradient descent with optional momentum and Nesterov.

    Keras form: m = momentum * m - lr * g; nesterov: w += momentum * m - lr * g; else w += m.
    The Nesterov variable is the look-ahead point (see ``nesterov_sutskever_step``).
    """

    _slot_attributes: ClassVar[dict[str, str]] = {"momentum": "momentums"}

    def __init__(
        self,
        learning_rate: float | schedules_mod.Schedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        *,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, clipvalue, clipnorm, global_clipnorm)
        self.momentum = check_range(momentum, "momentum", 0, 1)
        self.nesterov = check_bool(nesterov, "nesterov")
        self.slot_names = ("momentum",) if self.momentum != 0 else ()
        self.keras_optimizer = self._make_keras_optimizer()

    def _make_keras_optimizer(self) -> keras.optimizers.Optimizer:
        return _KerasSGD(**self._keras_kwargs(), momentum=self.momentum, nesterov=self.nesterov)


class Adagrad(Optimizer):
    """``keras.optimizers.Adagrad``: acc += g^2; w -= lr g / sqrt(acc + eps); acc starts at 0.1."""

    slot_names = ("accumulator",)
    _slot_attributes: ClassVar[dict[str, str]] = {"accumulator": "_accumulators"}

    def __init__(
        self,
        learning_rate: float | schedules_mod.Schedule = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        *,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, clipvalue, clipnorm, global_clipnorm)
        check_positive(initial_accumulator_value, "initial_accumulator_value", zero=True)
        check_positive(epsilon, "epsilon", zero=True)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)
        self.keras_optimizer = self._make_keras_optimizer()

    def _make_keras_optimizer(self) -> keras.optimizers.Optimizer:
        return _KerasAdagrad(
            **self._keras_kwargs(),
            initial_accumulator_value=self.initial_accumulator_value,
            epsilon=self.epsilon,
        )


class RMSprop(Optimizer):
    """``keras.optimizers.RMSprop``: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps).

    ``centered`` subtracts the squared running mean of g inside the root; ``momentum`` > 0 keeps
    a momentum of the steps.
    """

    _slot_attributes: ClassVar[dict[str, str]] = {
        "velocity": "_velocities",
        "momentum": "_momentums",
        "average_gradient": "_average_gradients",
    }

    def __init__(
        self,
        learning_rate: float | schedules_mod.Schedule = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        *,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, clipvalue, clipnorm, global_clipnorm)
        self.rho, self.momentum, self.epsilon = check_rmsprop_args(rho, momentum, epsilon)
        self.centered = check_bool(centered, "centered")
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        self.slot_names = tuple(names)
        self.keras_optimizer = self._make_keras_optimizer()

    def _make_keras_optimizer(self) -> keras.optimizers.Optimizer:
        return _KerasRMSprop(
            **self._keras_kwargs(),
            rho=self.rho,
            momentum=self.momentum,
            epsilon=self.epsilon,
            centered=self.centered,
        )


class Adam(Optimizer):
    """``keras.optimizers.Adam`` with t = iterations + 1:

    alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t); m += (g - m)(1 - beta_1);
    v += (g^2 - v)(1 - beta_2); w -= alpha m / (sqrt(v) + eps). ``amsgrad`` divides by max(v).
    """

    _slot_attributes: ClassVar[dict[str, str]] = {
        "momentum": "_momentums",
        "velocity": "_velocities",
        "velocity_hat": "_velocity_hats",
    }

    def __init__(
        self,
        learning_rate: float | schedules_mod.Schedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        *,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, clipvalue, clipnorm, global_clipnorm)
        self.beta_1, self.beta_2, self.epsilon = check_adam_args(beta_1, beta_2, epsilon)
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self.slot_names = ("momentum", "velocity", "velocity_hat")[: 3 if amsgrad else 2]
        self.keras_optimizer = self._make_keras_optimizer()

    def _make_keras_optimizer(self) -> keras.optimizers.Optimizer:
        return _KerasAdam(
            **self._keras_kwargs(),
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            amsgrad=self.amsgrad,
        )


# ------------------------------------------------------------ Nesterov, two more forms


def _keras_step(
    optimizer: Optimizer,
    param: np.ndarray,
    grad: np.ndarray,
    slots: dict[str, np.ndarray | None],
    iterations: int = 0,
) -> None:
    """Run one Keras update on a single parameter whose state is given as NumPy arrays, then
    copy the new parameter and slot values back into those arrays (in place, like scratch)."""
    state: dict[str, np.ndarray] = {"iterations": np.array(iterations)}
    state.update({f"{k}/0": v for k, v in slots.items() if v is not None})
    optimizer.set_variables(state, [param])
    optimizer.apply([param], [grad])
    after = optimizer.variables()
    for k, v in slots.items():
        if v is not None:
            v[...] = after[f"{k}/0"]


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray | None,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> None:
    """One ``keras.optimizers.SGD`` step in place (``m``: its momentum slot, None if unused)."""
    momentum = check_range(momentum, "momentum", 0, 1)
    check_bool(nesterov, "nesterov")
    check_update_args(param, grad, {"m": m} if momentum != 0 else {}, learning_rate)
    slots = {"momentum": m} if momentum != 0 else {}
    _keras_step(SGD(learning_rate, momentum, nesterov), param, grad, slots)


def adagrad_update(
    param: np.ndarray, grad: np.ndarray, acc: np.ndarray, learning_rate: float, epsilon: float
) -> None:
    """One ``keras.optimizers.Adagrad`` step in place (``acc``: its accumulator slot)."""
    check_update_args(param, grad, {"acc": acc}, learning_rate)
    check_positive(epsilon, "epsilon", zero=True)
    _keras_step(Adagrad(learning_rate, epsilon=epsilon), param, grad, {"accumulator": acc})


def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    learning_rate: float,
    rho: float,
    epsilon: float,
    *,
    momentum: float = 0.0,
    mom: np.ndarray | None = None,
    average_grad: np.ndarray | None = None,
) -> None:
    """One ``keras.optimizers.RMSprop`` step in place (centered when ``average_grad`` given)."""
    check_rmsprop_args(rho, momentum, epsilon)
    checked = {"v": v, "mom": mom} if momentum > 0 else {"v": v}
    if average_grad is not None:
        checked["average_grad"] = average_grad
    check_update_args(param, grad, checked, learning_rate)
    opt = RMSprop(learning_rate, rho, momentum, epsilon, centered=average_grad is not None)
    slots = {
        "velocity": v,
        "momentum": mom if momentum > 0 else None,
        "average_gradient": average_grad,
    }
    _keras_step(opt, param, grad, slots)


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    learning_rate: float,
    t: int,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    v_hat: np.ndarray | None = None,
) -> None:
    """One ``keras.optimizers.Adam`` step in place, as its step number ``t`` (from 1)."""
    check_adam_args(beta_1, beta_2, epsilon)
    check_positive(t, "t", integer=True)
    checked = {"m": m, "v": v} if v_hat is None else {"m": m, "v": v, "v_hat": v_hat}
    check_update_args(param, grad, checked, learning_rate)
    opt = Adam(learning_rate, beta_1, beta_2, epsilon, amsgrad=v_hat is not None)
    slots = {"momentum": m, "velocity": v, "velocity_hat": v_hat}
    _keras_step(opt, param, grad, slots, iterations=t - 1)


def nesterov_sutskever_step(
    theta: np.ndarray,
    velocity: np.ndarray,
    grad_fn: Callable[[np.ndarray], Any],
    learning_rate: float,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov as the book writes it (Eq. 11-5; Sutskever et al. 2013), with TF ops:

        v = momentum * v - lr * grad(theta + momentum * v);   theta = theta + v
    ``grad_fn`` gets the look-ahead point as a NumPy array and returns the gradient there.
    Returns new (theta, v) as NumPy arrays.
    """
    theta, velocity = check_step_args({"theta": theta, "velocity": velocity}, learning_rate)
    momentum = check_range(momentum, "momentum", 0, 1)
    if not callable(grad_fn):
        raise TypeError(f"grad_fn: expected a function theta -> gradient, got {grad_fn!r}")
    theta_t, v = tf.convert_to_tensor(theta), tf.convert_to_tensor(velocity)
    look_ahead = tf.math.add(theta_t, tf.math.multiply(v, momentum))
    g = check_float_array(grad_fn(look_ahead.numpy()), "grad_fn(theta)", finite=False)
    if g.shape != theta.shape:
        raise ValueError(f"grad_fn(theta): expected shape {theta.shape} (as theta), got {g.shape}")
    g = tf.convert_to_tensor(g, dtype=v.dtype)
    v = tf.math.subtract(tf.math.multiply(v, momentum), tf.math.multiply(g, learning_rate))
    return tf.math.add(theta_t, v).numpy(), v.numpy()


def nesterov_tf1_step(
    w: np.ndarray, accumulation: np.ndarray, grad: np.ndarray, learning_rate: float, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """TF1's ``MomentumOptimizer(use_nesterov=True)``, run by TF's own ``ApplyMomentum`` kernel:

        a = momentum * a + g;   w = w - lr * g - lr * momentum * a     (g taken at w)
    Returns new (w, a) as NumPy arrays.
    """
    w, accumulation, grad = check_step_args(
        {"w": w, "accumulation": accumulation, "grad": grad}, learning_rate
    )
    momentum = check_range(momentum, "momentum", 0, 1)
    w_var = tf.Variable(np.asarray(w))
    a_var = tf.Variable(np.asarray(accumulation, dtype=w_var.dtype.as_numpy_dtype))
    dtype = w_var.dtype
    tf.raw_ops.ResourceApplyMomentum(
        var=w_var.handle,
        accum=a_var.handle,
        lr=tf.constant(learning_rate, dtype),
        grad=tf.convert_to_tensor(grad, dtype),
        momentum=tf.constant(momentum, dtype),
        use_locking=False,
        use_nesterov=True,
    )
    return w_var.numpy(), a_var.numpy()


_FACTORIES: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "momentum": lambda **kw: SGD(**{"momentum": 0.9, **kw}),
    "nesterov": lambda **kw: SGD(**{"momentum": 0.9, "nesterov": True, **kw}),
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def get(name: str | Optimizer, **kwargs: Any) -> Optimizer:
    """An optimizer by name: sgd, momentum (0.9), nesterov (0.9), adagrad, rmsprop, adam."""
    if isinstance(name, Optimizer):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"optimizer: expected a name such as 'adam' or a tf_ref Optimizer, "
            f"got {type(name).__name__}"
        )
    return _FACTORIES[check_choice(name.lower(), "optimizer", _FACTORIES)](**kwargs)


NAMES = tuple(_FACTORIES)
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam)}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """{"class_name": "Adam", "config": optimizer.get_config()} (as Keras' serialize)."""
    return serialize_object(optimizer, "optimizer", CLASSES)


def deserialize(spec: Any) -> Optimizer:
    """A new optimizer from ``serialize``'s dict (an unknown class_name is refused)."""
    return deserialize_object(spec, "optimizer", CLASSES)
