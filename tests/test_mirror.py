"""The scratch/tf_ref mirror (ARCHITECTURE.md): every module of one has its twin in the other,
with the same public functions and classes, and twin functions take the same parameters (tf_ref
may add trailing ones, such as ``fit``'s device options). The few exceptions are listed here,
each with its reason, so a new one is a decision rather than an accident."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow

ROOT = Path(__file__).resolve().parents[1]
# Shared plumbing that tf_ref imports: argument checks; the BLAS thread limit of both fits;
# what each loss's targets and metrics are (NumPy checks and scores on arrays, no training maths).
ONLY_SCRATCH_MODULES = {
    "checks",
    "threads",
    "targets",
    "pairs",  # exercise 10's pair sampling: NumPy data plumbing that both backends' runs use
    "estimator",  # scikit-learn's protocol (get_params, tags) of the RBM and the Autoencoder
}
ONLY_TF_MODULES = {"device"}  # TF device and tf.distribute strategy selection
ONLY_SCRATCH = {
    # backprop by hand; tf_ref differentiates with tf.GradientTape
    ("models", "forward_layers"),
    ("models", "backward_layers"),
    # Keras' ReduceLROnPlateau callback makes this comparison internally
    ("schedules", "is_improvement"),
}
ONLY_TF = {
    ("models", "add_penalties"),  # Keras keeps weight penalties in model.losses
}
SIGNATURES_DIFFER = {
    # scratch's loss_fn is a loss name or a (outputs, targets) function; tf_ref's loss a name
    # only (it compiles a step for it)
    ("training", "train_step"),
}
MODULES = sorted(
    p.stem
    for p in (ROOT / "scratch").glob("*.py")
    if not p.stem.startswith("_") and p.stem not in ONLY_SCRATCH_MODULES
)


def defined_here(module) -> dict[str, object]:
    """Public functions and classes written in ``module`` itself (not imported into it); names
    starting with ``check_`` are argument checks (plumbing) and do not need a twin."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith(("_", "check_"))
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }


def test_every_module_has_its_twin() -> None:
    scratch = {p.stem for p in (ROOT / "scratch").glob("*.py") if not p.stem.startswith("_")}
    tf_ref = {p.stem for p in (ROOT / "tf_ref").glob("*.py") if not p.stem.startswith("_")}
    assert scratch - tf_ref == ONLY_SCRATCH_MODULES
    assert tf_ref - scratch == ONLY_TF_MODULES


@pytest.mark.parametrize("name", MODULES)
def test_same_public_names_and_parameters(name: str) -> None:
    ours = importlib.import_module(f"scratch.{name}")
    theirs = importlib.import_module(f"tf_ref.{name}")
    missing = {k for k in defined_here(ours) if not hasattr(theirs, k)}
    extra = {k for k in defined_here(theirs) if not hasattr(ours, k)}
    assert missing == {k for m, k in ONLY_SCRATCH if m == name}, f"tf_ref.{name} lacks these"
    assert extra == {k for m, k in ONLY_TF if m == name}, f"scratch.{name} lacks these"
    for key, obj in defined_here(ours).items():
        twin = getattr(theirs, key, None)
        if not inspect.isfunction(obj) or not inspect.isfunction(twin) or twin is obj:
            continue
        a = list(inspect.signature(obj).parameters)
        b = list(inspect.signature(twin).parameters)
        if (name, key) in SIGNATURES_DIFFER:
            assert a != b, f"{name}.{key}: now mirrored; drop it from SIGNATURES_DIFFER"
            continue
        assert b[: len(a)] == a, f"{name}.{key}: scratch takes {a}, tf_ref takes {b}"
