"""The property tests against tf_ref catch classic mistakes planted in scratch.

Each case runs one test file in a subprocess with one bug planted (tests/mutants.py) and
requires pytest to report failures. A suite that let one through would prove nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each case runs a property-test file that compares with TensorFlow, in a subprocess (seconds).
pytestmark = [pytest.mark.tf, pytest.mark.slow]

CASES = {
    "fan_out_for_fan_in": "tests/test_initializers.py",
    "no_truncation_factor": "tests/test_initializers.py",
    "elu_grad_one_at_zero": "tests/test_activations.py",
    "softmax_grad_not_divided_by_n": "tests/test_losses.py",
    "adam_without_bias_correction": "tests/test_optimizers.py",
    "nesterov_without_lookahead": "tests/test_optimizers.py",
    "adagrad_accumulator_from_zero": "tests/test_optimizers.py",
    "l2_with_half_factor": "tests/test_regularizers.py",
    "l1_grad_sign_zero_is_one": "tests/test_regularizers.py",
    "max_norm_wrong_axis": "tests/test_clipping.py",
    "plateau_without_patience": "tests/test_schedules.py",
    "clipnorm_applied_globally": "tests/test_clipping.py",
    "bn_unbiased_variance": "tests/test_batchnorm.py",
    "bn_batch_statistics_at_inference": "tests/test_batchnorm.py",
    "dropout_scaled_at_inference": "tests/test_dropout.py",
    "dropout_rate_as_keep_probability": "tests/test_dropout.py",
    "penalty_gradient_not_added": "tests/test_networks.py",
    "penalty_on_frozen_layers": "tests/test_networks.py",
    "constraints_never_applied": "tests/test_networks.py",
}


@pytest.mark.parametrize(("mutant", "test_file"), CASES.items(), ids=list(CASES))
def test_planted_bug_is_caught(mutant: str, test_file: str) -> None:
    env = {**os.environ, "DNN_KATAS_SCRATCH_MUTANT": mutant, "DNN_KATAS_HYPOTHESIS": "mutant"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            test_file,
            "-q",
            "-x",
            "-p",
            "tests.mutants",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1, (
        f"{test_file} did not catch the planted bug {mutant!r} "
        f"(pytest exit {done.returncode}):\n{done.stdout[-2000:]}"
    )
