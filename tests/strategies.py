"""Hypothesis strategies shared by several test modules (one home for each, as minitorch's
``tests/strategies.py``)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def f32(lo: float, hi: float, log: bool = False) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] rounded to the nearest float32, i.e. exact after Keras' float32 cast."""
    if log:
        strategy = st.floats(np.log2(lo), np.log2(hi)).map(lambda e: 2.0**e)
    else:
        strategy = st.floats(lo, hi)
    return strategy.map(lambda v: float(np.float32(v))).filter(lambda v: lo <= v <= hi)
