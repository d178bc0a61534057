"""Numba twins of scratch's hot elementwise maths, and the switch that picks them.

The pattern is minitorch's ``fast_ops.py``: the readable NumPy function in the maths module
(``scratch.layers``, ``scratch.optimizers``, ``scratch.rbm``...) *defines* what is computed;
``scratch.fast.<same module name>`` holds its jitted twin, which fuses a chain of elementwise
steps into one pass over memory and writes into buffers it is given instead of allocating.
``tests/test_fast_*.py`` hold each twin equal to its definition.

Which path runs is one process-wide setting, ``KERNELS``:

- ``"numba"`` (the default): the layers, optimizers and RBM call the twins;
- ``"numpy"``: they call the NumPy definitions only, the path a learner reads (and the one the
  kata engine installs a learner's own functions into).

Who decides, in order: ``use(name)`` (a context manager) or ``set_kernels(name)``; else the
environment variable ``DNN_KATAS_KERNELS`` read at import; else ``"numba"``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

KERNELS = ("numba", "numpy")
ENV_VAR = "DNN_KATAS_KERNELS"


def _check(name: object, where: str) -> str:
    if not isinstance(name, str) or name not in KERNELS:
        raise ValueError(f"{where}: expected one of {', '.join(KERNELS)}, got {name!r}")
    return name


_active: str | None = None  # None: not chosen yet, the environment decides on first use


def active() -> str:
    """The kernels in use now: "numba" or "numpy" (a bad ``$DNN_KATAS_KERNELS`` is a
    ValueError naming it, raised here rather than at import)."""
    global _active
    if _active is None:
        _active = _check(os.environ.get(ENV_VAR, "numba").strip() or "numba", f"${ENV_VAR}")
    return _active


def enabled() -> bool:
    """True when the Numba twins run (``active() == "numba"``)."""
    return (_active or active()) == "numba"


def set_kernels(name: str | None) -> str | None:
    """Select the kernels process-wide ("numba" or "numpy"; None: the environment decides
    again); returns the previous setting (None when it was the environment's), for a later
    ``set_kernels(previous)``. It does not read the environment: it replaces it."""
    global _active
    previous = _active
    _active = None if name is None else _check(name, "kernels")
    return previous


def module(name: str) -> Any:
    """``scratch.fast.<name>`` (its kernels), imported on first use: Numba loads only when a
    kernel is about to run, so ``import scratch`` stays light."""
    found = _modules.get(name)
    if found is None:
        found = _modules[name] = importlib.import_module(f"scratch.fast.{name}")
        # Numba's first kernel call loads SciPy's BLAS (scipy.linalg.cython_blas, for its own
        # np.linalg): load it now and give it the BLAS limit in force (scratch.threads).
        with contextlib.suppress(ImportError):
            importlib.import_module("scipy.linalg.cython_blas")
        from scratch import threads

        threads.limit_new_libraries()
    return found


_modules: dict[str, Any] = {}


@contextmanager
def use(name: str) -> Iterator[None]:
    """``with use("numpy"): ...`` runs the block on that path and restores the previous one."""
    previous = set_kernels(name)
    try:
        yield
    finally:
        set_kernels(previous)
