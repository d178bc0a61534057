"""What ``katas bench`` times: the workloads, their configurations (one subprocess each) and
their data.

A *configuration* is one workload at one batch size, run in its own process
(``katas.bench.worker``) with every contender of that workload alternated inside it. This
module is NumPy-free at import (the CLI's parser imports it for the names); the data loaders
import NumPy and the data package when called.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: The classifier nets: exercise 8's (784-100x5-5, ELU, He normal, Adam 0.001, no
#: batch norm, no dropout) and the practical guidelines' (``NetworkConfig()``'s defaults: batch
#: norm, dropout 0.5 on every hidden layer's input, Nesterov 0.9, lr 0.01).
NETS = ("ex8", "guidelines")
MLP_BATCHES = (20, 50, 500)
MLP_CONTENDERS = ("scratch", "scratch-numpy", "keras", "tf_ref")
#: RBM 784 x 256, batch 100: CD-1 (momentum 0.5, weight decay 1e-4, as a DBN trains it) and
#: scikit-learn's PCD-1 (``method="sklearn"``: its algorithm bit for bit), the one scikit-learn
#: itself runs, so only that configuration has the scikit-learn contenders.
RBM_HIDDEN = 256
RBM_BATCH = 100
RBM_METHODS = {
    "cd": ("scratch", "scratch-numpy", "tf_ref"),
    "sklearn": ("scratch", "scratch-numpy", "sklearn-float32", "sklearn-float64", "tf_ref"),
}
#: The book's stacked autoencoder (ch. 15): 784-300-150-300-784, ELU, He normal, linear
#: outputs under the sigmoid cross-entropy, Adam 0.001, batch 150 (``scratch.autoencoders``'
#: defaults, joint training).
AE_HIDDEN = (300, 150)
AE_BATCH = 150
AE_CONTENDERS = ("scratch", "scratch-numpy", "keras", "tf_ref")

#: ``--workloads`` names, in the order they run.
WORKLOADS = (*NETS, "rbm", "autoencoder")
#: Every contender name ``--contenders`` accepts.
CONTENDERS = ("scratch", "scratch-numpy", "keras", "tf_ref", "sklearn-float32", "sklearn-float64")
#: Contenders that import TensorFlow.
TF_CONTENDERS = ("keras", "tf_ref")

#: Rows and rounds: the full run, and ``--quick`` (every workload, a small slice of the data).
FULL = {"rows": None, "rounds": 3, "warmup": 1}
QUICK = {"rows": 1000, "rounds": 1, "warmup": 1}


@dataclass(frozen=True)
class Configuration:
    """One subprocess: ``workload`` at ``batch_size``, these ``contenders`` alternated over
    ``rounds`` timed rounds after ``warmup`` untimed ones. ``rows``: the first rows of the
    workload's data (None: all of it); ``data``: an MNIST path (None: the cache);
    ``synthetic``: random images of the same shapes instead of MNIST (tests);
    ``blas_threads``: NumPy's BLAS threads forced on every contender that uses it (scratch,
    scikit-learn; None: each its own default); ``tf_threads``: TensorFlow's intra- and inter-op
    threads (None: TensorFlow's default)."""

    id: str
    workload: str
    kind: str  # "mlp" | "rbm" | "ae"
    batch_size: int
    contenders: tuple[str, ...]
    rounds: int
    warmup: int
    rows: int | None = None
    data: str | None = None
    synthetic: bool = False
    blas_threads: int | None = None
    tf_threads: int | None = None
    method: str | None = None  # the RBM's
    #: thread counts the worker measures the SGEMM rate at, before it builds any contender
    floor_threads: tuple[int, ...] = (1,)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (what the worker gets on its command line)."""
        out = asdict(self)
        out["contenders"] = list(self.contenders)
        out["floor_threads"] = list(self.floor_threads)
        return out

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Configuration:
        return cls(
            **{
                **value,
                "contenders": tuple(value["contenders"]),
                "floor_threads": tuple(value.get("floor_threads", (1,))),
            }
        )


def plan(
    workloads: tuple[str, ...],
    contenders: tuple[str, ...],
    *,
    rounds: int,
    warmup: int,
    rows: int | None,
    data: str | None,
    synthetic: bool,
    blas_threads: int | None,
    tf_threads: int | None,
) -> list[Configuration]:
    """Every configuration of ``workloads`` with the ``contenders`` kept (in the workload's own
    order); a configuration left with no contender is dropped."""
    common = dict(
        rounds=rounds, warmup=warmup, rows=rows, data=data, synthetic=synthetic,
        blas_threads=blas_threads, tf_threads=tf_threads,
    )  # fmt: skip

    def keep(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for n in names if n in contenders)

    out: list[Configuration] = []
    for workload in workloads:
        if workload in NETS:
            for batch in MLP_BATCHES:
                out.append(
                    Configuration(
                        f"{workload}-b{batch}",
                        workload,
                        "mlp",
                        batch,
                        keep(MLP_CONTENDERS),
                        **common,
                    )
                )
        elif workload == "rbm":
            for method, names in RBM_METHODS.items():
                out.append(
                    Configuration(
                        f"rbm-{method}",
                        workload,
                        "rbm",
                        RBM_BATCH,
                        keep(names),
                        method=method,
                        **common,
                    )
                )
        elif workload == "autoencoder":
            out.append(
                Configuration(
                    "autoencoder", workload, "ae", AE_BATCH, keep(AE_CONTENDERS), **common
                )
            )
    return [c for c in out if c.contenders]


# ----------------------------------------------------------------------------- data


def _split(config: Configuration) -> Any:
    """The book's 55k / 5k / 10k split of MNIST (``config.data`` or the cache)."""
    from katas import data

    return data.book_split(data.load_mnist(config.data))


def _first(x: Any, rows: int | None, what: str) -> Any:
    """The first ``rows`` rows of ``x``; more than it has is an error, not a silent cut."""
    if rows is not None and rows > len(x):
        from katas.errors import UserError

        raise UserError(
            f"--rows {rows}: the {what} has only {len(x)} rows",
            ja=f"--rows {rows}: {what} には {len(x)} 行しかありません",
        )
    return x if rows is None else x[:rows]


def _synthetic(rows: int, seed: int = 0) -> Any:
    import numpy as np

    return np.random.default_rng(seed).random((rows, 784), dtype=np.float32)


def classifier_data(config: Configuration) -> tuple[Any, Any]:
    """(x, y): the training split's digits 0-4 (28,076 rows of 784 float32 pixels in [0, 1],
    labels 0-4), or ``config.rows`` random rows with labels ``i % 5`` when synthetic."""
    import numpy as np

    if config.synthetic:
        rows = config.rows or QUICK["rows"]
        return _synthetic(rows), np.arange(rows) % 5
    from katas import data

    split = _split(config)
    x, y = data.filter_digits(split.x_train, split.y_train, range(5))
    return _first(x, config.rows, "digits 0-4 training set"), _first(y, config.rows, "labels")


def rbm_images(path: str | None, rows: int | None = None, binarize: bool = False) -> Any:
    """The 55,000 training and 5,000 validation images, (60000, 784) float32 in [0, 1] (the
    first ``rows``; thresholded at 0.5 with ``binarize``)."""
    import numpy as np

    from katas import data

    split = data.book_split(data.load_mnist(path))
    x = _first(np.concatenate([split.x_train, split.x_valid]), rows, "training + validation set")
    return (x > 0.5).astype(np.float32) if binarize else x


def images(config: Configuration) -> Any:
    """The images a workload trains on: the RBM's 60,000 (training + validation), the
    autoencoder's 55,000 (training); random ones when synthetic."""
    if config.synthetic:
        return _synthetic(config.rows or QUICK["rows"])
    if config.kind == "rbm":
        return rbm_images(config.data, config.rows)
    return _first(_split(config).x_train, config.rows, "training set")


def network_config(net: str) -> Any:
    """The ``scratch.networks.NetworkConfig`` of ``net`` ("ex8" | "guidelines")."""
    from scratch.networks import NetworkConfig

    if net == "ex8":
        return NetworkConfig(
            batch_norm=False, dropout_rate=0.0, optimizer="adam", learning_rate=0.001
        )
    return NetworkConfig()


def widths(config: Configuration) -> tuple[int, ...]:
    """The dense layer widths of a classifier or autoencoder workload, input first."""
    if config.kind == "mlp":
        return (784, 100, 100, 100, 100, 100, 5)
    return (784, *AE_HIDDEN, *AE_HIDDEN[-2::-1], 784)
