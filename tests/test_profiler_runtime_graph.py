"""Tests of the runtime model tables, on a real model and a small built one."""

from __future__ import annotations

import numpy as np
import openvino as ov
from openvino import opset13 as ops

from ovstudio.profiler.runtime_graph import extract_runtime_graph
from ovstudio.session.schema import RUNTIME_EDGES, RUNTIME_LAYERS
from tests.real_models import fetch


def _fused_model() -> ov.Model:
    parameter = ops.parameter([1, 3, 16, 16], ov.Type.f32, name="image")
    weights = ops.constant(np.ones((8, 3, 3, 3), np.float32))
    convolution = ops.convolution(parameter, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    convolution.set_friendly_name("block/conv:0")
    relu = ops.relu(convolution)
    relu.set_friendly_name("block/<relu>")
    return ov.Model([relu], [parameter], "fused")


def test_runtime_graph_fused_names_split() -> None:
    compiled = ov.Core().compile_model(_fused_model(), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})

    layers, _ = extract_runtime_graph(compiled)

    convolution = layers[layers["layer_type"] == "Convolution"].iloc[0]
    assert convolution["original_layer_names"] == ["block/conv:0", "block/<relu>"]
    assert convolution["original_layers_names"] == "block/conv:0,block/<relu>"
    assert convolution["runtime_precision"] == "f32"
    assert convolution["output_shapes"] == ["[1,8,16,16]"]
    assert convolution["rt_info"]["layerType"] == "Convolution"
    assert convolution["exec_time_mcs"] == "not_executed"


def test_runtime_graph_real_model_tables() -> None:
    model = ov.convert_model(fetch("light_squeezenet"))
    compiled = ov.Core().compile_model(model, "CPU")

    layers, edges = extract_runtime_graph(compiled)

    assert list(layers.columns) == RUNTIME_LAYERS.column_names
    assert list(edges.columns) == RUNTIME_EDGES.column_names
    assert layers["layer_id"].is_unique
    assert set(edges["source_id"]) <= set(layers["layer_id"])
    assert set(edges["target_id"]) <= set(layers["layer_id"])
    assert sorted(layers["exec_order"]) == list(range(len(layers)))
    assert (layers["sample_count"] == 0).all()
    assert layers["status"].isna().all()
    assert {"Input", "Output", "Convolution"} <= set(layers["layer_type"])
    assert edges["element_type"].isin(["f32", "bf16", "f16", "i32", "i64", "u8", "i8"]).all()


def test_runtime_graph_edges_ports() -> None:
    compiled = ov.Core().compile_model(_fused_model(), "CPU")

    layers, edges = extract_runtime_graph(compiled)

    by_id = layers.set_index("layer_id")
    convolution_id = layers.loc[layers["layer_type"] == "Convolution", "layer_id"].iloc[0]
    inputs = edges[edges["target_id"] == convolution_id].sort_values("target_port")
    assert inputs["target_port"].tolist() == list(range(len(inputs)))
    assert len(inputs) >= 2
    assert by_id.loc[inputs["source_id"].iloc[1], "layer_type"] in ("Const", "Input", "Reorder")


def test_runtime_graph_known_names_rejoin_commas() -> None:
    model = _fused_model()
    convolution = next(op for op in model.get_ordered_ops() if op.get_type_name() == "Convolution")
    convolution.set_friendly_name("conv,with comma")
    compiled = ov.Core().compile_model(model, "CPU")

    plain, _ = extract_runtime_graph(compiled)
    known, _ = extract_runtime_graph(compiled, {"conv,with comma", "block/<relu>"})

    plain_names = plain.loc[plain["layer_type"] == "Convolution", "original_layer_names"].iloc[0]
    known_names = known.loc[known["layer_type"] == "Convolution", "original_layer_names"].iloc[0]
    assert plain_names == ["conv", "with comma", "block/<relu>"]
    assert known_names == ["conv,with comma", "block/<relu>"]
