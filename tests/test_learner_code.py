"""The learner's own code in the real network: ``katas exercise 8 --impl workspace`` and
``katas compare lockstep --impl workspace`` (katas.engine.learner_code, learner_run).

TF-free except the one lockstep test; the training runs use a few hundred MNIST images."""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from katas import data
from katas.cli import main
from katas.engine import learner_code, learner_run
from katas.engine.i18n import MESSAGES
from katas.engine.registry import all_katas, find
from katas.exercises import ex08
from scratch.networks import GUIDELINES

needs_mnist = pytest.mark.skipif(
    not data.npz_path().is_file(), reason="MNIST not cached: run `katas data fetch`"
)


# Honest learner-style solutions of katas 1-12 (plain NumPy, written for these tests, not
# copies of scratch's source); each passes its kata's tests (the CLI test re-checks them).
SOLUTIONS: dict[str, str] = {
    "01_dense": """\
import numpy as np


def dense_forward(x, kernel, bias):
    out = x @ kernel
    if bias is not None:
        out = out + bias
    return out, (x, kernel)


def dense_backward(dout, cache):
    x, kernel = cache
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)
""",
    "02_initializers": """\
import numpy as np

TRUNCATED_NORMAL_STD = 0.87962566103423978


def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = 1
    for k in shape[:-2]:
        field *= k
    return shape[-2] * field, shape[-1] * field


def truncated_normal(shape, stddev, rng, dtype="float32"):
    z = rng.standard_normal(shape)
    far = np.abs(z) > 2
    while far.any():
        z[far] = rng.standard_normal(far.sum())
        far = np.abs(z) > 2
    return (z * stddev).astype(dtype)


def variance_scaling(
    shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None, dtype="float32"
):
    if rng is None:
        rng = np.random.default_rng()
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    var = scale / max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, np.sqrt(var) / TRUNCATED_NORMAL_STD, rng, dtype)
    if distribution == "untruncated_normal":
        return (rng.standard_normal(shape) * np.sqrt(var)).astype(dtype)
    if distribution == "uniform":
        limit = np.sqrt(3 * var)
        return rng.uniform(-limit, limit, shape).astype(dtype)
    raise ValueError(f"distribution: unknown {distribution!r}")
""",
    "03_activations": """\
import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def relu(z):
    return np.maximum(z, 0)


def relu_grad(z):
    return (z > 0).astype(z.dtype)


def leaky_relu(z, negative_slope=0.2):
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_grad(z, negative_slope=0.2):
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))


def elu(z, alpha=1.0):
    neg = np.minimum(z, 0)
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(neg))


def elu_grad(z, alpha=1.0):
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))


def selu(z):
    return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z):
    s, a = z.dtype.type(SELU_SCALE), z.dtype.type(SELU_ALPHA)
    return np.where(z < 0, s * a * np.exp(np.minimum(z, 0)), s)
""",
    "04_softmax_cross_entropy": """\
import numpy as np


def log_softmax(logits):
    m = logits.max(axis=1, keepdims=True)
    s = logits - m
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def softmax(logits):
    return np.exp(log_softmax(logits))


def _check(logits, labels):
    labels = np.asarray(labels)
    bad = labels[(labels < 0) | (labels >= logits.shape[1])]
    if bad.size:
        raise ValueError(f"labels: {int(bad[0])} is outside [0, {logits.shape[1]})")
    return labels


def sparse_softmax_cross_entropy(logits, labels):
    labels = _check(logits, labels)
    rows = np.arange(len(labels))
    return float(-log_softmax(logits)[rows, labels].mean())


def sparse_softmax_cross_entropy_grad(logits, labels):
    labels = _check(logits, labels)
    g = softmax(logits)
    g[np.arange(len(labels)), labels] -= 1
    return g / len(labels)
""",
    "05_backprop_stack": """\
def forward_layers(layers, x, training=False):
    h = x
    for layer in layers:
        h = layer.forward(h, training=training)
    return h


def backward_layers(layers, dout):
    g = dout
    for layer in layers[::-1]:
        g = layer.backward(g)
    return g
""",
    "06_momentum": """\
def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return None
    m[...] = momentum * m - learning_rate * grad
    param += m
    return None
""",
    "07_nesterov": """\
import numpy as np


def sgd_update(param, grad, m, learning_rate, momentum=0.0, nesterov=False):
    if momentum == 0:
        param -= learning_rate * grad
        return None
    m[...] = momentum * m - learning_rate * grad
    if nesterov:
        param += momentum * m - learning_rate * grad
    else:
        param += m
    return None


def nesterov_sutskever_step(theta, velocity, grad_fn, learning_rate, momentum):
    g = grad_fn(theta + momentum * velocity)
    v = momentum * velocity - learning_rate * g
    return (theta + v).astype(theta.dtype), v.astype(theta.dtype)


def nesterov_tf1_step(w, accumulation, grad, learning_rate, momentum):
    a = momentum * accumulation + grad
    new_w = w - learning_rate * grad - learning_rate * momentum * a
    return new_w.astype(w.dtype), a.astype(w.dtype)
""",
    "08_adagrad_rmsprop": """\
import numpy as np


def adagrad_update(param, grad, acc, learning_rate, epsilon):
    acc += grad * grad
    param -= learning_rate * grad / np.sqrt(acc + epsilon)


def rmsprop_update(
    param, grad, v, learning_rate, rho, epsilon, *, momentum=0.0, mom=None, average_grad=None
):
    v[...] = rho * v + (1 - rho) * grad * grad
    if average_grad is not None:
        average_grad[...] = rho * average_grad + (1 - rho) * grad
        denom = v - average_grad * average_grad + epsilon
    else:
        denom = v + epsilon
    step = learning_rate * grad / np.sqrt(denom)
    if momentum > 0:
        mom[...] = momentum * mom + step
        param -= mom
    else:
        param -= step
""",
    "09_adam": """\
import numpy as np


def adam_update(
    param, grad, m, v, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None
):
    alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m += (grad - m) * (1 - beta_1)
    v += (grad * grad - v) * (1 - beta_2)
    denom_v = v
    if v_hat is not None:
        v_hat[...] = np.maximum(v_hat, v)
        denom_v = v_hat
    param -= alpha * m / (np.sqrt(denom_v) + epsilon)
""",
    "10_training_loop": """\
from dataclasses import dataclass, field

import numpy as np


def minibatches(n, batch_size, rng=None, shuffle=True):
    for name, value in (("n", n), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    if shuffle:
        if rng is None:
            rng = np.random.default_rng()
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


@dataclass
class EarlyStopping:
    patience: int = 20
    min_delta: float = 0.0
    restore_best_weights: bool = True
    monitor: str = "val_loss"
    best: float = field(default=np.inf, init=False)
    best_epoch: int = field(default=-1, init=False)
    best_weights: list = field(default=None, init=False)
    wait: int = field(default=0, init=False)

    def __post_init__(self):
        if self.patience < 0:
            raise ValueError("patience: must be >= 0")
        if self.min_delta < 0:
            raise ValueError("min_delta: must be >= 0")

    def update(self, epoch, value, get_weights):
        if value < self.best - self.min_delta:
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = get_weights()
            return False
        self.wait += 1
        return self.wait > self.patience
""",
    "11_batchnorm": """\
import numpy as np


def batchnorm_forward(
    x, gamma, beta, moving_mean, moving_variance, *, momentum=0.99, epsilon=1e-3, training=False
):
    if training:
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
        moving_mean *= momentum
        moving_mean += (1 - momentum) * mu
        moving_variance *= momentum
        moving_variance += (1 - momentum) * var
    else:
        mu, var = moving_mean, moving_variance
    inv = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mu) * inv
    out = xhat
    if gamma is not None:
        out = gamma * out
    if beta is not None:
        out = out + beta
    return out.astype(x.dtype, copy=False), (xhat, gamma, inv, training)


def batchnorm_backward(dout, cache):
    xhat, gamma, inv, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    g = inv if gamma is None else gamma * inv
    if not training:
        return dout * g, dgamma, dbeta
    n = dout.shape[0]
    dx = g / n * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
""",
    "12_dropout": """\
import numpy as np


def dropout_forward(x, rate, mask=None, training=False):
    if not training:
        return x, (None, rate, False)
    keep = np.asarray(mask).astype(x.dtype)
    return x * keep / x.dtype.type(1 - rate), (keep, rate, True)


def dropout_backward(dout, cache):
    keep, rate, training = cache
    if not training:
        return dout
    return dout * keep / dout.dtype.type(1 - rate)
""",
}

# Katas 13-16 on the path only with some settings: these files re-export the reference (the
# kata tests pass; what is proved here is that each slot is reached, not the learner's maths).
REEXPORTS = {
    "13_gradient_clipping": "scratch.optimizers",
    "14_regularization": None,  # two modules, below
    "15_schedules": "scratch.schedules",
    "16_augmentation": "scratch.augment",
}


def reexport(slug: str) -> str:
    kata = find(slug.split("_", 1)[1])
    if slug == "14_regularization":
        return (
            "from scratch.constraints import book_max_norm, max_norm  # noqa: F401\n"
            "from scratch.regularizers import l1_l2_penalty, l1_l2_penalty_grad, sparsify  # noqa\n"
        )
    return f"from {REEXPORTS[slug]} import {', '.join(kata.functions)}  # noqa: F401\n"


def make_workspace(root: Path, solved: dict[str, str]) -> Path:
    """A workspace at ``root`` (``katas start``) whose files ``solved`` (slug -> source) are
    written and recorded solved in its state file."""
    assert main(["--workspace", str(root), "start"]) == 0
    state_file = root / ".katas" / "state.json"
    state = json.loads(state_file.read_text())
    for slug, source in solved.items():
        (root / f"{slug}.py").write_text(source, encoding="utf-8")
        state["solved"][slug.split("_", 1)[1]] = time.time()
    state_file.write_text(json.dumps(state))
    return root


def all_solutions() -> dict[str, str]:
    return {**SOLUTIONS, **{slug: reexport(slug) for slug in REEXPORTS}}


# ------------------------------------------------------------------------------- the table


def test_table_names_real_katas_functions_and_slots() -> None:
    """Every table entry is a kata's own functions, and every slot it fills exists in scratch."""
    for piece in learner_code.PIECES:
        kata = find(piece.kata)
        assert set(piece.functions) <= set(kata.functions), piece.kata
        fake = {name: (lambda *a, **k: None) for name in piece.functions}
        if "EarlyStopping" in fake:
            from scratch.training import EarlyStopping

            fake["EarlyStopping"] = EarlyStopping
        for target in piece.slots(fake):
            owner = importlib.import_module(target[0])
            assert hasattr(owner, target[1]), target
            if len(target) == 3:
                assert target[2] in getattr(owner, target[1]), target


def test_table_covers_katas_1_to_16() -> None:
    """Katas 1-16 (every kata whose functions the exercise-8 / guidelines path can run) are in
    the table; the later ones (transfer, RBMs, autoencoders) are not on that path."""
    numbers = sorted(find(p.kata).number for p in learner_code.PIECES)
    assert numbers == list(range(1, 17))
    assert len(all_katas()) >= 16


def test_learner_keys_in_both_languages() -> None:
    """Every new learner and exercise-8 sentence exists in English and in Japanese (with
    Japanese text)."""
    en = {k for k in MESSAGES["en"] if k.startswith(("learner_", "ex8_"))}
    ja = {k for k in MESSAGES["ja"] if k.startswith(("learner_", "ex8_"))}
    assert en and en == ja
    for key in ja - {"learner_whose_reference"}:
        assert any("\u3000" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in
                   MESSAGES["ja"][key]), key  # fmt: skip


# -------------------------------------------------------------------------- whose code


def _plan(route, solved, fails=()):
    return {
        c.kata: c
        for c in learner_code.plan(
            route,
            solved,
            lambda kata: Path(f"/nowhere/{kata.slug}.py"),
            lambda kata, path: (kata.id not in fails, "3 of 9 tests pass"),
        )
    }


def test_plan_gives_each_piece_its_reason() -> None:
    """Yours only when solved and passing now; else not solved / fails now / not on the path."""
    route = learner_code.Route(ex08.PART2)
    choices = _plan(route, {"dense", "adam", "batchnorm", "activations"}, fails={"activations"})
    assert choices["dense"].yours and choices["adam"].yours
    assert choices["activations"].reason == "fails_now"
    assert "3 of 9" in learner_code.why(choices["activations"], "en")
    assert choices["batchnorm"].reason == "not_on_path"  # part 2 has no batch norm
    assert choices["softmax_cross_entropy"].reason == "not_solved"
    table = learner_code.pieces_table(list(choices.values()), "ja")
    assert "あなたのコード" in table and "まだ解いていません" in table


def test_plan_kata_7_sgd_update_wins_over_kata_6() -> None:
    """Both katas write sgd_update: kata 7's is used when both pass; kata 6's never for Nesterov."""
    momentum = _plan(learner_code.Route(GUIDELINES.replace(optimizer="momentum")),
                     {"momentum", "nesterov"})  # fmt: skip
    assert momentum["nesterov"].yours and momentum["momentum"].reason == "superseded"
    only6 = _plan(learner_code.Route(GUIDELINES), {"momentum"})
    assert only6["momentum"].reason == "not_on_path" and not only6["nesterov"].yours


def test_nothing_solved_is_all_reference() -> None:
    """No solved kata: every piece is the reference's, and the table says so."""
    choices = list(_plan(learner_code.Route(GUIDELINES), set()).values())
    assert not any(c.yours for c in choices)
    assert MESSAGES["en"]["learner_none_yours"] in learner_code.pieces_table(choices, "en")


# ----------------------------------------------------- every slot is on the training path

# (network, training changes, the learner functions that route must call)
ROUTES = {
    "part2": (
        ex08.PART2,
        {},
        ["dense_forward", "dense_backward", "variance_scaling", "truncated_normal",
         "compute_fans", "elu", "elu_grad", "sparse_softmax_cross_entropy",
         "sparse_softmax_cross_entropy_grad", "log_softmax", "forward_layers",
         "backward_layers", "adam_update", "minibatches", "EarlyStopping.update"],
    ),
    "part5_augmented": (
        ex08.PART5,
        {"augment_copies": 1},
        ["leaky_relu", "leaky_relu_grad", "batchnorm_forward", "batchnorm_backward",
         "dropout_forward", "dropout_backward", "augment", "shift_images"],
    ),
    "momentum_l2_maxnorm_clip_exp": (
        GUIDELINES.replace(optimizer="momentum", activation="relu", l2=1e-4, max_norm=2.0,
                           clipnorm=1.0, lr_schedule="exponential", dropout_rate=0.0),
        {},
        ["sgd_update", "relu", "relu_grad", "l1_l2_penalty", "l1_l2_penalty_grad", "max_norm",
         "clip_by_norm", "exponential_decay"],
    ),
    "nesterov_selu_plateau": (
        GUIDELINES.replace(activation="selu", lr_schedule="plateau", plateau_patience=1),
        {},
        ["sgd_update", "selu", "selu_grad", "plateau_step"],
    ),
    "rmsprop_power": (
        ex08.PART2.replace(optimizer="rmsprop", lr_schedule="power"),
        {},
        ["rmsprop_update", "power_schedule"],
    ),
    "adagrad_glorot": (
        ex08.PART2.replace(optimizer="adagrad", kernel_initializer="glorot_uniform"),
        {},
        ["adagrad_update", "variance_scaling"],
    ),
}  # fmt: skip


@needs_mnist
@pytest.mark.parametrize("name", list(ROUTES))
def test_every_piece_of_the_route_runs_the_learners_function(tmp_path, name) -> None:
    """Training 2 epochs on a few hundred images with every kata's file installed, each
    function the route must use was called (counted in the child), and every piece on the
    route ran at least one of its functions: each table entry is really on the path."""
    config, changes, must = ROUTES[name]
    root = make_workspace(tmp_path / "ws", all_solutions())
    training = ex08.Training(max_epochs=2, patience=1, quick_sizes=(200, 100, 100), **changes)
    route = learner_code.Route(config, True, training.augment_copies > 0)
    choices = learner_code.plan(
        route,
        {p.kata for p in learner_code.PIECES},
        lambda kata: root / f"{kata.slug}.py",
        lambda kata, path: (True, ""),  # their tests are the CLI test's business
    )
    payload = {"config": config.to_dict(), "training": asdict(training), "seed": 3,
               "quick": True, "data": None, "verbose": False}  # fmt: skip
    answer = learner_run.run("exercise8", choices, payload, timeout=300, lang="en")
    assert answer["status"] == "ok", answer
    calls = answer["calls"]
    for fn in must:
        got = sum(n for key, n in calls.items() if key.split(".", 1)[1] == fn)
        assert got > 0, f"{fn} never ran on route {name}: {calls}"
    for c in choices:
        if c.yours:
            ran = sum(n for key, n in calls.items() if key.startswith(c.kata + "."))
            assert ran > 0, f"{c.kata} is on route {name} but none of its functions ran"
    assert answer["result"]["test_accuracy"] > 0.3  # 5 classes: above chance, not a crash


@needs_mnist
@pytest.mark.parametrize(
    "stop, says",
    [
        ("raise RuntimeError('not this wide')", ["RuntimeError: not this wide", "line 6"]),
        ("sys.exit(4)", ["sys.exit(4)", "kata dense", "line 6"]),
        ("os._exit(3)", ["exited with status 3", "sys.exit() or os._exit()"]),
    ],
)  # fmt: skip
def test_a_crash_in_learner_code_names_the_kata_file_and_line(tmp_path, stop, says) -> None:
    """A learner function that stops on the network's input (784 pixels, never in the kata's
    tests: an exception, sys.exit, os._exit) ends only the learner's run, with a paragraph
    naming the kata, file and line (or how the process ended), never a traceback."""
    bad = (
        SOLUTIONS["01_dense"]
        .replace(
            "    out = x @ kernel\n",
            f"    if x.shape[1] == 784:\n        {stop}\n    out = x @ kernel\n",
        )
        .replace("import numpy as np\n", "import os, sys  # noqa\n", 1)
    )
    root = make_workspace(tmp_path / "ws", {"01_dense": bad})
    training = ex08.Training(max_epochs=1, quick_sizes=(100, 50, 50))
    choices = learner_code.plan(learner_code.Route(ex08.PART2), {"dense"},
                                lambda kata: root / f"{kata.slug}.py",
                                lambda kata, path: (True, ""))  # fmt: skip
    payload = {"config": ex08.PART2.to_dict(), "training": asdict(training), "seed": 1,
               "quick": True, "data": None, "verbose": False}  # fmt: skip
    answer = learner_run.run("exercise8", choices, payload, timeout=300, lang="en")
    assert answer["status"] == "error"
    text = learner_run.failed_result(answer, "en")["message"]
    for part in says:
        assert part in text, text
    if "line 6" in says:
        assert str(root / "01_dense.py") in text
        assert "6 行目" in learner_run.failed_result(answer, "ja")["message"]
    assert "Traceback" not in text


def test_the_learners_timeout_stops_the_run(tmp_path) -> None:
    """--timeout bounds the child: a run that cannot finish in time is stopped and said so."""
    choices = learner_code.plan(learner_code.Route(ex08.PART2), set(), lambda k: tmp_path,
                                lambda k, p: (True, ""))  # fmt: skip
    payload = {"config": ex08.PART2.to_dict(), "training": asdict(ex08.Training()),
               "seed": 1, "quick": False, "data": None, "verbose": False}  # fmt: skip
    answer = learner_run.run("exercise8", choices, payload, timeout=0.5, lang="en")
    text = learner_run.failed_result(answer, "en")["message"]
    assert "did not finish within 0.5 s" in text


# --------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--impl", "reference"], "only --impl workspace"),
        (["--impl", "workspace", "--part", "3"], "part 3 is a search"),
        (["--impl", "workspace", "--part", "1"], "part 1 only prints"),
        (["--timeout", "10"], "only with --impl workspace"),
    ],
)
def test_exercise_8_impl_bad_flags(capsys, argv, expected) -> None:
    """--impl takes only workspace, for parts 2, 4, 5; --timeout only with it: exit 2, one line."""
    assert main(["exercise", "8", "--backend", "scratch", *argv]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_exercise_8_impl_needs_a_workspace(capsys, tmp_path) -> None:
    """Without a workspace: exit 2 and the usual message, before any training."""
    argv = ["--impl", "workspace", "--backend", "scratch", "--out", str(tmp_path / "o")]
    code = main(["--lang", "ja", "--workspace", str(tmp_path / "none"), "exercise", "8", *argv])
    assert code == 2
    assert "katas start" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # the claimed --out folder is released


def test_lockstep_impl_takes_only_workspace(capsys) -> None:
    """`compare lockstep --impl X` refuses anything but workspace; --timeout needs --impl."""
    assert main(["compare", "lockstep", "--impl", "reference"]) == 2
    assert "only --impl workspace" in capsys.readouterr().err
    assert main(["compare", "lockstep", "--timeout", "5"]) == 2
    assert "--timeout" in capsys.readouterr().err


@needs_mnist
@pytest.mark.slow
def test_exercise_8_impl_workspace_end_to_end(capsys, tmp_path) -> None:
    """Katas 1-12 solved: the pieces table, yours and scratch trained on the same data and
    seed, within a point (the same maths: nearly identical), report.json with both."""
    root = make_workspace(tmp_path / "ws", SOLUTIONS)
    out = tmp_path / "run"
    code = main(["--workspace", str(root), "exercise", "8", "--impl", "workspace", "--quick",
                 "--max-epochs", "2", "--backend", "scratch", "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Whose code trains this network" in captured.err
    assert "7 piece(s) are yours" in captured.err  # part 2: 1-5, 9, 10
    assert "within a point" in captured.out
    report = json.loads((out / "report.json").read_text())
    whose = {p["kata"]: p["whose"] for p in report["pieces"]}
    assert whose["dense"] == "yours" and whose["batchnorm"] == "reference"
    # Same seed, same data, the same maths in another order: at most a point apart (the
    # user's criterion); measured: identical on this subset.
    assert abs(report["comparison"]["yours_minus_scratch_points"]) <= 1.0
    assert report["yours"]["calls"]["dense.dense_forward"] > 0


@needs_mnist
@pytest.mark.slow
def test_exercise_8_impl_workspace_keeps_the_reference_when_yours_crashes(capsys, tmp_path):
    """A crash in the learner's code: the paragraph, exit 1, and scratch's run still reported."""
    bad = SOLUTIONS["01_dense"].replace(
        "    out = x @ kernel\n",
        "    if x.shape[1] == 784:\n        raise RuntimeError('not this wide')\n"
        "    out = x @ kernel\n",
    )
    root = make_workspace(tmp_path / "ws", {"01_dense": bad})
    out = tmp_path / "run"
    code = main(["--workspace", str(root), "exercise", "8", "--impl", "workspace", "--quick",
                 "--max-epochs", "1", "--backend", "scratch", "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "not this wide" in captured.err and "Traceback" not in captured.err
    report = json.loads((out / "report.json").read_text())
    assert report["yours"]["status"] == "failed" and report["scratch"]["status"] == "ok"
    assert report["comparison"]["verdict"].startswith("No comparison")


@needs_mnist
@pytest.mark.slow
@pytest.mark.tf
def test_lockstep_impl_workspace_passes_with_correct_pieces(capsys, tmp_path) -> None:
    """Lockstep with the learner's katas 1-12 on scratch's side agrees with TF step by step."""
    root = make_workspace(tmp_path / "ws", SOLUTIONS)
    capsys.readouterr()  # katas start's own output
    code = main(["--workspace", str(root), "compare", "lockstep", "--impl", "workspace",
                 "--steps", "5", "--json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["passed"] is True
    assert {p["kata"] for p in result["pieces"] if p["whose"] == "yours"} >= {
        "dense", "nesterov", "batchnorm", "dropout"}  # fmt: skip


@needs_mnist
@pytest.mark.slow
def test_exercise_8_impl_workspace_with_nothing_solved_runs_all_reference(capsys, tmp_path):
    """Nothing solved: it runs anyway, every piece the reference's, and says so (in Japanese
    when asked, from the first line)."""
    root = make_workspace(tmp_path / "ws", {})
    capsys.readouterr()
    out = tmp_path / "run"
    code = main(["--lang", "ja", "--workspace", str(root), "exercise", "8", "--impl",
                 "workspace", "--quick", "--max-epochs", "1", "--backend", "scratch",
                 "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.startswith(MESSAGES["ja"]["learner_table_header"])
    assert MESSAGES["ja"]["learner_none_yours"] in captured.err
    report = json.loads((out / "report.json").read_text())
    assert all(p["whose"] == "reference" for p in report["pieces"])
    # the same code twice, one BLAS thread each (fit's default): the same numbers
    assert report["comparison"]["yours_minus_scratch_points"] == 0.0
