"""Test-suite configuration shared by every test module."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's C++ start-up chatter hides failures

from hypothesis import HealthCheck, Phase, settings

# TensorFlow's first call of a shape traces a graph (hundreds of ms): a per-example deadline would
# flake, so none. 30 examples per property keeps the whole suite well inside 10 minutes on 2 cores;
# DNN_KATAS_HYPOTHESIS=thorough runs 300 for a deeper search before a release.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=300)
# For test_mutants_caught: a planted bug needs one failing example, not a minimal one, so the
# shrink phase (most of the time a failing property test takes) is skipped.
settings.register_profile(
    "mutant",
    parent=settings.get_profile("default"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
)
settings.load_profile(os.environ.get("DNN_KATAS_HYPOTHESIS", "default"))
