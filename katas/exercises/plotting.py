"""The exercises' figures, written as PNG files (matplotlib's Agg backend: no display needed).

* :func:`learning_curves`: training loss, validation loss and validation accuracy per epoch,
  one line per run, a dotted line at the epoch whose weights were kept (exercise 8);
* :func:`bars`: one bar per variant and backend with its mean, an error bar of one standard
  deviation over seeds, and a reference value (the book's) marked on each bar (exercise 9);
* :func:`tiles`: images (or RBM filters) as a grid of 28 x 28 tiles; :func:`epoch_lines`: a
  per-epoch quantity, one line per run (the pretraining experiment).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, file: Path) -> Path:
    plt = _pyplot()
    try:
        fig.savefig(file, dpi=110)
    finally:
        plt.close(fig)
    return file


def learning_curves(
    runs: Sequence[tuple[str, dict[str, list[float]], int | None]],
    file: Path,
    title: str,
    trials: Sequence[tuple[str, list[int], list[float]]] = (),
) -> Path:
    """Three panels (training loss, validation loss on a log scale, validation accuracy) with
    one line per run ``(label, history, kept epoch 1-based or None)``; with ``trials``
    (``(label, trial numbers, best validation accuracies)``) a fourth panel of those points."""
    plt = _pyplot()
    n_panels = 4 if trials else 3
    fig, axes = plt.subplots(1, n_panels, figsize=(4.2 * n_panels, 3.6))
    for label, hist, best in runs:
        epochs = np.arange(1, len(hist.get("loss", [])) + 1)
        axes[0].plot(epochs, hist.get("loss", []), label=f"{label} train")
        axes[1].plot(epochs, hist.get("val_loss", []), label=f"{label} valid")
        (line,) = axes[2].plot(epochs, hist.get("val_accuracy", []), label=label)
        if best is not None:  # the epoch whose weights were kept (early stopping)
            for ax in axes[:3]:
                ax.axvline(best, color=line.get_color(), linestyle=":", linewidth=1)
    for label, numbers, accuracies in trials:
        axes[3].plot(numbers, accuracies, "o", label=label)
    titles = ["training loss", "validation loss", "validation accuracy", "trials (val acc)"]
    for ax, panel in zip(axes, titles, strict=False):
        ax.set_title(panel)
        ax.set_xlabel("trial" if panel.startswith("trials") else "epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    axes[1].set_yscale("log")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, file)


def bars(
    groups: Sequence[str],
    series: dict[str, tuple[Sequence[float | None], Sequence[float | None]]],
    reference: Sequence[float | None],
    file: Path,
    title: str,
    ylabel: str = "test accuracy",
    reference_label: str = "book",
) -> Path:
    """Grouped bars: for each group (a variant) one bar per series (a backend) at its mean, with
    an error bar of its standard deviation, and ``reference[i]`` marked as a black line across
    group i. ``series``: {label: (means, sds)}, each parallel to ``groups``; None draws nothing
    (a variant that failed)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * len(groups) + 2), 4.2))
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for i, (label, (means, sds)) in enumerate(series.items()):
        pos = x - 0.4 + width * (i + 0.5)
        m = np.array([np.nan if v is None else v for v in means], dtype=float)
        s = np.array([0.0 if v is None else v for v in sds], dtype=float)
        ax.bar(pos, m, width, yerr=s, capsize=3, label=label)
    marked = False
    for i, ref in enumerate(reference):
        if ref is not None:
            ax.hlines(
                ref,
                i - 0.45,
                i + 0.45,
                colors="k",
                linewidth=2,
                label=None if marked else reference_label,
            )
            marked = True
    finite = [v for (means, _) in series.values() for v in means if v is not None]
    finite += [v for v in reference if v is not None]
    low = min(finite, default=0.0)
    ax.set_ylim(max(0.0, low - 0.1), 1.0)
    ax.set_xticks(x, groups, rotation=15)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return _save(fig, file)


def tiles(
    images: np.ndarray,
    file: Path,
    title: str,
    columns: int = 10,
    symmetric: bool = False,
) -> Path:
    """``images`` (n, 784) as a grid of 28 x 28 tiles, ``columns`` per row, row-major. Grey
    scale from 0 to 1, or with ``symmetric`` (weights) centred on 0 at +- the largest
    magnitude of each tile (so each filter's shape shows whatever its scale)."""
    plt = _pyplot()
    images = np.asarray(images, dtype=float).reshape(len(images), 28, 28)
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(0.9 * columns, 0.9 * rows + 0.6))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes:
        ax.set_axis_off()
    for ax, image in zip(axes, images, strict=False):
        if symmetric:
            limit = float(np.abs(image).max()) or 1.0
            ax.imshow(image, cmap="gray", vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, file)


def epoch_lines(
    lines: Sequence[tuple[str, Sequence[float]]], file: Path, title: str, ylabel: str
) -> Path:
    """One line per ``(label, per-epoch values)`` against the epoch (1-based)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, values in lines:
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    if lines:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, file)
