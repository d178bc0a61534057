"""How many threads BLAS may use while a model trains (plumbing, shared with tf_ref).

A training step multiplies small matrices (a batch of 20 rows times a 100-unit layer): BLAS
threads buy nothing there, and on a busy machine OpenBLAS' spinning worker threads make every
step several times slower. Measured with ``python -m katas.bench.blas_threads`` (exercise-8 net,
batch 20, TensorFlow loaded in the same process, 2 cores, one of them kept busy by another
process): 5,700 samples/s with OpenBLAS' default of one thread per core, 19,100 with one thread;
on an idle machine 15,900 against 19,500. So ``fit`` runs its loop with one BLAS thread.

The limit is set with threadpoolctl, which talks to the BLAS library NumPy has already loaded:
unlike the environment variable ``OPENBLAS_NUM_THREADS``, it works whatever was imported first.
It is scoped: the previous setting comes back when ``fit`` returns. Who decides, in order:

1. the ``blas_threads`` argument of ``fit`` (or of :func:`blas_threads`): a positive int is that
   many threads; ``-1`` leaves BLAS alone (its own default, or your own threadpoolctl limit);
2. the environment variable ``DNN_KATAS_BLAS_THREADS``, read at every call: same values;
3. if you set ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` yourself,
   that choice is kept (BLAS is left alone);
4. otherwise one thread.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import numpy as np

ENV_VAR = "DNN_KATAS_BLAS_THREADS"
#: BLAS libraries read these themselves at start-up; a user who set one has made a choice.
BLAS_ENV_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
DEFAULT_BLAS_THREADS = 1
LEAVE_ALONE = -1
F = TypeVar("F", bound=Callable[..., Any])


def _parse(value: object, name: str) -> int:
    """A thread count: an int >= 1, or -1 (leave BLAS alone)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            raise ValueError(
                f"{name}: expected a positive integer or -1 (leave BLAS alone), got {text!r}"
            ) from None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name}: expected a positive integer or -1 (leave BLAS alone), got {value!r}"
        )
    if value < 1 and value != LEAVE_ALONE:
        raise ValueError(
            f"{name}: expected a positive integer or -1 (leave BLAS alone), got {value!r}"
        )
    return int(value)


def resolve_blas_threads(blas_threads: int | None = None) -> int:
    """The thread count ``fit`` will use: the argument, else ``$DNN_KATAS_BLAS_THREADS``, else
    -1 if the user set a BLAS variable (``OPENBLAS_NUM_THREADS``...), else 1. -1 = leave BLAS
    alone."""
    if blas_threads is not None:
        return _parse(blas_threads, "blas_threads")
    env = os.environ.get(ENV_VAR)
    if env is not None and env.strip():
        return _parse(env, ENV_VAR)
    if any(os.environ.get(var, "").strip() for var in BLAS_ENV_VARS):
        return LEAVE_ALONE
    return DEFAULT_BLAS_THREADS


def _blas_libraries() -> tuple[Any, ...]:
    """threadpoolctl's handles on the BLAS libraries loaded now: NumPy's (loaded at its import,
    before any of this runs), and any other a later import brought (SciPy and scikit-learn
    bring their own OpenBLAS). Looking them up takes a millisecond, so the answer is kept until
    a module is imported: ``len(sys.modules)`` changes with every import."""
    global _found
    loaded = len(sys.modules)
    if _found is None or _found[0] != loaded:
        from threadpoolctl import ThreadpoolController

        libs = ThreadpoolController().lib_controllers
        _found = (len(sys.modules), tuple(lib for lib in libs if lib.user_api == "blas"))
    return _found[1]


_found: tuple[int, tuple[Any, ...]] | None = None


@contextmanager
def blas_threads(n: int | None = None) -> Iterator[int]:
    """Limit the BLAS libraries NumPy uses to ``n`` threads inside the block (``with``), and
    restore their previous setting after it. ``n=None``: :func:`resolve_blas_threads`' choice;
    ``-1``: leave them alone. Yields the limit applied (-1 if none).

    Cheap enough for every training step (a few microseconds: one get and, only when the count
    differs, a set and a restore per library), so ``train_step`` limits BLAS too.
    """
    limit = resolve_blas_threads(n)
    if limit == LEAVE_ALONE:
        yield limit
        return
    libraries = _blas_libraries()
    previous = [lib.get_num_threads() for lib in libraries]
    changed = [(lib, old) for lib, old in zip(libraries, previous, strict=True) if old != limit]
    for lib, _ in changed:
        lib.set_num_threads(limit)
    _scopes.append((limit, {id(lib) for lib in libraries}, changed))
    try:
        yield limit
    finally:
        _scopes.pop()
        for lib, old in changed:
            lib.set_num_threads(old)


#: The limits in force (innermost last): the limit, the libraries it was applied to, and what
#: to restore on exit.
_scopes: list[tuple[int, set[int], list[tuple[Any, int]]]] = []


def limit_new_libraries() -> None:
    """Apply the limit in force to BLAS libraries loaded since it was set (importing Numba
    imports SciPy, which brings its own OpenBLAS: that happens at the first kernel call, inside
    ``fit``), and restore them with the others when the limit ends."""
    if not _scopes:
        return
    limit, known, changed = _scopes[-1]
    for lib in _blas_libraries():
        if id(lib) not in known:
            known.add(id(lib))
            old = lib.get_num_threads()
            if old != limit:
                lib.set_num_threads(limit)
                changed.append((lib, old))


def blas_info() -> list[dict[str, object]]:
    """The BLAS libraries loaded in this process: library, version, kernel, threads now
    (threadpoolctl's ``info()``), for benchmark records."""
    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads")
    return [{k: lib.info().get(k) for k in keys} for lib in _blas_libraries()]


def with_blas_threads(train: F) -> F:
    """Decorate a training function taking a keyword ``blas_threads=None`` (``fit``,
    ``train_step``): run it inside ``blas_threads(blas_threads)``, so both backends' loops and a
    learner's own loop of ``train_step`` calls get the same limit."""

    @functools.wraps(train)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with blas_threads(kwargs.get("blas_threads")):
            return train(*args, **kwargs)

    return cast(F, wrapper)
