"""IR layers and edges extracted from real converted models, and from nested bodies."""

from __future__ import annotations

import collections
import json
import time
from pathlib import Path

import numpy as np
import onnx
import onnx.helper
import openvino as ov
import openvino.opset13 as opset
import pandas as pd
import pyarrow as pa
import pytest
from onnx import TensorProto

from ovstudio.ir_graph import MAX_CONSTANT_VALUES, extract_ir_graph
from ovstudio.model_files import prepare_model_files
from ovstudio.session.schema import IR_EDGES, IR_LAYERS
from tests.real_models import fetch


@pytest.fixture(scope="module")
def resnet50() -> ov.Model:
    return ov.convert_model(str(fetch("light_resnet50")))


@pytest.fixture(scope="module")
def ppocr_rec() -> ov.Model:
    return ov.convert_model(str(fetch("ppocr_rec")))


@pytest.fixture(scope="module")
def magika_model() -> ov.Model:
    return ov.convert_model(str(fetch("magika")))


def if_model_with_real_bodies() -> ov.Model:
    """An If whose then and else bodies are the real magika model converted twice."""
    condition = opset.parameter([], ov.Type.boolean, name="condition")
    data = opset.parameter([1, 2048], np.int32, name="bytes")
    then_body = ov.convert_model(str(fetch("magika")))
    else_body = ov.convert_model(str(fetch("magika")))
    branch = opset.if_op(condition)
    branch.set_then_body(then_body)
    branch.set_else_body(else_body)
    branch.set_input(data.output(0), then_body.get_parameters()[0], else_body.get_parameters()[0])
    output = branch.set_output(then_body.get_results()[0], else_body.get_results()[0])
    return ov.Model([opset.result(output)], [condition, data], "if_magika")


def onnx_if_inside_loop(path: Path) -> None:
    """Write an ONNX model whose Loop body contains an If, so bodies nest two levels deep."""
    then_graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", ["value_in"], ["then_out"])], "then", [],
        [onnx.helper.make_tensor_value_info("then_out", TensorProto.FLOAT, [1, 3])],
    )
    else_graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Sigmoid", ["value_in"], ["else_out"])], "else", [],
        [onnx.helper.make_tensor_value_info("else_out", TensorProto.FLOAT, [1, 3])],
    )
    body = onnx.helper.make_graph(
        [
            onnx.helper.make_node("Identity", ["condition_in"], ["condition_out"]),
            onnx.helper.make_node("ReduceSum", ["value_in"], ["total"], keepdims=0),
            onnx.helper.make_node("Constant", [], ["zero"], value_float=0.0),
            onnx.helper.make_node("Greater", ["total", "zero"], ["positive"]),
            onnx.helper.make_node(
                "If", ["positive"], ["value_out"], then_branch=then_graph, else_branch=else_graph
            ),
        ],
        "loop_body",
        [
            onnx.helper.make_tensor_value_info("iteration", TensorProto.INT64, []),
            onnx.helper.make_tensor_value_info("condition_in", TensorProto.BOOL, []),
            onnx.helper.make_tensor_value_info("value_in", TensorProto.FLOAT, [1, 3]),
        ],
        [
            onnx.helper.make_tensor_value_info("condition_out", TensorProto.BOOL, []),
            onnx.helper.make_tensor_value_info("value_out", TensorProto.FLOAT, [1, 3]),
        ],
    )
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Loop", ["trip_count", "condition", "x"], ["y"], body=body)],
        "nested",
        [
            onnx.helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3]),
            onnx.helper.make_tensor_value_info("condition", TensorProto.BOOL, []),
            onnx.helper.make_tensor_value_info("trip_count", TensorProto.INT64, []),
        ],
        [onnx.helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    )
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)]), str(path))


def assert_edges_reference_layers(layers: pd.DataFrame, edges: pd.DataFrame) -> None:
    graph_of = dict(zip(layers["layer_id"], layers["graph_id"]))
    for row in edges.itertuples():
        assert graph_of[row.source_id] == row.graph_id
        assert graph_of[row.target_id] == row.graph_id


# --- Real models -------------------------------------------------------------------------------


def test_extract_ir_graph_resnet50_counts(resnet50: ov.Model) -> None:
    layers, edges = extract_ir_graph(resnet50)

    operations = resnet50.get_ordered_ops()
    assert len(layers) == len(operations)
    assert list(layers["layer_id"]) == [f"main/{index}" for index in range(len(operations))]
    assert (layers["graph_id"] == "main").all()
    expected_types = collections.Counter(node.get_type_name() for node in operations)
    assert collections.Counter(layers["type"]) == expected_types
    assert {"Parameter", "Convolution", "Add", "Relu", "MaxPool", "Result", "Constant"} <= set(layers["type"])
    assert (layers["body_count"] == 0).all()
    assert (layers["mapping_class"] == "").all()
    assert len(edges) == sum(node.get_input_size() for node in operations)


def test_extract_ir_graph_columns_match_schema(ppocr_rec: ov.Model) -> None:
    layers, edges = extract_ir_graph(ppocr_rec)

    assert list(layers.columns) == IR_LAYERS.column_names
    assert list(edges.columns) == IR_EDGES.column_names
    # Raises if any value does not fit the declared Arrow type.
    pa.Table.from_pandas(layers, schema=IR_LAYERS.arrow_schema(), preserve_index=False)
    pa.Table.from_pandas(edges, schema=IR_EDGES.arrow_schema(), preserve_index=False)


def test_extract_ir_graph_edges_reference_layers(ppocr_rec: ov.Model) -> None:
    layers, edges = extract_ir_graph(ppocr_rec)

    layer_ids = set(layers["layer_id"])
    assert set(edges["source_id"]) <= layer_ids
    assert set(edges["target_id"]) <= layer_ids
    outputs = layers.set_index("layer_id")
    for row in edges.itertuples():
        assert row.shape == outputs.at[row.source_id, "output_shapes"][row.source_port]
        assert row.element_type == outputs.at[row.source_id, "output_element_types"][row.source_port]


def test_extract_ir_graph_shapes_and_opsets(ppocr_rec: ov.Model) -> None:
    layers, _ = extract_ir_graph(ppocr_rec)

    parameter = layers[layers["type"] == "Parameter"].iloc[0]
    assert parameter["output_shapes"] == ["[?,3,?,?]"]
    assert parameter["output_element_types"] == ["f32"]
    opsets = dict(zip(layers["type"], layers["opset"]))
    assert opsets["Convolution"] == "opset1"
    assert opsets["HSwish"] == "opset4"
    assert opsets["Softmax"] == "opset8"
    assert opsets["ScaledDotProductAttention"] == "opset13"


def test_extract_ir_graph_attributes_are_json(resnet50: ov.Model) -> None:
    layers, _ = extract_ir_graph(resnet50)

    attributes = [json.loads(text) for text in layers["attributes_json"]]
    assert all(isinstance(item, dict) for item in attributes)
    convolution = attributes[list(layers["type"]).index("Convolution")]
    assert convolution["auto_pad"] == "explicit"
    assert all(isinstance(stride, int) for stride in convolution["strides"])
    result = attributes[list(layers["type"]).index("Result")]
    assert result == {}


def test_extract_ir_graph_omits_weights(resnet50: ov.Model) -> None:
    layers, _ = extract_ir_graph(resnet50)

    constants = layers[layers["type"] == "Constant"]
    for text in constants["attributes_json"]:
        attributes = json.loads(text)
        elements = int(np.prod(attributes["shape"]))
        assert ("value" in attributes) == (elements <= MAX_CONSTANT_VALUES)
        assert len(text) < 400
    assert constants["attributes_json"].str.contains('"value"').any()


def test_extract_ir_graph_rt_info_is_text(magika_model: ov.Model) -> None:
    layers, _ = extract_ir_graph(magika_model)

    for rt_info in layers["rt_info"]:
        assert all(isinstance(key, str) and isinstance(value, str) for key, value in rt_info.items())
    assert any(rt_info for rt_info in layers["rt_info"])


def test_extract_ir_graph_unique_ids(magika_model: ov.Model) -> None:
    model = magika_model.clone()
    operations = [node for node in model.get_ordered_ops() if node.get_type_name() == "Multiply"]
    for node in operations[:3]:
        node.set_friendly_name("repeated")

    layers, _ = extract_ir_graph(model)

    assert layers["layer_id"].is_unique
    assert (layers["name"] == "repeated").sum() == 3


def test_extract_ir_graph_densenet_is_fast() -> None:
    model = ov.convert_model(str(fetch("light_densenet121")))

    started = time.perf_counter()
    layers, _ = extract_ir_graph(model)
    elapsed = time.perf_counter() - started

    assert len(layers) == len(model.get_ordered_ops())
    # About 0.05 s for 797 layers on a 2-core machine; the bound leaves room for slow runners.
    assert elapsed < 3.0


def test_extract_ir_graph_ir_round_trip(magika_model: ov.Model, tmp_path: Path) -> None:
    ov.save_model(magika_model, str(tmp_path / "magika.xml"), compress_to_fp16=False)
    read = ov.Core().read_model(str(tmp_path / "magika.xml"))

    converted_layers, converted_edges = extract_ir_graph(magika_model)
    read_layers, read_edges = extract_ir_graph(read)

    assert collections.Counter(read_layers["type"]) == collections.Counter(converted_layers["type"])
    assert len(read_edges) == len(converted_edges)


# --- Nested bodies -----------------------------------------------------------------------------


def test_extract_ir_graph_if_bodies() -> None:
    model = if_model_with_real_bodies()
    body_size = len(ov.convert_model(str(fetch("magika"))).get_ordered_ops())

    layers, edges = extract_ir_graph(model)

    branch = layers[layers["type"] == "If"].iloc[0]
    assert branch["graph_id"] == "main"
    assert branch["body_count"] == 2
    for body_index in (0, 1):
        graph_id = f"{branch['layer_id']}/body{body_index}"
        body = layers[layers["graph_id"] == graph_id]
        assert len(body) == body_size
        assert list(body["layer_id"]) == [f"{graph_id}/{index}" for index in range(body_size)]
    assert layers["layer_id"].is_unique
    assert (layers["name"].value_counts() == 2).any()
    assert_edges_reference_layers(layers, edges)


def test_extract_ir_graph_nested_loop_and_if(tmp_path: Path) -> None:
    onnx_if_inside_loop(tmp_path / "nested.onnx")
    model = ov.convert_model(str(tmp_path / "nested.onnx"))

    layers, edges = extract_ir_graph(model)

    loop = layers[layers["type"] == "Loop"].iloc[0]
    assert loop["body_count"] == 1
    assert loop["opset"] == "opset5"
    inner_if = layers[layers["type"] == "If"].iloc[0]
    assert inner_if["graph_id"] == f"{loop['layer_id']}/body0"
    assert inner_if["body_count"] == 2
    then_types = set(layers.loc[layers["graph_id"] == f"{inner_if['layer_id']}/body0", "type"])
    else_types = set(layers.loc[layers["graph_id"] == f"{inner_if['layer_id']}/body1", "type"])
    assert "Relu" in then_types
    assert "Sigmoid" in else_types
    assert_edges_reference_layers(layers, edges)


def test_extract_ir_graph_tensor_iterator_body() -> None:
    sequence = opset.parameter([4, 3], np.float32, name="sequence")
    step = opset.parameter([1, 3], np.float32, name="step")
    body = ov.Model([opset.result(opset.relu(step))], [step], "step_body")
    iterator = opset.tensor_iterator()
    iterator.set_body(body)
    iterator.set_sliced_input(step, sequence.output(0), 0, 1, 1, -1, 0)
    output = iterator.get_concatenated_slices(body.get_results()[0].output(0), 0, 1, 1, -1, 0)
    model = ov.Model([opset.result(output)], [sequence], "iterator")

    layers, edges = extract_ir_graph(model)

    parent = layers[layers["type"] == "TensorIterator"].iloc[0]
    assert parent["body_count"] == 1
    body_layers = layers[layers["graph_id"] == f"{parent['layer_id']}/body0"]
    assert list(body_layers["type"]) == ["Parameter", "Relu", "Result"]
    assert_edges_reference_layers(layers, edges)


def test_extract_ir_graph_bodies_from_ir_files(tmp_path: Path) -> None:
    ov.save_model(if_model_with_real_bodies(), str(tmp_path / "if_magika.xml"), compress_to_fp16=False)
    bundle = prepare_model_files([tmp_path / "if_magika.xml", tmp_path / "if_magika.bin"], tmp_path / "work")
    read = ov.Core().read_model(str(bundle.main_file))

    layers, _ = extract_ir_graph(read)

    assert layers.loc[layers["type"] == "If", "body_count"].tolist() == [2]
    assert (layers["graph_id"] != "main").sum() > 300
