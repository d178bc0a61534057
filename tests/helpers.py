"""Shared test utilities: CS231n-style numerical gradients and relative error.

One implementation serves the project's tests and the katas' tests (katas.engine.testing).
"""

from katas.engine.testing import numerical_gradient, rel_error

__all__ = ["numerical_gradient", "rel_error"]
