"""dnn-katas: learn how deep nets are trained by rebuilding Chapter 11 of Hands-On ML.

The package holds the learner-facing side: the ``katas`` command line, the MNIST loader shared by
both backends, and the book's exercises run through ``scratch`` and ``tf_ref``.
"""

__version__ = "0.1.0"
