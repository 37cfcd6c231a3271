"""The profile itself, run inside the worker process.

Stages, each reported as ``report(stage, fraction, message)``: load, ir_graph, inputs, compile,
warmup, pass1, compile_counters, pass2, runtime_model, collect. Pass 1 measures latency and
throughput without counters. Pass 2 compiles again with PERF_COUNT and reads the performance
counters of every inference. A failure in pass 2 or in reading the runtime model is recorded in
``counters_error`` / ``runtime_model_error`` and the rest of the result is kept.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import openvino as ov
import pandas as pd

from ovstudio.errors import ProfilingError
from ovstudio.ir_graph import extract_ir_graph
from ovstudio.loader import load_model
from ovstudio.model_files import ModelBundle
from ovstudio.profiler import counters as counter_stats
from ovstudio.profiler import device as devices
from ovstudio.profiler.inputs import PreparedInputs, prepare_inputs
from ovstudio.profiler.latency import latency_statistics, median_ms
from ovstudio.profiler.passes import (
    Budget,
    CountersMeasurement,
    PassMeasurement,
    measure_async,
    measure_counters,
    measure_sync,
)
from ovstudio.profiler.result import ProfileResult
from ovstudio.profiler.runtime_graph import extract_runtime_graph
from ovstudio.session.schema import IR_EDGES, IR_LAYERS, RUNTIME_EDGES, RUNTIME_LAYERS
from ovstudio.settings import ProfileSettings

logger = logging.getLogger(__name__)

ProgressReporter = Callable[[str, float, str], None]

# Most warm-up inferences pass 2 runs, and how many it runs when it has a time budget.
PASS2_WARMUP_CAP = 100
PASS2_TIME_BUDGET_WARMUP = 10

# Overall progress fraction at the start of each stage.
STAGE_START = {
    "load": 0.0,
    "ir_graph": 0.08,
    "inputs": 0.12,
    "compile": 0.15,
    "warmup": 0.25,
    "pass1": 0.28,
    "compile_counters": 0.58,
    "pass2": 0.65,
    "runtime_model": 0.9,
    "collect": 0.95,
}


@dataclasses.dataclass
class _Run:
    """The state every step of one profile shares: core, model, device, settings and inputs."""

    core: ov.Core
    model: ov.Model
    target: devices.DeviceTarget
    settings: ProfileSettings
    prepared: PreparedInputs
    report: ProgressReporter
    # Degraded results and notes, collected over the whole run.
    warnings: list[str]
    execution_devices: devices.ExecutionDeviceLog = dataclasses.field(default_factory=devices.ExecutionDeviceLog)


def profile(bundle: ModelBundle, settings: ProfileSettings, report: ProgressReporter) -> ProfileResult:
    """Load, compile and profile the model of ``bundle`` with ``settings``.

    Raises ``InvalidSettingError`` for a device name that is not available, ``ModelInputError``
    for unusable model files or inputs and ``ProfilingError`` when compiling or pass 1 fails.
    """
    core = ov.Core()
    # A wrong device name fails here, before the model is loaded or converted.
    target = devices.parse_device(settings.device, list(core.available_devices))
    info: dict[str, Any] = _settings_info(bundle, settings)
    info.update(devices.host_info())
    warnings: list[str] = []

    report("load", STAGE_START["load"], f"Loading {bundle.main_file.name}")
    model = load_model(bundle, core)
    report("ir_graph", STAGE_START["ir_graph"], "Reading the IR graph")
    ir_layers, ir_edges = extract_ir_graph(model)
    report("inputs", STAGE_START["inputs"], "Resolving input shapes and data")
    prepared = prepare_inputs(model, settings)
    warnings += prepared.warnings

    run = _Run(core, model, target, settings, prepared, report, warnings)
    if target.virtual == "BATCH":
        # NOTE: pass 2 runs one synchronous request, so on BATCH each of its inferences waits for
        # the auto-batching timeout and its counters and latency do not show the batched run.
        warnings.append(
            f"pass 2 runs one request, so on {settings.device} its latency includes the auto-batching timeout"
        )
    pass1, compiled_info = _run_pass1(run)
    info.update(compiled_info)
    info.update(_pass1_info(pass1))

    counters, runtime_layers, runtime_edges = _run_pass2(run, info, set(ir_layers["name"]))
    info.update(_execution_devices_info(run))

    report("collect", STAGE_START["collect"], "Collecting statistics")
    statistics = counter_stats.summarize_counters(counters)
    runtime_layers = counter_stats.merge_counter_statistics(runtime_layers, statistics)
    info.update(_overhead_info(info, statistics if not counters.empty else None))
    info["warnings"] = list(dict.fromkeys(warnings))

    tables = {
        "inputs": prepared.table,
        "ir_layers": ir_layers.reindex(columns=IR_LAYERS.column_names),
        "ir_edges": ir_edges.reindex(columns=IR_EDGES.column_names),
        "runtime_layers": runtime_layers,
        "runtime_edges": runtime_edges,
        "counters": counters,
    }
    logger.info(
        "profiled %s on %s: median %.3f ms, %d runtime layers",
        bundle.model_name, settings.device, info["latency_median_ms"] or float("nan"), len(runtime_layers),
    )
    return ProfileResult(info=info, tables=tables)


def _run_pass1(run: _Run) -> tuple[PassMeasurement, dict[str, Any]]:
    core, settings, prepared, report = run.core, run.settings, run.prepared, run.report
    report("compile", STAGE_START["compile"], f"Compiling for {settings.device}")
    compiled, compile_time_s, properties = _compile(run, perf_count=False)
    info = _compiled_info(core, properties)
    info["compile_time_s"] = compile_time_s
    run.execution_devices.add("after compiling", properties.execution_devices)

    arrays = list(prepared.arrays.values())
    budget = Budget(settings.iterations, settings.time_s)
    asynchronous = _runs_async(settings)
    requests = settings.requests or properties.optimal_requests or 1
    mode = _count(requests, "asynchronous request") if asynchronous else "one synchronous request"
    report("warmup", STAGE_START["warmup"], f"Warming up with {_count(settings.warmup, 'inference')} on {mode}")

    def on_tick(fraction: float) -> None:
        overall = STAGE_START["pass1"] + fraction * (STAGE_START["compile_counters"] - STAGE_START["pass1"])
        report("pass1", overall, f"Measuring latency with {mode}")

    try:
        if asynchronous:
            measurement = measure_async(compiled, arrays, budget, settings.warmup, requests, on_tick)
        else:
            measurement = measure_sync(compiled, arrays, budget, settings.warmup, on_tick)
    except RuntimeError as error:
        raise ProfilingError(
            f"inference on {settings.device} failed in pass 1: {error}. Check the input shapes and data",
            stage="pass1",
        ) from error
    # AUTO starts on a fast-to-compile device and may switch once the target is ready, so the
    # devices that ran the model are read again after pass 1, and the precision and streams of
    # the device that ran it last are kept.
    used = devices.read_compiled_properties(compiled)
    run.execution_devices.add("after pass 1", used.execution_devices)
    if used.execution_devices and used.execution_devices != properties.execution_devices:
        info.update(_compiled_info(core, used))
    report("pass1", STAGE_START["compile_counters"], f"Pass 1 done: {_count(measurement.iterations, 'inference')}")
    logger.info("pass 1: %d inferences in %.2f s (%s)", measurement.iterations, measurement.wall_s, mode)
    return measurement, info


def _runs_async(settings: ProfileSettings) -> bool:
    """Return whether pass 1 runs asynchronous requests instead of one synchronous request.

    Only the latency hint with one stream and one request runs one synchronous request,
    because with more streams one request would leave all but one of them idle.
    """
    # BATCH collects several requests into one batch, and one request alone waits out its timeout.
    batching = settings.device.upper().startswith("BATCH")
    return batching or settings.hint != "latency" or (settings.requests or 1) > 1 or (settings.streams or 1) > 1


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _run_pass2(
    run: _Run, info: dict[str, Any], ir_names: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Collect counters and the runtime model, recording failures in ``info`` instead of raising.

    Pass 2 compiles with the same settings as pass 1 plus PERF_COUNT, so the kernels match, and
    runs one synchronous request.
    """
    run.report("compile_counters", STAGE_START["compile_counters"], "Compiling with performance counters")
    compiled: ov.CompiledModel | None = None
    measurement: CountersMeasurement | None = None
    try:
        compiled, _, _ = _compile(run, perf_count=True)
        measurement = _measure_pass2(run, compiled)
        run.execution_devices.add("after pass 2", devices.read_execution_devices(compiled))
    except (RuntimeError, ProfilingError) as error:
        info["counters_error"] = f"pass 2 with PERF_COUNT failed: {error}"
        logger.warning("performance counters unavailable: %s", error)

    counters = counter_stats.counters_table(measurement.rows if measurement else [])
    if measurement is not None:
        info["counters_iterations"] = len(measurement.latencies_ms)
        info["counters_latency_median_ms"] = median_ms(measurement.latencies_ms)
        if measurement.error is not None:
            info["counters_error"] = measurement.error
        elif counters.empty:
            info["counters_error"] = f"device {run.settings.device} returned no performance counters"

    run.report("runtime_model", STAGE_START["runtime_model"], "Reading the runtime model")
    runtime_layers, runtime_edges = _read_runtime_model(run, compiled, info, ir_names)
    return counters, runtime_layers, runtime_edges


def _measure_pass2(run: _Run, compiled: ov.CompiledModel) -> CountersMeasurement:
    settings, prepared, report = run.settings, run.prepared, run.report
    iterations, time_s = settings.counters_budget()

    def on_tick(fraction: float) -> None:
        overall = STAGE_START["pass2"] + fraction * (STAGE_START["runtime_model"] - STAGE_START["pass2"])
        report("pass2", overall, "Reading performance counters")

    report("pass2", STAGE_START["pass2"], "Reading performance counters")
    warmup = pass2_warmup(settings.warmup, iterations)
    measurement = measure_counters(
        compiled, list(prepared.arrays.values()), Budget(iterations, time_s), warmup, on_tick
    )
    logger.info("pass 2: %d inferences, %d counter rows", len(measurement.latencies_ms), len(measurement.rows))
    return measurement


def pass2_warmup(warmup: int, iterations: int | None) -> int:
    """Return the warm-up inferences of pass 2: at least as many as it measures.

    Pass 2 compiles the model afresh, and its first inferences run slower (with the CPU plugin,
    a layer took twice its settled time over the first five of ten). Its per-layer medians come
    from a tenth of pass 1's count, so a single warm-up inference left them above the settled
    times and the unaccounted time negative.
    """
    measured = iterations if iterations is not None else PASS2_TIME_BUDGET_WARMUP
    return max(warmup, min(measured, PASS2_WARMUP_CAP))


def _read_runtime_model(
    run: _Run, compiled: ov.CompiledModel | None, info: dict[str, Any], ir_names: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the runtime model of pass 2's compiled model, or of a fresh compile if pass 2 failed."""
    try:
        if compiled is None:
            # Warnings of this fallback compile repeat those of pass 1, so they are dropped.
            compiled, _, _ = _compile(run, perf_count=False, warnings=[])
        return extract_runtime_graph(compiled, ir_names)
    except (RuntimeError, ProfilingError) as error:
        info["runtime_model_error"] = f"get_runtime_model() failed: {error}"
        logger.warning("runtime model unavailable: %s", error)
        return (
            pd.DataFrame(columns=RUNTIME_LAYERS.column_names),
            pd.DataFrame(columns=RUNTIME_EDGES.column_names),
        )


def _compile(
    run: _Run, perf_count: bool, warnings: list[str] | None = None
) -> tuple[ov.CompiledModel, float, devices.CompiledProperties]:
    """Compile the model with the run's settings; record warnings in ``run.warnings`` unless given a list."""
    core, model, target, settings = run.core, run.model, run.target, run.settings
    warnings = run.warnings if warnings is None else warnings
    config = devices.build_compile_config(settings, perf_count)
    config, dropped = devices.filter_supported(core, target, config)
    compiled, compile_time_s, rejected = devices.compile_with_fallback(core, model, settings.device, config)
    properties = devices.read_compiled_properties(compiled)
    warnings += dropped + rejected + devices.setting_warnings(settings, properties)
    logger.info(
        "compiled for %s in %.2f s (PERF_COUNT %s, execution devices %s)",
        settings.device, compile_time_s, perf_count, properties.execution_devices,
    )
    return compiled, compile_time_s, properties


def _compiled_info(core: ov.Core, properties: devices.CompiledProperties) -> dict[str, Any]:
    return {
        "device_full_name": devices.device_full_names(core, properties.execution_devices),
        "execution_devices": properties.execution_devices,
        "inference_precision": properties.inference_precision,
        "num_streams": properties.num_streams,
        "optimal_requests": properties.optimal_requests,
        "compiled_properties": properties.properties,
    }


def _execution_devices_info(run: _Run) -> dict[str, Any]:
    """Record the union of the execution devices read during the run, and warn when they changed."""
    used = run.execution_devices.used()
    change = run.execution_devices.change_warning(run.settings.device)
    if change is not None:
        run.warnings.append(change)
    return {"execution_devices": used, "device_full_name": devices.device_full_names(run.core, used)}


def _pass1_info(measurement: PassMeasurement) -> dict[str, Any]:
    info: dict[str, Any] = {
        "iterations": measurement.iterations,
        "duration_s": measurement.wall_s,
        "pass1_mode": measurement.mode,
        "pass1_requests": measurement.requests,
    }
    info.update(latency_statistics(measurement.latencies_ms, measurement.iterations, measurement.wall_s))
    return info


def _overhead_info(info: dict[str, Any], statistics: pd.DataFrame | None) -> dict[str, Any]:
    counters_median = info.get("counters_latency_median_ms")
    latency_median = info.get("latency_median_ms")
    layers_ms = counter_stats.layers_time_ms(statistics) if statistics is not None else None
    return {
        "layers_time_ms": layers_ms,
        "counter_overhead_ms": _difference(counters_median, latency_median),
        "unaccounted_ms": _difference(counters_median, layers_ms),
    }


def _settings_info(bundle: ModelBundle, settings: ProfileSettings) -> dict[str, Any]:
    return {
        "model_name": bundle.model_name,
        "model_format": bundle.model_format,
        "model_hash": bundle.model_hash,
        "device": settings.device,
        "settings_hint": settings.hint,
        "settings_precision": settings.precision,
        "settings_streams": settings.streams,
        "settings_requests": settings.requests,
        "settings_batch": settings.batch,
        "settings_iterations": settings.iterations,
        "settings_time_s": settings.time_s,
        "settings_warmup": settings.warmup,
        "counters_iterations": None,
        "counters_latency_median_ms": None,
        "counters_error": None,
        "runtime_model_error": None,
    }


def _difference(left: float | None, right: float | None) -> float | None:
    if left is None or right is None:
        return None
    return left - right
