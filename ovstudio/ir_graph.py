"""The layers and edges of a model in OpenVINO IR form, with the bodies of nested operations.

``extract_ir_graph`` walks ``model.get_ordered_ops()`` and returns the ``ir_layers`` and
``ir_edges`` tables of ``ovstudio.session.schema``. The main graph's layers get the ids
``main/<index>``. The bodies of TensorIterator, Loop and If layers are walked recursively, with
graph ids ``<parent layer_id>/body<N>`` and layer ids ``<graph_id>/<index>``.

Shapes are written as OpenVINO prints a partial shape, without spaces: ``[1,3,224,224]``,
``?`` for a dynamic dimension, ``2..10`` or ``1..`` for a bounded one, ``[]`` for a scalar and
``[...]`` for a dynamic rank.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import time
from typing import Any

import numpy as np
import openvino as ov
import pandas as pd
import pyarrow as pa

from ovstudio.session.schema import IR_EDGES, IR_LAYERS

logger = logging.getLogger(__name__)

MAIN_GRAPH_ID = "main"
# A Constant's value is kept in attributes_json only up to this many elements, so that weights
# never end up in a session.
MAX_CONSTANT_VALUES = 16
# Element types whose values Constant.get_data() returns one per element.
_DATA_CONSTANT_TYPES = frozenset(
    {"boolean", "f64", "f32", "f16", "i64", "i32", "i16", "i8", "u64", "u32", "u16", "u8"}
)
# Sub-byte integer types: get_data() returns them packed into bytes, get_vector() unpacked.
_PACKED_CONSTANT_TYPES = frozenset({"u1", "u4", "i4"})
# Columns stored as Arrow int32, which pandas would otherwise hold as int64.
_INT32_COLUMNS = {
    table.name: [column.name for column in table.columns if column.type.equals(pa.int32())]
    for table in (IR_LAYERS, IR_EDGES)
}


def extract_ir_graph(model: ov.Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the ``ir_layers`` and ``ir_edges`` tables of ``model`` and of every nested body."""
    started = time.perf_counter()
    layer_rows: list[dict[str, Any]] = []
    edge_rows: list[dict[str, Any]] = []
    _extract_graph(model, MAIN_GRAPH_ID, layer_rows, edge_rows)

    layers = pd.DataFrame(layer_rows, columns=IR_LAYERS.column_names)
    edges = pd.DataFrame(edge_rows, columns=IR_EDGES.column_names)
    for table, frame in ((IR_LAYERS, layers), (IR_EDGES, edges)):
        for name in _INT32_COLUMNS[table.name]:
            frame[name] = frame[name].astype("int32")
    logger.info(
        "extracted %d IR layers and %d edges in %.3f s",
        len(layers), len(edges), time.perf_counter() - started,
    )
    return layers, edges


def _extract_graph(
    model: ov.Model, graph_id: str, layer_rows: list[dict[str, Any]], edge_rows: list[dict[str, Any]]
) -> None:
    operations = model.get_ordered_ops()
    # Python wrappers of the same node differ between calls, so nodes are keyed by instance id.
    ids = {node.get_instance_id(): f"{graph_id}/{index}" for index, node in enumerate(operations)}
    for node in operations:
        layer_id = ids[node.get_instance_id()]
        bodies = node_bodies(node)
        layer_rows.append(_layer_row(node, layer_id, graph_id, len(bodies)))
        edge_rows.extend(_edge_rows(node, layer_id, graph_id, ids))
        for body_index, body in enumerate(bodies):
            _extract_graph(body, f"{layer_id}/body{body_index}", layer_rows, edge_rows)


def node_bodies(node: ov.Node) -> list[ov.Model]:
    """Return the bodies of a TensorIterator, Loop or If node, and an empty list for others.

    If's bodies are its then body (body0) and its else body (body1).
    """
    # NOTE: the Python API of OpenVINO 2026.4 has no body count: If.get_function(index) with an
    # index past the last body crashes the process, so bodies are read per operation type.
    type_name = node.get_type_name()
    if type_name not in ("If", "Loop", "TensorIterator"):
        return []
    if not hasattr(node, "get_function"):
        # OpenVINO's Python API returns If, Loop and TensorIterator nodes as their own classes;
        # a plain Node would hide the bodies.
        logger.warning(
            "bodies of %s %s are not accessible and were skipped", type_name, node.get_friendly_name()
        )
        return []
    if type_name == "If":
        return [node.get_then_body(), node.get_else_body()]
    return [node.get_function()]


def _layer_row(node: ov.Node, layer_id: str, graph_id: str, body_count: int) -> dict[str, Any]:
    outputs = range(node.get_output_size())
    return {
        "layer_id": layer_id,
        "graph_id": graph_id,
        "name": node.get_friendly_name(),
        "type": node.get_type_name(),
        "opset": node.get_type_info().version_id,
        "attributes_json": attributes_json(node),
        "rt_info": rt_info_text(node),
        "output_shapes": [partial_shape_text(node.get_output_partial_shape(port)) for port in outputs],
        "output_element_types": [node.get_output_element_type(port).get_type_name() for port in outputs],
        "body_count": body_count,
        # The mapping step fills in the class once the runtime model is known.
        "mapping_class": "",
    }


def _edge_rows(node: ov.Node, layer_id: str, graph_id: str, ids: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for port in range(node.get_input_size()):
        source = node.input_value(port)
        rows.append({
            "graph_id": graph_id,
            "source_id": ids[source.get_node().get_instance_id()],
            "source_port": source.get_index(),
            "target_id": layer_id,
            "target_port": port,
            "shape": partial_shape_text(node.get_input_partial_shape(port)),
            "element_type": node.get_input_element_type(port).get_type_name(),
        })
    return rows


def partial_shape_text(shape: ov.PartialShape) -> str:
    """Return a partial shape as text such as ``[1,3,?,?]`` (see the module docstring)."""
    return str(shape).replace(" ", "")


def rt_info_text(node: ov.Node) -> dict[str, str]:
    """Return a node's runtime info with every value as text."""
    result = {}
    for key, value in node.get_rt_info().items():
        try:
            result[str(key)] = value.astype(str)
        except (RuntimeError, TypeError, AttributeError):
            result[str(key)] = str(value)
    return result


def attributes_json(node: ov.Node) -> str:
    """Return a node's attributes as a JSON object; a Constant gets its value only when small."""
    attributes = {name: _to_json_value(value) for name, value in node.get_attributes().items()}
    if node.get_type_name() == "Constant":
        value = small_constant_value(node)
        if value is not None:
            attributes["value"] = value
    return json.dumps(attributes, separators=(",", ":"), ensure_ascii=False)


def small_constant_value(node: ov.Node) -> Any:
    """Return a Constant's value as nested lists when it has at most MAX_CONSTANT_VALUES elements."""
    shape = node.get_output_partial_shape(0)
    if shape.is_dynamic or math.prod(dimension.get_length() for dimension in shape) > MAX_CONSTANT_VALUES:
        return None
    element_type = node.get_output_element_type(0).get_type_name()
    try:
        if element_type == "string":
            return np.array(node.get_value_strings(), dtype=object).reshape(shape.to_shape()).tolist()
        if element_type in _DATA_CONSTANT_TYPES:
            return _to_json_value(node.get_data())
        if element_type == "bf16":
            # get_data() returns the raw bf16 bits typed as float16; bf16 is the upper half of f32.
            bits = node.get_data().view(np.uint16).astype(np.uint32) << 16
            return _to_json_value(bits.view(np.float32))
        if element_type in _PACKED_CONSTANT_TYPES:
            return _to_json_value(np.asarray(node.get_vector()).reshape(shape.to_shape()))
    except (RuntimeError, TypeError, ValueError) as error:
        logger.debug("value of Constant %s not recorded: %s", node.get_friendly_name(), error)
    return None


def _to_json_value(value: Any) -> Any:
    """Convert an attribute value to plain JSON types, falling back to ``str()``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinity, so these are written as text.
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.ndarray):
        return _to_json_value(value.tolist())
    if isinstance(value, np.generic):
        return _to_json_value(value.item())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _to_json_value(item) for key, item in value.items()}
    if isinstance(value, ov.Type):
        return value.get_type_name()
    if isinstance(value, (ov.PartialShape, ov.Shape)):
        return partial_shape_text(ov.PartialShape(value))
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)
