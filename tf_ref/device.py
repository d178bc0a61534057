"""Which device TensorFlow trains on: ``auto`` (a GPU when TF sees one), ``cpu`` or ``gpu``,
and over how many: ``select_strategy(devices)`` gives a ``tf.distribute`` strategy.

The same code runs unchanged on a GPU machine: only the device strings differ. The lists of
physical and logical devices can be injected, so the selection logic is tested on machines
without a GPU. ``split_cpu(n)`` splits the CPU into n logical devices, which is how the
multi-device path is tested on a CPU (it is not faster: the devices share the same cores).

Several processes: ``join_cluster()`` makes this process one worker of the
``tf.distribute.MultiWorkerMirroredStrategy`` cluster that ``$TF_CONFIG`` describes (one replica
per worker, on its CPU or on each of its GPUs; gradients all-reduced over the network), and
``select_strategy(WORKERS)`` hands that strategy out. Every worker runs the same program on the
same data; ``katas exercise 8 --workers N`` starts N such processes on 127.0.0.1
(``katas.exercises.workers``), and the same code joins a real cluster given each machine's
``TF_CONFIG``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scratch.checks import check_choice, check_positive

if TYPE_CHECKING:  # TensorFlow is imported lazily: importing this module must not start it
    import tensorflow as tf

DEVICE_CHOICES = ("auto", "cpu", "gpu")
#: ``devices=WORKERS``: one replica per worker process of the $TF_CONFIG cluster (``join_cluster``).
WORKERS = "workers"


class DeviceError(RuntimeError, ValueError):
    """The requested device is not available to TensorFlow, or the model cannot be trained on
    the devices asked for (a layer drawing random numbers under ``devices=N``): a setting the
    user can change. A RuntimeError (what it always was) and a ValueError, like every other
    refusal of the API."""


def _physical_devices(kind: str) -> list[object]:
    import tensorflow as tf

    return list(tf.config.list_physical_devices(kind))


def _logical_devices(kind: str) -> list[object]:
    import tensorflow as tf

    return list(tf.config.list_logical_devices(kind))


def select_device(
    requested: str = "auto", list_devices: Callable[[str], list[object]] = _physical_devices
) -> str:
    """A TF device string for ``requested``: "/GPU:0" or "/CPU:0".

    "gpu" with no GPU visible raises DeviceError explaining how to get one; "auto" falls back to
    the CPU silently (that is what auto means).
    """
    check_choice(requested, "device", DEVICE_CHOICES)
    gpus = list_devices("GPU")
    if requested == "gpu" and not gpus:
        raise DeviceError(
            "device 'gpu' was requested but TensorFlow sees no GPU "
            "(tf.config.list_physical_devices('GPU') is empty). This project pins the CPU build "
            "'tensorflow-cpu'; on a machine with an NVIDIA GPU install 'tensorflow[and-cuda]' of "
            "the same version instead, or run with --device cpu."
        )
    if requested == "cpu" or not gpus:
        return "/CPU:0"
    return "/GPU:0"


def describe(list_devices: Callable[[str], list[object]] = _physical_devices) -> str:
    """A one-line summary such as "1 CPU, 0 GPU" for logs and JSON reports."""
    return f"{len(list_devices('CPU'))} CPU, {len(list_devices('GPU'))} GPU"


def _device_name(device: Any) -> str:
    """ "/device:GPU:1" from a ``tf.config.LogicalDevice`` (or the string itself)."""
    return str(getattr(device, "name", device))


def strategy_devices(
    devices: int | str | None,
    requested: str = "auto",
    list_devices: Callable[[str], list[object]] = _physical_devices,
    list_logical: Callable[[str], list[object]] = _logical_devices,
) -> list[str]:
    """The logical device names ``select_strategy`` trains on (pure: device lists injectable).

    ``devices`` None or 1: one device, ``select_device(requested)``'s. N > 1: the first N logical
    GPUs when ``requested`` resolves to the GPU (``auto`` with a GPU visible, or ``gpu``), else the
    first N logical CPUs. "all": every logical device of that kind. Fewer than N raises
    DeviceError saying how to get more.
    """
    check_choice(requested, "device", DEVICE_CHOICES)
    if isinstance(devices, str) and devices != "all":
        raise ValueError(f"devices: expected a positive integer or 'all', got {devices!r}")
    if devices is not None and devices != "all":
        check_positive(devices, "devices", integer=True)
    if devices is None or devices == 1:
        return [select_device(requested, list_devices)]
    kind = "GPU" if select_device(requested, list_devices) == "/GPU:0" else "CPU"
    names = [_device_name(d) for d in list_logical(kind)]
    if devices == "all":
        if not names:  # pragma: no cover - TF always lists the devices it selected
            raise DeviceError(f"devices='all': TensorFlow lists no logical {kind} device")
        return names
    n = int(devices)
    if n > len(names):
        if kind == "CPU":
            how = (
                f"Split the CPU into {n} logical devices first: call "
                f"tf_ref.device.split_cpu({n}) before anything starts TensorFlow's runtime "
                "(importing tf_ref.activations, layers, models or training does), e.g. at the top "
                "of a script or in a fresh subprocess; `katas exercise 8 --devices N` does this "
                "for you. A split CPU tests the multi-device path, it does not train faster."
            )
        else:
            how = (
                f"Pass devices={len(names)} or fewer (or 'all'), split a GPU into logical GPUs "
                "with tf.config.set_logical_device_configuration(..., memory_limit=...) before "
                "TensorFlow starts, or train on split CPUs with device='cpu'."
            )
        raise DeviceError(
            f"devices={n}: TensorFlow has only {len(names)} logical {kind} device(s) {names}. {how}"
        )
    return names[:n]


def select_strategy(
    devices: int | str | None,
    requested: str = "auto",
    list_devices: Callable[[str], list[object]] = _physical_devices,
    list_logical: Callable[[str], list[object]] = _logical_devices,
) -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy over ``strategy_devices(devices, requested)``.

    One device: a ``OneDeviceStrategy`` on it. Several: a ``MirroredStrategy`` (one replica per
    device, variables mirrored, gradients all-reduced with TF's default cross-device ops), the
    same object for the same devices for the life of the process (see ``_mirrored``).
    ``devices=WORKERS``: the cluster's ``MultiWorkerMirroredStrategy`` (``join_cluster``).
    """
    import tensorflow as tf

    if devices == WORKERS:
        return join_cluster(requested)
    names = strategy_devices(devices, requested, list_devices, list_logical)
    if len(names) == 1:
        return tf.distribute.OneDeviceStrategy(names[0])
    return _mirrored(tuple(names))


@functools.cache
def _mirrored(names: tuple[str, ...]) -> tf.distribute.Strategy:
    """One MirroredStrategy per device list per process.

    Every new MirroredStrategy numbers its collective all-reduces from the same keys (group 1,
    instance 100, ...) and TF's runtime remembers each key's tensor shape, so a second strategy
    whose first all-reduce has another shape (another model) fails with "Shape mismatch in the
    collective instance 100". Reusing the strategy keeps the numbering going.
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(list(names))


def split_cpu(n: int) -> None:
    """Split the (first) physical CPU into ``n`` logical devices "/device:CPU:0".."CPU:{n-1}".

    TensorFlow fixes its logical devices when its runtime starts (the first tensor, model or
    logical-device listing; importing tf_ref.activations, layers, models or training starts it),
    so call this first. Calling it again with the same ``n`` is harmless; anything else after the
    start raises DeviceError.
    """
    check_positive(n, "n", integer=True)
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration() for _ in range(int(n))]
    current = tf.config.get_logical_device_configuration(cpu)
    if len(current or [None]) == len(wanted):  # already so (unconfigured = one device)
        return
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError as err:
        have = len(tf.config.list_logical_devices("CPU"))
        raise DeviceError(
            f"split_cpu({n}): TensorFlow's runtime has already started with {have} logical CPU "
            f"device(s), and logical devices cannot change after that ({err}). Call split_cpu "
            "before anything creates a tensor or a model (importing tf_ref.activations, layers, "
            "models or training does): first thing in the script, or in a fresh subprocess."
        ) from err


_CLUSTER: list[tf.distribute.Strategy] = []  # the one cluster strategy of this process


def join_cluster(requested: str = "auto") -> tf.distribute.Strategy:
    """Make this process a worker of the cluster ``$TF_CONFIG`` describes; its strategy.

    A ``tf.distribute.MultiWorkerMirroredStrategy``: this worker's replica(s) on its CPU
    (``requested`` "cpu": the GPUs are hidden first) or on each of its GPUs, variables
    mirrored on every worker, gradients all-reduced (collective ring all-reduce on CPUs). Each
    worker starts a gRPC server on its own address of the cluster and waits for the others.
    The strategy configures TensorFlow's runtime, so call this first, before anything creates a
    tensor or a model (importing tf_ref.activations, layers, models or training does); a
    second call returns the same strategy. DeviceError: $TF_CONFIG unset or not what
    TensorFlow reads, the runtime already started, the worker's port taken.

    ``TF_CONFIG`` = ``{"cluster": {"worker": ["host0:port", "host1:port", ...]}, "task":
    {"type": "worker", "index": i}}``: the same cluster on every machine, each its own index;
    worker 0 is the chief.
    """
    check_choice(requested, "device", DEVICE_CHOICES)
    if _CLUSTER:
        return _CLUSTER[0]
    text = os.environ.get("TF_CONFIG")  # what TensorFlow's cluster resolver reads
    if not text:
        raise DeviceError(
            f"devices={WORKERS!r}: $TF_CONFIG is not set; it describes the cluster this process "
            'joins, e.g. {"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": '
            '{"type": "worker", "index": 0}} (`katas exercise 8 --workers N` sets it for N '
            "local workers)"
        )
    import tensorflow as tf

    select_device(requested)  # "gpu" without one: DeviceError
    if requested == "cpu":
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:  # the runtime has started: the strategy below says so
            pass
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as err:
        raise DeviceError(
            f"devices={WORKERS!r}: TensorFlow's runtime has already started ({err}), and a "
            "multi-worker strategy configures it. Call tf_ref.device.join_cluster() first thing "
            "in the script (before importing tf_ref.activations, layers, models or training), "
            "or in a fresh subprocess."
        ) from err
    except (ValueError, KeyError, tf.errors.OpError) as err:
        raise DeviceError(
            f"devices={WORKERS!r}: could not join the cluster $TF_CONFIG describes ({text}): "
            f"{type(err).__name__}: {err}. Each worker needs its own free host:port in "
            'cluster.worker and its index in task, e.g. {"cluster": {"worker": ["host0:12345", '
            '"host1:12345"]}, "task": {"type": "worker", "index": 0}}.'
        ) from err
    _CLUSTER.append(strategy)
    return strategy
