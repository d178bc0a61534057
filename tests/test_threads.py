"""scratch.threads: fit trains with one BLAS thread (threadpoolctl), whatever was imported first,
restores the caller's setting afterwards, and lets the user choose otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from scratch import layers, models, optimizers, training
from scratch.threads import ENV_VAR, blas_threads, resolve_blas_threads

ROOT = Path(__file__).resolve().parents[1]


def blas_counts() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in (ENV_VAR, "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


class RecordingSGD(optimizers.SGD):
    """SGD that records the BLAS thread counts at every step (i.e. inside fit's loop)."""

    def __init__(self) -> None:
        super().__init__(0.01)
        self.seen: list[list[int]] = []

    def apply(self, params, grads, constraints=None) -> None:
        self.seen.append(blas_counts())
        super().apply(params, grads, constraints)


def tiny_fit(**kwargs) -> RecordingSGD:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = models.Sequential([layers.Dense(4, "relu"), layers.Dense(2)], 3, rng=rng)
    opt = RecordingSGD()
    training.fit(
        model, x, y, optimizer=opt, epochs=2, batch_size=10, rng=rng, verbose=False, **kwargs
    )
    return opt


def test_resolution_order(clean_env: pytest.MonkeyPatch) -> None:
    """Argument, then $DNN_KATAS_BLAS_THREADS, then a BLAS variable the user set (left alone),
    then one thread."""
    assert resolve_blas_threads() == 1
    clean_env.setenv("OPENBLAS_NUM_THREADS", "4")
    assert resolve_blas_threads() == -1
    clean_env.setenv(ENV_VAR, "3")
    assert resolve_blas_threads() == 3
    assert resolve_blas_threads(2) == 2
    assert resolve_blas_threads(-1) == -1


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("two", ValueError), (True, TypeError)],
)
def test_bad_counts_are_refused_by_name(clean_env, value, error) -> None:
    """A thread count is a positive int or -1, by argument or by environment variable."""
    with pytest.raises(error, match="blas_threads: expected a positive integer or -1"):
        resolve_blas_threads(value)
    with pytest.raises(error, match="blas_threads: expected"):
        tiny_fit(blas_threads=value)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        clean_env.setenv(ENV_VAR, str(value))
        with pytest.raises(ValueError, match=f"{ENV_VAR}: expected a positive integer or -1"):
            resolve_blas_threads()


def test_fit_limits_blas_inside_and_restores_after(clean_env) -> None:
    """Inside fit's loop BLAS has one thread; the caller's own limit is back afterwards."""
    tiny_fit()  # every BLAS a fit loads (Numba's first kernel brings SciPy's) is loaded now
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_counts()
        if not before or max(before) < 2:
            pytest.skip("BLAS here cannot run 2 threads, so a limit of 1 is not observable")
        seen = tiny_fit().seen
        assert seen and all(counts == [1] * len(before) for counts in seen), seen
        assert blas_counts() == before
        # -1 (or a BLAS variable set by the user) leaves BLAS alone
        assert all(counts == before for counts in tiny_fit(blas_threads=-1).seen)
        clean_env.setenv(ENV_VAR, "-1")
        assert all(counts == before for counts in tiny_fit().seen)


def test_context_manager_yields_the_limit(clean_env) -> None:
    """blas_threads() is usable around any code, and says which limit it applied."""
    with blas_threads() as n:
        assert n == 1 and all(c == 1 for c in blas_counts())
    with blas_threads(-1) as n:
        assert n == -1


def test_limit_works_when_numpy_was_imported_first() -> None:
    """The old way (OPENBLAS_NUM_THREADS set when scratch is imported) was too late once NumPy
    had loaded OpenBLAS; threadpoolctl is not. In a fresh process: NumPy first, then fit."""
    code = (
        "import numpy, json\n"
        "from threadpoolctl import threadpool_info\n"
        "from tests.test_threads import tiny_fit\n"
        "counts = [lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas']\n"
        "print(json.dumps({'outside': counts, 'inside': tiny_fit().seen[0]}))\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (ENV_VAR, "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(done.stdout)
    if max(seen["outside"], default=1) < 2:
        pytest.skip("BLAS here starts with one thread, so a limit of 1 is not observable")
    # every library inside: NumPy's, and SciPy's that Numba's first kernel call loads
    assert seen["inside"] and all(n == 1 for n in seen["inside"]), seen


def test_train_step_limits_blas_too(clean_env) -> None:
    """A learner's own loop of train_step calls gets the same single BLAS thread."""
    rng = np.random.default_rng(1)
    model = models.Sequential([layers.Dense(2)], 3, rng=rng)
    opt = RecordingSGD()
    from scratch.losses import UNCHECKED

    x, y = rng.standard_normal((5, 3)), np.array([0, 1, 0, 1, 1])
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_counts()
        if not before or max(before) < 2:
            pytest.skip("BLAS here cannot run 2 threads, so a limit of 1 is not observable")
        loss = UNCHECKED["sparse_softmax_cross_entropy"]
        training.train_step(model, opt, loss, x.astype(np.float32), y)
        training.train_step(model, opt, loss, x.astype(np.float32), y, blas_threads=-1)
        assert opt.seen == [[1] * len(before), before]
        assert blas_counts() == before


@pytest.mark.parametrize("method", ["cd", "sklearn"])
def test_rbm_fit_and_partial_fit_limit_blas_too(clean_env, method: str) -> None:
    """BernoulliRBM.fit/partial_fit train under the same one-thread limit as fit (on a busy
    machine a multi-threaded RBM epoch ran 30x slower); the caller's limit is back after.
    Counted on NumPy's BLAS, the one the limit is for (SciPy may bring a second)."""
    from scratch import rbm as rbm_mod
    from scratch import threads

    def numpy_blas() -> list[int]:
        return [lib.get_num_threads() for lib in threads._blas_libraries()]

    seen: list[list[int]] = []
    check = rbm_mod.BernoulliRBM._check_hyperparameters  # runs first thing in fit/partial_fit

    def recording(self) -> None:
        seen.append(numpy_blas())
        check(self)

    clean_env.setattr(rbm_mod.BernoulliRBM, "_check_hyperparameters", recording)
    x = np.random.default_rng(0).random((30, 6))
    with threadpool_limits(limits=2, user_api="blas"):
        before = numpy_blas()
        if not before or max(before) < 2:
            pytest.skip("BLAS here cannot run 2 threads, so a limit of 1 is not observable")
        model = rbm_mod.BernoulliRBM(3, method=method, n_iter=1, batch_size=10, random_state=0)
        model.fit(x)
        model.partial_fit(x)
        assert numpy_blas() == before
        model.fit(x, blas_threads=-1)
    assert seen == [[1] * len(before), [1] * len(before), before], seen
