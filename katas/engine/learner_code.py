"""The learner's own code in the real network: which kata function replaces which piece of
scratch, and whose code each piece of a training run is (``katas exercise 8 --impl workspace``,
``katas compare lockstep --impl workspace``).

scratch's layers, optimizers and training loop do not call the public functions that each kata's
``kata.toml`` names as its reference: they call *unchecked twins* (``Dense.forward`` calls
``scratch.layers._dense_forward``, ``Adam.update_step`` calls ``scratch.optimizers._adam_update``,
``fit`` looks its loss up in ``scratch.losses.UNCHECKED``, an activation is found in
``scratch.activations._TABLE``). :data:`PIECES` is the one table from each kata to the slots
it fills on that path, with an adapter where the learner's signature (the stub's) differs from
the slot's. Every function is installed under every name the path reaches it by (the slot, the
public name, and the learner's own module, so that the learner's ``selu`` calling their ``elu``
is counted too).

:func:`plan` decides whose code each piece is: the learner's only when the workspace records the
kata solved *and* its file passes the kata's tests now (re-checked, one child per kata); else the
reference, with the reason. :func:`install` puts the learner's functions in place; it runs only
in the child process of :mod:`katas.engine.learner_run`, never in the CLI's own process.
"""

from __future__ import annotations

import functools
import importlib
import math
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from katas.engine.i18n import t
from katas.engine.registry import Kata, find

# ---------------------------------------------------------------------------- the route


@dataclass(frozen=True)
class Route:
    """What one training run goes through: the network (a ``NetworkConfig``), whether ``fit``
    runs with early stopping, whether the training set is augmented first."""

    config: Any
    early_stopping: bool = True
    augment: bool = False


# A target is where a replacement goes: (module, attribute) or (module, dict attribute, key).
Target = tuple[str, ...]


@dataclass(frozen=True)
class Piece:
    """One kata's place in the training path.

    ``slots(functions)`` maps each target to its replacement, built from the learner's
    (counted) functions; ``on_path(route)`` says whether the route runs it at all.
    """

    kata: str
    functions: tuple[str, ...]
    slots: Callable[[dict[str, Any]], dict[Target, Any]]
    on_path: Callable[[Route], bool]
    describe: str  # the slots, for people (report.json, docs)
    provides: str | None = None  # a piece another kata can provide too (sgd_update)


def _dense(f: dict[str, Any]) -> dict[Target, Any]:
    forward, backward = f["dense_forward"], f["dense_backward"]

    def dense_forward(x, kernel, bias):
        out, cache = forward(x, kernel, bias)
        # Dense keeps (cache, z) and calls _dense_backward(dz, *cache); a frozen Dense reads
        # cache[1] as the kernel. The learner's cache stays opaque, passed back as it came.
        return out, (cache, kernel)

    def dense_backward(dout, cache, kernel):
        return backward(dout, cache)

    return {
        ("scratch.layers", "_dense_forward"): dense_forward,
        ("scratch.layers", "_dense_backward"): dense_backward,
        ("scratch.layers", "dense_forward"): forward,
        ("scratch.layers", "dense_backward"): backward,
    }


def _initializers(f: dict[str, Any]) -> dict[Target, Any]:
    # he_normal & co. call the module's variance_scaling (and it truncated_normal, compute_fans)
    # when they run, so replacing the module attributes reaches every named initializer.
    return {("scratch.initializers", name): f[name] for name in f}


ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu")


def _activations(f: dict[str, Any]) -> dict[Target, Any]:
    out: dict[Target, Any] = {}
    for name in ACTIVATIONS:
        out[("scratch.activations", "_TABLE", name)] = (f[name], f[f"{name}_grad"])
        out[("scratch.activations", name)] = f[name]
        out[("scratch.activations", f"{name}_grad")] = f[f"{name}_grad"]
    return out


LOSS = "sparse_softmax_cross_entropy"


def _softmax_ce(f: dict[str, Any]) -> dict[Target, Any]:
    value, grad = f["sparse_softmax_cross_entropy"], f["sparse_softmax_cross_entropy_grad"]

    def value_and_grad(logits, labels):
        return float(value(logits, labels)), grad(logits, labels)

    return {
        ("scratch.losses", "UNCHECKED", LOSS): value_and_grad,
        ("scratch.losses", "LOSSES", LOSS): value_and_grad,
        ("scratch.losses", "sparse_softmax_cross_entropy_value_and_grad"): value_and_grad,
        **{("scratch.losses", name): f[name] for name in f},
    }


def _stack(f: dict[str, Any]) -> dict[Target, Any]:
    return {("scratch.models", name): f[name] for name in f}


def _sgd(f: dict[str, Any]) -> dict[Target, Any]:
    # _sgd_update(param, grad, m, lr, momentum, nesterov): the stub's order, positional.
    return {
        ("scratch.optimizers", "_sgd_update"): f["sgd_update"],
        ("scratch.optimizers", "sgd_update"): f["sgd_update"],
    }


def _adagrad_rmsprop(f: dict[str, Any]) -> dict[Target, Any]:
    rmsprop = f["rmsprop_update"]

    def rmsprop_update(param, grad, v, lr, rho, epsilon, momentum, mom, average_grad):
        rmsprop(
            param, grad, v, lr, rho, epsilon, momentum=momentum, mom=mom, average_grad=average_grad
        )

    return {
        ("scratch.optimizers", "_adagrad_update"): f["adagrad_update"],
        ("scratch.optimizers", "adagrad_update"): f["adagrad_update"],
        ("scratch.optimizers", "_rmsprop_update"): rmsprop_update,
        ("scratch.optimizers", "rmsprop_update"): rmsprop,
    }


def _adam(f: dict[str, Any]) -> dict[Target, Any]:
    return {
        ("scratch.optimizers", "_adam_update"): f["adam_update"],
        ("scratch.optimizers", "adam_update"): f["adam_update"],
    }


def learner_early_stopping(mine: type) -> type:
    """scratch's ``EarlyStopping`` (what ``fit`` checks for, resets and reads) whose
    decisions are made by the learner's class: each instance holds one of the learner's,
    built with the same arguments, and copies its state back after every ``update``."""
    from scratch.training import EarlyStopping

    keys = ("patience", "min_delta", "restore_best_weights", "monitor")

    class LearnerEarlyStopping(EarlyStopping):
        def __post_init__(self) -> None:
            super().__post_init__()
            self._mine = mine(**{k: getattr(self, k) for k in keys})

        def reset(self) -> None:
            super().reset()
            self._mine = mine(**{k: getattr(self, k) for k in keys})

        def update(self, epoch, value, get_weights) -> bool:
            stop = bool(self._mine.update(epoch, value, get_weights))
            for name in ("best", "best_epoch", "best_weights", "wait"):
                setattr(self, name, getattr(self._mine, name))
            return stop

    LearnerEarlyStopping.__name__ = LearnerEarlyStopping.__qualname__ = "EarlyStopping"
    return LearnerEarlyStopping


def _training_loop(f: dict[str, Any]) -> dict[Target, Any]:
    return {
        ("scratch.training", "minibatches"): f["minibatches"],
        ("scratch.training", "EarlyStopping"): learner_early_stopping(f["EarlyStopping"]),
    }


def _batchnorm(f: dict[str, Any]) -> dict[Target, Any]:
    forward = f["batchnorm_forward"]

    def batchnorm_forward(x, gamma, beta, moving_mean, moving_variance, momentum, eps, training):
        return forward(
            x, gamma, beta, moving_mean, moving_variance,
            momentum=momentum, epsilon=eps, training=training,
        )  # fmt: skip

    return {
        ("scratch.layers", "_batchnorm_forward"): batchnorm_forward,
        ("scratch.layers", "_batchnorm_backward"): f["batchnorm_backward"],
        ("scratch.layers", "batchnorm_forward"): forward,
        ("scratch.layers", "batchnorm_backward"): f["batchnorm_backward"],
    }


def _dropout(f: dict[str, Any]) -> dict[Target, Any]:
    # _dropout_forward(x, rate, mask, training) and _dropout_backward(dout, cache): the stub's.
    return {
        ("scratch.layers", "_dropout_forward"): f["dropout_forward"],
        ("scratch.layers", "_dropout_backward"): f["dropout_backward"],
        ("scratch.layers", "dropout_forward"): f["dropout_forward"],
        ("scratch.layers", "dropout_backward"): f["dropout_backward"],
    }


def _module_slots(module: str) -> Callable[[dict[str, Any]], dict[Target, Any]]:
    """Every function under its own name in ``module`` (the path calls the module's globals)."""
    return lambda f: {(module, name): fn for name, fn in f.items()}


def _regularization(f: dict[str, Any]) -> dict[Target, Any]:
    regs = ("l1_l2_penalty", "l1_l2_penalty_grad", "sparsify")
    return {
        **{("scratch.regularizers", n): f[n] for n in regs},
        **{("scratch.constraints", n): f[n] for n in ("max_norm", "book_max_norm")},
    }


def _always(route: Route) -> bool:
    return True


PIECES: tuple[Piece, ...] = (
    Piece(
        "dense",
        ("dense_forward", "dense_backward"),
        _dense,
        _always,
        "scratch.layers._dense_forward / _dense_backward (Dense.forward, Dense.backward)",
    ),
    Piece(
        "initializers",
        ("compute_fans", "truncated_normal", "variance_scaling"),
        _initializers,
        lambda r: r.config.kernel_initializer not in ("zeros", "ones"),
        "scratch.initializers.variance_scaling, truncated_normal, compute_fans (he_normal, "
        "glorot_uniform, ... call them)",
    ),
    Piece(
        "activations",
        tuple(n for a in ACTIVATIONS for n in (a, f"{a}_grad")),
        _activations,
        lambda r: r.config.activation in ACTIVATIONS,
        "scratch.activations._TABLE[name] = (f, f_grad) (ActivationFunction, Activation layers)",
    ),
    Piece(
        "softmax_cross_entropy",
        (
            "log_softmax",
            "softmax",
            "sparse_softmax_cross_entropy",
            "sparse_softmax_cross_entropy_grad",
        ),
        _softmax_ce,
        _always,
        "scratch.losses.UNCHECKED['sparse_softmax_cross_entropy'] (fit's steps, evaluate)",
    ),
    Piece(
        "backprop_stack",
        ("forward_layers", "backward_layers"),
        _stack,
        _always,
        "scratch.models.forward_layers / backward_layers (Sequential's forward and backward)",
    ),
    Piece(
        "momentum",
        ("sgd_update",),
        _sgd,
        # kata 6's sgd_update may ignore nesterov, so only plain SGD and momentum take it
        lambda r: r.config.optimizer in ("sgd", "momentum"),
        "scratch.optimizers._sgd_update (SGD.update_step)",
        provides="sgd_update",
    ),
    Piece(
        "nesterov",
        ("sgd_update",),
        _sgd,
        lambda r: r.config.optimizer in ("sgd", "momentum", "nesterov"),
        "scratch.optimizers._sgd_update (SGD.update_step)",
        provides="sgd_update",
    ),
    Piece(
        "adagrad_rmsprop",
        ("adagrad_update", "rmsprop_update"),
        _adagrad_rmsprop,
        lambda r: r.config.optimizer in ("adagrad", "rmsprop"),
        "scratch.optimizers._adagrad_update / _rmsprop_update (Adagrad, RMSprop.update_step)",
    ),
    Piece(
        "adam",
        ("adam_update",),
        _adam,
        lambda r: r.config.optimizer == "adam",
        "scratch.optimizers._adam_update (Adam.update_step)",
    ),
    Piece(
        "training_loop",
        ("minibatches", "EarlyStopping"),
        _training_loop,
        _always,
        "scratch.training.minibatches (every epoch's batches) and EarlyStopping (its update "
        "decides when fit stops)",
    ),
    Piece(
        "batchnorm",
        ("batchnorm_forward", "batchnorm_backward"),
        _batchnorm,
        lambda r: bool(r.config.batch_norm),
        "scratch.layers._batchnorm_forward / _batchnorm_backward (BatchNormalization)",
    ),
    Piece(
        "dropout",
        ("dropout_forward", "dropout_backward"),
        _dropout,
        lambda r: r.config.dropout_rate > 0,
        "scratch.layers._dropout_forward / _dropout_backward (Dropout)",
    ),
    Piece(
        "gradient_clipping",
        ("clip_by_value", "clip_by_norm", "clip_by_global_norm"),
        _module_slots("scratch.optimizers"),
        lambda r: r.config.clipnorm is not None,
        "scratch.optimizers.clip_by_value / clip_by_norm / clip_by_global_norm (apply's clipping)",
    ),
    Piece(
        "regularization",
        ("l1_l2_penalty", "l1_l2_penalty_grad", "max_norm", "book_max_norm", "sparsify"),
        _regularization,
        lambda r: bool(r.config.l1 or r.config.l2 or r.config.max_norm is not None),
        "scratch.regularizers.l1_l2_penalty / _grad (L1L2), scratch.constraints.max_norm (MaxNorm)",
    ),
    Piece(
        "schedules",
        ("exponential_decay", "piecewise_constant", "power_schedule", "plateau_step"),
        _module_slots("scratch.schedules"),
        lambda r: r.config.lr_schedule is not None,
        "scratch.schedules.exponential_decay / power_schedule / plateau_step (the schedules)",
    ),
    Piece(
        "augmentation",
        ("shift_images", "rotate_images", "augment"),
        _module_slots("scratch.augment"),
        lambda r: r.augment,
        "scratch.augment.augment / shift_images / rotate_images (--augment's shifted copies)",
    ),
)

BY_KATA = {p.kata: p for p in PIECES}


# -------------------------------------------------------------------------- whose code


@dataclass
class Choice:
    """Whose code one piece is in this run: ``yours`` True (the learner's file, ``path``) or
    False, with ``reason`` (an i18n key: not_solved, fails_now, not_on_path, superseded)."""

    kata: str
    number: int
    yours: bool
    reason: str
    path: str | None = None
    detail: str = ""

    def to_json(self, lang: str) -> dict[str, Any]:
        return {
            "kata": self.kata,
            "number": self.number,
            "functions": list(BY_KATA[self.kata].functions),
            "whose": "yours" if self.yours else "reference",
            "reason": self.reason,
            "why": why(self, lang),
            "path": self.path,
        }


def why(choice: Choice, lang: str) -> str:
    """The choice in words, in ``lang``."""
    if choice.yours:
        return t(lang, "learner_yours")
    return t(lang, f"learner_{choice.reason}", detail=choice.detail)


def on_path(route: Route) -> list[Piece]:
    """The pieces ``route`` runs, in table order; of two katas providing one slot (kata 6's
    and kata 7's ``sgd_update``) both are listed, :func:`plan` keeps one."""
    return [p for p in PIECES if p.on_path(route)]


def plan(
    route: Route,
    solved: set[str] | list[str],
    path_for: Callable[[Kata], Path],
    recheck: Callable[[Kata, Path], tuple[bool, str]],
) -> list[Choice]:
    """Whose code each piece of :data:`PIECES` is for ``route``.

    A piece is the learner's when its kata is ``solved`` and ``recheck(kata, path)`` says the
    file passes the kata's tests now ((passed, detail)); only pieces on the route are re-checked.
    Where two katas provide the same slot, the later kata's (7 over 6) wins when both qualify.
    """
    solved = set(solved)
    choices: list[Choice] = []
    taken: dict[str, str] = {}
    for piece in sorted(PIECES, key=lambda p: -find(p.kata).number):  # later katas first
        kata = find(piece.kata)
        path = path_for(kata)
        choice = Choice(kata.id, kata.number, False, "not_on_path", str(path))
        if not piece.on_path(route):
            pass
        elif kata.id not in solved:
            choice.reason = "not_solved"
        elif piece.provides is not None and piece.provides in taken:
            choice.reason, choice.detail = "superseded", taken[piece.provides]
        else:
            ok, detail = recheck(kata, path)
            if ok:
                choice.yours, choice.reason = True, "yours"
                if piece.provides is not None:
                    taken[piece.provides] = f"{kata.number} ({kata.id})"
            else:
                choice.reason, choice.detail = "fails_now", detail
        choices.append(choice)
    return sorted(choices, key=lambda c: c.number)


def pieces_table(choices: list[Choice], lang: str) -> str:
    """The table printed before training: kata, its functions, whose code and why."""
    lines = [t(lang, "learner_table_header")]
    for c in choices:
        fns = ", ".join(BY_KATA[c.kata].functions)
        if len(fns) > 44:
            fns = fns[:41] + "..."
        whose = t(lang, "learner_whose_yours") if c.yours else t(lang, "learner_whose_reference")
        note = "" if c.yours else f"  ({why(c, lang)})"
        lines.append(f"  {c.number:>2} {c.kata:<22} {fns:<45} {whose}{note}")
    n = sum(c.yours for c in choices)
    if n == 0:
        lines.append(t(lang, "learner_none_yours"))
    else:
        lines.append(t(lang, "learner_n_yours", n=n))
    return "\n".join(lines)


# ------------------------------------------------------------------ install (child only)


@dataclass
class Installed:
    """What :func:`install` changed (to undo it) and how often each learner function ran."""

    undo: list[tuple[Any, str, Any]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    last: str | None = None
    paths: dict[str, str] = field(default_factory=dict)  # learner file -> kata id

    def restore(self) -> None:
        """Put every replaced attribute back (tests; the child simply exits)."""
        for owner, name, old in reversed(self.undo):
            setattr(owner, name, old)
        self.undo.clear()


def _counted(installed: Installed, key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` counting its calls into ``installed.calls[key]``; the learner's SystemExit
    becomes a RuntimeError (a kata function returns its result, it does not end the run)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        installed.calls[key] += 1
        installed.last = key
        try:
            return fn(*args, **kwargs)
        except SystemExit as err:
            # with the learner's frames, so the paragraph can name their line
            stop = RuntimeError(f"{key.split('.', 1)[1]} called sys.exit({err.code!r})")
            raise stop.with_traceback(err.__traceback__) from None

    return wrapper


def _set(installed: Installed, owner: Any, name: str, value: Any) -> None:
    installed.undo.append((owner, name, getattr(owner, name)))
    setattr(owner, name, value)


def install(modules: dict[str, types.ModuleType], route: Route) -> Installed:
    """Put the learner's functions (``modules``: kata id -> the learner's loaded file) in
    scratch's slots for ``route``, each counted. Dict slots (``_TABLE``, ``UNCHECKED``) get a
    new dict, so a module that imported the old one (tf_ref's plumbing) keeps scratch's."""
    installed = Installed()
    # The Numba twins (scratch.fast) would run in place of the learner's NumPy functions
    _set(installed, importlib.import_module("scratch.fast"), "_active", "numpy")
    for kata_id, module in modules.items():
        piece = BY_KATA[kata_id]
        installed.paths[str(getattr(module, "__file__", ""))] = kata_id
        functions: dict[str, Any] = {}
        for name in piece.functions:
            fn = getattr(module, name)
            if isinstance(fn, type):  # a class (EarlyStopping): its methods are the learner's
                functions[name] = fn
                continue
            key = f"{kata_id}.{name}"
            installed.calls.setdefault(key, 0)
            functions[name] = _counted(installed, key, fn)
            # the learner's own calls between their functions are counted too
            _set(installed, module, name, functions[name])
        if "EarlyStopping" in functions:
            cls = functions["EarlyStopping"]
            key = f"{kata_id}.EarlyStopping.update"
            installed.calls.setdefault(key, 0)
            _set(installed, cls, "update", _counted(installed, key, cls.update))
        dicts: dict[tuple[str, str], dict] = {}
        for target, value in piece.slots(functions).items():
            owner = importlib.import_module(target[0])
            if len(target) == 2:
                _set(installed, owner, target[1], value)
                continue
            slot = (target[0], target[1])
            if slot not in dicts:
                dicts[slot] = dict(getattr(owner, target[1]))
                _set(installed, owner, target[1], dicts[slot])
            dicts[slot][target[2]] = value
    return installed


def learner_frame(err: BaseException, installed: Installed) -> dict[str, Any] | None:
    """The innermost line of a learner's file in ``err``'s traceback: kata, path, line, the
    function and the source line; None when the error arose outside the learner's files."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename in installed.paths]
    if not frames:
        return None
    f = frames[-1]
    return {
        "kata": installed.paths[f.filename],
        "path": f.filename,
        "line": f.lineno,
        "function": f.name,
        "code": (f.line or "").strip(),
    }


def error_paragraph(error: dict[str, Any], lang: str) -> str:
    """The child's error record (``learner_run``) as one paragraph in ``lang``."""
    kind = error.get("kind")
    if kind == "load":
        return t(lang, "learner_load_failed", kata=error["kata"], path=error["path"],
                 problem=error.get("problem_kind", "?"))  # fmt: skip
    if kind == "stopped":
        return t(lang, f"learner_stopped_{error['how']}", seconds=error.get("seconds", 0),
                 status=error.get("status"))  # fmt: skip
    frame = error.get("frame")
    if frame is not None:
        return t(
            lang, "learner_crash_in_yours", kata=frame["kata"], path=frame["path"],
            line=frame["line"], function=frame["function"], code=frame["code"],
            exception=error["exception"],
        )  # fmt: skip
    last = error.get("last")
    if last:
        return t(lang, "learner_crash_after", exception=error["exception"], last=last,
                 kata=last.split(".")[0])  # fmt: skip
    return t(lang, "learner_crash_reference", exception=error["exception"])


def points(a: float | None, b: float | None) -> float | None:
    """(a - b) in percentage points, or None when either is missing or not finite."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    return 100.0 * (a - b)
