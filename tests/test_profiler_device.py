"""Tests of the compile configuration and the properties read back, on real OpenVINO."""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest
from openvino import opset13 as ops

from ovstudio.errors import InvalidSettingError, ProfilingError
from ovstudio.profiler import device as devices
from ovstudio.settings import ProfileSettings


@pytest.fixture(scope="module")
def core() -> ov.Core:
    return ov.Core()


@pytest.fixture(scope="module")
def small_model() -> ov.Model:
    parameter = ops.parameter([1, 3, 16, 16], ov.Type.f32, name="image")
    weights = ops.constant(np.ones((8, 3, 3, 3), np.float32))
    convolution = ops.convolution(parameter, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    return ov.Model([ops.relu(convolution)], [parameter], "small")


@pytest.mark.parametrize(
    ("device", "virtual", "hardware"),
    [
        ("CPU", None, ("CPU",)),
        ("AUTO:CPU", "AUTO", ("CPU",)),
        ("HETERO:GPU,CPU", "HETERO", ("GPU", "CPU")),
        ("MULTI:GPU(2),CPU(1)", "MULTI", ("GPU", "CPU")),
        ("AUTO", "AUTO", ("CPU", "GPU")),
    ],
)
def test_parse_device_cases(device: str, virtual: str | None, hardware: tuple[str, ...]) -> None:
    target = devices.parse_device(device, ["CPU", "GPU"])

    assert target.device == device
    assert target.virtual == virtual
    assert target.hardware == hardware


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("NOPE", "device 'NOPE' is not available on this machine. Available devices: CPU;"),
        ("cpu", "device 'cpu' is not available on this machine: device names are case-sensitive, so use 'CPU'."),
        ("GPU", "device 'GPU' is not available on this machine. Available devices: CPU;"),
        ("HETERO:", "device 'HETERO:' lists no device after HETERO: name the devices to use, such as HETERO:CPU"),
        ("AUTO:", "device 'AUTO:' lists no device after AUTO: name the devices to use, such as AUTO:CPU"),
        ("MULTI", "device 'MULTI' lists no device after MULTI"),
        ("HETERO:NOPE,CPU", "device 'NOPE' in 'HETERO:NOPE,CPU' is not available on this machine."),
        ("AUTO:NOPE", "device 'NOPE' in 'AUTO:NOPE' is not available on this machine."),
        ("auto:CPU", "device 'auto' in 'auto:CPU' is not available on this machine: device names are case-sensitive, so use 'AUTO'."),
        ("AUTO:-CPU", "device 'AUTO:-CPU' excludes every available device (CPU)"),
    ],
)
def test_parse_device_rejects_unavailable(device: str, expected: str) -> None:
    with pytest.raises(InvalidSettingError) as caught:
        devices.parse_device(device, ["CPU"])

    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("device", "available", "hardware"),
    [
        ("GPU", ["CPU", "GPU.0", "GPU.1"], ("GPU",)),
        ("GPU.1", ["CPU", "GPU.0", "GPU.1"], ("GPU.1",)),
        ("GPU.0", ["CPU", "GPU"], ("GPU.0",)),
        ("AUTO:GPU,-CPU", ["CPU", "GPU"], ("GPU",)),
        ("AUTO:-GPU", ["CPU"], ("CPU",)),
        ("BATCH:CPU(4)", ["CPU"], ("CPU",)),
    ],
)
def test_parse_device_accepts_indexes_and_exclusions(device: str, available: list[str], hardware: tuple[str, ...]) -> None:
    assert devices.parse_device(device, available).hardware == hardware


def test_parse_device_valid_names_read_properties_quietly(core: ov.Core, caplog: pytest.LogCaptureFixture) -> None:
    config = devices.build_compile_config(ProfileSettings(), perf_count=False)

    for device in ("CPU", "AUTO", "AUTO:CPU,-GPU", "HETERO:CPU", "MULTI:CPU", "BATCH:CPU"):
        devices.filter_supported(core, devices.parse_device(device, list(core.available_devices)), config)

    assert "SUPPORTED_PROPERTIES" not in caplog.text


def test_build_compile_config_from_settings() -> None:
    settings = ProfileSettings(hint="throughput", precision="f32", streams=2, requests=4)

    config = devices.build_compile_config(settings, perf_count=True)

    assert config == {
        "PERF_COUNT": True,
        "PERFORMANCE_HINT": "THROUGHPUT",
        "PERFORMANCE_HINT_NUM_REQUESTS": "4",
        "INFERENCE_PRECISION_HINT": "f32",
        "NUM_STREAMS": "2",
    }


def test_build_compile_config_hint_none_unset() -> None:
    config = devices.build_compile_config(ProfileSettings(hint="none"), perf_count=False)

    assert config == {"PERF_COUNT": False}


@pytest.mark.parametrize("device", ["CPU", "AUTO", "AUTO:CPU", "HETERO:CPU", "MULTI:CPU"])
def test_filter_supported_keeps_settings(core: ov.Core, device: str) -> None:
    config = devices.build_compile_config(ProfileSettings(precision="f32", streams=1, requests=1), perf_count=True)
    target = devices.parse_device(device, list(core.available_devices))

    kept, warnings = devices.filter_supported(core, target, config)

    assert kept == config
    assert warnings == []


def test_filter_supported_drops_unknown_key(core: ov.Core) -> None:
    target = devices.parse_device("CPU", list(core.available_devices))

    kept, warnings = devices.filter_supported(core, target, {"PERF_COUNT": False, "NO_SUCH_PROPERTY": "1"})

    assert kept == {"PERF_COUNT": False}
    assert len(warnings) == 1
    assert "NO_SUCH_PROPERTY" in warnings[0]


def test_compile_with_fallback_drops_rejected_setting(core: ov.Core, small_model: ov.Model) -> None:
    compiled, compile_time_s, warnings = devices.compile_with_fallback(
        core, small_model, "CPU", {"PERF_COUNT": False, "PERFORMANCE_HINT": "UNDEFINED"}
    )

    assert compile_time_s > 0
    assert len(warnings) == 1
    assert "PERFORMANCE_HINT=UNDEFINED" in warnings[0]
    assert devices.read_compiled_properties(compiled).execution_devices == ["CPU"]


def test_compile_with_fallback_unknown_device_raises(core: ov.Core, small_model: ov.Model) -> None:
    with pytest.raises(ProfilingError, match="NO_SUCH_DEVICE"):
        devices.compile_with_fallback(core, small_model, "NO_SUCH_DEVICE", {})


def test_compile_with_fallback_error_without_source_locations(core: ov.Core, small_model: ov.Model) -> None:
    # The CPU plugin has no device ids, so CPU.1 passes the name check but fails to compile.
    with pytest.raises(ProfilingError) as caught:
        devices.compile_with_fallback(core, small_model, "CPU.1", {})

    message = str(caught.value)
    assert "device id" in message
    assert "Exception from" not in message
    assert ".cpp" not in message
    assert "\n" not in message


@pytest.mark.parametrize("device", ["CPU", "AUTO", "HETERO:CPU", "MULTI:CPU"])
def test_read_compiled_properties_precision(core: ov.Core, small_model: ov.Model, device: str) -> None:
    compiled = core.compile_model(small_model, device, {"INFERENCE_PRECISION_HINT": "f32", "NUM_STREAMS": "1"})

    properties = devices.read_compiled_properties(compiled)

    assert properties.execution_devices == ["CPU"]
    assert properties.inference_precision == "f32"
    assert properties.num_streams == 1
    assert properties.optimal_requests is not None
    assert "SUPPORTED_PROPERTIES" not in properties.properties
    assert all(isinstance(value, str) for value in properties.properties.values())


def test_setting_warnings_on_mismatch() -> None:
    compiled = devices.CompiledProperties(["CPU"], "bf16", 2, 2, {})

    warnings = devices.setting_warnings(ProfileSettings(precision="f16", streams=7), compiled)

    assert len(warnings) == 2
    assert "f16" in warnings[0]
    assert "bf16" in warnings[0]
    assert "7" in warnings[1]


def test_property_text_short_names() -> None:
    assert devices.property_text(ov.Type.bf16) == "bf16"
    assert devices.property_text(["CPU", "GPU"]) == "CPU,GPU"
    assert devices.property_text(ov.properties.hint.PerformanceMode.LATENCY) == "LATENCY"
    assert devices.property_text(3) == "3"


def test_device_full_names_strip_suffix(core: ov.Core) -> None:
    full_name = core.get_property("CPU", "FULL_DEVICE_NAME")

    assert devices.device_full_names(core, ["CPU"]) == full_name
    assert devices.device_full_names(core, ["CPU (CPU)"]) == full_name
    assert devices.device_full_names(core, ["NO_SUCH_DEVICE"]) is None


def test_host_info_fields() -> None:
    info = devices.host_info()

    assert info["openvino_version"] == ov.get_version()
    assert info["host_cpu"]
    assert info["host_os"]
    assert info["python_version"].count(".") == 2
