"""Which device TensorFlow trains on: ``auto`` (a GPU when TF sees one), ``cpu`` or ``gpu``,
and over how many: ``select_strategy(devices)`` gives a ``tf.distribute`` strategy.

The same code runs unchanged on a GPU machine: only the device strings differ. The lists of
physical and logical devices can be injected, so the selection logic is tested on machines
without a GPU. ``split_cpu(n)`` splits the CPU into n logical devices, which is how the
multi-device path is tested on a CPU (it is not faster: the devices share the same cores).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scratch.checks import check_choice, check_positive

if TYPE_CHECKING:  # TensorFlow is imported lazily: importing this module must not start it
    import tensorflow as tf

DEVICE_CHOICES = ("auto", "cpu", "gpu")


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
    """
    import tensorflow as tf

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
