"""Strict JSON for everything the CLI prints or writes: no bare ``NaN`` or ``Infinity``.

Python's ``json.dumps`` writes ``NaN``/``Infinity`` by default, which is not JSON (RFC 8259):
``jq``, JavaScript's ``JSON.parse`` and most other readers refuse the whole document. A diverged
run is exactly when such numbers appear, and exactly when its report must still be readable.
So every non-finite float is written as ``null`` and listed, with its value, under the
top-level key :data:`NON_FINITE_KEY` (``{"scratch.history.val_loss[3]": "nan", ...}``), and the
text is produced with ``allow_nan=False`` so a forgotten case raises instead of writing bad JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

NON_FINITE_KEY = "non_finite"
"""Top-level key listing every number written as null because it was NaN or infinite."""


def strict(value: Any, path: str = "", found: dict[str, str] | None = None) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (recorded in ``found`` under its
    dotted path); NumPy scalars and arrays become plain Python numbers and lists."""
    found = {} if found is None else found
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        found[path or "."] = repr(value)  # 'nan', 'inf', '-inf'
        return None
    if isinstance(value, dict):
        return {k: strict(v, f"{path}.{k}" if path else str(k), found) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`strict` ``(value)``; a dict gets :data:`NON_FINITE_KEY` added when
    any number had to be nulled (and only then, so well-behaved output keeps its schema)."""
    found: dict[str, str] = {}
    clean = strict(value, "", found)
    if found and isinstance(clean, dict):
        clean[NON_FINITE_KEY] = found
    return json.dumps(clean, allow_nan=False, **kwargs)
