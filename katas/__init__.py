"""dnn-katas: learn how deep nets are trained by rebuilding Chapter 11 of Hands-On ML.

The package holds the learner-facing side: the ``katas`` command line, the MNIST loader shared by
both backends, and the book's exercises run through ``scratch`` and ``tf_ref``.
"""

import os

# Set before NumPy is first imported: see scratch/__init__.py for the measurement.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
