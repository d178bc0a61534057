"""Which device TensorFlow trains on: ``auto`` (a GPU when TF sees one), ``cpu`` or ``gpu``.

The same code runs unchanged on a GPU machine: only the device string differs. The list of
physical devices can be injected, so the selection logic is tested on machines without a GPU.
"""

from __future__ import annotations

from collections.abc import Callable

from scratch.checks import check_choice

DEVICE_CHOICES = ("auto", "cpu", "gpu")


class DeviceError(RuntimeError):
    """The requested device is not available to TensorFlow."""


def _physical_devices(kind: str) -> list[object]:
    import tensorflow as tf

    return list(tf.config.list_physical_devices(kind))


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
