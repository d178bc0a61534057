"""scikit-learn's estimator protocol for the unsupervised models (plumbing, TF-free, shared by
both backends' ``BernoulliRBM`` and ``Autoencoder``).

scikit-learn's tools (``clone``, ``Pipeline``, ``check_is_fitted``, ``cross_val_score``,
``GridSearchCV``) ask an estimator for its constructor arguments (``get_params`` /
``set_params``) and, since scikit-learn 1.6, for its tags (``__sklearn_tags__``: what it is and
what it accepts). ``Estimator`` gives all three from the subclass's ``__init__`` signature, and
a repr that lists the arguments that differ from their defaults, as scikit-learn's does. The
subclass stores each constructor argument under its own name and checks them at ``fit``.
"""

from __future__ import annotations

import inspect
from typing import Any


class Estimator:
    """get_params / set_params / repr / scikit-learn tags from ``__init__``'s signature (an
    unsupervised transformer of float arrays: no y required, fit before transform)."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, as stored."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Any:
        """Set constructor arguments by name (checked at the next fit); unknown names refused."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"set_params: unknown parameter {name!r}; expected one of {', '.join(valid)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults.get(k))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags (read by check_is_fitted, cross_val_score, GridSearchCV, ...): a
        transformer (``fit`` then ``transform``) that needs no y and must be fitted first.
        scikit-learn is imported here, when scikit-learn itself asks, not when the model is."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=[]),
            input_tags=InputTags(),
            requires_fit=True,
        )


def _same(a: Any, b: Any) -> bool:
    """``a == b`` of the same type (so 1 and 1.0, or True and 1, differ in the repr)."""
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b
