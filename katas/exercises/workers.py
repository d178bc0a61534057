"""``--workers N``: the TF backend trained by N worker processes of one cluster, started and
stopped by the command itself.

TensorFlow's ``MultiWorkerMirroredStrategy`` reads the cluster from ``$TF_CONFIG``: every worker's
address and this process's place in it, ``{"cluster": {"worker": ["127.0.0.1:41234",
"127.0.0.1:41235"]}, "task": {"type": "worker", "index": 1}}``. Worker 0 is the chief.

Without ``$TF_CONFIG`` the command is the *launcher* (:func:`launch`): it picks N free ports on
127.0.0.1 (:func:`free_ports`), writes each worker's ``TF_CONFIG`` (:func:`tf_config`) and runs
the same command line N times with it. The chief's output is the command's (its table, its
JSON, its report.json); the other workers' output goes to one log file each, named in the error
if one fails. The workers are stopped (their process groups killed) when the command ends, when
one of them fails, on Ctrl-C, and, should the launcher itself be killed, by each worker's own
watch (:mod:`katas.engine.orphan`).

With ``$TF_CONFIG`` set (a worker the launcher started, or a process on a real cluster where each
machine has its own ``TF_CONFIG``) the same command joins that cluster instead
(:func:`join`): ``--workers`` must then equal the cluster's size.

Everything here is checked before any process starts or TensorFlow is imported: flags that
cannot go with ``--workers`` (:func:`check_flags`) and a ``$TF_CONFIG`` that is not JSON or lacks
its cluster or task (:func:`read_tf_config`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from katas.argparse_i18n import BadValue
from katas.errors import UserError

ENV = "TF_CONFIG"
#: Set by :func:`launch` in each worker's environment: the worker exits once the launcher is gone.
LAUNCHED_ENV = "DNN_KATAS_LAUNCHED_WORKER"
HOST = "127.0.0.1"
#: ``--workers`` above this is refused: each worker is a TensorFlow process (hundreds of MB and
#: seconds of start-up) and local workers share the machine's cores.
MAX_WORKERS = 16
#: How long the other workers may take to end after the chief has ended well (they train the
#: same steps; they only lag by their last evaluation).
GRACE_S = 120.0
POLL_S = 0.1
#: Lines of a failed worker's log quoted in the error.
LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class Cluster:
    """A parsed ``$TF_CONFIG``: the workers' addresses ("host:port", the chief's first) and this
    process's index among them."""

    addresses: tuple[str, ...]
    index: int

    @property
    def size(self) -> int:
        return len(self.addresses)

    @property
    def is_chief(self) -> bool:
        return self.index == 0


# ----------------------------------------------------------------------------- flags


def workers_flag(text: str) -> int:
    """``--workers``: an integer in 1..MAX_WORKERS (argparse ``type=``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_WORKERS:
        raise BadValue(
            f"expected a whole number of worker processes from 1 to {MAX_WORKERS}, got {text!r}",
            ja=f"ワーカープロセスの数として 1 から {MAX_WORKERS} までの整数を指定してください。"
            f"{text!r} が渡されました",
        )
    return value


def add_flag(parser: argparse.ArgumentParser) -> None:
    """Register ``--workers N`` on an exercise's parser."""
    parser.add_argument(
        "--workers",
        type=workers_flag,
        default=None,
        metavar="N",
        help="TF backend only (--backend tf): train with tf.distribute.MultiWorkerMirroredStrategy "
        "over N worker processes on this machine (127.0.0.1, free ports), started and stopped "
        "by this command; worker 0 writes the report. With $TF_CONFIG set (a real cluster, one "
        "TF_CONFIG per machine) this process joins that cluster instead. Default: one process",
    )


def check_flags(args: argparse.Namespace, refused: Mapping[str, str] | None = None) -> None:
    """UserError for a ``--workers`` run that cannot be one: not ``--backend tf``, with
    ``--devices``, or with any flag of ``refused`` ({attribute: why}) that was given."""
    if getattr(args, "workers", None) is None:
        return
    if args.backend != "tf":
        raise UserError(
            f"--workers: TF backend only; give --backend tf (got --backend {args.backend}: "
            "scratch trains in one process)",
            ja=f"--workers: TF バックエンド専用です。--backend tf を指定してください "
            f"(--backend {args.backend} が指定されました。scratch は 1 つのプロセスで訓練します)",
        )
    if getattr(args, "devices", None) is not None:
        raise UserError(
            "--workers and --devices: choose one (--devices N: several devices in one process; "
            "--workers N: one device per worker process)",
            ja="--workers と --devices: どちらか一方を指定してください (--devices N: 1 つのプロセス"
            "で複数のデバイス、--workers N: ワーカープロセスごとに 1 つのデバイス)",
        )
    for name, (why, why_ja) in (refused or {}).items():
        value = getattr(args, name, None)
        if value not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise UserError(f"--workers with {flag}: {why}", ja=f"--workers と {flag}: {why_ja}")


# ----------------------------------------------------------------------------- TF_CONFIG


def free_ports(n: int, host: str = HOST) -> list[int]:
    """``n`` distinct TCP ports free on ``host`` now: bound to port 0 all at once (so the system
    gives distinct ones), read, closed. Another program may take one before its worker binds it;
    that worker then fails to start, and :func:`launch` says so."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(addresses: Sequence[str], index: int) -> str:
    """Worker ``index``'s ``TF_CONFIG``: the whole cluster and its own task, as JSON text."""
    return json.dumps(
        {"cluster": {"worker": list(addresses)}, "task": {"type": "worker", "index": index}}
    )


def _bad_tf_config(what: str, what_ja: str, text: str) -> UserError:
    example = (
        '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", '
        '"index": 0}}'
    )
    return UserError(
        f"${ENV}: {what}; expected the cluster and this process's task, e.g. {example} (got "
        f"{text[:200]!r}). Unset it to let --workers N start N local workers.",
        ja=f"${ENV}: {what_ja}。クラスタとこのプロセスのタスクを指定してください。例: {example} "
        f"({text[:200]!r} が設定されています)。--workers N にローカルのワーカーを N 個起動させる"
        f"なら、{ENV} を設定しないでください。",
    )


def read_tf_config(text: str) -> Cluster:
    """The cluster of a ``TF_CONFIG`` text; UserError unless it is a JSON object with
    ``cluster.worker`` a non-empty list of distinct "host:port" strings and ``task`` of type
    "worker" with an integer index into it (the only layout these commands start and join)."""
    try:
        config = json.loads(text)
    except ValueError as err:
        raise _bad_tf_config(f"not valid JSON ({err})", f"JSON として正しくありません ({err})",
                             text) from None  # fmt: skip
    if not isinstance(config, dict):
        raise _bad_tf_config("not a JSON object", "JSON オブジェクトではありません", text)
    cluster, task = config.get("cluster"), config.get("task")
    workers = cluster.get("worker") if isinstance(cluster, dict) else None
    if (
        not isinstance(workers, list)
        or not workers
        or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit() for a in workers)
    ):
        raise _bad_tf_config(
            'no "cluster": {"worker": [...]} list of "host:port" addresses',
            '"cluster": {"worker": [...]} ("host:port" のアドレスのリスト) がありません',
            text,
        )
    if len(set(workers)) != len(workers):
        raise _bad_tf_config(
            "the same address twice in cluster.worker",
            "cluster.worker に同じアドレスが 2 回あります",
            text,
        )
    if set(cluster) != {"worker"}:
        others = ", ".join(sorted(set(cluster) - {"worker"}))
        raise _bad_tf_config(
            f"jobs other than 'worker' in the cluster ({others}): here every process is a "
            "worker and worker 0 is the chief",
            f"クラスタに 'worker' 以外のジョブがあります ({others})。ここではすべてのプロセスが"
            "ワーカーで、ワーカー 0 がチーフです",
            text,
        )
    if not isinstance(task, dict):
        raise _bad_tf_config(
            'no "task": {"type": "worker", "index": i}',
            '"task": {"type": "worker", "index": i} がありません',
            text,
        )
    index = task.get("index")
    if (
        task.get("type") != "worker"
        or not isinstance(index, int)
        or isinstance(index, bool)
        or not 0 <= index < len(workers)
    ):
        raise _bad_tf_config(
            f'task must be {{"type": "worker", "index": i}} with i in 0..{len(workers) - 1}, '
            f"got {json.dumps(task)}",
            f'task は {{"type": "worker", "index": i}} (i は 0..{len(workers) - 1}) にしてくだ'
            f"さい。{json.dumps(task)} が設定されています",
            text,
        )
    return Cluster(tuple(workers), index)


def cluster_from_env(environ: Mapping[str, str] | None = None) -> Cluster | None:
    """The cluster of ``$TF_CONFIG`` (checked), or None when it is unset or empty."""
    text = (os.environ if environ is None else environ).get(ENV, "")
    return read_tf_config(text) if text.strip() else None


def join(n: int, environ: Mapping[str, str] | None = None) -> Cluster | None:
    """This process's place in the ``$TF_CONFIG`` cluster of ``--workers n`` (None: no
    ``$TF_CONFIG``, this process is the launcher). UserError when the cluster has another
    number of workers. A worker :func:`launch` started ends itself once the launcher is gone."""
    environ = os.environ if environ is None else environ
    cluster = cluster_from_env(environ)
    if cluster is None:
        return None
    if cluster.size != n:
        raise UserError(
            f"--workers {n}: ${ENV} describes a cluster of {cluster.size} worker(s) "
            f"({', '.join(cluster.addresses)}); give --workers {cluster.size}, or unset {ENV} "
            f"to start {n} local workers",
            ja=f"--workers {n}: ${ENV} のクラスタはワーカー {cluster.size} 個です "
            f"({', '.join(cluster.addresses)})。--workers {cluster.size} を指定するか、{ENV} を"
            f"設定せずにローカルのワーカーを {n} 個起動してください",
        )
    if environ.get(LAUNCHED_ENV):
        from katas.engine.orphan import exit_with_parent

        exit_with_parent()  # a killed launcher must not leave workers waiting on each other
    return cluster


# ----------------------------------------------------------------------------- the launcher


def katas_command(argv: Sequence[str]) -> list[str]:
    """The command line a worker runs: this ``katas`` command again, in this Python."""
    return [sys.executable, "-m", "katas", *argv]


def launch(
    command: Sequence[str],
    n: int,
    *,
    grace_s: float = GRACE_S,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run ``command`` as the ``n`` workers of a cluster on 127.0.0.1; the chief's exit status.

    Each worker gets its ``TF_CONFIG`` and $DNN_KATAS_LAUNCHED_WORKER in its environment and a
    session of its own (Ctrl-C reaches this process, which stops them all). The chief (worker 0)
    keeps this terminal; worker i > 0 writes to ``worker-i.log`` in a temporary folder, removed
    after a run that went well. A worker that fails (or cannot start) stops the others: UserError
    naming its log and quoting its end. A chief that fails stops the others and its exit status
    is returned (it has said why on the terminal). The workers never outlive this call.
    """
    from katas.engine.runner import _kill_group, child_env

    base = child_env() if env is None else dict(env)
    addresses = [f"{HOST}:{port}" for port in free_ports(n)]
    logs = Path(tempfile.mkdtemp(prefix="katas-workers-"))
    procs: list[subprocess.Popen] = []
    keep_logs = False
    try:
        for i in range(n):
            log = None if i == 0 else open(logs / f"worker-{i}.log", "wb")
            try:
                procs.append(
                    subprocess.Popen(
                        list(command),
                        env={**base, ENV: tf_config(addresses, i), LAUNCHED_ENV: "1"},
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=None if log is None else subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            except OSError as err:
                raise UserError(
                    f"--workers {n}: could not start worker {i} ({' '.join(command)}): {err}",
                    ja=f"--workers {n}: ワーカー {i} を起動できませんでした "
                    f"({' '.join(command)}): {err}",
                ) from None
            finally:
                if log is not None:
                    log.close()  # the child holds its own descriptor
        return _wait(procs, addresses, logs, grace_s)
    except UserError:
        keep_logs = True  # the error names the failed worker's log
        raise
    finally:
        for proc in procs:
            _kill_group(proc)
            proc.wait()
        if not keep_logs:
            shutil.rmtree(logs, ignore_errors=True)


def _wait(procs: list[subprocess.Popen], addresses: list[str], logs: Path, grace_s: float) -> int:
    """Wait for the chief (and then the others, for ``grace_s``); the chief's exit status, or
    UserError for the first other worker that failed (or did not end in time)."""
    chief, others = procs[0], procs[1:]
    deadline = None
    while True:
        for i, proc in enumerate(others, start=1):
            code = proc.poll()
            if code not in (None, 0):
                raise _worker_failed(i, len(procs), addresses[i], code, logs, grace_s)
        code = chief.poll()
        if code is not None:
            if code != 0:
                return code  # the chief printed its own error; the others are stopped
            if all(p.poll() is not None for p in others):
                return 0
            deadline = deadline or time.monotonic() + grace_s
            if time.monotonic() > deadline:
                late = next(i for i, p in enumerate(others, start=1) if p.poll() is None)
                raise _worker_failed(late, len(procs), addresses[late], None, logs, grace_s)
        time.sleep(POLL_S)


def _worker_failed(
    index: int, n: int, address: str, code: int | None, logs: Path, grace_s: float
) -> UserError:
    """The error for worker ``index`` (exit status ``code``, None: still running), quoting its
    log's last lines."""
    log = logs / f"worker-{index}.log"
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    tail = "\n".join(lines[-LOG_TAIL_LINES:]) or "(no output)"
    how = (
        f"was still running {grace_s:.0f} s after worker 0 had finished"
        if code is None
        else f"failed (exit status {code})"
    )
    how_ja = (
        f"ワーカー 0 の終了から {grace_s:.0f} 秒たっても終わりませんでした"
        if code is None
        else f"失敗しました (終了ステータス {code})"
    )
    return UserError(
        f"--workers {n}: worker {index} ({address}) {how}; every worker was stopped. Its "
        f"output is in {log}; it ends:\n{tail}",
        ja=f"--workers {n}: ワーカー {index} ({address}) が{how_ja}。すべてのワーカーを止めま"
        f"した。出力は {log} にあります。最後の部分:\n{tail}",
    )
