"""``--workers N``: the launcher, ``TF_CONFIG`` and the flag checks (TF-free, with stand-in
worker scripts), and the real thing (``tf`` + ``slow``): two TensorFlow worker processes train
the single process's steps, and ``katas exercise 8 --workers 2`` writes one report."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from katas.cli import main
from katas.errors import UserError
from katas.exercises import workers
from katas.exercises.workers import Cluster, free_ports, join, launch, read_tf_config, tf_config
from tests.helpers import sigint_as_in_a_terminal

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = "\u3040-\u30ff\u4e00-\u9fff"


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    """The pids still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def fake_worker(tmp_path: Path, body: str) -> list[str]:
    """A stand-in worker: joins the cluster as a real one does (``workers.join``), writes its
    pid to ``pid-<index>``, then runs ``body`` (``index`` and ``cluster`` defined)."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import json, os, sys, time\n"
        "from pathlib import Path\n"
        "from katas.exercises import workers\n"
        f"here = Path({str(tmp_path)!r})\n"
        "cluster = workers.join(int(sys.argv[1]))\n"
        "index = cluster.index\n"
        "(here / f'pid-{index}').write_text(str(os.getpid()))\n" + textwrap.dedent(body)
    )
    return [sys.executable, str(script)]


def pids(tmp_path: Path, n: int, seconds: float = 10.0) -> list[int]:
    """The workers' pids once each has written its file."""
    deadline = time.monotonic() + seconds
    files = [tmp_path / f"pid-{i}" for i in range(n)]
    while not all(f.exists() and f.read_text() for f in files) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [int(f.read_text()) for f in files]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """tempfile's folder inside tmp_path, so a test sees exactly the log folders made."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# ----------------------------------------------------------------------------- ports, TF_CONFIG


def test_free_ports_are_distinct_and_free() -> None:
    """free_ports(n): n different ports on 127.0.0.1, each bindable right after."""
    ports = free_ports(5)
    assert len(set(ports)) == 5 and all(1024 <= p <= 65535 for p in ports), ports
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_tf_config_is_what_tensorflow_reads_and_round_trips() -> None:
    """tf_config: TF's layout (cluster.worker, task type/index); read_tf_config reads it back."""
    addresses = ["127.0.0.1:4001", "127.0.0.1:4002", "127.0.0.1:4003"]
    for i in range(3):
        text = tf_config(addresses, i)
        assert json.loads(text) == {
            "cluster": {"worker": addresses},
            "task": {"type": "worker", "index": i},
        }
        cluster = read_tf_config(text)
        assert cluster == Cluster(tuple(addresses), i) and cluster.size == 3
        assert cluster.is_chief == (i == 0)


GOOD = {"cluster": {"worker": ["h0:1", "h1:2"]}, "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "not valid JSON"),
        ('{"cluster": ', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"task": GOOD["task"]}), '"cluster": {"worker"'),
        (json.dumps({**GOOD, "cluster": {"worker": []}}), '"cluster": {"worker"'),
        (json.dumps({**GOOD, "cluster": {"worker": ["h0"]}}), '"host:port"'),
        (json.dumps({**GOOD, "cluster": {"worker": ["h0:1", "h0:1"]}}), "same address twice"),
        (json.dumps({**GOOD, "cluster": {"worker": ["h0:1"], "ps": ["h1:2"]}}), "other than"),
        (json.dumps({"cluster": GOOD["cluster"]}), 'no "task"'),
        (json.dumps({**GOOD, "task": {"type": "chief", "index": 0}}), "task must be"),
        (json.dumps({**GOOD, "task": {"type": "worker", "index": 2}}), "i in 0..1"),
        (json.dumps({**GOOD, "task": {"type": "worker", "index": "0"}}), "task must be"),
        (json.dumps({**GOOD, "task": {"type": "worker", "index": True}}), "task must be"),
        (json.dumps({**GOOD, "task": {"type": "worker"}}), "task must be"),
    ],
)
def test_a_bad_tf_config_is_refused_in_both_languages(text, says) -> None:
    """Every way TF_CONFIG can be wrong is a UserError naming it, in English and Japanese."""
    with pytest.raises(UserError, match="TF_CONFIG") as err:
        read_tf_config(text)
    assert says in str(err.value), str(err.value)
    assert err.value.ja and any("\u3040" <= c <= "\u9fff" for c in err.value.ja)
    assert read_tf_config(json.dumps(GOOD)) == Cluster(("h0:1", "h1:2"), 1)


def test_join_reads_tf_config_and_checks_its_size() -> None:
    """join(n): None without TF_CONFIG (launch instead); the cluster when it has n workers;
    a UserError saying both sizes when it has another number."""
    assert join(2, {}) is None and join(2, {"TF_CONFIG": "  "}) is None
    env = {"TF_CONFIG": json.dumps(GOOD)}
    assert join(2, env) == Cluster(("h0:1", "h1:2"), 1)
    with pytest.raises(UserError, match=r"--workers 3: \$TF_CONFIG describes a cluster of 2"):
        join(3, env)


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5", "", str(workers.MAX_WORKERS + 1)])
def test_workers_must_be_a_small_positive_integer(bad, capsys) -> None:
    """--workers 0, negative, non-integer or too many: argparse's error naming the flag, exit 2."""
    with pytest.raises(SystemExit) as done:
        main(["exercise", "8", "--backend", "tf", "--workers", bad])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "whole number of worker processes" in err, err


@pytest.mark.parametrize(
    ("flags", "env", "says"),
    [
        (["--workers", "2"], None, "TF backend only; give --backend tf (got --backend both"),
        (["--backend", "scratch", "--workers", "2"], None, "got --backend scratch"),
        (["--backend", "tf", "--workers", "2", "--devices", "2"], None, "choose one"),
        (["--backend", "tf", "--workers", "2", "--part", "1"], None, "part 1 only builds"),
        (["--backend", "tf", "--workers", "2", "--part", "3"], None, "parts 2, 4 and 5 only"),
        (["--backend", "tf", "--workers", "2", "--impl", "workspace"], None, "--impl"),
        (["--backend", "tf", "--workers", "2", "--part", "5"], None, "has dropout (rate 0.5)"),
        (["--backend", "tf", "--devices", "2", "--part", "5"], None, "leave out --devices"),
        (["--backend", "tf", "--workers", "2"], "{not json", "not valid JSON"),
        (["--backend", "tf", "--workers", "2"], '{"cluster": {"worker": ["a:1"]}}', 'no "task"'),
        (["--backend", "tf", "--workers", "2"], tf_config(["a:1"], 0), "a cluster of 1"),
    ],
)
def test_impossible_workers_runs_are_refused_before_any_process(
    flags, env, says, capsys, monkeypatch
) -> None:
    """--workers with scratch, with --devices, parts 1/3, --impl, or a bad TF_CONFIG: one
    paragraph, exit 2, and no worker started (launch and join_cluster never reached)."""

    def no(*args, **kwargs):
        raise AssertionError("a worker was started or a cluster joined")

    monkeypatch.setattr(workers, "launch", no)
    monkeypatch.setattr("katas.exercises.ex08.prepare_devices", no)
    if env is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", env)
    assert main(["exercise", "8", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("katas: ") and says in err, err


def test_a_bad_out_is_refused_before_the_workers_start(tmp_path, capsys, monkeypatch) -> None:
    """--out that is a file: refused by the launcher itself, no worker started."""
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(workers, "launch", lambda *a, **k: pytest.fail("launched"))
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["exercise", "8", "--backend", "tf", "--workers", "2", "--out", str(target)]) == 2
    assert "this is a file" in capsys.readouterr().err


def test_the_launcher_reruns_the_command_line(tmp_path, monkeypatch) -> None:
    """Without TF_CONFIG, --workers N runs this katas command N times (the same argv)."""
    monkeypatch.delenv("TF_CONFIG", raising=False)
    seen = []
    monkeypatch.setattr(workers, "launch", lambda command, n: seen.append((command, n)) or 0)
    argv = ["exercise", "8", "--backend", "tf", "--workers", "3", "--quick", "--seed", "7"]
    assert main(argv) == 0
    assert seen == [([sys.executable, "-m", "katas", *argv], 3)]


# ----------------------------------------------------------------------------- the launcher


def test_launch_starts_n_workers_each_with_its_tf_config(tmp_path, private_tmp) -> None:
    """Each worker gets the same cluster (distinct 127.0.0.1 ports) and its own index; status
    0; the logs folder goes away after a run that went well."""
    command = fake_worker(
        tmp_path,
        """
        (here / f"seen-{index}").write_text(os.environ["TF_CONFIG"])
        print("worker", index, "says hello")
        """,
    )
    assert launch([*command, "3"], 3) == 0
    configs = [json.loads((tmp_path / f"seen-{i}").read_text()) for i in range(3)]
    addresses = configs[0]["cluster"]["worker"]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    assert all(c["cluster"]["worker"] == addresses for c in configs)
    assert len({a.rsplit(":", 1)[1] for a in addresses}) == 3
    assert all(a.startswith("127.0.0.1:") for a in addresses)
    assert list(private_tmp.iterdir()) == []


def test_a_failing_worker_stops_the_others_and_names_its_log(tmp_path, private_tmp) -> None:
    """Worker 1 fails: the chief (still training) is stopped at once, and the error names
    worker 1, its exit status and its log, and quotes the log's end."""
    command = fake_worker(
        tmp_path,
        """
        if index == 1:
            print("worker 1: could not bind its port", flush=True)
            sys.exit(3)
        time.sleep(120)
        """,
    )
    start = time.monotonic()
    with pytest.raises(UserError) as err:
        launch([*command, "2"], 2)
    text = str(err.value)
    assert "worker 1 (127.0.0.1:" in text and "exit status 3" in text, text
    assert "could not bind its port" in text and "every worker was stopped" in text
    log = Path(text.split("output is in ")[1].split(";")[0])
    assert log.parent.parent == private_tmp and "could not bind" in log.read_text()
    assert err.value.ja and "ワーカー 1" in err.value.ja
    assert wait_gone(pids(tmp_path, 2), 5) == [] and time.monotonic() - start < 60


def test_a_failing_chief_returns_its_status_and_stops_the_others(tmp_path, private_tmp) -> None:
    """The chief fails (it has printed why): its exit status, the other workers stopped."""
    command = fake_worker(
        tmp_path,
        """
        if index == 0:
            while not (here / "pid-1").exists():
                time.sleep(0.01)
            sys.exit(5)
        time.sleep(120)
        """,
    )
    assert launch([*command, "2"], 2) == 5
    assert wait_gone(pids(tmp_path, 2), 5) == []
    assert list(private_tmp.iterdir()) == []


def test_a_worker_outliving_the_chief_is_stopped(tmp_path, private_tmp) -> None:
    """The chief finished but worker 1 never ends: after the grace period, stopped, named."""
    command = fake_worker(tmp_path, "time.sleep(0 if index == 0 else 120)\n")
    with pytest.raises(UserError, match=r"worker 1 .*still running 0 s after worker 0"):
        launch([*command, "2"], 2, grace_s=0.3)
    assert wait_gone(pids(tmp_path, 2), 5) == []


def test_a_worker_that_cannot_start_is_a_clear_error(tmp_path, private_tmp) -> None:
    """A worker command that cannot be run: UserError naming it; nothing left running."""
    with pytest.raises(UserError, match="could not start worker 0"):
        launch([str(tmp_path / "no-such-python")], 2)


LAUNCHER = """
import sys
from katas.exercises.workers import launch
sys.exit(launch(sys.argv[2:], int(sys.argv[1])))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_no_worker_outlives_the_launcher(sig, tmp_path) -> None:
    """Ctrl-C stops the launcher and it stops every worker; a launcher killed outright cannot,
    and each worker then ends itself (its orphan watch)."""
    command = fake_worker(tmp_path, "time.sleep(120)\n")
    logs = tmp_path / "tmp"  # a killed launcher cannot remove its log folder: keep it here
    logs.mkdir()
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, "2", *command, "2"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(logs)},
        preexec_fn=sigint_as_in_a_terminal,  # the Ctrl-C case sends SIGINT
    )
    try:
        started = pids(tmp_path, 2)
        assert all(alive(p) for p in started)
        launcher.send_signal(sig)
        launcher.wait(timeout=30)
        # after Ctrl-C the launcher itself has stopped them before it ended (their own watch
        # would take up to half a second more)
        assert wait_gone(started, 10 if sig == signal.SIGKILL else 0) == []
    finally:
        launcher.kill()
        launcher.wait()
    if sig == signal.SIGINT:
        assert b"KeyboardInterrupt" in launcher.stderr.read()
        assert list(logs.iterdir()) == []  # nothing failed: no log kept


# ----------------------------------------------------------------------------- the real thing

WORKER_SCRIPT = r"""
import json, sys
from pathlib import Path
from tf_ref.device import join_cluster
strategy = join_cluster("cpu")  # before anything starts TensorFlow's runtime
import numpy as np
from katas.exercises.ex08 import PART2
from tests.test_workers import fit_runs
out = Path(sys.argv[1])
index = json.loads(__import__("os").environ["TF_CONFIG"])["task"]["index"]
runs = fit_runs(devices="workers")
# Worker 1 scores a hair worse (as another CPU might round): every worker must still see the
# chief's validation scores, or their early-stopping decisions could part.
from tf_ref import networks, training
if index == 1:
    scores = training.evaluate
    training.evaluate = lambda *a, **k: {**scores(*a, **k), "loss": scores(*a, **k)["loss"] + 1e-6}
rng = np.random.default_rng(4)
x, y = rng.uniform(0, 1, (40, 784)).astype(np.float32), rng.integers(0, 5, 40)
model = networks.build_network(PART2, 784, 5, rng=np.random.default_rng(42))
h = training.fit(model, x, y, batch_size=20, epochs=2, validation_data=(x, y), verbose=False,
                 rng=np.random.default_rng(5), devices="workers")
runs["agreed/val_loss"] = np.array(h.history["val_loss"])
np.savez(out / f"worker-{index}.npz", **runs)
print(json.dumps({"replicas": strategy.num_replicas_in_sync}))
"""


def fit_runs(devices: str | None) -> dict[str, np.ndarray]:
    """What both sides train: exercise 8's net (784-100x5-5, ELU, He, float32) for 10 steps of
    batch 20 on 81 rows (the last batch is 1 row: worker 1 gets none of it), once with exercise
    8's Adam (0.001) and once with SGD (0.001, momentum 0.9); every weight, the epoch losses and
    the logits on the rows, by name."""
    from katas.exercises.ex08 import PART2
    from tf_ref import networks, training

    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (81, 784)).astype(np.float32)
    y = rng.integers(0, 5, 81)
    out: dict[str, np.ndarray] = {}
    for name, config in {
        "adam": PART2,
        "sgd": PART2.replace(optimizer="momentum", learning_rate=0.001, momentum=0.9),
    }.items():
        model = networks.build_network(config, 784, 5, rng=np.random.default_rng(42))
        optimizer = networks.build_optimizer(config)
        h = training.fit(model, x, y, optimizer=optimizer, batch_size=20, epochs=2,
                         rng=np.random.default_rng(5), verbose=False, devices=devices)  # fmt: skip
        out.update({f"{name}/w{i}": w for i, w in enumerate(model.get_weights())})
        out[f"{name}/loss"] = np.array(h.history["loss"])
        out[f"{name}/logits"] = model.predict(x)
    return out


@pytest.mark.tf
@pytest.mark.slow
def test_two_workers_train_the_single_process_steps(tmp_path) -> None:
    """Two worker processes (MultiWorkerMirroredStrategy, one CPU replica each) end with the
    single process's weights and losses, and with each other's exactly; every worker's
    validation scores are the chief's."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    assert launch([sys.executable, str(script), str(tmp_path)], 2, env=env) == 0
    w0, w1 = (dict(np.load(tmp_path / f"worker-{i}.npz")) for i in range(2))
    single = fit_runs(devices=None)
    agreed = w0.pop("agreed/val_loss"), w1.pop("agreed/val_loss")
    np.testing.assert_array_equal(*agreed)  # the chief's scores, despite worker 1's own
    assert sorted(w0) == sorted(single) == sorted(w1)
    for key in single:
        # every worker applies the same all-reduced gradient to the same weights: bit for bit
        np.testing.assert_array_equal(w0[key], w1[key], err_msg=key)
        worst = float(np.max(np.abs(w0[key] - single[key])))
        scale = float(np.max(np.abs(single[key])))
        assert worst <= TOLERANCE[key.split("/")[0]][key.split("/")[1][0]] * scale, (key, worst)


# Two workers and one process differ only in the order of summation: each worker sums the loss
# gradient over its half of the batch, then the halves are all-reduced, instead of one sum over
# the batch. In float32 (eps 6e-8) that is a few ulp per step; measured after these 10 steps,
# relative to each array's largest entry: SGD weights <= 4e-7, losses 1e-8, logits 5e-7 (one
# ulp of the weights, 3e-8, shows up as 1e-7 on the smaller biases). Adam divides each step by
# sqrt(v): a gradient entry that sums to almost zero keeps only its rounding error, and Adam
# turns that into a step of up to lr, so its weights differ more, measured <= 2e-5 of the
# largest weight (kernels; 1e-7 to 2e-6 elsewhere), losses 1e-7, logits 2e-6. Tolerances: about
# 10x the measurements (other BLAS or oneDNN kernels round differently); every worker taking
# the first rows of the batch, or dividing its loss by its own rows instead of the global
# batch's, was measured to move Adam's first kernel by 1e-1 and 1.6e-2 of its largest weight.
TOLERANCE = {
    "sgd": {"w": 5e-6, "l": 1e-6},  # w: weights, l: losses and logits
    "adam": {"w": 2e-4, "l": 2e-5},
}


@pytest.mark.tf
@pytest.mark.slow
def test_exercise_8_with_two_workers_writes_one_report(tmp_path) -> None:
    """`katas exercise 8 --backend tf --workers 2 --json`: exit 0, the chief's JSON alone on
    stdout, one report (workers: 2) and its figure in --out, no log folder left."""
    out, tmp = tmp_path / "run", tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop("TF_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "katas", "exercise", "8", "--backend", "tf", "--workers", "2",
         "--quick", "--max-epochs", "1", "--batch-size", "100", "--json", "--out", str(out)],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "ok" and report["config"]["workers"] == 2
    assert report["config"]["devices"] is None and report["tf"]["epochs"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "report.json"]
    assert json.loads((out / "report.json").read_text())["config"]["workers"] == 2
    assert list(tmp.iterdir()) == []


@pytest.mark.tf
def test_join_cluster_explains_what_is_wrong(monkeypatch) -> None:
    """tf_ref.device.join_cluster: no TF_CONFIG, or TensorFlow's runtime already started: a
    DeviceError (a ValueError) saying what to do."""
    import tensorflow as tf

    from tf_ref.device import WORKERS, DeviceError, join_cluster, select_strategy

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(DeviceError, match=r"TF_CONFIG is not set.*--workers N"):
        select_strategy(WORKERS)
    tf.constant(0)  # the runtime has started
    monkeypatch.setenv("TF_CONFIG", tf_config(["127.0.0.1:1"], 0))
    with pytest.raises(ValueError, match=r"already started.*join_cluster\(\) first"):
        join_cluster("cpu")


@pytest.mark.tf
@pytest.mark.slow
def test_a_worker_whose_port_is_taken_says_so(tmp_path) -> None:
    """A worker that cannot bind its cluster address: DeviceError naming TF_CONFIG and what
    TensorFlow said, not a raw traceback."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code = (
            "from tf_ref.device import DeviceError, join_cluster\n"
            "try:\n    join_cluster('cpu')\nexcept DeviceError as err:\n    print(err)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
               "TF_CONFIG": tf_config([f"127.0.0.1:{port}", "127.0.0.1:1"], 0)}  # fmt: skip
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, env=env)  # fmt: skip
    assert "could not join the cluster" in done.stdout and f":{port}" in done.stdout, done
    assert "gRPC" in done.stdout, done.stdout
