"""``katas compare lockstep``: train the practical-guidelines net in scratch and in tf_ref side by
side, step by step, on the same weights, batches and dropout masks, and watch the two agree.

Both models are built from ``scratch.networks.GUIDELINES`` (He, ELU, batch norm, dropout 0.5,
Nesterov momentum 0.9) in the chosen dtype; scratch's initial weights are copied into the Keras
model. Every step draws the batch indices with ``scratch.training.minibatches`` (epochs cycle as
needed) and, for each dropout layer, a keep mask ``rng.random((batch, width)) >= rate`` from a
dedicated generator, injected into both backends' layers (``set_mask``). Then each backend runs
its own ``train_step`` and the two losses (before the update) and all weights (batch-norm moving
statistics included) are compared.

Keras rounds the learning rate and SGD's momentum through float32 even for float64 variables
(``float32(0.9) = 0.89999997615...``). By default scratch is given those same rounded values, so
both optimise the same problem and float64 runs agree to ~1e-15; ``exact_hyperparameters=True``
gives scratch the exact Python values instead, and the difference shows up as a slow drift.

Only NumPy and light ``katas`` modules (errors, argtypes, jsonout) are imported at module level:
the CLI registers the command without loading TensorFlow.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from katas import jsonout
from katas.argtypes import check_seed
from katas.cli_text import lang_of, pad, t, width
from katas.errors import BadInput

DTYPES = ("float32", "float64")
BOUND_FLOAT64 = 1e-9
"""Largest per-step relative loss difference a float64 run may show and still pass."""
LOSS = "sparse_softmax_cross_entropy"
N_CLASSES = 10


def keras_rounded(value: float) -> float:
    """What Keras actually uses for a Python-float hyperparameter: its float32 rounding."""
    return float(np.float32(value))


def table_steps(steps: int) -> list[int]:
    """Steps shown in the table: all up to 20, else 1, 2, 5, 10, 20, 50, ... and the last."""
    if steps <= 20:
        return list(range(1, steps + 1))
    shown, scale = set(), 1
    while scale <= steps:
        shown.update(s for s in (scale, 2 * scale, 5 * scale) if s <= steps)
        scale *= 10
    shown.add(steps)
    return sorted(shown)


def _check_args(steps: Any, dtype: Any, batch_size: Any, seed: Any, exact: Any) -> None:
    """BadInput (a UserError and a ValueError) naming the argument, for each bad one."""
    for name, value in (("steps", steps), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise BadInput(
                f"lockstep: {name} must be an integer >= 1, got {value!r}",
                ja=f"lockstep: {name} は 1 以上の整数にしてください。{value!r} が渡されました",
            )
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise BadInput(
            f"lockstep: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}",
            ja=(
                f"lockstep: dtype は {', '.join(DTYPES)} のどれかにしてくださ"
                f"い。{dtype!r} が渡されました"
            ),
        )
    check_seed(seed, "lockstep: seed")
    if not isinstance(exact, bool):
        raise BadInput(
            f"lockstep: exact_hyperparameters must be True or False, got {exact!r}",
            ja=(
                "lockstep: exact_hyperparameters は True か False "
                f"にしてください。{exact!r} が渡されました"
            ),
        )


def _check_config(config: Any) -> Any:
    """``config`` if it is a ``scratch.networks.NetworkConfig`` (None: ``GUIDELINES``)."""
    from scratch import networks

    if config is None:
        return networks.GUIDELINES
    if not isinstance(config, networks.NetworkConfig):
        raise BadInput(
            "lockstep: config must be a scratch.networks.NetworkConfig (e.g. "
            f"GUIDELINES.replace(units=50)), got {type(config).__name__}",
            ja=(
                "lockstep: config は scratch.networks.NetworkConfig "
                "にしてください (例: GUIDELINES.replace(units=50)"
                f")。{type(config).__name__} が渡されました"
            ),
        )
    return config


def training_set(path: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The book's 55,000 training images (float32 in [0, 1], (n, 784)) and int64 labels.

    ``path=None`` reads the cache of ``katas data fetch``; missing or wrong data raises
    ``katas.errors.DataError`` with what to do.
    """
    from katas import data

    split = data.book_split(data.load_mnist(path))
    return split.x_train, split.y_train


def _hyperparameters(config: Any, exact: bool) -> dict[str, Any]:
    """What Keras gets, what it effectively uses, and what scratch gets."""
    names = ["learning_rate"]
    if config.optimizer in ("momentum", "nesterov"):
        names.append("momentum")
    given = {name: float(getattr(config, name)) for name in names}
    effective = {name: keras_rounded(v) for name, v in given.items()}
    return {
        "mode": "exact" if exact else "keras_rounded",
        "tf": given,
        "keras_effective": effective,
        "scratch": dict(given) if exact else dict(effective),
    }


def _batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Batch indices of as many epochs as needed (each a fresh ``minibatches`` permutation)."""
    from scratch.training import minibatches

    while True:
        yield from minibatches(n, batch_size, rng)


def run_lockstep(
    config: Any = None,
    steps: int = 200,
    dtype: str = "float64",
    batch_size: int = 32,
    seed: int = 42,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    exact_hyperparameters: bool = False,
    data_path: str | None = None,
) -> dict[str, Any]:
    """Train ``config`` (default: ``scratch.networks.GUIDELINES``) for ``steps`` minibatch steps
    in scratch and in tf_ref in lockstep; return the comparison as plain data (the ``--json``
    object, plus ``"seconds"`` and ``"n_train"``).

    ``x`` (n, d) float and ``y`` (n,) labels in 0..9 replace MNIST (tests, experiments); without
    them the book's 55,000 training images are loaded (``data_path`` or the cache). Weights come
    from ``np.random.default_rng(seed)``, batch orders from ``default_rng([seed, 1])``, dropout
    masks from ``default_rng([seed, 2])``.

    float64 passes when every step's relative loss difference |a - b| / |b| is at most
    ``BOUND_FLOAT64`` (and every loss is finite); float32 gets no verdict (``passed`` None).
    Only the learning rate and SGD momentum are rounded for scratch; a learning-rate schedule
    or Adam's betas are handed over as they are.
    """
    from scratch import networks as scratch_networks

    config = _check_config(config)
    _check_args(steps, dtype, batch_size, seed, exact_hyperparameters)
    steps, batch_size, seed = int(steps), int(batch_size), int(seed)
    if (x is None) != (y is None):
        raise BadInput(
            "lockstep: pass both x and y, or neither (then MNIST is used)",
            ja=(
                "lockstep: x と y を両方渡すか、どちらも渡さないでください "
                "(そのときは MNIST を使います)"
            ),
        )
    if x is None:
        x, y = training_set(data_path)
    elif data_path is not None:
        raise BadInput(
            "lockstep: pass x and y, or data_path, not both",
            ja="lockstep: x と y か data_path のどちらかを渡してください。両方は渡せません",
        )
    from scratch.training import check_training_data

    # Shapes, dtypes, NaN, label range and at least one row (an empty set would make the
    # endless batch stream spin without yielding): scratch's shared checks, ValueError/TypeError.
    x, y = check_training_data(x, y, np.shape(x)[1] if np.ndim(x) == 2 else 784, N_CLASSES)

    # TensorFlow loads here, not at import.
    from scratch import losses as scratch_losses
    from scratch import training as scratch_training
    from tf_ref import networks as tf_networks
    from tf_ref import training as tf_training

    hyper = _hyperparameters(config, exact_hyperparameters)
    scratch_config = config.replace(**hyper["scratch"])
    input_dim = x.shape[1]
    s_model = scratch_networks.build_network(
        scratch_config, input_dim, N_CLASSES, rng=np.random.default_rng(seed), dtype=dtype
    )
    t_model = tf_networks.build_network(
        config, input_dim, N_CLASSES, rng=np.random.default_rng(seed), dtype=dtype
    )
    t_model.set_weights(s_model.get_weights())
    s_opt = scratch_networks.build_optimizer(scratch_config)
    t_opt = tf_networks.build_optimizer(config)
    loss_fn = scratch_losses.UNCHECKED[LOSS]

    s_drop = [layer for layer in s_model.layers if layer.kind == "dropout"]
    t_drop = [layer for layer in t_model.layers if layer.kind == "dropout"]
    if [d.name for d in s_drop] != [d.name for d in t_drop]:  # pragma: no cover - shared recipe
        raise RuntimeError("lockstep: the two backends' dropout layers differ")

    batches = _batches(x.shape[0], batch_size, np.random.default_rng([seed, 1]))
    mask_rng = np.random.default_rng([seed, 2])
    per_step: list[dict[str, Any]] = []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        idx = next(batches)
        xb, yb = x[idx].astype(dtype), y[idx]
        for s_layer, t_layer in zip(s_drop, t_drop, strict=True):
            keep = mask_rng.random((len(idx), s_layer.input_dim)) >= s_layer.rate
            s_layer.set_mask(keep)
            t_layer.set_mask(keep)
        loss_s = float(scratch_training.train_step(s_model, s_opt, loss_fn, xb, yb))
        loss_t = float(tf_training.train_step(t_model, t_opt, LOSS, xb, yb))
        if loss_s == loss_t:
            rel = 0.0
        elif loss_t != 0 and math.isfinite(loss_s) and math.isfinite(loss_t):
            rel = abs(loss_s - loss_t) / abs(loss_t)
        else:
            rel = math.inf
        dw = max(
            (
                float(np.max(np.abs(a - b), initial=0.0))
                for a, b in zip(s_model.get_weights(), t_model.get_weights(), strict=True)
            ),
            default=0.0,
        )
        per_step.append(
            {
                "step": step,
                "loss_scratch": loss_s,
                "loss_tf": loss_t,
                "rel_loss_diff": rel,
                "max_abs_weight_diff": dw,
            }
        )
    seconds = time.perf_counter() - start
    for s_layer, t_layer in zip(s_drop, t_drop, strict=True):
        s_layer.set_mask(None)
        t_layer.set_mask(None)

    max_rel = max(r["rel_loss_diff"] for r in per_step)
    max_dw = max(
        (r["max_abs_weight_diff"] for r in per_step),
        key=lambda v: math.inf if math.isnan(v) else v,
    )
    bound = BOUND_FLOAT64 if dtype == "float64" else None
    passed = None if bound is None else bool(max_rel <= bound)
    return {
        "steps": steps,
        "dtype": dtype,
        "max_rel_loss_diff": max_rel,
        "max_abs_weight_diff": max_dw,
        "per_step": per_step,
        "hyperparameters": hyper,
        "batch_size": batch_size,
        "seed": seed,
        "bound": bound,
        "passed": passed,
        "seconds": seconds,
        "n_train": int(x.shape[0]),
    }


# ------------------------------------------------------------------------------ report


def _growth_lines(result: dict[str, Any], lang: str = "en") -> list[str]:
    """How the float32 gap grows: the worst relative loss difference and |dw| up to a few steps."""
    rows = result["per_step"]
    marks = [s for s in (1, 10, 100, 1000, 10_000) if s < len(rows)] + [len(rows)]
    worst_rel = np.maximum.accumulate([r["rel_loss_diff"] for r in rows])
    worst_dw = np.maximum.accumulate([r["max_abs_weight_diff"] for r in rows])
    sep = "、" if lang == "ja" else "; "
    parts = [
        t(lang, "ls_growth_part", step=s, rel=worst_rel[s - 1], dw=worst_dw[s - 1]) for s in marks
    ]
    out = [t(lang, "ls_growth", parts=sep.join(parts))]
    if len(rows) > 1 and worst_dw[0] > 0:
        growth = worst_dw[-1] / worst_dw[0]
        out.append(t(lang, "ls_grew", growth=growth, steps=len(rows)))
    return out


def format_report(result: dict[str, Any], config: Any, lang: str = "en") -> str:
    """The human-readable report in ``lang``: header, table, summary (and verdict for
    float64)."""
    hyper = result["hyperparameters"]
    lines = []
    drop = (
        t(lang, "ls_dropout", rate=config.dropout_rate, placement=config.dropout_placement)
        if config.dropout_rate
        else t(lang, "ls_no_dropout")
    )
    lines.append(
        t(
            lang,
            "ls_header",
            layers=config.hidden_layers,
            units=config.units,
            activation=config.activation,
            init=config.kernel_initializer,
            bn=t(lang, "ls_batch_norm" if config.batch_norm else "ls_no_batch_norm"),
            drop=drop,
            optimizer=config.optimizer,
            dtype=result["dtype"],
            batch=result["batch_size"],
            seed=result["seed"],
            steps=result["steps"],
            n=result["n_train"],
        )
    )
    lines.append(t(lang, "ls_same"))
    given = ", ".join(f"{k} {v!r}" for k, v in hyper["tf"].items())
    used = ", ".join(f"{k} {v!r}" for k, v in hyper["scratch"].items())
    if hyper["mode"] == "keras_rounded":
        lines.append(t(lang, "ls_rounded", used=used, given=given))
    else:
        effective = ", ".join(f"{k} {v!r}" for k, v in hyper["keras_effective"].items())
        lines.append(t(lang, "ls_exact", used=used, effective=effective))
    lines.append("")
    columns = [("ls_col_step", 6), ("ls_col_scratch", 20), ("ls_col_tf", 20), ("ls_col_rel", 9),
               ("ls_col_dw", 9)]  # fmt: skip
    widths = [max(w, width(t(lang, key))) for key, w in columns]
    header = "  ".join(
        pad(t(lang, key), w, True) for (key, _), w in zip(columns, widths, strict=True)
    )
    lines.append(header)
    lines.append("-" * width(header))
    w0, w1, w2, w3, w4 = widths
    for s in table_steps(result["steps"]):
        r = result["per_step"][s - 1]
        lines.append(
            f"{r['step']:>{w0}}  {r['loss_scratch']:>{w1}.15f}  {r['loss_tf']:>{w2}.15f}  "
            f"{r['rel_loss_diff']:>{w3}.2e}  {r['max_abs_weight_diff']:>{w4}.2e}"
        )
    lines.append("")
    summary = t(
        lang,
        "ls_summary",
        rel=result["max_rel_loss_diff"],
        dw=result["max_abs_weight_diff"],
        steps=result["steps"],
        seconds=result["seconds"],
    )
    if result["bound"] is None:
        lines.append(t(lang, "ls_float32", summary=summary))
        lines.append(t(lang, "ls_float32_why"))
        lines.extend("  " + line for line in _growth_lines(result, lang))
        lines.append(t(lang, "ls_float64_hint"))
    else:
        verdict = t(lang, "ls_pass" if result["passed"] else "ls_fail")
        lines.append(t(lang, "ls_verdict", summary=summary, verdict=verdict, bound=result["bound"]))
        if not result["passed"] and hyper["mode"] == "exact":
            lines.append(t(lang, "ls_exact_fail"))
    return "\n".join(lines)


JSON_KEYS = (
    "steps",
    "dtype",
    "max_rel_loss_diff",
    "max_abs_weight_diff",
    "per_step",
    "hyperparameters",
    "batch_size",
    "seed",
    "bound",
    "passed",
)
"""What ``--json`` prints of a lockstep result (both the plain and the ``--impl workspace`` run)."""


def run_cli(args: argparse.Namespace) -> int:
    """``katas compare lockstep ...``: print the report (or one JSON object); 0 pass, 1 fail.
    ``--impl workspace``: the scratch side runs the learner's solved katas, in a child process
    (:func:`katas.engine.learner_run.lockstep_cli`)."""
    from scratch.networks import GUIDELINES

    if getattr(args, "impl", None) is not None:
        from katas.engine.learner_run import lockstep_cli

        return lockstep_cli(args)

    given = {  # flags left out take run_lockstep's defaults (one place for them)
        name: getattr(args, name)
        for name in ("steps", "dtype", "batch_size", "seed")
        if getattr(args, name) is not None
    }
    result = run_lockstep(
        GUIDELINES,
        **given,
        exact_hyperparameters=bool(args.exact_hyperparameters),
        data_path=args.data,
    )
    if args.json:
        keys = JSON_KEYS
        # strict JSON: a diverged step's NaN/inf becomes null, listed under "non_finite"
        print(jsonout.dumps({k: result[k] for k in keys}))
    else:
        print(format_report(result, GUIDELINES, lang_of(args)))
    return 1 if result["passed"] is False else 0
