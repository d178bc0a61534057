"""Optimizers with Keras 3 semantics and defaults (book section "Faster Optimizers").

An optimizer updates a list of parameter arrays *in place* from a parallel list of gradients:
``opt.apply(params, grads)``. Its state (``iterations`` and per-parameter slots such as Adam's
``momentum`` and ``velocity``) uses Keras' names, so the two backends can be compared slot by slot
and a checkpoint can resume training exactly.

``learning_rate`` may be a number or a schedule ``f(iterations) -> float`` (``scratch.schedules``).

Gradient clipping (book section "Gradient Clipping") follows Keras: every optimizer takes at most
one of ``clipvalue`` (element by element), ``clipnorm`` (each gradient tensor on its own) and
``global_clipnorm`` (all tensors together). A Keras step is: clip the gradients, update, then
apply the weights' constraints (``apply(..., constraints=...)``, e.g. ``scratch.constraints``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratch import fast
from scratch import schedules as schedules_mod
from scratch.checks import (
    check_bool,
    check_choice,
    check_config,
    check_float_array,
    check_positive,
    check_range,
    check_weight,
    config_from_attributes,
    deserialize_object,
    serialize_object,
)

LearningRate = float | Callable[[int], float]
Constraint = Callable[[np.ndarray], np.ndarray]


# ------------------------------------------------------------------ gradient clipping


def check_grads(grads: Sequence[np.ndarray]) -> list[np.ndarray]:
    """A list of floating arrays (plumbing for the clipping functions, shared with tf_ref)."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads: expected a list of arrays, got {type(grads).__name__}")
    return [check_float_array(g, f"grads[{i}]", finite=False) for i, g in enumerate(grads)]


def clip_by_value(grads: Sequence[np.ndarray], clipvalue: float) -> list[np.ndarray]:
    """Clip every gradient element to [-clipvalue, clipvalue] (Keras ``clipvalue``).

    Cheap, but it changes the gradient's direction when only some elements are clipped.
    Returns new arrays of the same shapes and dtypes.
    """
    check_positive(clipvalue, "clipvalue")
    # np.asarray: NumPy hands back a scalar, not a 0-d array, for a 0-d input
    return [np.asarray(np.clip(g, -clipvalue, clipvalue)) for g in check_grads(grads)]


def clip_by_norm(grads: Sequence[np.ndarray], clipnorm: float) -> list[np.ndarray]:
    """Rescale each gradient tensor *on its own* to an L2 norm of at most ``clipnorm``
    (Keras ``clipnorm``, ``tf.clip_by_norm``):

        g -> g * clipnorm / max(||g||, clipnorm)        ||g|| = sqrt(sum of all g^2)
    The direction of each tensor is kept; a tensor already short enough is unchanged.
    """
    check_positive(clipnorm, "clipnorm")
    out = []
    for g in check_grads(grads):
        norm = np.sqrt(np.sum(g * g))
        out.append(np.asarray(g * clipnorm / np.maximum(norm, clipnorm)))
    return out


def clip_by_global_norm(grads: Sequence[np.ndarray], global_clipnorm: float) -> list[np.ndarray]:
    """Rescale all gradients *together* so that their joint L2 norm is at most
    ``global_clipnorm`` (Keras ``global_clipnorm``, ``tf.clip_by_global_norm``; Pascanu et al.
    2013):

        N = sqrt(sum over tensors of sum g^2);   g -> g * global_clipnorm / max(N, global_clipnorm)
    This keeps the direction of the whole update. A non-finite N turns every gradient into NaN,
    as TensorFlow does, rather than silently into zeros.
    """
    check_positive(global_clipnorm, "global_clipnorm")
    grads = check_grads(grads)
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
    scale = global_clipnorm / max(norm, global_clipnorm) if np.isfinite(norm) else np.nan
    return [np.asarray(g * g.dtype.type(scale)) for g in grads]


def check_clip_options(
    clipvalue: float | None, clipnorm: float | None, global_clipnorm: float | None
) -> tuple[str, float] | None:
    """The one clipping option that is set, as (name, value), or None; refuses two or more.

    Keras also refuses two; it silently ignores a value <= 0, which is refused here.
    """
    given = {
        name: value
        for name, value in (
            ("clipvalue", clipvalue),
            ("clipnorm", clipnorm),
            ("global_clipnorm", global_clipnorm),
        )
        if value is not None
    }
    if len(given) > 1:
        raise ValueError(
            "clipvalue, clipnorm, global_clipnorm: expected at most one of them to be set, got "
            + ", ".join(f"{k}={v!r}" for k, v in given.items())
        )
    if not given:
        return None
    ((name, value),) = given.items()
    check_positive(value, name)
    return name, float(value)


def check_constraints(
    constraints: Sequence[Constraint | None] | None, n_params: int
) -> list[Constraint | None]:
    """One constraint (a callable w -> projected w) or None per parameter."""
    if constraints is None:
        return [None] * n_params
    constraints = list(constraints)
    if len(constraints) != n_params:
        raise ValueError(
            f"constraints: expected {n_params} entries (one per param, None for no constraint), "
            f"got {len(constraints)}"
        )
    for i, c in enumerate(constraints):
        if c is not None and not callable(c):
            raise TypeError(f"constraints[{i}]: expected a callable or None, got {c!r}")
    return constraints


def check_param(param: Any, name: str) -> np.ndarray:
    """An array updated in place: a writable float32/float64 ndarray (0-d allowed)."""
    if not isinstance(param, np.ndarray):
        raise TypeError(
            f"{name}: expected a NumPy array (it is updated in place), got {type(param).__name__}"
        )
    check_float_array(param, name, finite=False, allow_empty=True)
    if not param.flags.writeable:
        raise ValueError(f"{name}: expected a writable array (it is updated in place)")
    return param


def check_params_grads(params: Any, grads: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``apply``'s lists: params (arrays updated in place) and one floating gradient of the same
    shape per param. Plumbing shared with tf_ref.optimizers."""
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(f"params: expected a list of arrays, got {type(params).__name__}")
    params = [check_param(p, f"params[{i}]") for i, p in enumerate(params)]
    grads = check_grads(grads)
    if len(params) != len(grads):
        raise ValueError(f"grads: expected {len(params)} arrays (one per param), got {len(grads)}")
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if g.shape != p.shape:
            raise ValueError(f"grads[{i}]: expected shape {p.shape}, got {g.shape}")
    return params, grads


def check_update_args(
    param: Any, grad: Any, slots: dict[str, Any], learning_rate: Any
) -> tuple[np.ndarray, np.ndarray]:
    """An update rule's arguments: ``param`` updated in place (``check_param``), ``grad`` of its
    shape, each slot (name -> array) a writable float array of its shape, learning_rate > 0.
    Returns (param, grad). Plumbing shared with tf_ref.optimizers."""
    param = check_param(param, "param")
    grad = check_float_array(grad, "grad", finite=False, allow_empty=True)
    if grad.shape != param.shape:
        raise ValueError(f"grad: expected shape {param.shape} (as param), got {grad.shape}")
    for name, slot in slots.items():
        if slot is None:
            raise TypeError(f"{name}: expected an array of shape {param.shape}, got None")
        check_param(slot, name)
        if slot.shape != param.shape:
            raise ValueError(f"{name}: expected shape {param.shape} (as param), got {slot.shape}")
    check_positive(learning_rate, "learning_rate")
    return param, grad


def check_optimizer_state(
    variables: Any, slot_names: Sequence[str], params: Sequence[Any], owner: str = "optimizer"
) -> tuple[int, dict[str, np.ndarray]]:
    """A state saved by ``variables()`` for an optimizer with these ``slot_names``, checked
    before anything is restored: {"iterations": an integer >= 0, "<slot>/<i>": a real floating
    finite array of params[i]'s shape, cast to its dtype}, nothing missing and nothing else (a
    state from another kind of optimizer is refused, not half used). Returns (iterations,
    {key: array}). Plumbing shared with tf_ref.optimizers."""
    if not isinstance(variables, dict):
        raise TypeError(f"variables: expected a dict of arrays, got {type(variables).__name__}")
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(f"params: expected a list of arrays, got {type(params).__name__}")
    params = [
        check_float_array(p, f"params[{i}]", finite=False, allow_empty=True)
        for i, p in enumerate(params)
    ]
    if "iterations" not in variables:
        raise ValueError("optimizer state: missing 'iterations'")
    raw = variables["iterations"]
    if isinstance(raw, np.ndarray) and raw.ndim == 0:
        raw = raw[()]
    iterations = check_positive(raw, "optimizer state 'iterations'", integer=True, zero=True)
    expected = {f"{name}/{i}": p for name in slot_names for i, p in enumerate(params)}
    if set(variables) - set(expected) - {"iterations"}:  # another optimizer's, or other slots
        raise ValueError(
            f"optimizer state has {sorted(variables)}, this {owner} on {len(params)} trainable "
            f"arrays expects {sorted({'iterations', *expected})}"
        )
    slots = {}
    for key, p in expected.items():
        if key not in variables:
            raise ValueError(f"optimizer state: missing {key!r}")
        slots[key] = check_weight(variables[key], f"optimizer state {key!r}", p.shape, p.dtype)
    return int(iterations), slots


def check_step_args(arrays: dict[str, Any], learning_rate: Any) -> list[np.ndarray]:
    """The arrays of a rule that returns new ones (the Nesterov forms): floating, all of the
    first one's shape; learning_rate > 0. Plumbing shared with tf_ref.optimizers."""
    out = [check_float_array(a, name, finite=False, allow_empty=True) for name, a in arrays.items()]
    first = next(iter(arrays))
    for name, a in zip(arrays, out, strict=True):
        if a.shape != out[0].shape:
            raise ValueError(f"{name}: expected shape {out[0].shape} (as {first}), got {a.shape}")
    check_positive(learning_rate, "learning_rate")
    return out


def check_rmsprop_args(rho: Any, momentum: Any, epsilon: Any) -> tuple[float, float, float]:
    """RMSprop's hyperparameters: rho in [0, 1) (1 would freeze v), momentum in [0, 1],
    epsilon >= 0. Shared by the class and the update function, and with tf_ref."""
    return (
        check_range(rho, "rho", 0, 1, high_open=True),
        check_range(momentum, "momentum", 0, 1),
        check_positive(epsilon, "epsilon", zero=True),
    )


def check_adam_args(beta_1: Any, beta_2: Any, epsilon: Any) -> tuple[float, float, float]:
    """Adam's hyperparameters: beta_1, beta_2 in [0, 1) (1 divides by 0 in the bias correction),
    epsilon >= 0. Shared by the class and the update function, and with tf_ref."""
    return (
        check_range(beta_1, "beta_1", 0, 1, high_open=True),
        check_range(beta_2, "beta_2", 0, 1, high_open=True),
        check_positive(epsilon, "epsilon", zero=True),
    )


_CLIPPERS: dict[str, Callable[[Sequence[np.ndarray], float], list[np.ndarray]]] = {
    "clipvalue": lambda g, c: clip_by_value(g, c),
    "clipnorm": lambda g, c: clip_by_norm(g, c),
    "global_clipnorm": lambda g, c: clip_by_global_norm(g, c),
}


def optimizer_config(optimizer: Any, schedules: Any) -> dict[str, Any]:
    """``optimizer.get_config()``: its constructor arguments, learning_rate a number or a
    serialized schedule of the backend's ``schedules`` module (another callable has no config:
    TypeError). Plumbing shared with tf_ref.optimizers."""
    config = config_from_attributes(optimizer)
    lr = optimizer.learning_rate
    if isinstance(lr, schedules.Schedule):
        config["learning_rate"] = schedules.serialize(lr)
    elif callable(lr):
        raise TypeError(
            f"learning_rate: get_config describes a number or a schedules object, got {lr!r}"
        )
    else:
        config["learning_rate"] = float(lr)
    return config


def optimizer_from_config(cls: type, config: dict[str, Any], schedules: Any) -> Any:
    """``cls(**config)`` after ``check_config``, a serialized learning-rate schedule rebuilt by
    the backend's ``schedules`` module. Plumbing shared with tf_ref.optimizers."""
    kwargs = check_config(config, cls)
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"])
    return cls(**kwargs)


class Optimizer(ABC):
    """Base class: slot bookkeeping, the step counter, the learning-rate lookup and clipping."""

    slot_names: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate: LearningRate,
        clipvalue: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        if not callable(learning_rate):  # a schedule f(iterations) -> rate, or a number
            check_positive(learning_rate, "learning_rate")
        self.learning_rate = learning_rate
        self._clipping = check_clip_options(clipvalue, clipnorm, global_clipnorm)
        self.clipvalue, self.clipnorm, self.global_clipnorm = clipvalue, clipnorm, global_clipnorm
        self.iterations = 0
        self.slots: dict[str, list[np.ndarray]] = {}
        self._shapes: list[tuple[int, ...]] | None = None

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments: learning_rate (a number, or a serialized schedule), the
        rule's hyperparameters, clipvalue/clipnorm/global_clipnorm. Not the slots or the step
        count (the training state, which checkpoints carry)."""
        return optimizer_config(self, schedules_mod)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """A new optimizer (no slots yet) from ``get_config()``'s dict (``check_config``)."""
        return optimizer_from_config(cls, config, schedules_mod)

    def current_learning_rate(self) -> float:
        """The learning rate for the step about to be taken (schedules see ``iterations``); a
        schedule must give a finite number > 0."""
        lr = self.learning_rate
        if not callable(lr):
            return float(lr)
        return float(check_positive(lr(self.iterations), "learning_rate(iterations)"))

    def build(self, params: Sequence[np.ndarray]) -> None:
        """Create one zero-filled slot array per parameter for every slot name."""
        self._shapes = [p.shape for p in params]
        self.slots = {
            name: [self._initial_slot(name, p) for p in params] for name in self.slot_names
        }

    def _initial_slot(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.zeros_like(param)

    def apply(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        constraints: Sequence[Constraint | None] | None = None,
    ) -> None:
        """One step, in Keras' order: clip the gradients (if asked), update every ``params[i]``
        in place from its gradient, project it with ``constraints[i]`` (if not None, e.g.
        ``scratch.constraints.MaxNorm``); then iterations += 1."""
        params, grads = check_params_grads(params, grads)
        constraints = check_constraints(constraints, len(params))
        self._apply(params, grads, constraints)

    def _apply(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        constraints: Sequence[Constraint | None],
    ) -> None:
        # apply without checking the arrays: fit's hot loop, on the model's own params/grads
        lr = self.current_learning_rate()  # a bad schedule fails before any state is made
        if self._shapes is None:
            self.build(params)
        elif [p.shape for p in params] != self._shapes:
            raise ValueError(
                "params: this optimizer was built for shapes "
                f"{self._shapes}, got {[p.shape for p in params]} (use a new optimizer per "
                "model, and after freeze/unfreeze changed which layers train)"
            )
        if self._clipping is not None:
            name, value = self._clipping
            grads = _CLIPPERS[name](list(grads), value)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.update_step(i, p, g, lr)
        for p, c in zip(params, constraints, strict=True):
            if c is not None:
                p[...] = c(p)  # constraints see the updated weights (Keras: after the update)
        self.iterations += 1

    @abstractmethod
    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        """Defined by every subclass."""

    def variables(self) -> dict[str, np.ndarray]:
        """The whole state as plain arrays: {"iterations": ..., "<slot>/<i>": ...}."""
        out = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for name, arrays in self.slots.items():
            for i, a in enumerate(arrays):
                out[f"{name}/{i}"] = a
        return out

    def check_variables(
        self, variables: dict[str, np.ndarray], params: Sequence[np.ndarray]
    ) -> tuple[int, dict[str, np.ndarray]]:
        """Check a state saved by ``variables()`` for these ``params`` without restoring it
        (``check_optimizer_state``); returns (iterations, {"<slot>/<i>": array})."""
        return check_optimizer_state(variables, self.slot_names, params, type(self).__name__)

    def set_variables(self, variables: dict[str, np.ndarray], params: Sequence[np.ndarray]) -> None:
        """Restore a state saved by ``variables()`` for these ``params`` (checkpoint resume).

        Everything is checked first (``check_variables``): a refused state changes nothing."""
        iterations, slots = self.check_variables(variables, params)
        self.build(params)
        self.iterations = iterations
        for name, arrays in self.slots.items():
            for i, a in enumerate(arrays):
                src = slots[f"{name}/{i}"]  # checked, in a's dtype
                a[...] = src


def _fast_twins(param: np.ndarray, *arrays: np.ndarray | None) -> Any:
    """``scratch.fast.optimizers`` when the Numba path is on (``scratch.fast``) and every
    array given is C-contiguous (a twin walks them flat) and of the parameter's dtype (a twin
    computes in that dtype; NumPy would mix a float64 gradient into a float32 step), else
    None: run the NumPy rule."""
    if not fast.enabled() or not param.flags.c_contiguous:
        return None
    for a in arrays:
        if a is not None and (a.dtype != param.dtype or not a.flags.c_contiguous):
            return None
    return fast.module("optimizers")


# ------------------------------------------------------------------ the update rules
# One function per rule, updating arrays in place; the classes below only keep the state.


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray | None,
    learning_rate: float,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> None:
    """One SGD step in place (Keras form; book Eq. 11-4 and 11-5).

    momentum == 0:  w -= lr * g                     (``m`` unused, may be None)
    otherwise:      m = momentum * m - lr * g
                    nesterov: w += momentum * m - lr * g,   else: w += m
    Keras' Nesterov stores the look-ahead point w = theta + momentum * v (see
    ``nesterov_sutskever_step``), which is why it needs no second gradient evaluation.
    """
    momentum = check_range(momentum, "momentum", 0, 1)
    check_bool(nesterov, "nesterov")
    check_update_args(param, grad, {"m": m} if momentum != 0 else {}, learning_rate)
    _sgd_update(param, grad, m, learning_rate, momentum, nesterov)


def _sgd_update(param, grad, m, learning_rate, momentum, nesterov):
    # The maths of sgd_update without the argument checks: SGD.update_step, on arrays and
    # hyperparameters checked once (apply, the constructor).
    if momentum == 0:
        param -= learning_rate * grad
        return
    m *= momentum
    m -= learning_rate * grad
    if nesterov:
        param += momentum * m - learning_rate * grad
    else:
        param += m


def adagrad_update(
    param: np.ndarray, grad: np.ndarray, acc: np.ndarray, learning_rate: float, epsilon: float
) -> None:
    """One AdaGrad step in place (book Eq. 11-6, Keras form):

    acc += g^2;   w -= lr * g / sqrt(acc + eps)
    """
    check_update_args(param, grad, {"acc": acc}, learning_rate)
    check_positive(epsilon, "epsilon", zero=True)
    _adagrad_update(param, grad, acc, learning_rate, epsilon)


def _adagrad_update(param, grad, acc, learning_rate, epsilon):
    # The maths of adagrad_update without the argument checks (Adagrad.update_step).
    acc += grad * grad
    param -= learning_rate * grad / np.sqrt(acc + epsilon)


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
    """One RMSProp step in place (book Eq. 11-7, Keras form):

    v = rho v + (1 - rho) g^2
    centered (``average_grad`` given): a = rho a + (1 - rho) g;  denom = v - a^2 + eps
    otherwise: denom = v + eps                     (eps inside the square root)
    step = lr g / sqrt(denom);  momentum > 0: mom = momentum mom + step; w -= mom, else w -= step
    """
    check_rmsprop_args(rho, momentum, epsilon)
    slots = {"v": v, "mom": mom} if momentum > 0 else {"v": v}
    if average_grad is not None:
        slots["average_grad"] = average_grad
    check_update_args(param, grad, slots, learning_rate)
    _rmsprop_update(param, grad, v, learning_rate, rho, epsilon, momentum, mom, average_grad)


def _rmsprop_update(param, grad, v, learning_rate, rho, epsilon, momentum, mom, average_grad):
    # The maths of rmsprop_update without the argument checks (RMSprop.update_step).
    v *= rho
    v += (1 - rho) * (grad * grad)
    if average_grad is not None:
        average_grad *= rho
        average_grad += (1 - rho) * grad
        denom = v - average_grad * average_grad + epsilon
    else:
        denom = v + epsilon
    step = learning_rate * grad / np.sqrt(denom)
    if momentum > 0:
        mom *= momentum
        mom += step
        param -= mom
    else:
        param -= step


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
    """One Adam step in place (book Eq. 11-8, Keras form); t counts steps from 1:

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)      (both bias corrections in one factor)
    m += (g - m)(1 - beta_1);   v += (g^2 - v)(1 - beta_2)
    w -= alpha * m / (sqrt(v) + eps)                      (eps is the paper's "epsilon hat")
    AMSGrad (``v_hat`` given): v_hat = max(v_hat, v), used in place of v.
    """
    check_adam_args(beta_1, beta_2, epsilon)
    check_positive(t, "t", integer=True)
    slots = {"m": m, "v": v} if v_hat is None else {"m": m, "v": v, "v_hat": v_hat}
    check_update_args(param, grad, slots, learning_rate)
    _adam_update(param, grad, m, v, learning_rate, t, beta_1, beta_2, epsilon, v_hat)


def _adam_update(param, grad, m, v, learning_rate, t, beta_1, beta_2, epsilon, v_hat):
    # The maths of adam_update without the argument checks (Adam.update_step).
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    param -= alpha * m / (np.sqrt(v) + epsilon)


class SGD(Optimizer):
    """Gradient descent, with optional momentum and Nesterov (Keras ``SGD``).

    Keras form (the book's Eq. 11-4 momentum with m playing the role of -m_book):
        m = momentum * m - lr * g
        nesterov:  w += momentum * m - lr * g
        otherwise: w += m
    The Nesterov branch stores the look-ahead point w = theta + momentum * v rather than theta:
    see ``nesterov_sutskever_step`` and ``nesterov_tf1_step`` for the two other textbook forms.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
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

    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        m = self.slots["momentum"][i] if self.momentum != 0 else None
        twins = _fast_twins(param, grad, m)
        if twins is None:
            _sgd_update(param, grad, m, lr, self.momentum, self.nesterov)
            return
        lr_, momentum = twins.scalars(param, lr, self.momentum)
        twins.sgd_update(param, grad, m, lr_, momentum, self.nesterov)


class Adagrad(Optimizer):
    """AdaGrad (book Eq. 11-6), Keras form: acc += g^2;  w -= lr * g / sqrt(acc + eps).

    The accumulator starts at ``initial_accumulator_value`` (0.1), not 0.
    """

    slot_names = ("accumulator",)

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
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

    def _initial_slot(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.full_like(param, self.initial_accumulator_value)

    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        acc = self.slots["accumulator"][i]
        twins = _fast_twins(param, grad, acc)
        if twins is None:
            _adagrad_update(param, grad, acc, lr, self.epsilon)
            return
        twins.adagrad_update(param, grad, acc, *twins.scalars(param, lr, self.epsilon))


class RMSprop(Optimizer):
    """RMSProp (book Eq. 11-7), Keras form:

    v = rho * v + (1 - rho) * g^2
    centered: a = rho * a + (1 - rho) * g;  denom = v - a^2 + eps, else denom = v + eps
    step = lr * g / sqrt(denom)
    momentum > 0: mom = momentum * mom + step;  w -= mom, else w -= step
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
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

    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        v = self.slots["velocity"][i]
        mom = self.slots["momentum"][i] if self.momentum > 0 else None
        average = self.slots["average_gradient"][i] if self.centered else None
        twins = _fast_twins(param, grad, v, mom, average)
        if twins is None:
            _rmsprop_update(param, grad, v, lr, self.rho, self.epsilon, self.momentum, mom, average)
            return
        lr_, rho, one_minus_rho, eps, momentum = twins.scalars(
            param, lr, self.rho, 1 - self.rho, self.epsilon, self.momentum
        )
        twins.rmsprop_update(param, grad, v, lr_, rho, one_minus_rho, eps, momentum, mom, average)


class Adam(Optimizer):
    """Adam (book Eq. 11-8), Keras form, with t = iterations + 1:

        alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)      (bias correction)
        m += (g - m) * (1 - beta_1);   v += (g^2 - v) * (1 - beta_2)
        w -= alpha * m / (sqrt(v) + eps)                      (eps is the paper's "epsilon hat")
    ``amsgrad`` keeps v_hat = max(v_hat, v) and divides by it instead.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
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

    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        m, v = self.slots["momentum"][i], self.slots["velocity"][i]
        v_hat = self.slots["velocity_hat"][i] if self.amsgrad else None
        t = self.iterations + 1
        twins = _fast_twins(param, grad, m, v, v_hat)
        if twins is None:
            _adam_update(param, grad, m, v, lr, t, self.beta_1, self.beta_2, self.epsilon, v_hat)
            return
        alpha = lr * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)  # as _adam_update
        one_minus_b1, one_minus_b2, eps = twins.scalars(
            param, 1 - self.beta_1, 1 - self.beta_2, self.epsilon
        )
        twins.adam_update(param, grad, m, v, alpha, one_minus_b1, one_minus_b2, eps, v_hat)


def nesterov_sutskever_step(
    theta: np.ndarray,
    velocity: np.ndarray,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    learning_rate: float,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov as the book writes it (Eq. 11-5; Sutskever et al. 2013), one step:

        v = momentum * v - lr * grad(theta + momentum * v)      (gradient at the look-ahead)
        theta = theta + v
    Returns new (theta, v). With phi = theta + momentum * v this is exactly Keras' SGD(nesterov)
    update of phi, which is why Keras only ever stores the look-ahead point.
    """
    theta, velocity = check_step_args({"theta": theta, "velocity": velocity}, learning_rate)
    momentum = check_range(momentum, "momentum", 0, 1)
    if not callable(grad_fn):
        raise TypeError(f"grad_fn: expected a function theta -> gradient, got {grad_fn!r}")
    g = check_float_array(grad_fn(theta + momentum * velocity), "grad_fn(theta)", finite=False)
    if g.shape != theta.shape:
        raise ValueError(f"grad_fn(theta): expected shape {theta.shape} (as theta), got {g.shape}")
    velocity = momentum * velocity - learning_rate * g
    return theta + velocity, velocity


def nesterov_tf1_step(
    w: np.ndarray, accumulation: np.ndarray, grad: np.ndarray, learning_rate: float, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov as TF1's ``MomentumOptimizer(use_nesterov=True)`` (the seed's optimizer) does it:

        a = momentum * a + g;   w = w - lr * g - lr * momentum * a
    ``grad`` is taken at w itself. With a = -v / lr this is the Keras form again (constant lr).
    Returns new (w, a).
    """
    w, accumulation, grad = check_step_args(
        {"w": w, "accumulation": accumulation, "grad": grad}, learning_rate
    )
    momentum = check_range(momentum, "momentum", 0, 1)
    accumulation = momentum * accumulation + grad
    return w - learning_rate * grad - learning_rate * momentum * accumulation, accumulation


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
        raise TypeError(f"optimizer: expected a name such as 'adam', got {type(name).__name__}")
    return _FACTORIES[check_choice(name.lower(), "optimizer", _FACTORIES)](**kwargs)


NAMES = tuple(_FACTORIES)
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam)}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """{"class_name": "Adam", "config": optimizer.get_config()} (as Keras' serialize)."""
    return serialize_object(optimizer, "optimizer", CLASSES)


def deserialize(spec: Any) -> Optimizer:
    """A new optimizer from ``serialize``'s dict (an unknown class_name is refused)."""
    return deserialize_object(spec, "optimizer", CLASSES)
