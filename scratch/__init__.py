"""scratch: a from-scratch NumPy core for Chapter 11 of Hands-On ML (training deep nets).

Modules, in learning order: ``initializers``, ``activations``, ``losses``, ``layers``,
``models``, ``optimizers``, ``training``. Each is mirrored, name for name, by ``tf_ref``.
Only NumPy (and Numba, where a measurement justified it) is imported here.
"""

__version__ = "0.1.0"
