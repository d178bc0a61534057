"""scratch: a from-scratch NumPy core for Chapter 11 of Hands-On ML (training deep nets).

Modules, in learning order: ``initializers``, ``activations``, ``losses``, ``layers``,
``models``, ``optimizers``, ``training``. Each is mirrored, name for name, by ``tf_ref``.
Only NumPy (and Numba, where a measurement justified it) is imported here.
"""

import os

# A training step multiplies small matrices (batch 20 x 100 units). BLAS threads buy nothing
# there, and on a busy 2-core machine OpenBLAS' spinning threads make each step ~25x slower
# (measured: 1.3 ms vs 31 ms per step with one other process running). One thread, unless the
# user chose otherwise; it only takes effect if NumPy was not imported before scratch.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
