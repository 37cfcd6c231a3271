"""Devices: the compile configuration, compiled-model properties read back, and host facts.

Measured with OpenVINO 2026.4.1 on CPU: AUTO, AUTO:CPU, HETERO:CPU and MULTI:CPU accept
PERFORMANCE_HINT, PERFORMANCE_HINT_NUM_REQUESTS, INFERENCE_PRECISION_HINT, NUM_STREAMS and
PERF_COUNT as top-level compile properties and pass them to the CPU under them, although HETERO
does not list them in its SUPPORTED_PROPERTIES. No device accepts PERFORMANCE_HINT "UNDEFINED",
so hint "none" leaves the property unset. The compiled model of a virtual device does not report
INFERENCE_PRECISION_HINT or NUM_STREAMS itself: they are read from DEVICE_PROPERTIES of the first
execution device.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import re
import time
from pathlib import Path
from typing import Any

import openvino as ov

from ovstudio.errors import InvalidSettingError, ProfilingError
from ovstudio.loader import meaningful_lines
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)

VIRTUAL_DEVICES = ("AUTO", "HETERO", "MULTI", "BATCH")
DEVICE_PROPERTIES = "DEVICE_PROPERTIES"
# Settings a device may reject: compile_with_fallback drops them one at a time.
OPTIONAL_KEYS = ("PERFORMANCE_HINT", "PERFORMANCE_HINT_NUM_REQUESTS", "INFERENCE_PRECISION_HINT", "NUM_STREAMS")


@dataclasses.dataclass(frozen=True)
class DeviceTarget:
    """A device string split into its virtual device (if any) and the hardware devices under it."""

    device: str
    virtual: str | None
    hardware: tuple[str, ...]


@dataclasses.dataclass
class CompiledProperties:
    """Properties read back from a compiled model."""

    execution_devices: list[str]
    inference_precision: str | None
    num_streams: int | None
    optimal_requests: int | None
    properties: dict[str, str]


def parse_device(device: str, available: list[str]) -> DeviceTarget:
    """Validate ``device`` (CPU, AUTO, AUTO:CPU, HETERO:GPU,CPU, ...) and split it into its parts.

    A bare AUTO means every available device. Priority and batch suffixes such as ``GPU(2)`` are
    kept in ``device`` but dropped from ``hardware``, and so are devices that AUTO excludes with
    ``-``. Raises ``InvalidSettingError`` when a device name is not one of ``available`` (``GPU``
    also matches ``GPU.0``, and ``GPU.0`` matches ``GPU``) or of the virtual devices, and when
    HETERO, MULTI or BATCH lists no device, or AUTO excludes every device.
    """
    head, _, tail = device.partition(":")
    if head not in VIRTUAL_DEVICES:
        # A misspelled virtual device, such as auto:CPU, is named by its part before the colon.
        _check_device_name(head if head.upper() in VIRTUAL_DEVICES else device, device, available)
        return DeviceTarget(device, None, (device,))

    entries = [_strip_suffix(entry.strip()) for entry in tail.split(",") if entry.strip()]
    if not entries and (head != "AUTO" or device.endswith(":")):
        example = f"{head}:{available[0]}" if available else f"{head}:CPU"
        raise InvalidSettingError(
            f"device {device!r} lists no device after {head}: name the devices to use, such as {example}"
        )
    # AUTO:GPU,-CPU means the GPU and not the CPU. An excluded device need not exist.
    excluded = {entry[1:] for entry in entries if head == "AUTO" and entry.startswith("-")}
    hardware = [entry for entry in entries if not (head == "AUTO" and entry.startswith("-"))]
    for name in hardware:
        _check_device_name(name, device, available)
    if not hardware:
        hardware = [name for name in available if name not in excluded and _base_name(name) not in excluded]
    if not hardware:
        raise InvalidSettingError(
            f"device {device!r} excludes every available device ({', '.join(available) or 'none'}): "
            f"leave at least one of them"
        )
    return DeviceTarget(device, head, tuple(hardware))


def _check_device_name(name: str, device: str, available: list[str]) -> None:
    """Raise ``InvalidSettingError`` unless ``name`` is an available device, with or without an index.

    NOTE: only the part before the index is checked, so GPU.7 passes when GPU.0 exists, and
    compiling then fails with OpenVINO's message.
    """
    if _base_name(name) in {_base_name(known) for known in available}:
        return
    where = "" if name == device else f" in {device!r}"
    candidates = [*available, *VIRTUAL_DEVICES]
    match = next((known for known in candidates if _base_name(known).casefold() == _base_name(name).casefold()), None)
    hint = f": device names are case-sensitive, so use {match!r}" if match else ""
    listed = ", ".join(available) if available else "none"
    example = f"AUTO:{available[0]}" if available else "AUTO:CPU"
    raise InvalidSettingError(
        f"device {name!r}{where} is not available on this machine{hint}. Available devices: {listed}; "
        f"the virtual devices {', '.join(VIRTUAL_DEVICES)} combine them, as in {example}"
    )


def _base_name(device: str) -> str:
    """Return the device name without its index, such as GPU for GPU.1."""
    return device.split(".", 1)[0]


def build_compile_config(settings: ProfileSettings, perf_count: bool) -> dict[str, Any]:
    """Build the compile properties for ``settings``, with PERF_COUNT on or off.

    PERF_COUNT is always set, as benchmark_app does, so pass 1 never pays for counters that a
    device might enable by default.
    """
    config: dict[str, Any] = {"PERF_COUNT": perf_count}
    if settings.hint != "none":
        config["PERFORMANCE_HINT"] = settings.hint.upper()
    if settings.requests is not None:
        config["PERFORMANCE_HINT_NUM_REQUESTS"] = str(settings.requests)
    if settings.precision is not None:
        config["INFERENCE_PRECISION_HINT"] = settings.precision
    if settings.streams is not None:
        config["NUM_STREAMS"] = str(settings.streams)
    return config


def filter_supported(core: ov.Core, target: DeviceTarget, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Drop properties that neither the device nor every hardware device under it supports.

    Returns the kept properties and a warning for each dropped one.
    """
    supported = _supported_keys(core, target.virtual or target.device)
    hardware_supported = [_supported_keys(core, name) for name in target.hardware] if target.virtual else []

    kept: dict[str, Any] = {}
    warnings: list[str] = []
    for key, value in config.items():
        on_hardware = bool(hardware_supported) and all(keys is None or key in keys for keys in hardware_supported)
        if supported is None or key in supported or on_hardware:
            kept[key] = value
        else:
            warnings.append(f"device {target.device} does not support {key}; the setting {key}={value} was not applied")
    return kept, warnings


def compile_with_fallback(
    core: ov.Core, model: ov.Model, device: str, config: dict[str, Any]
) -> tuple[ov.CompiledModel, float, list[str]]:
    """Compile ``model``, dropping an optional setting the device rejects by name, and retry.

    Returns the compiled model, the compile time in seconds and a warning per dropped setting.
    Raises ``ProfilingError`` when compiling fails for another reason.
    """
    config = dict(config)
    warnings: list[str] = []
    while True:
        started = time.perf_counter()
        try:
            compiled = core.compile_model(model, device, config)
        except RuntimeError as error:
            rejected = _rejected_key(str(error), config)
            if rejected is None:
                reason = " ".join(meaningful_lines(str(error))).rstrip(".")
                raise ProfilingError(
                    f"compiling the model for device {device} with {config} failed: {reason}. "
                    f"Check that the device is available and supports the model",
                    stage="compile",
                ) from error
            warnings.append(f"device {device} rejected {rejected}={config[rejected]}; compiled without it")
            logger.warning("device %s rejected %s=%s: %s", device, rejected, config[rejected], error)
            del config[rejected]
            continue
        return compiled, time.perf_counter() - started, warnings


def read_compiled_properties(compiled: ov.CompiledModel) -> CompiledProperties:
    """Read EXECUTION_DEVICES, precision, streams, optimal requests and every readable property."""
    properties = _readable_properties(compiled)
    execution_devices = read_execution_devices(compiled)

    nested: dict[str, Any] = {}
    device_properties = _get(compiled, DEVICE_PROPERTIES)
    if isinstance(device_properties, dict) and execution_devices:
        nested = device_properties.get(_strip_suffix(execution_devices[0]), {}) or {}

    precision = _get(compiled, "INFERENCE_PRECISION_HINT")
    if precision is None:
        precision = nested.get("INFERENCE_PRECISION_HINT")
    streams = _get(compiled, "NUM_STREAMS")
    if streams is None:
        streams = nested.get("NUM_STREAMS")
    requests = _get(compiled, "OPTIMAL_NUMBER_OF_INFER_REQUESTS")

    return CompiledProperties(
        execution_devices=execution_devices,
        inference_precision=property_text(precision) if precision is not None else None,
        num_streams=_to_int(streams),
        optimal_requests=_to_int(requests),
        properties=properties,
    )


def read_execution_devices(compiled: ov.CompiledModel) -> list[str]:
    """Read EXECUTION_DEVICES of a compiled model; an empty list when the device does not report it."""
    return [str(name) for name in _get(compiled, "EXECUTION_DEVICES") or []]


@dataclasses.dataclass
class ExecutionDeviceLog:
    """EXECUTION_DEVICES of one profile, read at several moments, such as after each pass.

    AUTO may run the first inferences on a device that compiles fast, such as the CPU, and hand
    over to its target device once that device has compiled the model. A read right after
    compiling can miss the target device, and a read at the end can miss the first device, so
    the devices used are the union of every read.
    """

    reads: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)

    def add(self, moment: str, devices: list[str]) -> None:
        """Record the devices that ``moment`` (such as "after pass 1") reported."""
        self.reads.append((moment, list(devices)))

    def used(self) -> list[str]:
        """Return every device of every read, each once, in the order they first appeared."""
        return list(dict.fromkeys(device for _, devices in self.reads for device in devices))

    def change_warning(self, device: str) -> str | None:
        """Return a warning that lists each read when the reads differ, else None."""
        if len({tuple(devices) for _, devices in self.reads if devices}) <= 1:
            return None
        reads = "; ".join(f"{moment}: {', '.join(devices) or 'none'}" for moment, devices in self.reads)
        return (
            f"device {device} changed its execution devices during the profile ({reads}), so the latency "
            f"and the counters may mix inferences of these devices"
        )


def setting_warnings(settings: ProfileSettings, compiled: CompiledProperties) -> list[str]:
    """Warn where the compiled model reports another precision or stream count than requested."""
    warnings = []
    if settings.precision is not None and compiled.inference_precision not in (None, settings.precision):
        warnings.append(
            f"requested inference precision {settings.precision}, but the compiled model reports "
            f"{compiled.inference_precision}"
        )
    if settings.streams is not None and compiled.num_streams not in (None, settings.streams):
        warnings.append(
            f"requested {settings.streams} streams, but the compiled model reports {compiled.num_streams}"
        )
    return warnings


def device_full_names(core: ov.Core, execution_devices: list[str]) -> str | None:
    """FULL_DEVICE_NAME of each execution device, joined by '; '; None when none can be read."""
    names = []
    for device in execution_devices:
        try:
            names.append(str(core.get_property(_strip_suffix(device), "FULL_DEVICE_NAME")))
        except RuntimeError as error:
            logger.warning("cannot read FULL_DEVICE_NAME of %s: %s", device, error)
    return "; ".join(names) if names else None


def available_devices(core: ov.Core) -> list[tuple[str, str]]:
    """List (device name, FULL_DEVICE_NAME) of every device the core finds."""
    devices = []
    for name in core.available_devices:
        try:
            full_name = str(core.get_property(name, "FULL_DEVICE_NAME"))
        except RuntimeError:
            full_name = name
        devices.append((name, full_name))
    return devices


def host_info() -> dict[str, str]:
    """openvino version, host CPU model name, operating system and Python version."""
    return {
        "openvino_version": ov.get_version(),
        "host_cpu": host_cpu_name(),
        "host_os": platform.platform(),
        "python_version": platform.python_version(),
    }


def host_cpu_name() -> str:
    """CPU model name from /proc/cpuinfo, else platform.processor(), else 'unknown'."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def property_text(value: Any) -> str:
    """Render a property value as text: element types by short name, enums by name."""
    if isinstance(value, ov.Type):
        return value.get_type_name()
    if isinstance(value, (list, tuple)):
        return ",".join(property_text(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(property_text(item) for item in value))
    name = getattr(value, "name", None)
    if isinstance(name, str) and type(value).__module__.startswith("openvino"):
        return name
    return str(value)


def _readable_properties(compiled: ov.CompiledModel) -> dict[str, str]:
    """Read every readable SUPPORTED_PROPERTIES entry as text, flattening DEVICE_PROPERTIES."""
    texts: dict[str, str] = {}
    for key in _get(compiled, "SUPPORTED_PROPERTIES") or []:
        key = str(key)
        if key == "SUPPORTED_PROPERTIES":
            continue
        value = _get(compiled, key)
        if value is None:
            continue
        if key == DEVICE_PROPERTIES and isinstance(value, dict):
            for device, nested in value.items():
                for nested_key, nested_value in (nested or {}).items():
                    if nested_key == "SUPPORTED_PROPERTIES":
                        continue
                    texts[f"{DEVICE_PROPERTIES}.{device}.{nested_key}"] = property_text(nested_value)
        else:
            texts[key] = property_text(value)
    return texts


def _get(compiled: ov.CompiledModel, key: str) -> Any:
    try:
        return compiled.get_property(key)
    except (RuntimeError, TypeError):
        return None


def _supported_keys(core: ov.Core, device: str) -> set[str] | None:
    try:
        return {str(key) for key in core.get_property(_strip_suffix(device), "SUPPORTED_PROPERTIES")}
    except RuntimeError as error:
        logger.warning("cannot read SUPPORTED_PROPERTIES of %s: %s", device, error)
        return None


def _rejected_key(message: str, config: dict[str, Any]) -> str | None:
    for key in OPTIONAL_KEYS:
        if key in config and re.search(rf"\b{key}\b", message):
            return key
    return None


def _strip_suffix(device: str) -> str:
    """Drop a suffix like ``(CPU)`` or ``(2)`` from an EXECUTION_DEVICES or priority entry."""
    return device.split("(", 1)[0].strip()


def _to_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
