"""The property tests catch classic mistakes planted in scratch.

Each case runs one test file (or a selection in it) in a subprocess with one bug planted
(tests/mutants.py) and requires pytest to report failures. A suite that let one through would
prove nothing.

``TF_CASES`` are caught by the comparisons with tf_ref (they import TensorFlow). ``CASES`` are
bugs such comparisons cannot see, in plumbing both backends share or in what fit leaves behind,
caught by tests against explicit expectations; each points at the smallest selection that
catches it, TF-free unless the case id ends in "@tf" (case "name@what" plants mutant "name").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

Selection = str | tuple[str, ...]

# Each runs a property-test file that compares with TensorFlow, in a subprocess (seconds); the
# optimizer and plateau cases only the comparison that catches them (the whole file's earlier
# tests took most of their time).
TF_CASES: dict[str, Selection] = {
    "fan_out_for_fan_in": "tests/test_initializers.py",
    "no_truncation_factor": "tests/test_initializers.py",
    "elu_grad_one_at_zero": "tests/test_activations.py",
    "softmax_grad_not_divided_by_n": "tests/test_losses.py",
    "adam_without_bias_correction": ("tests/test_optimizers.py", "-k", "adam_matches_keras"),
    "nesterov_without_lookahead": ("tests/test_optimizers.py", "-k", "sgd_matches_keras"),
    "adagrad_accumulator_from_zero": ("tests/test_optimizers.py", "-k", "adagrad_matches_keras"),
    "l2_with_half_factor": "tests/test_regularizers.py",
    "l1_grad_sign_zero_is_one": "tests/test_regularizers.py",
    "max_norm_wrong_axis": "tests/test_clipping.py",
    "plateau_without_patience": ("tests/test_schedules.py", "-k", "plateau_matches_keras_callback"),
    "clipnorm_applied_globally": "tests/test_clipping.py",
    "bn_unbiased_variance": "tests/test_batchnorm.py",
    "bn_batch_statistics_at_inference": "tests/test_batchnorm.py",
    "dropout_scaled_at_inference": "tests/test_dropout.py",
    "dropout_rate_as_keep_probability": "tests/test_dropout.py",
    "penalty_gradient_not_added": "tests/test_networks.py",
    "penalty_on_frozen_layers": "tests/test_networks.py",
    "constraints_never_applied": "tests/test_networks.py",
    # the TensorFlow half of test_training's replay tests runs scratch's shared plumbing too
    "fit_data_not_cast@tf": ("tests/test_training.py", "-k", "another_dtype and tf_ref"),
    "early_stopping_reset_keeps_the_best@tf": ("tests/test_training.py", "-k", "reused and tf_ref"),
    # optimizer state dtypes: lockstep's float32 tolerance hides float64 slots (the test itself
    # is TF-free, its module imports TensorFlow)
    **dict.fromkeys(
        [
            "slots_in_float64",
            "adagrad_accumulator_in_float64",
            "set_variables_adopts_the_given_arrays",
            "momentum_slot_promoted_by_a_numpy_hyperparameter",
        ],
        ("tests/test_optimizers.py", "-k", "scratch_slots_keep"),
    ),
}


def training(k: str) -> Selection:
    """The scratch half of a test_training selection (TF-free)."""
    return ("tests/test_training.py", "-k", f"({k}) and scratch")


def plumbing(k: str) -> Selection:
    return ("tests/test_plumbing.py", "-k", k)


EARLY_STOPPING = plumbing("early_stopping or restore_best or reset or is_new_best")
CHECKPOINTS = plumbing("checkpoint or failed_write")
CHECKS = plumbing("dtype or float_array or non_finite or labels or check_ or logits")

CASES: dict[str, Selection] = {
    # what fit leaves behind: its checkpoint, data of another dtype, restore_best_weights
    **dict.fromkeys(
        [
            "checkpoint_of_the_last_epoch",
            "checkpoint_epoch_counted_from_one",
            "checkpoint_before_the_epochs_updates",
            "checkpoint_without_optimizer_state",
        ],
        training("checkpoint_holds"),
    ),
    # fit_data_not_cast is caught in the tf_ref half only: scratch's layers cast their input to
    # their dtype (as Keras layers do), so in scratch the uncast data trains the same
    "early_stopping_keeps_weights_without_restore": training("restore_best_weights_decides"),
    "get_weights_returns_the_live_arrays": training("restore_best_weights_decides"),
    # shared plumbing
    "best_epoch_ignores_min_delta": EARLY_STOPPING,
    "validation_data_not_cast": plumbing("prepare_fit"),
    "fit_data_cast_to_float32": plumbing("prepare_fit"),
    "prepare_fit_ignores_the_rng": plumbing("prepare_fit"),
    "performance_schedule_never_found": plumbing("performance_schedule"),
    "minibatches_drop_the_last_partial_batch": plumbing("epoch or minibatches or shuffle"),
    "minibatches_shuffle_anyway": plumbing("epoch or minibatches or shuffle"),
    "minibatches_ignore_the_rng": plumbing("epoch or minibatches or shuffle"),
    "minibatches_draw_with_replacement": plumbing("epoch or minibatches or shuffle"),
    "early_stopping_patience_off_by_one": EARLY_STOPPING,
    "early_stopping_ignores_min_delta": EARLY_STOPPING,
    "early_stopping_tie_is_a_record": EARLY_STOPPING,
    "early_stopping_wait_not_reset": EARLY_STOPPING,
    "early_stopping_reset_keeps_the_best": EARLY_STOPPING,
    "history_epochs_counts_keys": plumbing("history"),
    "history_keeps_numpy_scalars": plumbing("history"),
    "progress_bar_draws_off_a_terminal": plumbing("progress_bar"),
    "learning_rate_printed_to_four_decimals": plumbing("progress_bar"),
    "checkpoint_written_in_place": CHECKPOINTS,
    "checkpoint_weights_in_float32": CHECKPOINTS,
    "checkpoint_drops_the_callers_meta": CHECKPOINTS,
    "checkpoint_optimizer_state_not_loaded": CHECKPOINTS,
    "checkpoint_takes_another_optimizers_state": CHECKPOINTS,
    "layer_names_one_counter_for_all_kinds": plumbing("names"),
    "duplicate_layer_names_allowed": plumbing("names"),
    "summary_counts_params_only": plumbing("summary"),
    "dropout_after_the_logits": plumbing("recipe"),
    "book_dropout_skips_the_pixels": plumbing("recipe"),
    "batch_norm_after_the_activation": plumbing("recipe"),
    "dense_keeps_its_bias_before_batch_norm": plumbing("recipe"),
    "max_norm_on_the_logits": plumbing("recipe"),
    "labels_upper_bound_inclusive": CHECKS,
    "check_positive_allows_zero": CHECKS,
    "check_positive_accepts_bools": CHECKS,
    "float_arrays_skip_the_finite_check": CHECKS,
    "float_arrays_let_integers_through": CHECKS,
    "as_dtype_accepts_float16": CHECKS,
    # layer reuse: build semantics, copies, saved files, what cache_frozen may cache
    "rebuild_redraws_the_weights": ("tests/test_reuse.py", "-k", "keep_their_weights"),
    "clone_model_shares_the_arrays": ("tests/test_config.py", "-k", "clone_model_copies"),
    "model_file_checksum_not_checked": ("tests/test_reuse.py", "-k", "tampered"),
    "frozen_prefix_keeps_a_random_layer": (
        "tests/test_cache_frozen.py",
        "-k",
        "refuse and scratch or injected",
    ),
    "frozen_prefix_stops_at_parameter_free_layers": (
        "tests/test_cache_frozen.py",
        "-k",
        "frozen_prefix_is",
    ),
}

ALL = [
    *(
        pytest.param(c, t, id=c, marks=[pytest.mark.tf, pytest.mark.slow])
        for c, t in TF_CASES.items()
    ),
    # TF-free, but a subprocess each (about 2 s): slow, not tf
    *(pytest.param(c, t, id=c, marks=pytest.mark.slow) for c, t in CASES.items()),
]


def test_every_planted_bug_is_run() -> None:
    """No mutant in tests/mutants.py is left out (it would prove nothing), none runs twice
    against the same selection."""
    from tests.mutants import MUTANTS

    cases = [*TF_CASES, *CASES]
    assert {case.split("@")[0] for case in cases} == set(MUTANTS)
    assert len(set(cases)) == len(cases)


@pytest.mark.parametrize(("case", "target"), ALL)
def test_planted_bug_is_caught(case: str, target: Selection) -> None:
    """The selection fails with the bug planted (it passes on the real code, in the suite)."""
    mutant = case.split("@")[0]
    selection = (target,) if isinstance(target, str) else target
    env = {
        **os.environ,
        "DNN_KATAS_SCRATCH_MUTANT": mutant,
        "DNN_KATAS_HYPOTHESIS": "mutant",
        # The bugs are planted in the NumPy definitions; on the default path the layers and
        # optimizers run their Numba twins instead, which tests/test_fast_*.py hold equal to
        # the definitions (a planted bug fails there too). Here the selection must see it.
        "DNN_KATAS_KERNELS": "numpy",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *selection,
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
        f"{' '.join(selection)} did not catch the planted bug {mutant!r} "
        f"(pytest exit {done.returncode}):\n{done.stdout[-2000:]}"
    )
