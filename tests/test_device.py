"""Device selection for the TF path, tested on a CPU-only machine with injected device lists."""

from __future__ import annotations

import pytest

from tf_ref.device import DeviceError, describe, select_device

pytestmark = pytest.mark.tf  # every test here compares with or runs TensorFlow


def fake(cpus: int, gpus: int):
    def list_devices(kind: str) -> list[str]:
        return [f"{kind}:{i}" for i in range({"CPU": cpus, "GPU": gpus}[kind])]

    return list_devices


@pytest.mark.parametrize(
    ("requested", "gpus", "expected"),
    [
        ("auto", 0, "/CPU:0"),
        ("auto", 2, "/GPU:0"),
        ("cpu", 2, "/CPU:0"),
        ("cpu", 0, "/CPU:0"),
        ("gpu", 1, "/GPU:0"),
    ],
)
def test_select_device(requested: str, gpus: int, expected: str) -> None:
    assert select_device(requested, fake(1, gpus)) == expected


def test_gpu_requested_without_gpu_explains() -> None:
    with pytest.raises(DeviceError, match=r"sees no GPU.*tensorflow\[and-cuda\].*--device cpu"):
        select_device("gpu", fake(1, 0))


def test_unknown_device_name() -> None:
    with pytest.raises(ValueError, match="device: unknown name 'tpu'"):
        select_device("tpu", fake(1, 0))


def test_describe_and_real_tensorflow_listing() -> None:
    assert describe(fake(1, 2)) == "1 CPU, 2 GPU"
    # The real listing works on this CPU-only machine and auto picks the CPU here.
    import tensorflow as tf

    expected = "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"
    assert select_device("auto") == expected
