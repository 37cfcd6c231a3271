"""End-to-end profiles of real models in the worker process, on real OpenVINO.

Each profile runs few iterations to keep the suite short; the checks are about what is
collected, not about how fast the model is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ovstudio.errors import InvalidSettingError, ModelInputError
from ovstudio.model_files import ModelBundle, prepare_model_files
from ovstudio.profiler import runner
from ovstudio.profiler.result import ProfileResult
from ovstudio.profiler.worker import pass2_warmup
from ovstudio.session.schema import SESSION_COLUMNS, TABLES_BY_NAME
from ovstudio.settings import ProfileSettings
from tests.real_models import fetch

Report = Callable[[str, float, str], None]

FAST = ProfileSettings(iterations=8, counter_iterations=4, warmup=1, timeout_s=300.0)
WORKER_TABLES = ("inputs", "ir_layers", "ir_edges", "runtime_layers", "runtime_edges", "counters")
STAGES = [
    "load", "ir_graph", "inputs", "compile", "warmup", "pass1",
    "compile_counters", "pass2", "runtime_model", "collect",
]


def failing_runtime_model_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> ProfileResult:
    """Profile with CompiledModel.get_runtime_model patched to fail, inside the child."""
    import openvino

    from ovstudio.profiler import worker

    def fail(self: Any) -> None:
        raise RuntimeError("runtime model not available (simulated)")

    openvino.CompiledModel.get_runtime_model = fail
    return worker.profile(bundle, settings, report)


def failing_counters_target(bundle: ModelBundle, settings: ProfileSettings, report: Report) -> ProfileResult:
    """Profile with InferRequest.get_profiling_info patched to fail, inside the child."""
    import openvino

    from ovstudio.profiler import worker

    def fail(self: Any) -> None:
        raise RuntimeError("counters not available (simulated)")

    openvino.InferRequest.get_profiling_info = fail
    return worker.profile(bundle, settings, report)


def _bundle(key: str, tmp_path: Path) -> ModelBundle:
    return prepare_model_files([fetch(key)], tmp_path / "upload")


def _profile(key: str, tmp_path: Path, **settings: Any) -> ProfileResult:
    return runner.run_profile(_bundle(key, tmp_path), dataclasses.replace(FAST, **settings))


def _assert_schema(result: ProfileResult) -> None:
    known = {column.name for column in SESSION_COLUMNS}
    assert set(result.info) <= known
    for name in WORKER_TABLES:
        assert list(result.tables[name].columns) == TABLES_BY_NAME[name].column_names, name


def _fused_layers(layers: pd.DataFrame) -> pd.DataFrame:
    return layers[layers["original_layer_names"].map(len) >= 2]


@pytest.fixture(scope="module")
def resnet_default(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProfileResult, list[tuple[str, float, str]]]:
    progress: list[tuple[str, float, str]] = []
    bundle = _bundle("light_resnet50", tmp_path_factory.mktemp("resnet"))
    result = runner.run_profile(bundle, FAST, on_progress=lambda *event: progress.append(event))
    return result, progress


def test_worker_resnet_tables_match_schema(resnet_default: tuple[ProfileResult, list]) -> None:
    result, _ = resnet_default

    _assert_schema(result)
    assert len(result.tables["ir_layers"]) > 100
    assert len(result.tables["runtime_edges"]) > 0
    assert result.info["counters_error"] is None
    assert result.info["runtime_model_error"] is None


def test_worker_resnet_reports_stages_in_order(resnet_default: tuple[ProfileResult, list]) -> None:
    _, progress = resnet_default

    stages = list(dict.fromkeys(stage for stage, _, _ in progress))
    fractions = [fraction for _, fraction, _ in progress]
    assert stages == STAGES
    assert fractions == sorted(fractions)
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)


def test_worker_resnet_progress_wording(resnet_default: tuple[ProfileResult, list]) -> None:
    messages = [message for _, _, message in resnet_default[1]]

    assert "Warming up with 1 inference on one synchronous request" in messages
    assert "Pass 1 done: 8 inferences" in messages


def test_worker_resnet_headline_latency(resnet_default: tuple[ProfileResult, list]) -> None:
    info = resnet_default[0].info

    assert info["iterations"] == 8
    assert info["counters_iterations"] == 4
    assert info["latency_min_ms"] <= info["latency_median_ms"] <= info["latency_max_ms"]
    assert info["latency_median_ms"] <= info["latency_p90_ms"] <= info["latency_p99_ms"] <= info["latency_max_ms"]
    assert info["throughput_fps"] > 0
    assert info["duration_s"] > 0
    assert info["compile_time_s"] > 0
    assert info["counters_latency_median_ms"] > 0
    assert info["layers_time_ms"] > 0
    assert info["unaccounted_ms"] == pytest.approx(info["counters_latency_median_ms"] - info["layers_time_ms"])
    assert info["counter_overhead_ms"] == pytest.approx(info["counters_latency_median_ms"] - info["latency_median_ms"])


def test_worker_resnet_fused_convolutions(resnet_default: tuple[ProfileResult, list]) -> None:
    layers = resnet_default[0].tables["runtime_layers"]

    fused = _fused_layers(layers)
    assert (fused["layer_type"] == "Convolution").sum() >= 10
    assert layers["layer_id"].tolist() == [f"runtime/{index}" for index in range(len(layers))]
    assert layers["exec_order"].notna().all()
    assert (layers["mapping_class"] == "").all()


def test_worker_resnet_statistics_non_negative(resnet_default: tuple[ProfileResult, list]) -> None:
    layers = resnet_default[0].tables["runtime_layers"]

    executed = layers[layers["status"] == "EXECUTED"]
    assert len(executed) > 20
    for column in ("real_time_median_us", "real_time_mean_us", "real_time_min_us", "real_time_max_us", "cpu_time_median_us"):
        assert (executed[column] >= 0).all(), column
    assert (executed["real_time_min_us"] <= executed["real_time_max_us"]).all()
    assert (executed["sample_count"] == 4).all()


def test_worker_resnet_not_run_entries_kept(resnet_default: tuple[ProfileResult, list]) -> None:
    result = resnet_default[0]
    counters = result.tables["counters"]
    layers = result.tables["runtime_layers"]

    not_run = counters[counters["status"] == "NOT_RUN"]
    assert len(not_run) > 0
    assert set(counters["iteration"]) == {0, 1, 2, 3}
    # Counters also list nodes fused away, which the runtime model does not contain.
    assert not set(not_run["node_name"]) <= set(layers["name"])
    not_run_layers = layers[layers["status"] == "NOT_RUN"]
    assert len(not_run_layers) > 0
    assert (not_run_layers["sample_count"] == 0).all()
    assert not_run_layers["real_time_median_us"].isna().all()


def test_worker_resnet_precision_matches_kernels(resnet_default: tuple[ProfileResult, list]) -> None:
    result = resnet_default[0]
    precision = result.info["inference_precision"]
    convolutions = result.tables["runtime_layers"].query("layer_type == 'Convolution'")

    assert precision in ("bf16", "f32")
    assert set(convolutions["runtime_precision"]) == {precision}
    assert result.info["execution_devices"] == ["CPU"]
    assert result.info["device_full_name"]
    assert result.info["compiled_properties"]["PERF_COUNT"] in ("NO", "False")


def test_worker_f32_precision_recorded(tmp_path: Path) -> None:
    result = _profile("light_resnet50", tmp_path, precision="f32")

    convolutions = result.tables["runtime_layers"].query("layer_type == 'Convolution'")
    assert result.info["inference_precision"] == "f32"
    assert set(convolutions["runtime_precision"]) == {"f32"}
    assert result.info["warnings"] == []


def test_worker_throughput_hint_runs_async(tmp_path: Path) -> None:
    result = _profile("light_resnet50", tmp_path, hint="throughput", requests=2, iterations=16)
    info = result.info

    assert info["iterations"] == 16
    assert info["num_streams"] == 2
    # Throughput against 1/latency is a timing: on a loaded machine two requests need not overlap,
    # so the test checks that pass 1 ran two requests in flight, not how much that gained.
    assert info["pass1_mode"] == "async"
    assert info["pass1_requests"] == 2


def test_worker_streams_with_latency_hint_run_async(tmp_path: Path) -> None:
    progress: list[tuple[str, float, str]] = []
    settings = dataclasses.replace(FAST, hint="latency", streams=2, iterations=16)

    result = runner.run_profile(_bundle("light_resnet50", tmp_path), settings, lambda *event: progress.append(event))

    assert result.info["num_streams"] == 2
    assert result.info["optimal_requests"] == 2
    assert ("warmup", "Warming up with 1 inference on 2 asynchronous requests") in [
        (stage, message) for stage, _, message in progress
    ]


@pytest.mark.parametrize(("device", "expected"), [("cpu", "so use 'CPU'"), ("HETERO:NOPE,CPU", "'NOPE' in 'HETERO:NOPE,CPU'")])
def test_worker_invalid_device_fails_before_loading(tmp_path: Path, device: str, expected: str) -> None:
    progress: list[tuple[str, float, str]] = []
    settings = dataclasses.replace(FAST, device=device)

    with pytest.raises(InvalidSettingError) as caught:
        runner.run_profile(_bundle("face_detection_short_range", tmp_path), settings, lambda *event: progress.append(event))

    assert expected in str(caught.value)
    assert "Available devices:" in str(caught.value)
    assert progress == []


def test_worker_ppocr_rec_with_shape(tmp_path: Path) -> None:
    result = _profile("ppocr_rec", tmp_path, shapes={"x": (1, 3, 48, 320)})

    inputs = result.tables["inputs"]
    assert inputs["input_name"].tolist() == ["x"]
    assert inputs.loc[0, "original_shape"] == "[?,3,?,?]"
    assert inputs.loc[0, "shape"] == [1, 3, 48, 320]
    # The IR graph is read before the reshape.
    parameter = result.tables["ir_layers"].query("type == 'Parameter'")
    assert parameter["output_shapes"].iloc[0] == ["[?,3,?,?]"]
    assert result.info["counters_error"] is None


def test_worker_ppocr_rec_missing_shape_names_x(tmp_path: Path) -> None:
    with pytest.raises(ModelInputError) as caught:
        _profile("ppocr_rec", tmp_path)

    assert "input 'x' has dynamic shape [?,3,?,?]" in str(caught.value)
    assert "--shape x=1,3,224,224" in str(caught.value)


def test_worker_magika_i32_input(tmp_path: Path) -> None:
    result = _profile("magika", tmp_path, shapes={"bytes": (1, 2048)})

    inputs = result.tables["inputs"]
    assert inputs.loc[0, "element_type"] == "i32"
    assert inputs.loc[0, "data_source"] == "random"
    assert result.info["latency_median_ms"] > 0
    assert len(result.tables["counters"]) > 0


def test_worker_face_detection_tflite(tmp_path: Path) -> None:
    result = _profile("face_detection_short_range", tmp_path)

    _assert_schema(result)
    assert result.tables["inputs"].loc[0, "shape"] == [1, 128, 128, 3]
    assert len(_fused_layers(result.tables["runtime_layers"])) > 0
    assert result.info["counters_error"] is None


@pytest.mark.parametrize("device", ["HETERO:CPU", "AUTO", "AUTO:CPU"])
def test_worker_virtual_device_execution_devices(device: str, tmp_path: Path) -> None:
    result = _profile("face_detection_short_range", tmp_path, device=device)

    assert result.info["device"] == device
    # Read after compiling, after pass 1 and after pass 2: on this CPU-only machine, always the CPU.
    assert result.info["execution_devices"] == ["CPU"]
    assert not any("changed its execution devices" in warning for warning in result.info["warnings"])
    assert result.info["inference_precision"] in ("bf16", "f32")
    assert result.info["device_full_name"]
    assert len(result.tables["counters"]) > 0


def test_worker_runtime_model_failure_keeps_counters(tmp_path: Path) -> None:
    bundle = _bundle("face_detection_short_range", tmp_path)

    result = runner.run_profile(bundle, FAST, target=failing_runtime_model_target)

    assert "simulated" in result.info["runtime_model_error"]
    assert result.info["counters_error"] is None
    assert len(result.tables["counters"]) > 0
    assert result.tables["runtime_layers"].empty
    assert result.info["layers_time_ms"] > 0
    assert result.info["latency_median_ms"] > 0
    _assert_schema(result)


def test_worker_counters_failure_keeps_runtime_model(tmp_path: Path) -> None:
    bundle = _bundle("face_detection_short_range", tmp_path)

    result = runner.run_profile(bundle, FAST, target=failing_counters_target)

    assert "simulated" in result.info["counters_error"]
    assert result.tables["counters"].empty
    layers = result.tables["runtime_layers"]
    assert len(layers) > 0
    assert layers["status"].isna().all()
    assert (layers["sample_count"] == 0).all()
    assert result.info["layers_time_ms"] is None
    assert not math.isnan(result.info["latency_median_ms"])
    _assert_schema(result)


def test_worker_batch_device_runs_async(tmp_path: Path) -> None:
    result = _profile("light_squeezenet", tmp_path, device="BATCH:CPU(2)", iterations=8)

    assert result.info["pass1_mode"] == "async"
    assert result.info["pass1_requests"] >= 2
    assert any("auto-batching timeout" in warning for warning in result.info["warnings"])


@pytest.mark.parametrize(("warmup", "iterations", "expected"), [
    (1, 10, 10),
    (1, 500, 100),
    (50, 10, 50),
    (0, None, 10),
    (1, 1, 1),
])
def test_pass2_warmup_covers_measured(warmup: int, iterations: int | None, expected: int) -> None:
    assert pass2_warmup(warmup, iterations) == expected
