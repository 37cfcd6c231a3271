"""The runtime model (execution graph) of a compiled model as tables.

Each node of ``get_runtime_model()`` is an execution node. Its rt_info names the layer type,
kernel (primitiveType), runtime precision, execution order and the original layer names it was
built from. Counter columns stay empty here: ``counters.merge_counter_statistics`` fills them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import openvino as ov
import pandas as pd

from ovstudio.profiler.counters import STATISTICS_COLUMNS
from ovstudio.profiler.names import split_original_names
from ovstudio.session.schema import RUNTIME_EDGES, RUNTIME_LAYERS

RUNTIME_GRAPH_ID = "runtime"


def extract_runtime_graph(
    compiled_model: ov.CompiledModel, known_names: Collection[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (runtime_layers, runtime_edges) of ``compiled_model.get_runtime_model()``.

    ``known_names``, the IR layer names, lets ``split_original_names`` rejoin names that contain
    commas.
    """
    return runtime_graph_tables(compiled_model.get_runtime_model(), known_names)


def runtime_graph_tables(
    runtime_model: ov.Model, known_names: Collection[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (runtime_layers, runtime_edges) of a runtime model, in schema column order."""
    nodes = list(runtime_model.get_ordered_ops())
    layer_ids = {node.get_instance_id(): f"{RUNTIME_GRAPH_ID}/{index}" for index, node in enumerate(nodes)}

    layers = [_layer_row(node, layer_ids[node.get_instance_id()], known_names) for node in nodes]
    edges = [edge for node in nodes for edge in _edge_rows(node, layer_ids)]

    return (
        pd.DataFrame(layers, columns=RUNTIME_LAYERS.column_names),
        pd.DataFrame(edges, columns=RUNTIME_EDGES.column_names),
    )


def rt_info_text(node: ov.Node) -> dict[str, str]:
    """Return every rt_info entry of ``node``, values as text."""
    rt_info = node.get_rt_info()
    return {str(key): _rt_value_text(rt_info[key]) for key in rt_info.keys()}


def _layer_row(node: ov.Node, layer_id: str, known_names: Collection[str] | None) -> dict[str, Any]:
    rt_info = rt_info_text(node)
    original = rt_info.get("originalLayersNames")
    row: dict[str, Any] = {
        "layer_id": layer_id,
        "name": node.get_friendly_name(),
        "layer_type": rt_info.get("layerType", node.get_type_name()),
        "exec_order": _to_int(rt_info.get("execOrder")),
        "primitive_type": rt_info.get("primitiveType"),
        "runtime_precision": rt_info.get("runtimePrecision"),
        "output_precisions": rt_info.get("outputPrecisions"),
        "output_layouts": rt_info.get("outputLayouts"),
        "original_layers_names": original,
        "original_layer_names": split_original_names(original, known_names),
        "exec_time_mcs": rt_info.get("execTimeMcs"),
        "output_shapes": [str(output.get_partial_shape()) for output in node.outputs()],
        "rt_info": rt_info,
        "mapping_class": "",
    }
    row.update(dict.fromkeys(STATISTICS_COLUMNS))
    row["sample_count"] = 0
    return row


def _edge_rows(node: ov.Node, layer_ids: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for target_port, node_input in enumerate(node.inputs()):
        source = node_input.get_source_output()
        rows.append(
            {
                "source_id": layer_ids[source.get_node().get_instance_id()],
                "source_port": source.get_index(),
                "target_id": layer_ids[node.get_instance_id()],
                "target_port": target_port,
                "shape": str(source.get_partial_shape()),
                "element_type": source.get_element_type().get_type_name(),
            }
        )
    return rows


def _rt_value_text(value: Any) -> str:
    try:
        return str(value.astype(str))
    except (AttributeError, RuntimeError, TypeError):
        return str(value)


def _to_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
