"""What each loss trains towards: its targets, its metrics, what its outputs mean (plumbing,
TF-free, shared by both backends' ``fit``/``evaluate``).

A loss is more than a formula: ``sparse_softmax_cross_entropy`` wants class labels and reports
accuracy, ``sigmoid_binary_cross_entropy`` wants 0/1 labels (a same/different pair, book
exercise 10), ``sigmoid_cross_entropy`` wants values in [0, 1] such as MNIST pixels (an
autoencoder's reconstruction, book chapter 15), ``mean_squared_error`` any real values. Each
``LossSpec`` says which, checks a whole target array once (``check_targets``, before training
starts), names the metrics that make sense (``metric_values``) and turns model outputs into
predictions (``predictions``: softmax, sigmoid or identity).

- sparse_softmax_cross_entropy: "labels", (N,) ints in [0, D); accuracy; softmax.
- sigmoid_binary_cross_entropy: "binary", exactly 0/1, (N, D) or (N,) if D == 1;
  binary_accuracy; sigmoid.
- sigmoid_cross_entropy: "unit_interval", floats in [0, 1], (N, D) or (N,) if D == 1;
  mean_squared_error (of sigmoid(z) vs t); sigmoid.
- mean_squared_error: "real", finite numbers, (N, D) or (N,) if D == 1; no metric; identity.

Non-label targets come back as a 2-D float array in the model's dtype ((N,) becomes (N, 1)),
so the loss sees targets shaped like its outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratch.checks import check_choice, check_labels

KINDS = ("labels", "binary", "unit_interval", "real")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow: exp of -|z| only."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row max so exp() never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose highest logit is the label (``in_top_k(logits, y, 1)``).

    Ties go to the lowest index here; TF's in_top_k counts a tie as a hit. With float logits from
    a trained net ties do not happen in practice.
    """
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def binary_accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    """mean((z > 0) == (t == 1)) over all entries: sigmoid(z) > 0.5 read as class 1 (Keras'
    ``BinaryAccuracy`` with threshold 0.5 on probabilities, here on logits)."""
    return float(np.mean((logits > 0) == (targets == 1)))


def sigmoid_mean_squared_error(logits: np.ndarray, targets: np.ndarray) -> float:
    """mean((sigmoid(z) - t)^2) over all entries: how far a reconstruction's pixels are."""
    return float(np.mean((_sigmoid(logits) - targets) ** 2))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "mean_squared_error": sigmoid_mean_squared_error,
}


@dataclass(frozen=True)
class LossSpec:
    """A loss's contract: ``kind`` of targets ("labels" | "binary" | "unit_interval" |
    "real"), ``targets`` (words for errors and docs), ``metrics`` (names in ``METRICS``) and
    ``output_activation`` ("softmax" | "sigmoid" | "linear": predictions = f(outputs))."""

    name: str
    kind: str
    targets: str
    metrics: tuple[str, ...]
    output_activation: str

    def __post_init__(self) -> None:
        check_choice(self.kind, "kind", KINDS)
        check_choice(self.output_activation, "output_activation", OUTPUT_ACTIVATIONS)
        for metric in self.metrics:
            check_choice(metric, "metrics", METRICS)

    def check_targets(
        self,
        y: Any,
        name: str,
        *,
        n_rows: int | None = None,
        output_dim: int | None = None,
        dtype: Any = None,
    ) -> np.ndarray:
        """``y`` checked as this loss's targets, or a TypeError/ValueError naming ``name``, the
        loss, what it expects and what came.

        labels: ``check_labels`` ((N,) ints in [0, output_dim)). Otherwise a numeric array
        (float, int or bool; never strings, objects or complex), finite, of N rows, (N, D)
        with D == output_dim or (N,) when D == 1 (returned (N, 1)); "binary" exactly 0 or 1,
        "unit_interval" in [0, 1]. Returned in ``dtype`` (the model's; float64 when None and
        the input is not float32/64). ``output_dim`` None (model not built yet) checks all but
        the width.
        """
        if self.kind == "labels":
            return check_labels(y, name, n_classes=output_dim, n_rows=n_rows)
        wants = f"loss {self.name!r} expects {self.targets}"
        if not isinstance(y, (np.ndarray, list, tuple)) and not np.isscalar(y):
            raise TypeError(f"{name}: {wants}; got {type(y).__name__}")
        try:
            y = np.asarray(y)
        except ValueError as err:  # ragged nested lists
            raise ValueError(f"{name}: {wants}; got a ragged (non-rectangular) list") from err
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{name}: {wants}; got an array of dtype {y.dtype}")
        if y.ndim == 1:
            if output_dim is not None and output_dim != 1:
                raise ValueError(
                    f"{name}: {wants}; got shape {y.shape}, but the model has {output_dim} "
                    f"outputs: pass targets of shape ({y.shape[0]}, {output_dim})"
                )
            y = y.reshape(-1, 1)  # a 1-unit output's targets
        elif y.ndim != 2:
            raise ValueError(f"{name}: {wants}; got shape {y.shape}")
        elif output_dim is not None and y.shape[1] != output_dim:
            raise ValueError(
                f"{name}: {wants}; got shape {y.shape}, but the model has {output_dim} "
                f"outputs (expected ({y.shape[0]}, {output_dim}))"
            )
        if n_rows is not None and y.shape[0] != n_rows:
            raise ValueError(
                f"{name}: expected {n_rows} rows of targets (one per row of x), got {y.shape[0]}"
            )
        if y.size == 0:
            raise ValueError(f"{name}: {wants}; got an empty array of shape {y.shape}")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            bad = int(y.size - np.count_nonzero(np.isfinite(y)))
            raise ValueError(f"{name}: {wants}; got {bad} NaN or infinite entries")
        if self.kind == "binary":
            off = (y != 0) & (y != 1)
            if off.any():
                raise ValueError(
                    f"{name}: {wants}; got {int(off.sum())} entries that are neither 0 nor 1 "
                    f"(e.g. {y[off][0].item()!r}); for soft targets in [0, 1] use "
                    "loss='sigmoid_cross_entropy'"
                )
        if self.kind == "unit_interval" and (y.min() < 0 or y.max() > 1):
            low, high = float(y.min()), float(y.max())
            hint = " (scale pixels with x / 255 first)" if high > 1 else ""
            raise ValueError(f"{name}: {wants}; got values in [{low!r}, {high!r}]{hint}")
        out_dtype = np.dtype(dtype) if dtype is not None else None
        if out_dtype is None:
            out_dtype = y.dtype if y.dtype.kind == "f" and y.dtype.itemsize >= 4 else np.float64
        if y.dtype != out_dtype:
            with np.errstate(over="ignore"):  # an overflow is reported below, by name
                cast = y.astype(out_dtype)
            if not np.isfinite(cast).all():
                raise ValueError(
                    f"{name}: expected values that fit {out_dtype}, got some that overflow"
                )
            y = cast
        return y


SPECS: dict[str, LossSpec] = {
    spec.name: spec
    for spec in (
        LossSpec(
            "sparse_softmax_cross_entropy",
            "labels",
            "class labels (N,) int in [0, K) for K outputs",
            ("accuracy",),
            "softmax",
        ),
        LossSpec(
            "sigmoid_binary_cross_entropy",
            "binary",
            "binary labels exactly 0 or 1 (int, bool or float), (N, D) like the outputs "
            "or (N,) for one output",
            ("binary_accuracy",),
            "sigmoid",
        ),
        LossSpec(
            "sigmoid_cross_entropy",
            "unit_interval",
            "targets in [0, 1] (e.g. pixels), (N, D) like the outputs or (N,) for one output",
            ("mean_squared_error",),
            "sigmoid",
        ),
        LossSpec(
            "mean_squared_error",
            "real",
            "finite real targets, (N, D) like the outputs or (N,) for one output",
            (),
            "linear",
        ),
    )
}


def get_spec(name: str) -> LossSpec:
    """The ``LossSpec`` of a loss name; an unknown name is refused with the valid ones."""
    return SPECS[check_choice(name, "loss", SPECS)]


def metric_values(spec: LossSpec, outputs: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """{metric: value} for ``spec``'s metrics, on model outputs (N, D) and checked targets
    (``check_targets``); NumPy, the same numbers for both backends."""
    return {metric: METRICS[metric](outputs, y) for metric in spec.metrics}


def predictions(spec: LossSpec, outputs: np.ndarray) -> np.ndarray:
    """What the outputs (N, D) predict: softmax (class probabilities), sigmoid (probabilities
    or pixel intensities) or the outputs themselves (regression)."""
    if spec.output_activation == "softmax":
        return _softmax(outputs)
    if spec.output_activation == "sigmoid":
        return _sigmoid(outputs)
    return np.array(outputs, copy=True)
