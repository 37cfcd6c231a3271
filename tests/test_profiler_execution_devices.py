"""EXECUTION_DEVICES read at several moments of a profile, with a fake compiled model."""

from __future__ import annotations

from typing import Any

from ovstudio.profiler.device import ExecutionDeviceLog, read_execution_devices


class SwitchingCompiledModel:
    """A compiled model whose EXECUTION_DEVICES changes from one read to the next, as AUTO's may."""

    def __init__(self, *reads: list[str]) -> None:
        self._reads = list(reads)

    def get_property(self, key: str) -> Any:
        if key != "EXECUTION_DEVICES":
            raise RuntimeError(f"property {key} is not supported")
        return self._reads.pop(0)


class SilentCompiledModel:
    """A compiled model that supports no property."""

    def get_property(self, key: str) -> Any:
        raise RuntimeError(f"property {key} is not supported")


def read_three_times(compiled: Any) -> ExecutionDeviceLog:
    log = ExecutionDeviceLog()
    for moment in ("after compiling", "after pass 1", "after pass 2"):
        log.add(moment, read_execution_devices(compiled))
    return log


def test_execution_devices_switch_keeps_both() -> None:
    log = read_three_times(SwitchingCompiledModel(["CPU"], ["GPU.0"], ["GPU.0"]))

    assert log.used() == ["CPU", "GPU.0"]


def test_execution_devices_switch_warns_each_read() -> None:
    log = read_three_times(SwitchingCompiledModel(["CPU"], ["GPU.0"], ["GPU.0"]))

    assert log.change_warning("AUTO") == (
        "device AUTO changed its execution devices during the profile (after compiling: CPU; after pass 1: "
        "GPU.0; after pass 2: GPU.0), so the latency and the counters may mix inferences of these devices"
    )


def test_execution_devices_two_at_once_in_order() -> None:
    log = read_three_times(SwitchingCompiledModel(["CPU", "GPU.0"], ["GPU.0"], ["GPU.1", "GPU.0"]))

    assert log.used() == ["CPU", "GPU.0", "GPU.1"]


def test_execution_devices_steady_no_warning() -> None:
    log = read_three_times(SwitchingCompiledModel(["CPU"], ["CPU"], ["CPU"]))

    assert log.used() == ["CPU"]
    assert log.change_warning("AUTO") is None


def test_execution_devices_unreadable_empty() -> None:
    log = read_three_times(SilentCompiledModel())

    assert log.used() == []
    assert log.change_warning("AUTO") is None


def test_execution_devices_one_unreadable_read_no_warning() -> None:
    log = read_three_times(SwitchingCompiledModel(["CPU"], [], ["CPU"]))

    assert log.used() == ["CPU"]
    assert log.change_warning("AUTO") is None
