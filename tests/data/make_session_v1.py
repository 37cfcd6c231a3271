"""Write tests/data/session_v1.parquet: a tiny synthetic session of schema version 1.

The file is committed so that a test keeps checking that later versions of ovstudio still read
version-1 sessions. Run it only to recreate the file, never after the schema version changed:
``python tests/data/make_session_v1.py``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

from ovstudio.session import schema
from ovstudio.session.store import Session, write_session

SESSION_ID = "20260105T142233Z_tiny_CPU_000001"


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Return a Parameter -> Convolution + Relu -> Result model, fused on the runtime side."""
    ir_layers = pd.DataFrame({
        "layer_id": ["main/0", "main/1", "main/2", "main/3"],
        "graph_id": ["main"] * 4,
        "name": ["x", "conv", "relu", "result"],
        "type": ["Parameter", "Convolution", "Relu", "Result"],
        "opset": ["opset1"] * 4,
        "attributes_json": ["{}", '{"strides": [1, 1]}', "{}", "{}"],
        "rt_info": [{}, {}, {}, {}],
        "output_shapes": [["[1,3,8,8]"], ["[1,4,8,8]"], ["[1,4,8,8]"], []],
        "output_element_types": [["f32"], ["f32"], ["f32"], []],
        "body_count": [0, 0, 0, 0],
        "mapping_class": ["mapped", "mapped", "mapped", "mapped"],
    })
    runtime_layers = pd.DataFrame({
        "layer_id": ["runtime/0", "runtime/1", "runtime/2", "runtime/3"],
        "name": ["x", "x_abcd_acdb", "conv", "result"],
        "layer_type": ["Input", "Reorder", "Convolution", "Output"],
        "exec_order": [0, 1, 2, 3],
        "primitive_type": ["unknown_FP32", "ref_any_FP32", "jit_avx2_FP32", "unknown_FP32"],
        "runtime_precision": ["FP32"] * 4,
        "output_precisions": ["FP32", "FP32", "FP32", ""],
        "output_layouts": ["abcd", "acdb", "acdb", ""],
        "original_layers_names": ["x", "", "conv,relu", "result"],
        "original_layer_names": [["x"], [], ["conv", "relu"], ["result"]],
        "exec_time_mcs": ["not_executed", "3", "41", "not_executed"],
        "output_shapes": [["[1,3,8,8]"], ["[1,3,8,8]"], ["[1,4,8,8]"], []],
        "rt_info": [{"layerType": "Input"}, {"layerType": "Reorder"}, {"layerType": "Convolution"}, {"layerType": "Output"}],
        "status": ["NOT_RUN", "EXECUTED", "EXECUTED", "NOT_RUN"],
        "exec_type": ["unknown_FP32", "ref_any_FP32", "jit_avx2_FP32", "unknown_FP32"],
        "real_time_median_us": [0.0, 3.0, 41.0, 0.0],
        "real_time_mean_us": [0.0, 3.0, 41.5, 0.0],
        "real_time_min_us": [0.0, 3.0, 41.0, 0.0],
        "real_time_max_us": [0.0, 3.0, 42.0, 0.0],
        "cpu_time_median_us": [0.0, 3.0, 41.0, 0.0],
        "sample_count": [2, 2, 2, 2],
        "mapping_class": ["intact", "inserted", "fused", "intact"],
    })
    counters = pd.DataFrame({
        "iteration": [0, 0, 0, 1, 1, 1],
        "node_name": ["x_abcd_acdb", "conv", "relu"] * 2,
        "node_type": ["Reorder", "Convolution", "Relu"] * 2,
        "exec_type": ["ref_any_FP32", "jit_avx2_FP32", "undef"] * 2,
        "status": ["EXECUTED", "EXECUTED", "NOT_RUN"] * 2,
        "real_time_us": [3.0, 41.0, 0.0, 3.0, 42.0, 0.0],
        "cpu_time_us": [3.0, 40.0, 0.0, 3.0, 41.0, 0.0],
    })
    mapping = pd.DataFrame({
        "runtime_id": ["runtime/0", "runtime/2", "runtime/2", "runtime/3"],
        "ir_id": ["main/0", "main/1", "main/2", "main/3"],
        "original_name": ["x", "conv", "relu", "result"],
    })
    model_files = pd.DataFrame({"file_name": ["tiny.onnx"], "size_bytes": [512], "sha256": ["0" * 64]})
    inputs = pd.DataFrame({
        "input_name": ["x"], "original_shape": ["[1,3,8,8]"], "shape": [[1, 3, 8, 8]],
        "element_type": ["f32"], "data_source": ["random"],
    })
    return {
        "model_files": model_files, "inputs": inputs, "ir_layers": ir_layers,
        "runtime_layers": runtime_layers, "counters": counters, "mapping": mapping,
    }


def tiny_session() -> Session:
    info = {
        "schema_version": 1,
        "session_id": SESSION_ID,
        "created_utc": datetime.datetime(2026, 1, 5, 14, 22, 33, tzinfo=datetime.timezone.utc),
        "model_name": "tiny",
        "model_format": "onnx",
        "model_hash": "1" * 64,
        "device": "CPU",
        "execution_devices": ["CPU"],
        "inference_precision": "f32",
        "compiled_properties": {"PERFORMANCE_HINT": "LATENCY"},
        "settings_hint": "latency",
        "settings_precision": "f32",
        "settings_iterations": 10,
        "settings_warmup": 1,
        "openvino_version": "2026.4.1",
        "host_cpu": "synthetic",
        "host_os": "synthetic",
        "python_version": "3.11",
        "iterations": 10,
        "latency_median_ms": 0.05,
        "throughput_fps": 20000.0,
        "counters_iterations": 2,
        "warnings": [],
    }
    return Session(info=info, tables=tiny_tables())


def main() -> None:
    if schema.SCHEMA_VERSION != 1:
        raise SystemExit("the schema is no longer version 1: keep the committed session_v1.parquet as it is")
    path = write_session(tiny_session(), Path(__file__).resolve().parent)
    path.replace(path.with_name("session_v1.parquet"))


if __name__ == "__main__":
    main()
