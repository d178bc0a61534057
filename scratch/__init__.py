"""scratch: a from-scratch NumPy core for Chapter 11 of Hands-On ML (training deep nets).

Modules, in learning order: ``initializers``, ``activations``, ``losses``, ``layers``,
``models``, ``optimizers``, ``training``. Each is mirrored, name for name, by ``tf_ref``.
The maths imports only NumPy (and Numba, where a measurement justified it); the plumbing also
uses threadpoolctl (``threads``: one BLAS thread while training, whatever was imported first).
"""

__version__ = "0.1.0"
